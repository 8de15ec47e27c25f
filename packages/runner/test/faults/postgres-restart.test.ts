/**
 * Fault: PostgreSQL restarts mid-job (an immediate stop, as in a crash, down for 1.5 s, then crash recovery). The
 * worker must survive it (no crash on the dropped connections) and the job must complete with every bar: symbols
 * whose writes failed while the database was away are loaded again once it is back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectCompleted,
  expectJobBars,
  type FaultStack,
  finishFaultRun,
  type JobSpec,
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

// 20 symbols × 3 requests at 150-250 ms each, 4 at a time: about 4 s of work, so the restart lands mid-job.
const SPEC: JobSpec = { symbols: symbolNames('PGR', 20), timeframes: ['hour', 'day'], years: 0.1 };
/** Ticker details, then one page each of hour and day bars. */
const REQUESTS_PER_SYMBOL = 3;

let stack: FaultStack;
let workers: WorkerProcess[] = [];

beforeAll(async () => {
  stack = await startFaultStack({ simulator: { latency: { fixedMs: 150, jitterMs: 100 } } });
  workers = await spawnWorkers(stack, 1);
}, 90_000);

afterAll(() => finishFaultRun(stack, workers), 60_000);

describe('PostgreSQL restarting mid-job', () => {
  it('the worker survives and the job completes with exactly the bars the simulator serves', async () => {
    const [worker] = workers as [WorkerProcess];
    const jobId = await submitFaultJob(stack, SPEC);
    const before = await waitForStatus(stack, jobId, (s) => processed(s) >= 3, 'at least 3 symbols processed', 60_000);
    expect(processed(before)).toBeLessThan(SPEC.symbols.length); // mid-job: some symbols done, not all
    await stack.postgres.restart({ downMs: 1500 });
    const status = await waitForFinal(stack, jobId, 90_000);
    expect({ exitCode: worker.child.exitCode, signal: worker.child.signalCode }).toEqual({ exitCode: null, signal: null });
    expectCompleted(status, SPEC);
    const verified = await expectJobBars(stack, SPEC);
    // The outage did hit the job: symbols caught by it were loaded again (3 requests each without a fault:
    // details, hour, day), which is how every bar still arrived.
    const stats = await simulatorStats(stack);
    const reloaded = SPEC.symbols.filter((s) => (stats.byTicker[s] ?? 0) > REQUESTS_PER_SYMBOL);
    expect(reloaded.length).toBeGreaterThan(0);
    expect(SPEC.symbols.filter((s) => (stats.byTicker[s] ?? 0) < REQUESTS_PER_SYMBOL)).toEqual([]);
    console.log(
      `[faults] PostgreSQL restart mid-job (after ${processed(before)}/${SPEC.symbols.length} symbols, down 1.5 s): ` +
        `1 job, ${reloaded.length} symbols loaded again, ${verified.bars} bars verified, status ${status.status}`,
    );
  });
});
