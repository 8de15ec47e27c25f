/**
 * Scale-out: one 60-symbol job on three worker replicas. Every replica takes part (each one's log names symbols it
 * loaded), together they load every symbol, the result is complete, and the job finishes sooner than the same
 * job on one replica when the API budget is not the bottleneck (no rate limit; each replica loads 2 symbols at a
 * time against 50-100 ms of API latency, so one replica is clearly the slower). Times are printed; only their
 * order is asserted, since three replicas should be 2-3× faster.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectCompleted,
  expectJobBars,
  type FaultStack,
  finishFaultRun,
  type JobSpec,
  spawnWorkers,
  startFaultStack,
  submitFaultJob,
  symbolNames,
  symbolsLoadedBy,
  type WorkerProcess,
  waitForFinal,
} from './harness.js';

const WORKER_ENV = { TICKSTOCK_SYMBOL_CONCURRENCY: '2' };
const spec = (prefix: string): JobSpec => ({ symbols: symbolNames(prefix, 60), timeframes: ['day'], years: 0.1 });
const ONE = spec('ONE');
const THREE = spec('TRI');

let stack: FaultStack;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  stack = await startFaultStack({ simulator: { latency: { fixedMs: 50, jitterMs: 50 } } });
}, 90_000);

afterAll(() => finishFaultRun(stack, workers), 60_000);

/** Submits the job and returns its final status and the seconds from submission to the final status. */
async function timedJob(job: JobSpec): Promise<{ jobId: string; status: Record<string, unknown>; seconds: number }> {
  const started = Date.now();
  const jobId = await submitFaultJob(stack, job);
  const status = await waitForFinal(stack, jobId, 120_000);
  return { jobId, status, seconds: (Date.now() - started) / 1000 };
}

describe('three worker replicas on one 60-symbol job', () => {
  it('all three take part, every bar is loaded, and the job is done sooner than on one replica', async () => {
    workers.push(...(await spawnWorkers(stack, 1, WORKER_ENV)));
    const one = await timedJob(ONE);
    expectCompleted(one.status, ONE);
    await expectJobBars(stack, ONE);

    workers.push(...(await spawnWorkers(stack, 2, WORKER_ENV)));
    const three = await timedJob(THREE);
    expectCompleted(three.status, THREE);
    // Both jobs' bars, and nothing else.
    const verified = await expectJobBars(stack, { ...THREE, symbols: [...ONE.symbols, ...THREE.symbols] });

    const loaded = workers.map((w) => symbolsLoadedBy(w, three.jobId));
    console.log(
      `[faults] replicas: 60-symbol job on 1 replica ${one.seconds.toFixed(1)} s, on 3 replicas ${three.seconds.toFixed(1)} s ` +
        `(symbols per replica ${loaded.map((l) => l.length).join('/')}); 2 jobs, ${verified.bars} bars verified`,
    );
    for (const [i, symbols] of loaded.entries())
      expect({ replica: i, tookPart: symbols.length > 0 }).toEqual({ replica: i, tookPart: true });
    expect([...new Set(loaded.flat())].sort()).toEqual([...THREE.symbols].sort());
    expect(three.seconds).toBeLessThan(one.seconds);
  });
});
