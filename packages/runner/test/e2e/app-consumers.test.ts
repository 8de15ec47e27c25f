/**
 * What the TickStock app's own code reads from a worker, beyond the status of an ordinary job (TickStockAppV2 at
 * 864dd0c; each test names the app file and function it mirrors): the monitoring dashboard's events and its
 * FORCE_HEALTH_CHECK, the app's own `job:status:{id}` key, jobs the app writes no status for, and rejected jobs.
 */
import { randomUUID } from 'node:crypto';
import { appJobStatusKey, CHANNELS, jobStatusKey } from '@tickstock/job-protocol';
import { waitFor } from '@tickstock/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CapturedMessages, type Stack, spawnWorker, startStack, type WorkerProcess, waitForFinalStatus } from './harness.js';

let stack: Stack;
let worker: WorkerProcess;
let dashboard: CapturedMessages;

beforeAll(async () => {
  stack = await startStack();
  dashboard = await CapturedMessages.start(stack.redisServer.url, [CHANNELS.monitoring]);
  worker = await spawnWorker(stack, { env: { TICKSTOCK_MONITORING_INTERVAL_MS: '300' } });
}, 120_000);

afterAll(async () => {
  await dashboard?.close();
  await stack?.close();
}, 60_000);

const ofType = (type: string) => dashboard.json(CHANNELS.monitoring).filter((e) => e.event_type === type);

describe('the app’s monitoring dashboard', () => {
  // src/services/monitoring_subscriber.py MonitoringSubscriber._process_event (event_type at the top level; HEALTH_CHECK
  // warns on any component status other than 'OK', SYSTEM_STATUS on any status other than 'RUNNING');
  // src/api/rest/admin_monitoring.py store_monitoring_event (latest_metrics = the METRIC_UPDATE whole);
  // web/static/js/admin/monitoring_dashboard.js (producer Active while latest_update is under 30 s old; metrics.system,
  // metrics.application, metrics.database, metrics.redis; health_score.components keyed database/redis/memory).
  it('receives METRIC_UPDATE every interval, HEALTH_CHECK with every component OK, and SYSTEM_STATUS RUNNING', async () => {
    await waitFor(() => ofType('METRIC_UPDATE').length >= 3 && ofType('HEALTH_CHECK').length >= 1, {
      timeoutMs: 10_000,
      what: 'three METRIC_UPDATEs and a HEALTH_CHECK',
    });
    const metric = ofType('METRIC_UPDATE').at(-1) as Record<string, Record<string, Record<string, unknown>>>;
    expect(metric.source).toBe('TickStockPL');
    expect(Date.now() - Date.parse(String(metric.timestamp))).toBeLessThan(30_000);
    expect(String(metric.timestamp)).toMatch(/Z$/); // parsed by the browser as UTC
    expect(Object.keys(metric.metrics ?? {}).sort()).toEqual(['application', 'database', 'processing', 'redis', 'system']);
    expect(typeof metric.metrics?.system?.cpu_percent).toBe('number');
    expect(metric.metrics?.system?.memory_mb).toBeGreaterThan(10);
    expect(metric.metrics?.application).toMatchObject({ jobs_running: 0, queue_depth: 0, error_rate: 0 });
    expect(metric.metrics?.database).toMatchObject({ connected: true });
    expect(metric.metrics?.redis).toMatchObject({ connected: true });
    expect(metric.health_score).toMatchObject({ status: 'HEALTHY', components: { database: 100, redis: 100 } });
    const health = ofType('HEALTH_CHECK').at(-1) as { health: { status: string; components: Record<string, { status: string }> } };
    expect(health.health.status).toBe('HEALTHY');
    expect(Object.fromEntries(Object.entries(health.health.components).map(([k, v]) => [k, v.status]))).toEqual({
      database: 'OK',
      redis: 'OK',
    });
    expect(ofType('SYSTEM_STATUS').map((e) => e.status)).toContain('RUNNING');
  });

  // admin_monitoring.py force_health_check publishes {"action": "FORCE_HEALTH_CHECK", ...} on
  // tickstock:monitoring:control and expects the next HEALTH_CHECK on tickstock:monitoring.
  it('answers FORCE_HEALTH_CHECK with a fresh HEALTH_CHECK at once', async () => {
    const before = ofType('HEALTH_CHECK').length;
    const asked = Date.now();
    await stack.redis.publish(
      CHANNELS.monitoringControl,
      JSON.stringify({ action: 'FORCE_HEALTH_CHECK', requested_by: 'admin', timestamp: '2025-12-23T12:16:00.120000' }),
    );
    await waitFor(() => ofType('HEALTH_CHECK').length > before, { timeoutMs: 1_500, what: 'a HEALTH_CHECK answering the request' });
    expect(Date.now() - asked).toBeLessThan(1_500); // the regular HEALTH_CHECK comes every 6 × 300 ms = 1.8 s
    // Requests for parts this worker does not have are ignored quietly.
    await stack.redis.publish(CHANNELS.monitoringControl, JSON.stringify({ action: 'RELOAD_PATTERNS', requested_by: 'admin' }));
    await stack.redis.publish(CHANNELS.monitoringControl, 'not json');
    await waitFor(() => ofType('METRIC_UPDATE').length > 0 && worker.lines.some((l) => l.includes('health check requested by the app')), {
      what: 'the request logged',
    });
  });
});

describe('job statuses the app reads', () => {
  // admin_historical_data_redis.py csv_universe_load: publishes the job, then SETEX job:status:{id} 7200 with a JSON
  // string; admin_historical_dashboard (Recent Jobs), admin_cancel_job and scripts/testing/test_redis_job_submission.py
  // read that key with GET + json.loads (progress an int). It never writes tickstock.jobs.status:{id}.
  it("keeps the app's job:status:{id} current to the final status, in the app's format", async () => {
    const jobId = `job_${randomUUID().slice(0, 8)}`;
    await stack.redis.publish(
      CHANNELS.dataLoad,
      JSON.stringify({
        job_id: jobId,
        job_type: 'historical_load',
        symbols: ['AAPL', 'MSFT'],
        years: 0.02,
        timespan: 'day',
        requested_by: 'admin',
        timestamp: '2025-12-23T12:15:13.634000',
      }),
    );
    const appStatus = {
      status: 'submitted',
      progress: 0,
      message: 'CSV universe load job submitted to TickStockPL',
      description: 'Loading 2 symbols',
      submitted_at: '2025-12-23T12:15:13.640000',
    };
    await stack.redis.setex(appJobStatusKey(jobId), 7200, JSON.stringify(appStatus));
    const final = await waitForFinalStatus(stack.redis, jobId, 30_000);
    expect(final.status).toBe('completed');
    const key = appJobStatusKey(jobId);
    expect(await stack.redis.type(key)).toBe('string');
    const app = JSON.parse((await stack.redis.get(key)) as string) as Record<string, unknown>;
    expect(app).toEqual({ ...final, description: 'Loading 2 symbols', submitted_at: '2025-12-23T12:15:13.640000' });
    expect(Number.isInteger(app.progress) && app.progress === 100).toBe(true);
    expect(await stack.redis.ttl(key)).toBeGreaterThan(7_000);
  });

  // admin_historical_data_redis.py bulk_operations publishes universe_seed jobs and writes no status: the app's status
  // reads answer 404 until the worker writes one, so the worker writes at once (no wait for a pre-write).
  it('writes the status of a job the app wrote none for at once (universe_seed)', async () => {
    const jobId = `seed_${randomUUID().slice(0, 8)}`;
    const published = Date.now();
    await stack.redis.publish(
      CHANNELS.dataLoad,
      JSON.stringify({ job_id: jobId, job_type: 'universe_seed', universe_type: 'ETF', years: 0.01 }),
    );
    await waitFor(async () => (await stack.redis.exists(jobStatusKey(jobId))) === 1, {
      timeoutMs: 5_000,
      intervalMs: 20,
      what: 'a status',
    });
    expect(Date.now() - published).toBeLessThan(1_500); // the pre-write wait is 2 s
    const final = await waitForFinalStatus(stack.redis, jobId, 60_000);
    expect(final).toMatchObject({ status: 'completed', progress: 100, has_errors: false });
  });

  // A rejected job: the app pre-wrote its hash (trigger-load) and polls it; ErrorSubscriber stores tickstock:errors
  // events of severity error and above in error_logs (LOG_DB_SEVERITY_THRESHOLD defaults to error).
  it('answers a rejected job with a failed status (progress 0) and an error event on tickstock:errors', async () => {
    const errors = await CapturedMessages.start(stack.redisServer.url, [CHANNELS.errors]);
    try {
      const jobId = randomUUID();
      await stack.redis.publish(
        CHANNELS.dataLoad,
        JSON.stringify({ job_id: jobId, job_type: 'historical_load', symbols: ['AAPL'], years: 0, timespan: 'day' }),
      );
      await stack.redis.hset(jobStatusKey(jobId), { status: 'submitted', progress: '0', message: 'Job submitted to processing queue' });
      const final = await waitForFinalStatus(stack.redis, jobId, 10_000);
      expect(final).toMatchObject({ status: 'failed', progress: 0, has_errors: true });
      expect(String(final.message)).toMatch(/^Job rejected: years/);
      await waitFor(() => errors.json(CHANNELS.errors).length > 0, { what: 'the error event' });
      expect(errors.json(CHANNELS.errors)[0]).toMatchObject({
        source: 'TickStockPL',
        severity: 'error',
        category: 'YEARS_OUT_OF_RANGE',
        context: { job_id: jobId, job_type: 'historical_load' },
      });
    } finally {
      await errors.close();
    }
  });
});

describe('shutdown', () => {
  it('tells the dashboard the worker is STOPPING', async () => {
    expect(await worker.stop('SIGTERM')).toBe(0);
    await waitFor(() => ofType('SYSTEM_STATUS').some((e) => e.status === 'STOPPING'), { what: 'SYSTEM_STATUS STOPPING' });
  });
});
