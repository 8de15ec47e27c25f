import { waitFor } from '@tickstock/test-support';
import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  appJobStatusKey,
  appMayPreWriteStatus,
  type JobStatus,
  JobStatusWriter,
  jobHashKey,
  jobStatusKey,
  jobStatusToHash,
  parseDataLoadJob,
  parseJobStatus,
  readJobStatus,
} from '../src/index.js';
import { useStatusRedis } from './support/status-redis.js';

const rig = useStatusRedis();
const published = rig.published;
let redis: Redis;
beforeAll(() => {
  redis = rig.redis;
});

/** A clock the test moves by hand. */
function manualClock(start = Date.UTC(2025, 11, 23, 17, 15, 14)) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

async function statusOf(jobId: string): Promise<JobStatus> {
  const text = await redis.get(jobStatusKey(jobId));
  const r = parseJobStatus(text);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}

/** Mimics the app: HSET the status key right after publishing, with the 24 h TTL. */
async function appPreWrite(jobId: string): Promise<void> {
  const key = jobStatusKey(jobId);
  await redis.hset(key, {
    status: 'submitted',
    progress: '0',
    message: 'Job submitted to processing queue',
    submitted_at: '2025-12-23T12:15:13.640000',
  });
  await redis.expire(key, 86_400);
}

describe('JobStatusWriter', () => {
  it('replaces the hash the app pre-wrote with a JSON string carrying a 24 h TTL', async () => {
    await appPreWrite('job-1');
    expect(await redis.type(jobStatusKey('job-1'))).toBe('hash');
    const clock = manualClock();
    const writer = new JobStatusWriter(redis, { jobId: 'job-1', jobType: 'csv_universe_load', totalSymbols: 500, now: clock.now });
    await writer.start();
    expect(await redis.type(jobStatusKey('job-1'))).toBe('string');
    const ttl = await redis.ttl(jobStatusKey('job-1'));
    expect(ttl).toBeGreaterThan(86_300);
    expect(ttl).toBeLessThanOrEqual(86_400);
    expect(await statusOf('job-1')).toEqual({
      job_id: 'job-1',
      job_type: 'csv_universe_load',
      status: 'running',
      progress: 0,
      message: 'Job started',
      total_symbols: 500,
      processed_symbols: 0,
      current_symbol: null,
      successful_symbols: [],
      failed_symbols: [],
      error_message: null,
      symbols_loaded: 0,
      ohlcv_records_loaded: 0,
      started_at: '2025-12-23T17:15:14Z',
      timestamp: '2025-12-23T17:15:14Z',
      completed_at: null,
    });
  });

  it("waits for the app's pre-write before its first write, so the app's HSET does not fail", async () => {
    const writer = new JobStatusWriter(redis, { jobId: 'job-2', jobType: 'historical_load', preWriteWaitMs: 5_000 });
    const started = writer.start();
    await new Promise((r) => setTimeout(r, 200));
    await appPreWrite('job-2'); // would throw WRONGTYPE had the writer SET the key first
    await started;
    expect(await redis.type(jobStatusKey('job-2'))).toBe('string');
    expect((await statusOf('job-2')).status).toBe('running');
  });

  it('writes anyway when no pre-written key appears within the wait', async () => {
    const writer = new JobStatusWriter(redis, { jobId: 'job-3', jobType: 'historical_load', preWriteWaitMs: 100 });
    await writer.start();
    expect((await statusOf('job-3')).status).toBe('running');
  });

  it('with hashMirror, mirrors every write to the job:{id} hash (string fields, TTL) and the tickstock.jobs.status channel', async () => {
    await appPreWrite('job-4');
    const writer = new JobStatusWriter(redis, {
      jobId: 'job-4',
      jobType: 'csv_universe_load',
      totalSymbols: 2,
      throttleMs: 0,
      hashMirror: true,
      extra: { run_analysis_after_import: true, universe_key: 'DIA' },
    });
    await writer.start();
    await writer.recordSymbol('AAPL', { ok: true, records: 120 });
    const final = await writer.finish('completed', { message: 'Loaded 1 symbol' });
    const key = await redis.get(jobStatusKey('job-4'));
    expect(JSON.parse(key as string)).toEqual(final);
    expect(final).toMatchObject({ run_analysis_after_import: true, universe_key: 'DIA', status: 'completed', progress: 100 });
    expect(await redis.hgetall(jobHashKey('job-4'))).toEqual(jobStatusToHash(final));
    expect(await redis.hget(jobHashKey('job-4'), 'successful_symbols')).toBe('["AAPL"]');
    expect(await redis.hget(jobHashKey('job-4'), 'current_symbol')).toBe('AAPL');
    expect(await redis.ttl(jobHashKey('job-4'))).toBeGreaterThan(86_300);
    await waitFor(() => published.length === 3, { what: 'three status messages' });
    expect(published[2]).toBe(key);
    expect(published.map((m) => JSON.parse(m).status)).toEqual(['running', 'running', 'completed']);
    const back = await readJobStatus(redis, 'job-4');
    expect(back).toEqual({ ok: true, value: final });
  });

  it('reads the status when the worker replaces the app hash between the TYPE and the read (WRONGTYPE, read again)', async () => {
    await appPreWrite('job-race');
    const writer = new JobStatusWriter(redis, { jobId: 'job-race', jobType: 'csv_universe_load', totalSymbols: 1 });
    let raced = false;
    // The real client, except that the first TYPE lets the worker's write land right after it answers.
    const racing = new Proxy(redis, {
      get(target, prop) {
        if (prop === 'type' && !raced) {
          return async (key: string) => {
            const type = await target.type(key);
            raced = true;
            await writer.start();
            return type;
          };
        }
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const back = await readJobStatus(racing, 'job-race');
    expect(raced).toBe(true);
    expect(await redis.type(jobStatusKey('job-race'))).toBe('string');
    expect(back).toMatchObject({ ok: true, value: { job_id: 'job-race', status: 'running', progress: 0 } });
  });

  it('throttles intermediate updates to one per second or per 10 symbols, and always writes the final state', async () => {
    await appPreWrite('job-5');
    const clock = manualClock();
    const writer = new JobStatusWriter(redis, { jobId: 'job-5', jobType: 'csv_universe_load', totalSymbols: 30, now: clock.now });
    await writer.start();
    const written: boolean[] = [];
    for (let i = 0; i < 9; i++) {
      clock.advance(50);
      written.push(await writer.recordSymbol(`S${i}`, { ok: true, records: 1 }));
    }
    expect(written).toEqual([false, false, false, false, false, false, false, false, false]);
    clock.advance(50);
    expect(await writer.recordSymbol('S9', { ok: true, records: 1 })).toBe(true); // 10 symbols since the last write
    clock.advance(50);
    expect(await writer.recordSymbol('S10', { ok: false })).toBe(false);
    clock.advance(1_000);
    expect(await writer.update({ message: 'still going' })).toBe(true); // a second since the last write
    expect(writer.writeCount).toBe(3);
    expect((await statusOf('job-5')).processed_symbols).toBe(11);

    clock.advance(10);
    await writer.recordSymbol('S11', { ok: true, records: 5 }); // throttled...
    const final = await writer.finish('completed_with_errors'); // ...but the final state carries it
    expect(writer.writeCount).toBe(4);
    expect(final).toMatchObject({
      status: 'completed',
      has_errors: true,
      progress: 100,
      processed_symbols: 12,
      symbols_loaded: 11,
      ohlcv_records_loaded: 15,
      failed_symbols: ['S10'],
      completed_at: '2025-12-23T17:15:15Z',
    });
    expect(await statusOf('job-5')).toEqual(final);
    expect(await writer.update({ message: 'late' })).toBe(false);
    expect(await writer.finish('failed')).toEqual(final); // nothing after the final state
    expect(writer.writeCount).toBe(4);
  });

  it('progress is an integer 0-100 that never goes backwards: derived from processed/total, clamped and rounded when given', async () => {
    const clock = manualClock();
    const writer = new JobStatusWriter(redis, {
      jobId: 'job-6',
      jobType: 'x',
      totalSymbols: 3,
      preWriteWaitMs: 0,
      throttleMs: 0,
      now: clock.now,
    });
    await writer.start();
    await writer.update({ processed_symbols: 1 });
    expect((await statusOf('job-6')).progress).toBe(33);
    await writer.update({ progress: 45.6 });
    expect((await statusOf('job-6')).progress).toBe(46);
    await writer.update({ progress: -5 });
    expect((await statusOf('job-6')).progress).toBe(46);
    await writer.update({ progress: Number.NaN });
    expect((await statusOf('job-6')).progress).toBe(46);
    await writer.update({ progress: 150 });
    expect((await statusOf('job-6')).progress).toBe(100);
  });

  it('failed and cancelled keep the progress reached and set completed_at; error_message says why', async () => {
    const clock = manualClock();
    const failed = new JobStatusWriter(redis, { jobId: 'job-7', jobType: 'x', totalSymbols: 4, preWriteWaitMs: 0, now: clock.now });
    await failed.start();
    await failed.update({ processed_symbols: 2 });
    clock.advance(3_000);
    const f = await failed.finish('failed', { error_message: 'API_KEY_INVALID: the Massive API key was refused' });
    expect(f).toMatchObject({
      status: 'failed',
      progress: 50,
      error_message: 'API_KEY_INVALID: the Massive API key was refused',
      completed_at: '2025-12-23T17:15:17Z',
    });
    const cancelled = new JobStatusWriter(redis, { jobId: 'job-8', jobType: 'x', preWriteWaitMs: 0, now: clock.now });
    expect(await cancelled.finish('cancelled', { message: 'Cancelled by admin' })).toMatchObject({
      status: 'cancelled',
      progress: 0,
      started_at: null,
    });
  });

  it('a failed write rejects with REDIS_FAILED naming the job, and the next write still goes out', async () => {
    await redis.set(jobHashKey('job-9'), 'not a hash'); // HSET job:{id} will fail with WRONGTYPE
    const writer = new JobStatusWriter(redis, { jobId: 'job-9', jobType: 'x', preWriteWaitMs: 0, hashMirror: true });
    await expect(writer.start()).rejects.toMatchObject({
      code: 'REDIS_FAILED',
      jobId: 'job-9',
      message: expect.stringContaining('writing status of job job-9 failed: WRONGTYPE'),
    });
    await redis.del(jobHashKey('job-9'));
    await expect(writer.finish('failed')).resolves.toMatchObject({ status: 'failed' });
  });

  it('a partly failed job ends completed with has_errors true (the app ends on completed/failed/cancelled only), or completed_with_errors when asked', async () => {
    const clock = manualClock();
    const app = new JobStatusWriter(redis, { jobId: 'job-p1', jobType: 'x', totalSymbols: 2, preWriteWaitMs: 0, now: clock.now });
    await app.recordSymbol('AAPL', { ok: true, records: 3 });
    await app.recordSymbol('XYZ', { ok: false });
    expect(await app.finish('completed_with_errors', { message: 'completed with errors: 1 of 2 symbols loaded, 1 failed' })).toMatchObject({
      status: 'completed',
      has_errors: true,
      progress: 100,
      failed_symbols: ['XYZ'],
      message: 'completed with errors: 1 of 2 symbols loaded, 1 failed',
    });
    const seeds = new JobStatusWriter(redis, {
      jobId: 'job-p2',
      jobType: 'x',
      totalSymbols: 2,
      preWriteWaitMs: 0,
      partialStatus: 'completed_with_errors',
      now: clock.now,
    });
    expect(await seeds.finish('completed_with_errors', { failed_symbols: ['XYZ'] })).toMatchObject({
      status: 'completed_with_errors',
      has_errors: true,
    });
    const clean = new JobStatusWriter(redis, { jobId: 'job-p3', jobType: 'x', totalSymbols: 1, preWriteWaitMs: 0, now: clock.now });
    expect(await clean.finish('completed', { processed_symbols: 1, successful_symbols: ['AAPL'] })).toMatchObject({
      status: 'completed',
      has_errors: false,
      progress: 100,
    });
    expect(() => new JobStatusWriter(redis, { jobId: 'j', jobType: 'x', partialStatus: 'partial' as 'completed' })).toThrow(
      /partialStatus must be one of completed, completed_with_errors/,
    );
  });

  it('writes no job:{id} hash by default (nothing in the app reads it)', async () => {
    const writer = new JobStatusWriter(redis, { jobId: 'job-nohash', jobType: 'x', preWriteWaitMs: 0 });
    await writer.start();
    await writer.finish('completed');
    expect(await redis.exists(jobHashKey('job-nohash'))).toBe(0);
  });

  // Mirrors the app's csv-universe-load route (admin_historical_data_redis.py: SETEX job:status:{id} 7200 with a JSON
  // string) and its readers (the dashboard's Recent Jobs, the cancel route, scripts/testing/test_redis_job_submission.py:
  // GET + json.loads, progress an int).
  it("keeps the app's own job:status:{id} current (JSON string, the app's fields kept, TTL 7200) when the app created it", async () => {
    const key = appJobStatusKey('job-csv');
    await redis.setex(
      key,
      7200,
      JSON.stringify({
        status: 'submitted',
        progress: 0,
        message: 'CSV universe load job submitted to TickStockPL',
        description: 'Loading sp_500.csv with 1 year(s) of OHLCV data',
        submitted_at: '2025-12-23T12:15:13.640000',
      }),
    );
    const clock = manualClock();
    const writer = new JobStatusWriter(redis, {
      jobId: 'job-csv',
      jobType: 'csv_universe_load',
      totalSymbols: 2,
      throttleMs: 0,
      now: clock.now,
    });
    await writer.start();
    const running = JSON.parse((await redis.get(key)) as string);
    expect(running).toMatchObject({
      status: 'running',
      progress: 0,
      description: 'Loading sp_500.csv with 1 year(s) of OHLCV data',
      submitted_at: '2025-12-23T12:15:13.640000',
      job_id: 'job-csv',
    });
    expect(await redis.type(key)).toBe('string');
    await writer.recordSymbol('AAPL', { ok: true, records: 10 });
    expect(JSON.parse((await redis.get(key)) as string)).toMatchObject({ status: 'running', progress: 50, processed_symbols: 1 });
    await writer.recordSymbol('MSFT', { ok: true, records: 10 });
    const final = await writer.finish('completed', { message: 'completed: 2 of 2 symbols loaded' });
    const stored = JSON.parse((await redis.get(key)) as string);
    expect(stored).toEqual({
      ...final,
      description: 'Loading sp_500.csv with 1 year(s) of OHLCV data',
      submitted_at: '2025-12-23T12:15:13.640000',
    });
    expect(stored.progress).toBe(100);
    expect(Number.isInteger(stored.progress)).toBe(true);
    const ttl = await redis.ttl(key);
    expect(ttl).toBeGreaterThan(7_100);
    expect(ttl).toBeLessThanOrEqual(7_200);
  });

  it('never creates job:status:{id} for a job the app did not create it for', async () => {
    const writer = new JobStatusWriter(redis, { jobId: 'job-noapp', jobType: 'x', preWriteWaitMs: 0 });
    await writer.start();
    await writer.finish('completed');
    expect(await redis.exists(appJobStatusKey('job-noapp'))).toBe(0);
  });

  it('writes at once for a job the app writes no status for (awaitAppPreWrite false), with no wait', async () => {
    const writer = new JobStatusWriter(redis, {
      jobId: 'job-seed',
      jobType: 'universe_seed',
      preWriteWaitMs: 10_000,
      awaitAppPreWrite: false,
    });
    const t = performance.now();
    await writer.start();
    expect(performance.now() - t).toBeLessThan(1_000);
    expect((await statusOf('job-seed')).status).toBe('running');
  });

  it("ends the pre-write wait as soon as the app's job:status:{id} appears (the CSV route writes only that key)", async () => {
    const writer = new JobStatusWriter(redis, { jobId: 'job-csv2', jobType: 'csv_universe_load', preWriteWaitMs: 10_000 });
    const started = writer.start();
    await new Promise((r) => setTimeout(r, 100));
    await redis.setex(appJobStatusKey('job-csv2'), 7200, JSON.stringify({ status: 'submitted', progress: 0 }));
    const t = performance.now();
    await started;
    expect(performance.now() - t).toBeLessThan(1_000);
    expect(JSON.parse((await redis.get(appJobStatusKey('job-csv2'))) as string).status).toBe('running');
  });
});

describe('appMayPreWriteStatus', () => {
  const request = (job: Record<string, unknown>) => {
    const r = parseDataLoadJob(job);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    return r.request;
  };
  it('is false for the forms the app publishes without a status (universe_seed; symbols without universe_key) and true for the rest', () => {
    expect(appMayPreWriteStatus(request({ job_id: 'a', job_type: 'universe_seed', universe_type: 'SP500' }))).toBe(false);
    expect(appMayPreWriteStatus(request({ job_id: 'b', job_type: 'csv_universe_load', symbols: ['AAPL'] }))).toBe(false);
    expect(
      appMayPreWriteStatus(request({ job_id: 'c', job_type: 'csv_universe_load', symbols: ['AAPL'], universe_key: 'DIA', source: 'DIA' })),
    ).toBe(true);
    expect(appMayPreWriteStatus(request({ job_id: 'd', job_type: 'csv_universe_load', csv_file: 'sp_500.csv' }))).toBe(true);
    expect(appMayPreWriteStatus(request({ job_id: 'e', job_type: 'historical_load', symbols: ['AAPL'] }))).toBe(true);
    expect(appMayPreWriteStatus(request({ job_id: 'f', job_type: 'multi_timeframe_load', symbols: ['AAPL'] }))).toBe(true);
  });
});
