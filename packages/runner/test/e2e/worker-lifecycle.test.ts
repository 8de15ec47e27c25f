/**
 * The worker's lifecycle against a slow API (the simulator adds latency): cancel mid-job, SIGTERM mid-job (the job
 * goes back to the queue and the next worker finishes it), and a bad API key. Each leaves a consistent status, and
 * no secret in anything the worker wrote.
 */
import { randomUUID } from 'node:crypto';
import { CHANNELS, readJobStatus } from '@tickstock/job-protocol';
import { waitFor } from '@tickstock/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, spawnWorker, startStack, storedBars, submit, waitForFinalStatus } from './harness.js';

let stack: Stack;
const SYMBOLS = [
  'AAPL',
  'MSFT',
  'NVDA',
  'AMZN',
  'GOOGL',
  'META',
  'TSLA',
  'JPM',
  'XOM',
  'IBM',
  'ORCL',
  'INTC',
  'CSCO',
  'KO',
  'PEP',
  'WMT',
  'DIS',
  'NKE',
  'MCD',
  'V',
];

beforeAll(async () => {
  stack = await startStack({ latency: { fixedMs: 120 } });
}, 60_000);

afterAll(async () => {
  await stack?.close();
}, 60_000);

async function runningWithProgress(jobId: string, minProcessed: number) {
  return waitFor(
    async () => {
      const s = await readJobStatus(stack.redis, jobId);
      const v = s?.ok ? (s.value as unknown as Record<string, unknown>) : undefined;
      return v && v.status === 'running' && Number(v.processed_symbols) >= minProcessed ? v : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 50, what: `job ${jobId} to process ${minProcessed} symbols` },
  );
}

describe('worker lifecycle', () => {
  it('fails fast on a bad API key, and the key appears in no status, event or log line', async () => {
    const badKey = `wrong-key-${randomUUID()}`;
    const worker = await spawnWorker(stack, { env: { MASSIVE_API_KEY: badKey } });
    const jobId = randomUUID();
    await submit(stack, { job_id: jobId, job_type: 'historical_load', symbols: SYMBOLS, years: 1, timespan: 'day' });
    const status = await waitForFinalStatus(stack.redis, jobId, 30_000).finally(() => worker.stop());
    expect(status.status).toBe('failed');
    expect(String(status.error_message)).toContain('API_KEY_INVALID');
    expect(status.processed_symbols).toBe(0);
    // The symbols in flight were interrupted by the job-fatal error, not failed; no progress row is left open.
    expect(status.failed_symbols).toEqual([]);
    expect(status.progress).toBe(0);
    expect(String(status.message)).not.toMatch(/\d+ failed/);
    const rows = await stack.store.getSymbolStatuses(jobId, 'data_import');
    expect(rows.filter((r) => r.status === 'processing' || r.status === 'failed')).toEqual([]);
    const completed = stack.events.json(CHANNELS.importCompleted).find((e) => (e.payload as { run_id?: string }).run_id === jobId)
      ?.payload as Record<string, unknown>;
    expect(completed).toMatchObject({ failed_symbols: 0, failure_count: 0, status: 'failed' });
    // Stopped at once: one request per symbol in flight at most, not one per symbol in the job.
    expect(stack.simulator.stats().unauthorized).toBeLessThanOrEqual(4);
    expect(await worker.exited).toBe(0);
    const everything = [...worker.lines, ...stack.events.messages.map((m) => m.text), JSON.stringify(status)].join('\n');
    expect(everything).not.toContain(badKey);
    expect(everything).not.toContain(stack.apiKey);
  });

  it('cancels a running job within a few seconds, keeping what was written, and writes cancelled', async () => {
    const worker = await spawnWorker(stack, { args: ['--concurrency', '2'] });
    try {
      const jobId = randomUUID();
      await submit(stack, {
        job_id: jobId,
        job_type: 'csv_universe_load',
        symbols: SYMBOLS,
        timeframes: ['day', 'week', 'month'],
        years: 1,
      });
      await runningWithProgress(jobId, 2);
      const cancelledAt = Date.now();
      await stack.redis.publish(
        CHANNELS.control,
        JSON.stringify({ job_id: jobId, action: 'cancel', requested_by: 'admin', timestamp: '2025-12-23T12:16:00' }),
      );
      const status = await waitForFinalStatus(stack.redis, jobId, 10_000);
      expect(Date.now() - cancelledAt).toBeLessThan(5_000);
      expect(status.status).toBe('cancelled');
      expect(String(status.message)).toContain('cancelled by admin');
      const loaded = status.successful_symbols as string[];
      expect(loaded.length).toBeGreaterThanOrEqual(2);
      expect(loaded.length).toBeLessThan(SYMBOLS.length);
      for (const symbol of loaded) expect((await storedBars(stack, symbol, 'daily')).length).toBeGreaterThan(200);
      // Symbols the cancel stopped are interrupted, never failed: in the status, the message, the events and the tables.
      const interrupted = (status.interrupted_symbols as string[] | undefined) ?? [];
      expect(interrupted.length).toBeGreaterThan(0); // two symbols were in flight (120 ms per request)
      expect(status.failed_symbols).toEqual([]);
      expect(status.processed_symbols).toBe(loaded.length);
      expect(String(status.message)).not.toMatch(/failed/);
      if (interrupted.length) expect(String(status.message)).toContain(`${interrupted.length} interrupted`);
      expect(status.has_errors).toBe(true);
      const completed = stack.events.json(CHANNELS.importCompleted).find((e) => (e.payload as { run_id?: string }).run_id === jobId)
        ?.payload as Record<string, unknown>;
      expect(completed).toMatchObject({
        successful_symbols: loaded.length,
        failed_symbols: 0,
        success_count: loaded.length,
        failure_count: 0,
        interrupted_symbols: interrupted.length,
        total_records_imported: status.ohlcv_records_loaded,
        status: 'cancelled',
      });
      const rows = await stack.store.getSymbolStatuses(jobId, 'data_import');
      expect(rows.filter((r) => r.status !== 'completed' && r.status !== 'interrupted')).toEqual([]);
      expect(
        rows
          .filter((r) => r.status === 'interrupted')
          .map((r) => r.symbol)
          .sort(),
      ).toEqual([...interrupted].sort());
      const [progress] = await stack.store.getProgress(jobId);
      expect(progress).toMatchObject({ completedItems: loaded.length, failedItems: 0 });
    } finally {
      expect(await worker.stop()).toBe(0);
    }
  });

  it('on SIGTERM mid-job lets symbols in flight finish, hands the job back and exits 0; the next worker completes it without reloading', async () => {
    const first = await spawnWorker(stack, { args: ['--concurrency', '2'] });
    const jobId = randomUUID();
    await submit(stack, { job_id: jobId, job_type: 'csv_universe_load', symbols: SYMBOLS, timeframes: ['day', 'week', 'month'], years: 1 });
    await runningWithProgress(jobId, 2);
    expect(await first.stop('SIGTERM')).toBe(0);
    expect(first.lines.some((l) => l.includes('handing the job back to the queue'))).toBe(true);
    expect(first.lines.some((l) => l.includes('worker stopped'))).toBe(true);
    // No final status: the job is not over, it waits in the queue for a worker.
    const waiting = await readJobStatus(stack.redis, jobId);
    expect(waiting?.ok && waiting.value.status).toBe('running');
    const doneByFirst = symbolsDone(first.lines);
    expect(doneByFirst.length).toBeGreaterThanOrEqual(2);

    const second = await spawnWorker(stack, { args: ['--concurrency', '4'] });
    const status = await waitForFinalStatus(stack.redis, jobId, 60_000);
    expect(status.status).toBe('completed');
    expect([...(status.successful_symbols as string[])].sort()).toEqual([...SYMBOLS].sort());
    // What the first worker finished is collected from the queue, not loaded again.
    const doneBySecond = symbolsDone(second.lines);
    expect(doneBySecond.filter((s) => doneByFirst.includes(s))).toEqual([]);
    expect([...doneByFirst, ...doneBySecond].sort()).toEqual([...SYMBOLS].sort());
    for (const symbol of SYMBOLS) expect((await storedBars(stack, symbol, 'monthly')).length).toBeGreaterThan(10);
    expect(await second.stop('SIGTERM')).toBe(0);
  });
});

/** Symbols a worker finished loading, from its `symbol done` log lines. */
function symbolsDone(lines: string[]): string[] {
  return lines
    .filter((l) => l.includes('"msg":"symbol done"'))
    .map((l) => JSON.parse(l) as { symbol: string; ok: boolean })
    .filter((l) => l.ok)
    .map((l) => l.symbol);
}
