/**
 * Fault: the worker is killed with SIGKILL mid-job (no drain, no goodbye) and a new one is started. The job must
 * resume and complete with every bar, and the symbols finished before the kill must not be fetched again: the
 * simulator's per-ticker request counts of those symbols stay what they were at the kill.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectCompleted,
  expectJobBars,
  type FaultStack,
  finishFaultRun,
  type JobSpec,
  killWorker,
  processed,
  simulatorStats,
  spawnWorkers,
  startFaultStack,
  submitFaultJob,
  symbolNames,
  type WorkerProcess,
  waitForFinal,
  waitForStatus,
} from './harness.js';

// 40 symbols at 250-350 ms a request, 4 at a time: about 10 s of work, so a kill once 3 symbols are done (the status
// is written at most once a second) always lands with most of the job left, however slow the machine.
const SPEC: JobSpec = { symbols: symbolNames('KIL', 40), timeframes: ['hour', 'day'], years: 0.1 };

let stack: FaultStack;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  stack = await startFaultStack({ simulator: { latency: { fixedMs: 250, jitterMs: 100 } } });
  workers.push(...(await spawnWorkers(stack, 1)));
}, 90_000);

afterAll(() => finishFaultRun(stack, workers), 60_000);

describe('a worker killed with SIGKILL mid-job', () => {
  it('a new worker resumes the job: it completes with every bar, and finished symbols are not fetched again', async () => {
    const [first] = workers as [WorkerProcess];
    const jobId = await submitFaultJob(stack, SPEC);
    await waitForStatus(stack, jobId, (s) => processed(s) >= 3, 'at least 3 symbols processed', 60_000);
    await killWorker(first);
    // What had finished when the worker died, and what the simulator had served by then.
    const atKill = await waitForStatus(stack, jobId, () => true, 'its status');
    const finished = [...(atKill.successful_symbols as string[])];
    const countsAtKill = (await simulatorStats(stack)).byTicker;
    expect(finished.length).toBeGreaterThanOrEqual(3);
    expect(finished.length).toBeLessThan(SPEC.symbols.length); // the kill did interrupt the job

    workers.push(...(await spawnWorkers(stack, 1)));
    const status = await waitForFinal(stack, jobId, 90_000);
    expectCompleted(status, SPEC);
    const verified = await expectJobBars(stack, SPEC);
    const counts = (await simulatorStats(stack)).byTicker;
    const refetched = Object.fromEntries(finished.map((s) => [s, (counts[s] ?? 0) - (countsAtKill[s] ?? 0)]));
    expect(refetched).toEqual(Object.fromEntries(finished.map((s) => [s, 0])));
    const resumed = SPEC.symbols.filter((s) => !finished.includes(s));
    console.log(
      `[faults] SIGKILL mid-job (${finished.length}/${SPEC.symbols.length} symbols done), new worker: 1 job, ` +
        `${resumed.length} symbols loaded after the kill, 0 finished symbols fetched again, ${verified.bars} bars verified, status ${status.status}`,
    );
  });
});
