/**
 * Fault: a flaky API. The simulator answers 30% of requests with a fault (429, 500 JSON, 502/503/504 nginx HTML
 * pages, bodies cut short, connection resets) and adds latency to every answer. The job must still complete with
 * every bar: the client retries each fault, and nothing half-received is written.
 */
import { FAULT_KINDS } from '@tickstock/massive-simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BarsVerified,
  expectCompleted,
  expectJobBars,
  type FaultStack,
  finishFaultRun,
  type JobSpec,
  simulatorStats,
  spawnWorkers,
  startFaultStack,
  submitFaultJob,
  symbolNames,
  type WorkerProcess,
  waitForFinal,
} from './harness.js';

const SPEC: JobSpec = { symbols: symbolNames('FLT', 16), timeframes: ['hour', 'day', 'week'], years: 0.1 };

let stack: FaultStack;
let workers: WorkerProcess[] = [];

beforeAll(async () => {
  stack = await startFaultStack({ simulator: { faults: { rate: 0.3 }, latency: { fixedMs: 10, jitterMs: 90 } } });
  workers = await spawnWorkers(stack, 1);
}, 90_000);

afterAll(() => finishFaultRun(stack, workers), 60_000);

describe('the simulator faulting 30% of requests', () => {
  it('the job completes with exactly the bars the simulator serves; every fault kind was injected', async () => {
    const jobId = await submitFaultJob(stack, SPEC);
    const status = await waitForFinal(stack, jobId, 120_000);
    expectCompleted(status, SPEC);
    const verified: BarsVerified = await expectJobBars(stack, SPEC);
    const stats = await simulatorStats(stack);
    // The fault sequence is seeded by request number, so the kinds seen in this many requests are fixed.
    expect(Object.keys(stats.faultsByKind).sort()).toEqual([...FAULT_KINDS].sort());
    expect(stats.faults / stats.requests).toBeGreaterThan(0.2);
    const kinds = Object.entries(stats.faultsByKind)
      .map(([k, n]) => `${k}:${n}`)
      .join(' ');
    console.log(
      `[faults] simulator at 30% faults: 1 job, ${SPEC.symbols.length} symbols × ${SPEC.timeframes.length} timeframes, ` +
        `${stats.requests} requests, ${stats.faults} faults injected (${kinds}), ${verified.bars} bars verified, status ${status.status}`,
    );
  });
});
