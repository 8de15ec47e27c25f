/**
 * Fault: the worker coordinating a job is frozen (SIGSTOP) past its queue lock; the other worker takes the job over
 * and finishes it; then the frozen one resumes (SIGCONT). Before, the resumed coordinator kept writing: the status
 * went `completed 100 → running 32, 57, 82 → completed 100`, and `data_import_started`/`data_import_completed` went
 * out twice. Now every write carries the coordinator's lease: the resumed one finds it lost, stops, and writes
 * nothing. The status the app saw never went backwards and ended on one `completed`; each lifecycle event went out
 * once; every bar is stored once.
 */
import { CHANNELS, FINAL_JOB_STATUSES } from '@tickstock/job-protocol';
import { waitFor } from '@tickstock/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectCompleted,
  expectJobBars,
  type FaultStack,
  finishFaultRun,
  type JobSpec,
  logRecords,
  processed,
  spawnWorkers,
  startFaultStack,
  submitFaultJob,
  symbolNames,
  type WorkerProcess,
  waitForFinal,
  waitForStatus,
} from './harness.js';

// 40 symbols at 150-250 ms per request, 2 at a time per worker: long enough to freeze the coordinator mid-job.
const SPEC: JobSpec = { symbols: symbolNames('FLT', 40), timeframes: ['day'], years: 0.1 };
const WORKER_ENV = { TICKSTOCK_SYMBOL_CONCURRENCY: '2' };
/** The fault harness's queue lock (FAULT_WORKER_ENV): past it, the frozen worker's job is taken over. */
const LOCK_MS = 2000;

let stack: FaultStack;
let workers: WorkerProcess[] = [];

beforeAll(async () => {
  stack = await startFaultStack({ simulator: { latency: { fixedMs: 150, jitterMs: 100 } } });
  workers = await spawnWorkers(stack, 2, WORKER_ENV);
}, 90_000);

afterAll(async () => {
  for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGCONT');
  await finishFaultRun(stack, workers);
}, 60_000);

const FINAL: ReadonlySet<string> = new Set(FINAL_JOB_STATUSES);
const coordinates = (w: WorkerProcess, jobId: string) => logRecords(w).some((r) => r.msg === 'job started' && r.jobId === jobId);

describe('a coordinator frozen past its lock, then resumed', () => {
  it('is fenced: the job is settled once, by the worker that took it over, and the status never goes backwards', async () => {
    const jobId = await submitFaultJob(stack, SPEC);
    const before = await waitForStatus(stack, jobId, (s) => processed(s) >= 4, 'at least 4 symbols processed', 60_000);
    expect(processed(before)).toBeLessThan(SPEC.symbols.length);
    const frozen = workers.find((w) => coordinates(w, jobId));
    const other = workers.find((w) => w !== frozen);
    if (!frozen || !other) throw new Error('no worker logged "job started" for the job');

    frozen.child.kill('SIGSTOP');
    const status = await waitForFinal(stack, jobId, 120_000);
    // The other worker took the job over (after the lock ran out) and settled it.
    expect(coordinates(other, jobId)).toBe(true);
    frozen.child.kill('SIGCONT');
    // The resumed coordinator finds its lease gone and stops without writing.
    await waitFor(
      () => logRecords(frozen).some((r) => r.jobId === jobId && /another worker coordinates this job now/.test(String(r.msg))),
      { timeoutMs: 15_000 + LOCK_MS, what: 'the resumed coordinator to notice it was fenced' },
    );
    await new Promise((r) => setTimeout(r, 2000)); // anything it would still write has been written by now

    expectCompleted(status, SPEC);
    const final = await waitForStatus(stack, jobId, () => true, 'the status');
    expect({ status: final.status, progress: final.progress }).toEqual({ status: 'completed', progress: 100 });
    const seen = stack.events.json(CHANNELS.jobStatus).filter((s) => s.job_id === jobId);
    const progress = seen.map((s) => Number(s.progress));
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(seen.filter((s) => FINAL.has(String(s.status))).map((s) => s.status)).toEqual(['completed']);
    expect(seen.at(-1)?.status).toBe('completed');
    const lifecycle = (channel: string) =>
      stack.events.json(channel).filter((e) => (e.payload as { run_id?: unknown } | undefined)?.run_id === jobId).length;
    expect({ started: lifecycle(CHANNELS.importStarted), completed: lifecycle(CHANNELS.importCompleted) }).toEqual({
      started: 1,
      completed: 1,
    });
    // Only the worker that took over logged the job's end.
    const ended = (w: WorkerProcess) => logRecords(w).filter((r) => r.jobId === jobId && r.status !== undefined).length;
    expect({ frozen: ended(frozen), other: ended(other) }).toEqual({ frozen: 0, other: 1 });
    const verified = await expectJobBars(stack, SPEC);
    console.log(
      `[faults] coordinator frozen after ${processed(before)}/${SPEC.symbols.length} symbols, job taken over and settled once: ` +
        `${seen.length} statuses monotone, 1 started + 1 completed event, ${verified.bars} bars verified`,
    );
  });
});
