/**
 * The simulator in a child process of its own (support/simulator-child.ts), at a `nice` level, for tests that measure
 * arrival times: the simulator stamps an arrival when its event loop gets to it, and a busy or descheduled test
 * process would stamp several arrivals late and together. Its counters are read over HTTP (`GET /__sim/stats`) and
 * reset with `POST /__sim/reset`.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RunningSimulator, SimulatorOptions, SimulatorStats } from '@tickstock/massive-simulator';

const SIMULATOR_CHILD = fileURLToPath(new URL('./simulator-child.ts', import.meta.url));

/** Starts the simulator in its own process under `nice` and resolves with a handle on it once it listens. */
export async function startSimulatorProcess(options: SimulatorOptions, nice: number): Promise<RunningSimulator> {
  const child = spawn('nice', ['-n', String(nice), process.execPath, '--import', 'tsx', SIMULATOR_CHILD], {
    env: { ...process.env, SIMULATOR_OPTIONS: JSON.stringify(options) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr?.on('data', (c: Buffer) => {
    err += c.toString('utf8');
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      const line = out.split('\n')[0] as string;
      if (out.includes('\n')) resolve(line.trim());
    });
    child.once('exit', (code) => reject(new Error(`simulator process exited ${code}: ${err}`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url,
    port: Number(new URL(url).port),
    stats() {
      throw new Error('the simulator runs in its own process: read its counters with simulatorProcessStats()');
    },
    reset() {
      throw new Error('the simulator runs in its own process: reset it with resetSimulatorProcess()');
    },
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The simulator's counters as served at `GET /__sim/stats`. */
export async function simulatorProcessStats(simulator: { url: string }): Promise<SimulatorStats> {
  const res = await fetch(`${simulator.url}/__sim/stats`);
  return (await res.json()) as SimulatorStats;
}

/** Back to the freshly started state (`POST /__sim/reset`): counters, fault sequence and rate-limit window. */
export async function resetSimulatorProcess(simulator: { url: string }): Promise<void> {
  const res = await fetch(`${simulator.url}/__sim/reset`, { method: 'POST' });
  if (!res.ok) throw new Error(`POST /__sim/reset answered ${res.status}`);
}
