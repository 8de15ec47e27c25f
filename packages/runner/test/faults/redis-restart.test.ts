/**
 * Fault: Redis restarts mid-job (killed with SIGKILL, down for 1 s). Without persistence it comes back empty: the
 * job's queue entries, the shared API budget and the status are gone, and the worker rebuilds them (the coordinator
 * adds its lost symbol entries again and rewrites the status) and completes. With an append-only file (fsynced on every write) it comes back with everything it
 * acknowledged, and the job must complete.
 */
import { describe, expect, it } from 'vitest';
import {
  expectCompleted,
  expectJobBars,
  type FaultStack,
  type JobSpec,
  type JobStatusJson,
  processed,
  spawnWorkers,
  startFaultStack,
  stopWorkers,
  submitFaultJob,
  symbolNames,
  type WorkerProcess,
  waitForFinal,
  waitForStatus,
} from './harness.js';

// 20 symbols × 3 requests at 150-250 ms each, 4 at a time: about 4 s of work, so the restart lands mid-job.
const spec = (prefix: string): JobSpec => ({ symbols: symbolNames(prefix, 20), timeframes: ['hour', 'day'], years: 0.1 });

interface Outcome {
  stack: FaultStack;
  worker: WorkerProcess;
  status: JobStatusJson;
  processedBefore: number;
}

/** Runs one job on one worker and restarts Redis once some but not all of its symbols are done. */
async function jobThroughRedisRestart(appendOnly: boolean, job: JobSpec, check: (o: Outcome) => Promise<void>): Promise<void> {
  const stack = await startFaultStack({ redis: { appendOnly }, simulator: { latency: { fixedMs: 150, jitterMs: 100 } } });
  let workers: WorkerProcess[] = [];
  try {
    workers = await spawnWorkers(stack, 1);
    const worker = workers[0] as WorkerProcess;
    const jobId = await submitFaultJob(stack, job);
    const before = await waitForStatus(stack, jobId, (s) => processed(s) >= 3, 'at least 3 symbols processed', 60_000);
    expect(processed(before)).toBeLessThan(job.symbols.length); // mid-job
    await stack.redisServer.restart({ signal: 'SIGKILL', downMs: 1000 });
    const status = await waitForFinal(stack, jobId, 60_000);
    expect({ exitCode: worker.child.exitCode, signal: worker.child.signalCode }).toEqual({ exitCode: null, signal: null });
    await check({ stack, worker, status, processedBefore: processed(before) });
  } finally {
    await stopWorkers(workers);
    await stack.close();
  }
}

describe('Redis restarting mid-job', () => {
  it('without persistence: the worker rebuilds what it needs (queue entries, API budget, status) and the job completes with every bar', async () => {
    const job = spec('RDN');
    await jobThroughRedisRestart(false, job, async ({ stack, worker, status, processedBefore }) => {
      expect(worker.lines.some((l) => l.includes('symbol entry lost from Redis: adding it again'))).toBe(true);
      expectCompleted(status, job);
      const verified = await expectJobBars(stack, job);
      console.log(
        `[faults] Redis restart without persistence (after ${processedBefore}/${job.symbols.length} symbols): ` +
          `1 job, ${verified.bars} bars verified, status ${status.status}`,
      );
    });
  });

  it('with appendonly yes (appendfsync always): the job completes with every bar', async () => {
    const job = spec('RDA');
    await jobThroughRedisRestart(true, job, async ({ stack, status, processedBefore }) => {
      expectCompleted(status, job);
      const verified = await expectJobBars(stack, job);
      console.log(
        `[faults] Redis restart with AOF (after ${processedBefore}/${job.symbols.length} symbols): ` +
          `1 job, ${verified.bars} bars verified, status ${status.status}`,
      );
    });
  });
});
