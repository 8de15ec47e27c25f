import { type RedisServer, startRedisServer, waitFor } from '@tickstock/test-support';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CHANNELS,
  type JobStatus,
  JobStatusWriter,
  jobHashKey,
  jobStatusKey,
  jobStatusToHash,
  parseJobStatus,
  readJobStatus,
} from '../src/index.js';

let server: RedisServer;
let redis: Redis;
let listener: Redis;
const published: string[] = [];

beforeAll(async () => {
  server = await startRedisServer();
  redis = new Redis(server.url);
  listener = new Redis(server.url);
  listener.on('message', (_channel: string, message: string) => published.push(message));
  await listener.subscribe(CHANNELS.jobStatus);
});

afterAll(async () => {
  await listener.quit();
  await redis.quit();
  await server.stop();
});

beforeEach(async () => {
  await redis.flushall();
  published.length = 0;
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

  it('mirrors every write to the job:{id} hash (string fields, TTL) and the tickstock.jobs.status channel', async () => {
    await appPreWrite('job-4');
    const writer = new JobStatusWriter(redis, {
      jobId: 'job-4',
      jobType: 'csv_universe_load',
      totalSymbols: 2,
      throttleMs: 0,
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
      status: 'completed_with_errors',
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

  it('progress is an integer 0-100: derived from processed/total, clamped and rounded when given', async () => {
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
    await writer.update({ progress: 150 });
    expect((await statusOf('job-6')).progress).toBe(100);
    await writer.update({ progress: -5 });
    expect((await statusOf('job-6')).progress).toBe(0);
    await writer.update({ progress: 45.6 });
    expect((await statusOf('job-6')).progress).toBe(46);
    await writer.update({ progress: Number.NaN });
    expect((await statusOf('job-6')).progress).toBe(0);
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
    const writer = new JobStatusWriter(redis, { jobId: 'job-9', jobType: 'x', preWriteWaitMs: 0 });
    await expect(writer.start()).rejects.toMatchObject({
      code: 'REDIS_FAILED',
      jobId: 'job-9',
      message: expect.stringContaining('writing status of job job-9 failed: WRONGTYPE'),
    });
    await redis.del(jobHashKey('job-9'));
    await expect(writer.finish('failed')).resolves.toMatchObject({ status: 'failed' });
  });
});
