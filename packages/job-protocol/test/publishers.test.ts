import { REDACTED } from '@tickstock/market-time/redact';
import { type RedisServer, startRedisServer, validatePatternEventStructure, waitFor } from '@tickstock/test-support';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LEGACY_CSV_JOB, LIVE_APP_JOB } from '../src/conformance/examples.js';
import {
  CHANNELS,
  type DataLoadJob,
  EventPublisher,
  Heartbeat,
  jobStatusKey,
  KEYS,
  ProtocolError,
  parseBacktestingProgress,
  parseBacktestingResults,
  parseDashboardEvent,
  parseDataLoadJob,
  parseErrorEvent,
  parseHealthStatus,
  parseJobStatusHash,
  parseMonitoringEvent,
  parsePatternEvent,
  submitJob,
} from '../src/index.js';

let server: RedisServer;
let redis: Redis;
let listener: Redis;
const received: Array<{ channel: string; message: string }> = [];

beforeAll(async () => {
  server = await startRedisServer();
  redis = new Redis(server.url);
  listener = new Redis(server.url);
  listener.on('message', (channel: string, message: string) => received.push({ channel, message }));
  await listener.subscribe(...Object.values(CHANNELS));
});

afterAll(async () => {
  await Promise.all([listener.quit(), redis.quit()]);
  await server.stop();
});

beforeEach(async () => {
  await redis.flushall();
  received.length = 0;
});

const NOW = Date.UTC(2025, 11, 23, 17, 16, 2, 634);
const on = (channel: string) => received.filter((r) => r.channel === channel).map((r) => r.message);

describe('submitJob', () => {
  it('publishes exactly the job JSON, appends the same text to the stream and pre-writes the submitted hash like the app', async () => {
    const job = JSON.parse(LIVE_APP_JOB) as DataLoadJob;
    const r = await submitJob(redis, job, { now: () => NOW });
    expect(r).toMatchObject({ jobId: 'e33cca95-c71a-44ce-a377-3b232fa379ae', receivers: 1, initialStatusWritten: true });
    await waitFor(() => on(CHANNELS.dataLoad).length === 1, { what: 'the job on the channel' });
    expect(on(CHANNELS.dataLoad)[0]).toBe(JSON.stringify(job));
    expect(JSON.parse(on(CHANNELS.dataLoad)[0] as string)).toEqual(JSON.parse(LIVE_APP_JOB));
    const entries = await redis.xrange(KEYS.dataLoadStream, '-', '+');
    expect(entries).toEqual([[r.streamId, ['job', JSON.stringify(job)]]]);
    const hash = await redis.hgetall(jobStatusKey(r.jobId));
    expect(parseJobStatusHash(hash)).toEqual({
      ok: true,
      value: { status: 'submitted', progress: 0, message: 'Job submitted to processing queue', submitted_at: '2025-12-23T17:16:02Z' },
    });
    expect(await redis.ttl(jobStatusKey(r.jobId))).toBeGreaterThan(86_300);
  });

  it('keeps the stream bounded with MAXLEN ~', async () => {
    for (let i = 0; i < 300; i++)
      await submitJob(
        redis,
        { ...(JSON.parse(LEGACY_CSV_JOB) as DataLoadJob), job_id: `job-${i}` },
        { streamMaxLen: 100, initialStatus: false },
      );
    const len = await redis.xlen(KEYS.dataLoadStream);
    expect(len).toBeGreaterThanOrEqual(100);
    expect(len).toBeLessThan(300);
  });

  it('refuses an invalid job with every issue listed, and sends nothing', async () => {
    const bad = { ...(JSON.parse(LIVE_APP_JOB) as DataLoadJob), years: 0, symbols: ['AAPL; DROP TABLE symbols'] };
    const err = await submitJob(redis, bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as ProtocolError).issues.map((i) => i.code).sort()).toEqual(['SYMBOL_INVALID', 'YEARS_OUT_OF_RANGE']);
    expect(await redis.exists(KEYS.dataLoadStream, jobStatusKey('e33cca95-c71a-44ce-a377-3b232fa379ae'))).toBe(0);
  });

  it('a resubmitted job_id whose status is already the worker JSON string still goes out; the string is left alone', async () => {
    const job = JSON.parse(LIVE_APP_JOB) as DataLoadJob;
    await redis.set(jobStatusKey(job.job_id), '{"status":"completed"}');
    const r = await submitJob(redis, job);
    expect(r.initialStatusWritten).toBe(false);
    expect(await redis.get(jobStatusKey(job.job_id))).toBe('{"status":"completed"}');
    expect(await redis.xlen(KEYS.dataLoadStream)).toBe(1);
  });
});

describe('EventPublisher', () => {
  // Mirrors the app's two processing subscribers: src/infrastructure/redis/processing_subscriber.py (routes
  // data_import_* and symbol_processing_complete from tickstock:data:import:status; job_progress_update from
  // tickstock:monitoring when payload.phase is data_import) and src/core/services/processing_event_subscriber.py
  // (routes by `event` on its channels, tickstock:import:* among them; _handle_job_progress needs `source` to contain
  // processing/import/indicator; _handle_import_completed reads success_count/failure_count).
  it('import events carry the envelope and go to the channels each app subscriber reads them from', async () => {
    const p = new EventPublisher(redis, { now: () => NOW });
    const r = parseDataLoadJob(LIVE_APP_JOB, { now: NOW });
    if (!r.ok) throw new Error('bad example');
    await p.importEvent('data_import_started', {
      run_id: r.request.jobId,
      universe_names: ['DIA'],
      total_symbols: 2,
      timeframes: r.request.timeframes,
      lookback_days: r.request.lookbackDays,
    });
    await p.importEvent('job_progress_update', {
      run_id: r.request.jobId,
      phase: 'data_import',
      total_symbols: 2,
      completed: 1,
      failed: 0,
      processed: 1,
      remaining: 1,
      percentage: 50,
      current_symbol: 'AAPL',
      estimated_completion: null,
      avg_processing_time_ms: 812,
    });
    await p.importEvent('data_import_completed', {
      run_id: r.request.jobId,
      duration_seconds: 3.2,
      total_symbols: 2,
      successful_symbols: 1,
      failed_symbols: 1,
      success_count: 1,
      failure_count: 1,
      interrupted_symbols: 0,
      total_records_imported: 10,
      success_rate: 50,
    });
    await waitFor(() => received.length === 5, { what: 'five messages' });
    expect(received.map((m) => [m.channel, JSON.parse(m.message).event])).toEqual([
      ['tickstock:data:import:status', 'data_import_started'],
      ['tickstock:import:started', 'data_import_started'],
      ['tickstock:monitoring', 'job_progress_update'],
      ['tickstock:data:import:status', 'data_import_completed'],
      ['tickstock:import:completed', 'data_import_completed'],
    ]);
    const progressEvent = JSON.parse(on(CHANNELS.monitoring)[0] as string);
    // processing_event_subscriber.py _handle_job_progress: 'processing' in source or 'import' in source or ...
    expect(['processing', 'import', 'indicator'].some((word) => String(progressEvent.source).includes(word))).toBe(true);
    // processing_subscriber.py: payload.phase in (data_import, indicator_processing, pattern_detection)
    expect(progressEvent.payload.phase).toBe('data_import');
    const completed = JSON.parse(on(CHANNELS.importCompleted)[0] as string);
    expect([completed.payload.success_count, completed.payload.failure_count, completed.payload.duration_seconds]).toEqual([1, 1, 3.2]);
    const [started, progress] = [on(CHANNELS.dataImportStatus)[0], on(CHANNELS.monitoring)[0]].map((m) => parseMonitoringEvent(m));
    expect(started).toEqual({
      ok: true,
      value: {
        event: 'data_import_started',
        timestamp: '2025-12-23T17:16:02.634Z',
        source: 'TickStockPL.data_import',
        version: '1.0',
        payload: {
          run_id: 'e33cca95-c71a-44ce-a377-3b232fa379ae',
          universe_names: ['DIA'],
          total_symbols: 2,
          timeframes: ['1min', 'hour', 'day', 'week', 'month'],
          lookback_days: { '1min': 1, hour: 1, day: 1, week: 1, month: 1 },
        },
      },
    });
    expect(progress?.ok && progress.value.event).toBe('job_progress_update');
  });

  it('an import event payload that breaks its schema throws FIELD_INVALID and publishes nothing', async () => {
    const p = new EventPublisher(redis);
    const err = await p
      .importEvent('symbol_processing_complete', {
        run_id: 'r',
        symbol: 'AAPL',
        success: true,
        timeframes_processed: ['day'],
        records_imported: -1,
        processing_time_ms: 5,
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'FIELD_INVALID', message: expect.stringContaining('payload.records_imported') });
    expect(await redis.publish(CHANNELS.monitoring, 'probe')).toBe(1);
    await waitFor(() => on(CHANNELS.monitoring).length === 1, { what: 'the probe' });
    expect(on(CHANNELS.monitoring)).toEqual(['probe']);
  });

  it('error events have the fields the app requires, the code in category and context, and no secrets', async () => {
    const key = `test-key-${Math.random().toString(36).slice(2)}`;
    const p = new EventPublisher(redis, { now: () => NOW, component: 'runner' });
    await p.error({
      severity: 'error',
      code: 'API_KEY_INVALID',
      message: `Massive refused the key (Bearer ${key})`,
      context: {
        job_id: 'j-1',
        api_key: key,
        request: { url: `https://api.massive.com/v2/aggs?apiKey=${key}`, headers: { authorization: `Bearer ${key}` } },
      },
    });
    await waitFor(() => on(CHANNELS.errors).length === 1, { what: 'the error event' });
    const text = on(CHANNELS.errors)[0] as string;
    expect(text).not.toContain(key);
    const r = parseErrorEvent(text);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.error_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect({ ...r.value, error_id: 'x' }).toEqual({
      error_id: 'x',
      source: 'TickStockPL',
      severity: 'error',
      category: 'API_KEY_INVALID',
      component: 'runner',
      message: 'Massive refused the key (Bearer [REDACTED])',
      context: {
        code: 'API_KEY_INVALID',
        job_id: 'j-1',
        api_key: REDACTED,
        request: { url: 'https://api.massive.com/v2/aggs?apiKey=[REDACTED]', headers: { authorization: REDACTED } },
      },
      timestamp: '2025-12-23T17:16:02.634Z',
    });
  });

  it('pattern events: pattern (never pattern_name), epoch-seconds float timestamp, a UUID flow_id, expiry 3 days on', async () => {
    const p = new EventPublisher(redis, { now: () => NOW });
    const pattern = {
      symbol: 'AAPL',
      pattern: 'Doji',
      confidence: 0.85,
      current_price: 272.15,
      price_change: 1.2,
      indicators: { relative_strength: 1.3, relative_volume: 0.9 },
      source: 'daily',
    };
    await p.pattern(pattern);
    await waitFor(() => on(CHANNELS.patterns).length === 1, { what: 'the pattern event' });
    const r = parsePatternEvent(on(CHANNELS.patterns)[0]);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.timestamp).toBe(1766510162.634);
    expect(r.value.data).toMatchObject({ ...pattern, timestamp: 1766510162.634, expires_at: 1766510162.634 + 259_200 });
    expect(r.value.data.flow_id).toMatch(/^[0-9a-f-]{36}$/);
    expect('pattern_name' in r.value.data).toBe(false);
    expect(validatePatternEventStructure(JSON.parse(on(CHANNELS.patterns)[0] as string))).toBe(true);
    await expect(p.pattern({ ...pattern, confidence: 1.5 })).rejects.toMatchObject({ code: 'FIELD_INVALID' });
    await expect(p.pattern({ ...pattern, current_price: 0 })).rejects.toMatchObject({ code: 'FIELD_INVALID' });
    await expect(p.pattern({ ...pattern, source: '' })).rejects.toMatchObject({ code: 'FIELD_INVALID' });
  });

  // Mirrors the app's MonitoringSubscriber (src/services/monitoring_subscriber.py: top-level event_type; HEALTH_CHECK
  // reads health.components.*.status and warns unless 'OK'; SYSTEM_STATUS warns unless status is 'RUNNING') and
  // admin_monitoring.py store-event (keeps METRIC_UPDATE whole as latest_metrics; the dashboard reads metrics.system,
  // metrics.application, metrics.database, metrics.redis and health_score.components keyed database/redis/memory).
  it('monitoring dashboard events: METRIC_UPDATE, HEALTH_CHECK and SYSTEM_STATUS with a top-level event_type', async () => {
    const p = new EventPublisher(redis, { now: () => NOW });
    await p.metricUpdate({
      metrics: {
        system: { cpu_percent: 3.5, memory_percent: 0.7, memory_mb: 160 },
        application: { symbols_processed: 4, active_timeframes: ['daily'] },
        database: { connected: true },
        redis: { connected: true },
      },
      health_score: { overall: 99, status: 'HEALTHY', components: { database: 100, redis: 100, memory: 99 } },
    });
    await p.healthCheck({
      overall_score: 100,
      status: 'HEALTHY',
      uptime_seconds: 12,
      components: { database: { status: 'OK' }, redis: { status: 'OK', details: { latency_ms: 0.2 } } },
    });
    await p.systemStatus('RUNNING', { worker: 'w-1', api_key: 'k' });
    await waitFor(() => on(CHANNELS.monitoring).length === 3, { what: 'three dashboard events' });
    const [metric, health, status] = on(CHANNELS.monitoring).map((m) => JSON.parse(m));
    expect([metric.event_type, health.event_type, status.event_type]).toEqual(['METRIC_UPDATE', 'HEALTH_CHECK', 'SYSTEM_STATUS']);
    expect(metric).toMatchObject({ timestamp: '2025-12-23T17:16:02.634Z', source: 'TickStockPL', health_score: { overall: 99 } });
    expect(Object.values(health.health.components).map((c) => (c as { status: string }).status)).toEqual(['OK', 'OK']);
    expect(status).toEqual({
      event_type: 'SYSTEM_STATUS',
      timestamp: '2025-12-23T17:16:02.634Z',
      source: 'TickStockPL',
      status: 'RUNNING',
      details: { worker: 'w-1', api_key: REDACTED },
    });
    for (const m of on(CHANNELS.monitoring)) expect(parseDashboardEvent(m).ok).toBe(true);
    await expect(
      p.healthCheck({ overall_score: 100, status: 'HEALTHY', uptime_seconds: 1, components: { db: { status: 'fine' as 'OK' } } }),
    ).rejects.toMatchObject({ code: 'FIELD_INVALID' });
  });

  it('backtesting progress and results, and health status', async () => {
    const p = new EventPublisher(redis, { now: () => NOW });
    await p.backtestingProgress({ job_id: 'bt-1', progress: 0.5, current_symbol: 'MSFT' });
    await p.backtestingResults({ job_id: 'bt-1', status: 'completed', results: { sharpe: 1.2 } });
    await p.health('healthy', { active_jobs: 0, db_password: 'x' });
    await waitFor(() => received.length === 3, { what: 'three messages' });
    expect(parseBacktestingProgress(on(CHANNELS.backtestingProgress)[0])).toEqual({
      ok: true,
      value: { job_id: 'bt-1', progress: 0.5, current_symbol: 'MSFT' },
    });
    expect(parseBacktestingResults(on(CHANNELS.backtestingResults)[0])).toEqual({
      ok: true,
      value: { job_id: 'bt-1', status: 'completed', results: { sharpe: 1.2 } },
    });
    expect(parseHealthStatus(on(CHANNELS.healthStatus)[0])).toEqual({
      ok: true,
      value: {
        source: 'TickStockPL',
        status: 'healthy',
        timestamp: '2025-12-23T17:16:02.634Z',
        details: { active_jobs: 0, db_password: REDACTED },
      },
    });
    await expect(p.backtestingProgress({ job_id: 'bt-1', progress: 50 })).rejects.toMatchObject({ code: 'FIELD_INVALID' });
  });
});

describe('Heartbeat', () => {
  it('sets both keys to the epoch seconds as a float within a second of now, with a TTL', async () => {
    const hb = new Heartbeat(redis);
    await hb.start();
    const [producer, pl] = await Promise.all([redis.get(KEYS.producerHeartbeat), redis.get(KEYS.plHeartbeat)]);
    expect(producer).toMatch(/^\d+\.\d{3}$/);
    expect(pl).toBe(producer);
    expect(Math.abs(Number.parseFloat(producer as string) - Date.now() / 1000)).toBeLessThan(1);
    expect(await redis.ttl(KEYS.producerHeartbeat)).toBeGreaterThan(50);
    expect(await redis.ttl(KEYS.plHeartbeat)).toBeGreaterThan(50);
    expect(hb.running).toBe(true);
    await hb.stop();
    expect(hb.running).toBe(false);
  });

  it('beats again on its interval and not after stop()', async () => {
    let t = 1_766_510_000_000;
    const hb = new Heartbeat(redis, { intervalMs: 50, ttlSeconds: 5, now: () => (t += 1_000) });
    await hb.start();
    const first = await redis.get(KEYS.producerHeartbeat);
    await waitFor(async () => (await redis.get(KEYS.producerHeartbeat)) !== first, { what: 'a second beat' });
    await hb.stop();
    const last = await redis.get(KEYS.producerHeartbeat);
    await new Promise((r) => setTimeout(r, 200));
    expect(await redis.get(KEYS.producerHeartbeat)).toBe(last);
  });

  it('refuses an interval over 20 s (the app calls the producer dead after 30-60 s)', () => {
    expect(() => new Heartbeat(redis, { intervalMs: 30_000 })).toThrow(/heartbeat intervalMs 30000 must be above 0 and at most 20000/);
    expect(() => new Heartbeat(redis, { intervalMs: 10_000, ttlSeconds: 5 })).toThrow(/longer than the interval/);
  });
});
