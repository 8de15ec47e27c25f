/** Shared pieces of the cross-package benchmarks: child processes, polling, the simulator as its own process. */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

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

export async function startSimulatorProcess(apiKey: string, args: string[] = []): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', `${root}packages/massive-client/src/simulator/cli.ts`, '--port', '0', '--api-key-env', 'BENCH_SIM_KEY', ...args],
    { cwd: root, env: { ...process.env, BENCH_SIM_KEY: apiKey }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const out: string[] = [];
  lines(child, out);
  const url = await until(() => out.map((l) => /listening on (http:\/\/\S+)/.exec(l)?.[1]).find(Boolean), 'the simulator');
  return { url, child };
}
