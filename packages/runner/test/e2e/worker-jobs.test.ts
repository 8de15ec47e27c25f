/**
 * The worker as a deployed process: jobs published the way the app publishes them, over real Redis, loaded
 * from the simulator over HTTP into real PostgreSQL. Every table must hold exactly the bars the simulator serves.
 */

import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CHANNELS, dataLoadRanges, KEYS, parsePatternEvent } from '@tickstock/job-protocol';
import { validatePatternEventStructure, waitFor } from '@tickstock/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CapturedMessages,
  expectedBars,
  rawStatus,
  type Stack,
  spawnWorker,
  startStack,
  storedBars,
  submit,
  type WorkerProcess,
  waitForFinalStatus,
} from './harness.js';

let stack: Stack;
let worker: WorkerProcess;
let universeDir: string;

beforeAll(async () => {
  stack = await startStack();
  universeDir = await mkdtemp(join(tmpdir(), 'tickstock-universe-'));
  await writeFile(join(universeDir, 'mini.csv'), 'Symbol,Name\nIBM,International Business Machines\nORCL,Oracle\n');
  worker = await spawnWorker(stack, { env: { TICKSTOCK_UNIVERSE_DIR: universeDir } });
}, 120_000);

afterAll(async () => {
  const code = await worker?.stop('SIGTERM');
  expect(code).toBe(0);
  // No secret anywhere the worker wrote: logs, statuses, events.
  const everything = [...worker.lines, ...stack.events.messages.map((m) => m.text)].join('\n');
  expect(everything).not.toContain(stack.apiKey);
  await stack?.close();
}, 60_000);

const STORE_TF = { '1min': '1min', hour: 'hourly', day: 'daily', week: 'weekly', month: 'monthly' } as const;

describe('worker start-up', () => {
  it('logs where its database, Redis and API are, without a secret', () => {
    const line = worker.lines
      .map((l) => (l.startsWith('{') ? (JSON.parse(l) as Record<string, unknown>) : {}))
      .find((r) => r.msg === 'worker configuration');
    expect(line).toMatchObject({
      database: stack.db.url.replace(/:[^:@/]*@/, ':[REDACTED]@'),
      redis: stack.redisServer.url,
      massive: `${stack.simulator.url} (key set)`,
      universeDir,
    });
  });
});

async function expectTablesMatchSimulator(symbols: string[], timeframes: (keyof typeof STORE_TF)[], years: number) {
  const { ranges } = dataLoadRanges(timeframes, years, Date.now());
  for (const symbol of symbols) {
    for (const tf of timeframes) {
      const r = ranges[tf];
      if (!r) throw new Error(`no range for ${tf}`);
      const expected = expectedBars(stack, symbol, STORE_TF[tf], r.from, r.to);
      const stored = await storedBars(stack, symbol, STORE_TF[tf]);
      expect({ symbol, tf, count: stored.length }).toEqual({ symbol, tf, count: expected.length });
      expect(stored).toEqual(expected);
    }
  }
}

describe('tickstock worker', () => {
  it('loads the app’s live-form job (2 symbols, all five timeframes, years 0.005) exactly as the simulator serves it', async () => {
    const jobId = randomUUID();
    // The app pre-writes the status as a hash, then publishes (submit() does both, plus the durable stream).
    await submit(stack, {
      job_id: jobId,
      job_type: 'csv_universe_load',
      source: 'DIA',
      universe_key: 'DIA',
      symbols: ['AAPL', 'MSFT'],
      timeframes: ['1min', 'hour', 'day', 'week', 'month'],
      years: 0.005,
      run_analysis_after_import: false,
      requested_by: 'admin',
      timestamp: '2025-12-23T12:15:13.634000',
    });
    const status = await waitForFinalStatus(stack.redis, jobId);
    expect(status).toMatchObject({
      job_id: jobId,
      job_type: 'csv_universe_load',
      status: 'completed',
      progress: 100,
      total_symbols: 2,
      processed_symbols: 2,
      failed_symbols: [],
      error_message: null,
      symbols_loaded: 2,
    });
    expect([...(status.successful_symbols as string[])].sort()).toEqual(['AAPL', 'MSFT']); // in completion order
    expect(typeof status.completed_at).toBe('string');
    expect(typeof status.started_at).toBe('string');
    expect(Number(status.ohlcv_records_loaded)).toBeGreaterThan(0);
    const raw = await rawStatus(stack.redis, jobId);
    expect(raw.type).toBe('string');
    expect(raw.ttl).toBeGreaterThan(86_000);
    // The seeds' job:{id} mirror is read by nothing in the app: not written. job:status:{id} only when the app made it.
    expect(await stack.redis.exists(`job:${jobId}`, `job:status:${jobId}`)).toBe(0);
    expect(status.has_errors).toBe(false);
    // The first status states the requests the job will send, counted before any was sent.
    const first = stack.events.json(CHANNELS.jobStatus).find((e) => e.job_id === jobId && e.status === 'running');
    expect(String(first?.message)).toMatch(/^loading 2 symbols: \d+ API requests \(.*\) planned$/);

    await expectTablesMatchSimulator(['AAPL', 'MSFT'], ['1min', 'hour', 'day', 'week', 'month'], 0.005);
    const aapl = await stack.store.getSymbol('AAPL');
    expect(aapl?.name).toBeTruthy();

    const ofJob = (channel: string) =>
      stack.events.json(channel).filter((e) => (e.payload as { run_id?: string } | undefined)?.run_id === jobId);
    // Each event on the channels the app's subscribers read it from (processing_subscriber.py, processing_event_subscriber.py).
    const names = (channel: string) => [...new Set(ofJob(channel).map((e) => e.event))].sort();
    expect(names(CHANNELS.dataImportStatus)).toEqual(['data_import_completed', 'data_import_started', 'symbol_processing_complete']);
    expect(names(CHANNELS.monitoring)).toEqual(['job_progress_update']);
    expect(names(CHANNELS.importStarted)).toEqual(['data_import_started']);
    expect(names(CHANNELS.importCompleted)).toEqual(['data_import_completed']);
    const completed = ofJob(CHANNELS.importCompleted).find((e) => e.event === 'data_import_completed')?.payload as Record<string, unknown>;
    expect(completed).toMatchObject({
      total_symbols: 2,
      successful_symbols: 2,
      failed_symbols: 0,
      success_count: 2,
      failure_count: 0,
      interrupted_symbols: 0,
      success_rate: 100,
      status: 'completed',
      has_errors: false,
    });
    expect(completed.total_records_imported).toBe(status.ohlcv_records_loaded);
    const progressRows = await stack.store.getProgress(jobId);
    expect(progressRows.at(-1)).toMatchObject({ totalItems: 2, completedItems: 2, failedItems: 0 });
    const symbolRows = await stack.store.getSymbolStatuses(jobId);
    expect(symbolRows.map((r) => [r.symbol, r.status]).sort()).toEqual([
      ['AAPL', 'completed'],
      ['MSFT', 'completed'],
    ]);
  });

  it('loads a 90-day historical_load of day bars exactly', async () => {
    const jobId = `job_20241030_145623_${randomUUID().slice(0, 6)}`;
    await submit(stack, { job_id: jobId, job_type: 'historical_load', symbols: ['NVDA'], years: 90 / 365, timespan: 'day' });
    const status = await waitForFinalStatus(stack.redis, jobId);
    expect(status.status).toBe('completed');
    await expectTablesMatchSimulator(['NVDA'], ['day'], 90 / 365);
    expect((await storedBars(stack, 'NVDA', 'daily')).length).toBeGreaterThanOrEqual(60);
  });

  it('reads the legacy CSV job’s universe file from TICKSTOCK_UNIVERSE_DIR (all four legacy timeframes)', async () => {
    const jobId = randomUUID();
    await submit(stack, { job_id: jobId, job_type: 'csv_universe_load', csv_file: 'mini.csv', universe_type: 'custom', years: 0.02 });
    const status = await waitForFinalStatus(stack.redis, jobId);
    expect(status).toMatchObject({ status: 'completed', total_symbols: 2 });
    expect([...(status.successful_symbols as string[])].sort()).toEqual(['IBM', 'ORCL']);
    await expectTablesMatchSimulator(['IBM', 'ORCL'], ['hour', 'day', 'week', 'month'], 0.02);
  });

  it('refuses a CSV name that escapes the universe directory: job failed with the reason, nothing loaded', async () => {
    const jobId = randomUUID();
    await stack.redis.publish(
      CHANNELS.dataLoad,
      JSON.stringify({ job_id: jobId, job_type: 'csv_universe_load', csv_file: '../../etc/passwd', universe_type: 'x', years: 1 }),
    );
    const status = await waitForFinalStatus(stack.redis, jobId);
    expect(status.status).toBe('failed');
    expect(String(status.error_message)).toMatch(/csv_file/i);
    expect(status.processed_symbols ?? 0).toBe(0);
  });

  it('completes with errors when one ticker is unknown, loading the good ones fully', async () => {
    const jobId = randomUUID();
    await submit(stack, {
      job_id: jobId,
      job_type: 'multi_timeframe_load',
      symbols: ['AMZN', 'ZZZNOPE', 'GOOGL'],
      timeframes: ['hour', 'day'],
      years: 0.08,
    });
    const status = await waitForFinalStatus(stack.redis, jobId);
    // The app's pages end a job on completed/failed/cancelled only: a partly failed job is completed, with has_errors.
    expect(status).toMatchObject({
      status: 'completed',
      has_errors: true,
      progress: 100,
      failed_symbols: ['ZZZNOPE'],
      symbols_loaded: 2,
      message: 'completed with errors: 2 of 3 symbols loaded, 1 failed',
    });
    expect([...(status.successful_symbols as string[])].sort()).toEqual(['AMZN', 'GOOGL']);
    await expectTablesMatchSimulator(['AMZN', 'GOOGL'], ['hour', 'day'], 0.08);
    const errors = stack.events.json(CHANNELS.errors).filter((e) => (e.context as { job_id?: string } | undefined)?.job_id === jobId);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ source: 'TickStockPL', severity: 'warning', category: 'SYMBOL_NOT_FOUND' });
    expect(String(errors[0]?.message)).toContain('ZZZNOPE');
  });

  it('survives 200 malformed messages and still processes the next valid job', async () => {
    const bad = [
      'not json',
      '{"job_id": 5}',
      '{"job_id":"x","job_type":"csv_universe_load","symbols":["AAPL; DROP TABLE symbols"],"years":1}',
      '{"job_type":"historical_load","symbols":["AAPL"]}',
      '{"test":"health_check"}',
      '[]',
      '{"job_id":"y","job_type":"csv_universe_load","symbols":["AAPL"],"years":-1}',
      '{"job_id":"z","job_type":"nope"}',
    ];
    for (let i = 0; i < 200; i++) await stack.redis.publish(CHANNELS.dataLoad, bad[i % bad.length] as string);
    const jobId = randomUUID();
    await submit(stack, { job_id: jobId, job_type: 'historical_load', symbols: ['META'], years: 0.02, timespan: 'day' });
    const status = await waitForFinalStatus(stack.redis, jobId);
    expect(status.status).toBe('completed');
    expect(worker.child.exitCode).toBeNull();
  });

  it('runs a job published twice (pub/sub twice and the durable stream) exactly once', async () => {
    const jobId = randomUUID();
    const job = { job_id: jobId, job_type: 'historical_load', symbols: ['TSLA'], years: 0.02, timespan: 'day' };
    const before = stack.simulator.stats().byEndpoint.tickerDetails ?? 0;
    await submit(stack, job);
    await stack.redis.publish(CHANNELS.dataLoad, JSON.stringify(job));
    const status = await waitForFinalStatus(stack.redis, jobId);
    expect(status.status).toBe('completed');
    await waitFor(() => worker.lines.filter((l) => l.includes(jobId) && l.includes('duplicate')).length >= 2, {
      what: 'both duplicate deliveries to be skipped',
    });
    expect((stack.simulator.stats().byEndpoint.tickerDetails ?? 0) - before).toBe(1);
    expect((await stack.store.getSymbolStatuses(jobId)).length).toBe(1);
  });
});

describe('examples/ against the running worker', () => {
  const run = promisify(execFile);
  const examples = new URL('../../../../examples/', import.meta.url).pathname;
  const env = () => ({
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    REDIS_URL: stack.redisServer.url,
    DATABASE_URL: stack.db.url,
  });

  it('submit-job.ts submits a job and follows its status to completed', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'submit-job.ts', 'KO'], {
      cwd: examples,
      env: env(),
      timeout: 60_000,
    });
    expect(stdout).toMatch(/^submitted [0-9a-f-]{36}; 1 worker\(s\) listening$/m);
    expect(stdout).toMatch(/^completed 100% /m);
    expect(stdout).toMatch(/^bars loaded: [1-9]\d*$/m);
  });

  it('pattern-producer.ts publishes contract-shaped pattern_detected events and beats the heartbeat', async () => {
    const patterns = await CapturedMessages.start(stack.redisServer.url, [CHANNELS.patterns]);
    try {
      await run(process.execPath, ['--import', 'tsx', 'pattern-producer.ts', '3'], { cwd: examples, env: env(), timeout: 60_000 });
      await waitFor(() => patterns.messages.length === 3, { what: 'three pattern events' });
      for (const m of patterns.messages) {
        const parsed = parsePatternEvent(m.text);
        expect(parsed.ok).toBe(true);
        expect(m.text).not.toContain('pattern_name');
        // tests/integration/test_pattern_event_structure.py validate_pattern_event_structure
        expect(validatePatternEventStructure(JSON.parse(m.text))).toBe(true);
      }
      expect(JSON.parse(patterns.messages[0]?.text ?? '{}').data).toMatchObject({ symbol: 'AAPL', pattern: 'Doji', confidence: 0.7 });
      const beat = Number(await stack.redis.get(KEYS.producerHeartbeat));
      expect(Math.abs(beat - Date.now() / 1000)).toBeLessThan(30);
    } finally {
      await patterns.close();
    }
  });

  it('read-bars.ts reads the bars back from the store', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'read-bars.ts', 'NVDA'], {
      cwd: examples,
      env: env(),
      timeout: 60_000,
    });
    expect(stdout).toMatch(/^NVDA: last 5 daily bars$/m);
    expect(stdout).toMatch(/gaps: 0 \(0 trading days missing\)/);
  });
});
