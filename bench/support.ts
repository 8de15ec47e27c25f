/** Shared pieces of the cross-package benchmarks: child processes, polling, the simulator as its own process. */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
/** Extra Node flags for the simulator process, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it. */
const SIM_NODE_ARGS = (process.env.BENCH_SIM_NODE_ARGS ?? '').split(' ').filter(Boolean);

export function lines(child: ChildProcess, sink: string[]) {
  let buf = '';
  const on = (d: Buffer) => {
    buf += d.toString();
    let i = buf.indexOf('\n');
    while (i >= 0) {
      sink.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
      i = buf.indexOf('\n');
    }
  };
  child.stdout?.on('data', on);
  child.stderr?.on('data', on);
}

export async function until<T>(f: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 120_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function peakRssMbOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** CPU seconds (user + system) a live process has used so far, from /proc (Linux). */
export function cpuSecondsOf(pid: number): number {
  const fields = statFields(pid);
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/**
 * The fields of /proc/<pid>/stat after the command name (which may hold spaces): index 0 is the state (field 3),
 * 11 and 12 utime and stime (fields 14 and 15), 13 and 14 the reaped children's cutime and cstime.
 */
function statFields(pid: number | string): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/**
 * CPU seconds a local PostgreSQL server has used so far: the postmaster, its live children, and (through the
 * postmaster's reaped-children times) every backend that has exited. Undefined when the server is not on this
 * machine (its process is not visible).
 */
export function postgresCpuSeconds(postmasterPid: number): number | undefined {
  try {
    const fields = statFields(postmasterPid);
    let ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    for (const child of readFileSync(`/proc/${postmasterPid}/task/${postmasterPid}/children`, 'utf8').trim().split(/\s+/)) {
      if (!child) continue;
      try {
        const f = statFields(child);
        ticks += Number(f[11]) + Number(f[12]);
      } catch {
        // exited meanwhile: its time moves to the postmaster's reaped-children totals
      }
    }
    return ticks / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** The postmaster (parent process) of a PostgreSQL backend, when the server runs on this machine. */
export function postmasterPidOf(backendPid: number): number | undefined {
  try {
    const m = /PPid:\s+(\d+)/.exec(readFileSync(`/proc/${backendPid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** USER_HZ: 100 on every Linux this runs on (getconf CLK_TCK). */
const CLOCK_TICKS = 100;

export async function startSimulatorProcess(apiKey: string, args: string[] = []): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [
      ...SIM_NODE_ARGS,
      '--import',
      'tsx',
      `${root}packages/massive-simulator/src/cli.ts`,
      '--port',
      '0',
      '--api-key-env',
      'BENCH_SIM_KEY',
      ...args,
    ],
    { cwd: root, env: { ...process.env, BENCH_SIM_KEY: apiKey }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const out: string[] = [];
  lines(child, out);
  const url = await until(() => out.map((l) => /listening on (http:\/\/\S+)/.exec(l)?.[1]).find(Boolean), 'the simulator');
  return { url, child };
}
