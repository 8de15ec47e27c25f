/**
 * Fault: PostgreSQL away for 70 s in the middle of a job (an immediate stop, as in a crash). Before, every symbol in
 * flight or queued burned its 4 attempts in 13 s and the job failed long before the database came back. Now the
 * worker pauses: symbols wait for the database (it is probed with backoff), the status says since when it waits,
 * `tickstock:errors` hears of it once, and when the database is back every symbol loads. The job completes with
 * exactly the simulator's bars, its status never went backwards, the progress tables say what happened, and the
 * worker still stops within its drain limit.
 */
import { CHANNELS, FINAL_JOB_STATUSES } from '@tickstock/job-protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectCompleted,
  expectJobBars,
  type FaultStack,
  finishFaultRun,
  type JobSpec,
  processed,
  spawnWorkers,
  startFaultStack,
  submitFaultJob,
  symbolNames,
  type WorkerProcess,
  waitForFinal,
  waitForStatus,
} from './harness.js';

// 24 symbols × 4 requests at 150-250 ms each, 4 at a time: about 5 s of work without a fault.
const SPEC: JobSpec = { symbols: symbolNames('PGR', 24), timeframes: ['hour', 'day', 'month'], years: 0.25 };
const DOWN_MS = 70_000;
/** The worker's drain limit (the fault harness starts workers with `--drain-timeout 5`), plus process exit. */
const STOP_LIMIT_MS = 5000 + 3000;

let stack: FaultStack;
let workers: WorkerProcess[] = [];

beforeAll(async () => {
  stack = await startFaultStack({ simulator: { latency: { fixedMs: 150, jitterMs: 100 } } });
  workers = await spawnWorkers(stack, 1);
}, 90_000);

afterAll(() => finishFaultRun(stack, workers), 60_000);

const FINAL: ReadonlySet<string> = new Set(FINAL_JOB_STATUSES);

describe('PostgreSQL down for 70 s mid-job', () => {
  it('pauses the job, says so once, and completes it with every bar once the database is back', async () => {
    const [worker] = workers as [WorkerProcess];
    const jobId = await submitFaultJob(stack, SPEC);
    const before = await waitForStatus(stack, jobId, (s) => processed(s) >= 3, 'at least 3 symbols processed', 60_000);
    expect(processed(before)).toBeLessThan(SPEC.symbols.length);
    const downAt = Date.now();
    const outage = stack.postgres.restart({ downMs: DOWN_MS });
    // While it is away the job waits (no symbol fails) and the status says since when.
    const waiting = await waitForStatus(
      stack,
      jobId,
      (s) => /^waiting for the database since /.test(String(s.message)),
      'the waiting note',
      30_000,
    );
    expect({ status: waiting.status, failed: waiting.failed_symbols }).toEqual({ status: 'running', failed: [] });
    await outage;
    const upAt = Date.now();
    const status = await waitForFinal(stack, jobId, 120_000);
    expect({ exitCode: worker.child.exitCode, signal: worker.child.signalCode }).toEqual({ exitCode: null, signal: null });
    expectCompleted(status, SPEC);
    const verified = await expectJobBars(stack, SPEC);

    // Every status the app saw: running until the one final status, progress never lower than before.
    const seen = stack.events.json(CHANNELS.jobStatus).filter((s) => s.job_id === jobId);
    const progress = seen.map((s) => Number(s.progress));
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(seen.filter((s) => FINAL.has(String(s.status))).map((s) => s.status)).toEqual(['completed']);
    expect(seen.at(-1)?.status).toBe('completed');

    // One error event for the outage, none for any symbol.
    const errors = stack.events.json(CHANNELS.errors);
    expect(errors.filter((e) => e.category === 'STORE_UNAVAILABLE')).toHaveLength(1);
    expect(errors.filter((e) => e.severity !== 'error' && JSON.stringify(e).includes(jobId))).toEqual([]);

    // The progress tables agree with the status: every symbol completed, none left processing.
    const [row] = await stack.store.getProgress(jobId);
    expect({ total: row?.totalItems, completed: row?.completedItems, failed: row?.failedItems, percent: row?.percentComplete }).toEqual({
      total: SPEC.symbols.length,
      completed: SPEC.symbols.length,
      failed: 0,
      percent: 100,
    });
    const rows = await stack.store.getSymbolStatuses(jobId, 'data_import');
    expect(rows.map((r) => `${r.symbol}:${r.status}`)).toEqual([...SPEC.symbols].sort().map((s) => `${s}:completed`));

    // And it still stops within its drain limit.
    const stopAt = Date.now();
    await worker.stop('SIGTERM');
    const stopMs = Date.now() - stopAt;
    expect(stopMs).toBeLessThan(STOP_LIMIT_MS);
    console.log(
      `[faults] PostgreSQL down ${Math.round((upAt - downAt) / 1000)} s mid-job (after ${processed(before)}/${SPEC.symbols.length} symbols): ` +
        `completed ${Math.round((Date.now() - upAt) / 1000)} s after it was back, ${verified.bars} bars verified, ` +
        `${progress.length} statuses monotone, stopped in ${stopMs} ms`,
    );
  });
});
