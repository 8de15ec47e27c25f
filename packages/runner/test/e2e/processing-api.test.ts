/**
 * The processing API on the worker's HTTP server (fastify, in process) over real import coordinators.
 *
 * The app's client first: `TickStockPLAPIClient` (TickStockAppV2 `src/core/services/tickstockpl_api_client.py`,
 * used by the Daily Processing admin page), modelled below as {@link AppClient}: no credentials, a 2 s timeout,
 * `raise_for_status()` (so a refusal shows only as `"NNN Client Error: <reason> for url: ..."`), then `.get()` on the
 * JSON object. Every method of it against a server without a token (loopback, as beside the app), each test naming
 * the method it mirrors; status and cancel across two workers. Then the seeds' routes with a token: the bearer token
 * (401), bad bodies (400), unknown runs (404), a run in progress on another worker (409).
 */
import { randomUUID } from 'node:crypto';
import { newYorkTimeToUtcMs } from '@tickstock/market-time';
import { type RunningSimulator, startSimulator } from '@tickstock/massive-simulator';
import { waitFor } from '@tickstock/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkHttpExposure, type RunningHttpServer, startHttpServer } from '../../src/http/server.js';
import { IMPORT_LOCK_KEY, RedisLock } from '../../src/import/lock.js';
import { parseImportRequest } from '../../src/import/request.js';
import { nextScheduledSlot } from '../../src/import/schedule.js';
import { RunnerMetrics } from '../../src/metrics.js';
import { type Stack, startStack } from './harness.js';
import { type ImportRig, importRig } from './import-harness.js';

const NOW = newYorkTimeToUtcMs('2025-06-11', 21, 30);
const TOKEN = `test-token-${randomUUID()}`;
const SCHEDULE = '30 20 * * 1-5';

let stack: Stack;
/** Worker A: the one the app's page talks to. */
let rig: ImportRig;
/** Worker B: another replica, on a slow API (400 ms a request), so its runs are seen in progress. */
let other: ImportRig;
let slowSim: RunningSimulator;
let api: RunningHttpServer;
/** Worker A's API without a token, on loopback: what the app calls. */
let open: RunningHttpServer;
/** Worker B's API without a token. */
let openB: RunningHttpServer;

beforeAll(async () => {
  stack = await startStack({ now: NOW });
  slowSim = await startSimulator({ apiKey: stack.apiKey, now: NOW, latency: { fixedMs: 400 } });
  rig = importRig(stack, { clock: () => NOW, owner: 'worker-a' });
  other = importRig(stack, { clock: () => NOW, owner: 'worker-b', simulator: slowSim });
  const metrics = new RunnerMetrics({ defaultMetrics: false });
  const health = () => ({ ok: true });
  api = await startHttpServer({ port: 0, metrics, health, apiToken: TOKEN, imports: rig.coordinator });
  const spec = parseImportRequest({ universes: ['dow30'], timeframes: ['day'], lookback_days: 5 });
  open = await startHttpServer({
    port: 0,
    metrics,
    health,
    imports: rig.coordinator,
    schedule: () => ({ cron: SCHEDULE, spec, nextRunAt: nextScheduledSlot(SCHEDULE, NOW).at }),
  });
  openB = await startHttpServer({ port: 0, metrics, health, imports: other.coordinator });
}, 120_000);

afterAll(async () => {
  for (const server of [api, open, openB]) await server?.close();
  await rig?.close();
  await other?.close();
  await slowSim?.close();
  await stack?.close();
}, 60_000);

async function call(base: string, method: string, path: string, options: { body?: unknown; raw?: string; auth?: string | null } = {}) {
  const headers: Record<string, string> = {};
  if (options.auth !== null) headers.authorization = options.auth ?? `Bearer ${TOKEN}`;
  if (options.body !== undefined || options.raw !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    ...(options.raw !== undefined ? { body: options.raw } : options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await res.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: res.status, reason: res.statusText, json, text, headers: res.headers };
}

const statusOf = (runId: string) => call(api.url, 'GET', `/api/processing/import/status/${runId}`);
const finished = (runId: string) =>
  waitFor(
    async () => {
      const r = await statusOf(runId);
      return r.json?.status !== 'running' ? r.json : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 50, what: `run ${runId} to finish` },
  );

/** Python's `dict.get(key, default)`: the default only when the key is absent (a null value stays None). */
function get(d: Record<string, unknown>, key: string, fallback: unknown = null): unknown {
  return Object.hasOwn(d, key) ? d[key] : fallback;
}

/**
 * What TickStockPLAPIClient does with a response, modelled: no credentials, 2 s timeout, `raise_for_status()` (a
 * refusal becomes requests' `"NNN Client Error: <reason> for url: <url>"`, the body unread), then `response.json()`
 * and `.get(...)` on it: a 2xx answer that is not a JSON object would raise outside the client's `except` and 500 the
 * app's route, so it fails the test here.
 */
class AppClient {
  constructor(readonly baseUrl: string) {}

  private async request(
    method: string,
    path: string,
    payload?: unknown,
  ): Promise<{ ok: true; data: Record<string, unknown> } | { ok: false; message: string }> {
    const url = `${this.baseUrl}${path}`;
    const res = await fetch(url, {
      method,
      signal: AbortSignal.timeout(2_000),
      headers: payload === undefined ? {} : { 'content-type': 'application/json' },
      ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
    });
    const text = await res.text();
    if (res.status >= 400) {
      return { ok: false, message: `${res.status} ${res.status < 500 ? 'Client' : 'Server'} Error: ${res.statusText} for url: ${url}` };
    }
    const data = JSON.parse(text) as unknown;
    if (!data || typeof data !== 'object' || Array.isArray(data))
      throw new Error(`${method} ${path}: a 2xx answer that is not a JSON object: ${text}`);
    return { ok: true, data: data as Record<string, unknown> };
  }

  /** trigger_processing(skip_market_check, phases, universe). */
  async triggerProcessing(skipMarketCheck = false, phases?: string[], universe?: string) {
    const payload: Record<string, unknown> = { skip_market_check: skipMarketCheck, phases: phases?.length ? phases : ['all'] };
    if (universe) payload.universe = universe;
    const r = await this.request('POST', '/api/processing/trigger-manual', payload);
    if (!r.ok) return { success: false, message: r.message };
    return {
      success: true,
      run_id: get(r.data, 'run_id'),
      status: get(r.data, 'status'),
      message: get(r.data, 'message', 'Processing triggered successfully'),
    };
  }

  /** get_status(). */
  async getStatus() {
    const r = await this.request('GET', '/api/processing/status');
    if (!r.ok) return { success: false, is_running: false, message: r.message };
    const d = r.data;
    return {
      success: true,
      is_running: get(d, 'is_running', false),
      run_id: get(d, 'run_id'),
      phase: get(d, 'current_phase'),
      progress: get(d, 'progress', 0),
      symbols_processed: get(d, 'symbols_processed', 0),
      symbols_total: get(d, 'symbols_total', 0),
      start_time: get(d, 'start_time'),
      estimated_completion: get(d, 'estimated_completion'),
    };
  }

  /** get_history(days). */
  async getHistory(days = 7) {
    const r = await this.request('GET', `/api/processing/history?days=${days}`);
    if (!r.ok) return { success: false, history: [], message: r.message };
    const runs = get(r.data, 'runs', []) as Record<string, unknown>[];
    return {
      success: true,
      history: runs.map((run) => ({
        run_id: get(run, 'run_id'),
        trigger_type: get(run, 'trigger_type', 'automatic'),
        status: get(run, 'status'),
        start_time: get(run, 'start_time'),
        end_time: get(run, 'end_time'),
        duration_seconds: get(run, 'duration_seconds'),
        symbols_processed: get(run, 'symbols_processed', 0),
        symbols_failed: get(run, 'symbols_failed', 0),
        patterns_detected: get(run, 'patterns_detected', 0),
        indicators_calculated: get(run, 'indicators_calculated', 0),
      })),
    };
  }

  /** cancel_processing(): DELETE, no body. */
  async cancelProcessing() {
    const r = await this.request('DELETE', '/api/processing/cancel');
    if (!r.ok) return { success: false, message: r.message };
    return { success: true, message: get(r.data, 'message', 'Processing cancelled successfully') };
  }

  /** get_schedule(). */
  async getSchedule() {
    const r = await this.request('GET', '/api/processing/schedule');
    if (!r.ok) return { success: false, message: r.message };
    const d = r.data;
    return {
      success: true,
      enabled: get(d, 'enabled', false),
      trigger_time: get(d, 'trigger_time', '16:10'),
      timezone: get(d, 'timezone', 'America/New_York'),
      next_run: get(d, 'next_run'),
      universes: get(d, 'universes', ['sp500']),
      market_check: get(d, 'market_check', true),
    };
  }

  /** update_schedule(enabled, trigger_time, market_check, universes): only the keys given. */
  async updateSchedule(update: { enabled?: boolean; trigger_time?: string; market_check?: boolean; universes?: string[] }) {
    const r = await this.request('POST', '/api/processing/schedule', update);
    if (!r.ok) return { success: false, message: r.message };
    return { success: true, message: 'Schedule updated successfully', schedule: r.data };
  }

  /** trigger_data_import(universes, timeframes, lookback_days): all three keys always sent. */
  async triggerDataImport(universes: string[], timeframes?: string[], lookbackDays: number | null = 30) {
    const r = await this.request('POST', '/api/processing/trigger-import', {
      universes,
      timeframes: timeframes?.length ? timeframes : ['daily', 'weekly'],
      lookback_days: lookbackDays,
    });
    if (!r.ok) return { success: false, message: r.message };
    return { success: true, run_id: get(r.data, 'run_id'), message: get(r.data, 'message', 'Data import triggered successfully') };
  }

  /** trigger_indicator_processing(symbols, indicators, timeframe). */
  async triggerIndicatorProcessing(symbols?: string[], indicators?: string[], timeframe = 'daily') {
    const payload: Record<string, unknown> = { timeframe };
    if (symbols?.length) payload.symbols = symbols;
    if (indicators?.length) payload.indicators = indicators;
    const r = await this.request('POST', '/api/processing/trigger-indicators', payload);
    if (!r.ok) return { success: false, message: r.message };
    return { success: true, run_id: get(r.data, 'run_id'), message: get(r.data, 'message') };
  }

  /** retry_failed_imports(run_id, symbols). */
  async retryFailedImports(runId: string, symbols?: string[]) {
    const payload: Record<string, unknown> = { original_run_id: runId };
    if (symbols?.length) payload.symbols = symbols;
    const r = await this.request('POST', '/api/processing/retry-imports', payload);
    if (!r.ok) return { success: false, message: r.message };
    return { success: true, run_id: get(r.data, 'run_id'), message: get(r.data, 'message', 'Import retry triggered successfully') };
  }

  /** health_check(): status 200 (5 s timeout). */
  async healthCheck(): Promise<boolean> {
    const res = await fetch(`${this.baseUrl}/health`, { signal: AbortSignal.timeout(5_000) });
    await res.arrayBuffer();
    return res.status === 200;
  }
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Waits until the app's get_status says no run is in progress. */
const idle = (client: AppClient) =>
  waitFor(
    async () => {
      const s = await client.getStatus();
      return s.success && s.is_running === false ? s : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 100, what: 'no import run in progress' },
  );

describe("the app's client (tickstockpl_api_client.py TickStockPLAPIClient) against a worker without a token, on loopback", () => {
  let app: AppClient;
  beforeAll(() => {
    app = new AppClient(open.url);
  });

  it('mirrors health_check: GET /health answers 200 (a JSON object) without credentials; /healthz too', async () => {
    expect(await app.healthCheck()).toBe(true);
    expect((await call(open.url, 'GET', '/health', { auth: null })).json).toEqual({ ok: true });
    expect((await call(open.url, 'GET', '/healthz', { auth: null })).status).toBe(200);
  });

  it('mirrors get_status before any run: not running, phase idle, zeros', async () => {
    expect(await app.getStatus()).toEqual({
      success: true,
      is_running: false,
      run_id: null,
      phase: 'idle',
      progress: 0,
      symbols_processed: 0,
      symbols_total: 0,
      start_time: null,
      estimated_completion: null,
    });
  });

  it('mirrors trigger_data_import: the body it sends starts a run within its 2 s timeout; get_status and get_history follow it', async () => {
    const started = Date.now();
    const r = await app.triggerDataImport(['dow30'], undefined, 5);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(r).toEqual({
      success: true,
      run_id: expect.stringMatching(/^import_20250612_013000_[0-9a-f]{6}$/),
      message: 'import started: 30 symbols, timeframes day, week',
    });
    const done = await idle(app);
    // Idle again: run_id stays the latest run's (the page's "Retry Failed Imports" retries it).
    expect(done).toEqual({
      success: true,
      is_running: false,
      run_id: r.run_id,
      phase: 'idle',
      progress: 100,
      symbols_processed: 30,
      symbols_total: 30,
      start_time: expect.stringMatching(ISO),
      estimated_completion: null,
    });
    const history = await app.getHistory(7);
    expect(history.success).toBe(true);
    expect(history.history[0]).toEqual({
      run_id: r.run_id,
      trigger_type: 'manual',
      status: 'success',
      start_time: expect.stringMatching(ISO),
      end_time: expect.stringMatching(ISO),
      duration_seconds: expect.any(Number),
      symbols_processed: 30,
      symbols_failed: 0,
      patterns_detected: 0,
      indicators_calculated: 0,
    });
    // The raw answer: a JSON object with the runs newest first, numbers as numbers.
    const raw = await call(open.url, 'GET', '/api/processing/history?days=30', { auth: null });
    expect(raw.json).toMatchObject({ success: true, days: 30 });
    const runs = raw.json?.runs as Record<string, unknown>[];
    expect(runs[0]).toMatchObject({ run_id: r.run_id, phase: 'completed', symbols_total: 30, error_message: null });
    const times = runs.map((x) => Date.parse(String(x.start_time)));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('mirrors trigger_data_import with lookback_days null (the page sends NaN as null): a 400 whose reason says so', async () => {
    expect(await app.triggerDataImport(['sp500'], ['daily', 'weekly'], null)).toEqual({
      success: false,
      message: `400 Client Error: lookback_days is null: send a whole number of days (e.g. 30): lookback_days: must be a whole number of days, got null for url: ${open.url}/api/processing/trigger-import`,
    });
    expect((await app.triggerDataImport(['russell9000'])).message).toBe(
      `400 Client Error: invalid request body: universes.0: unknown universe "russell9000": use sp500, nasdaq100, dow30, etf, tracked, or a CSV file name in TICKSTOCK_UNIVERSE_DIR for url: ${open.url}/api/processing/trigger-import`,
    );
  });

  it('mirrors trigger_processing (the page sends {skip_market_check, phases: ["all"]}): the daily import starts, status "started"', async () => {
    const r = await app.triggerProcessing(false);
    expect(r).toEqual({
      success: true,
      run_id: expect.stringMatching(/^import_/),
      status: 'started',
      message:
        'daily processing started: data import of 30 symbols, timeframes day; indicators and patterns are not computed by this worker',
    });
    await idle(app);
    const withUniverse = await app.triggerProcessing(true, ['data_import'], 'etf');
    expect(withUniverse).toMatchObject({ success: true, status: 'started' });
    expect(withUniverse.message).toMatch(/^daily processing started: data import of \d+ symbols, timeframes day$/);
    await idle(app);
    expect(await app.triggerProcessing(false, ['indicator_processing', 'pattern_detection'])).toEqual({
      success: false,
      message: `501 Server Error: This worker runs the data import phase only; indicator_processing, pattern_detection are not computed here for url: ${open.url}/api/processing/trigger-manual`,
    });
    expect((await app.triggerProcessing(false, ['backfill'])).message).toBe(
      `400 Client Error: invalid request body: phases.0: unknown phase; use all, data_import, import, cache_sync, indicator_processing, indicators, pattern_detection, patterns for url: ${open.url}/api/processing/trigger-manual`,
    );
  });

  it('mirrors trigger_indicator_processing: 501, saying in the reason phrase and the body that this worker does not compute indicators', async () => {
    expect(await app.triggerIndicatorProcessing(['AAPL'], ['rsi'])).toEqual({
      success: false,
      message: `501 Server Error: This worker does not compute indicators: it imports OHLCV bars only for url: ${open.url}/api/processing/trigger-indicators`,
    });
    const raw = await call(open.url, 'POST', '/api/processing/trigger-indicators', { auth: null, body: { timeframe: 'daily' } });
    expect({ status: raw.status, reason: raw.reason, json: raw.json }).toEqual({
      status: 501,
      reason: 'This worker does not compute indicators: it imports OHLCV bars only',
      json: { success: false, error: 'This worker does not compute indicators: it imports OHLCV bars only', code: 'NOT_SUPPORTED' },
    });
  });

  it('mirrors retry_failed_imports({original_run_id}): retries the failed symbols of the run get_status names', async () => {
    const run = await call(open.url, 'POST', '/api/processing/trigger-import', {
      auth: null,
      body: { symbols: ['KO', 'ZZZNOTREAL'], timeframes: ['daily'], lookback_days: 5, success_threshold: 0.5 },
    });
    const runId = String(run.json?.run_id);
    const status = await idle(app);
    expect(status).toMatchObject({ run_id: runId, progress: 100, symbols_processed: 1, symbols_total: 2 });
    // The app's route takes the run id from get_status when the page sends none.
    expect(await app.retryFailedImports(String(status.run_id))).toEqual({
      success: true,
      run_id: runId,
      message: `retrying 1 failed symbol of run ${runId}: ZZZNOTREAL`,
    });
    await idle(app);
    expect(await app.retryFailedImports(runId, ['KO'])).toEqual({
      success: false,
      message: `400 Client Error: not a failed symbol of run ${runId}: KO for url: ${open.url}/api/processing/retry-imports`,
    });
    expect((await app.retryFailedImports('import_nope')).message).toBe(
      `404 Client Error: no import run "import_nope" for url: ${open.url}/api/processing/retry-imports`,
    );
    const history = await app.getHistory(7);
    expect(history.history[0]).toMatchObject({ run_id: runId, status: 'success', symbols_processed: 1, symbols_failed: 1 });
  });

  it('mirrors get_schedule and update_schedule: the schedule in force; a change is refused (501) saying how to make it', async () => {
    const schedule = await app.getSchedule();
    expect(schedule).toEqual({
      success: true,
      enabled: true,
      trigger_time: '20:30',
      timezone: 'America/New_York',
      next_run: new Date(newYorkTimeToUtcMs('2025-06-12', 20, 30)).toISOString(),
      universes: ['dow30'],
      market_check: true,
    });
    // What the page's form sends when nothing changed.
    const same = await app.updateSchedule({ enabled: true, trigger_time: '20:30', market_check: true });
    expect(same).toMatchObject({
      success: true,
      message: 'Schedule updated successfully',
      schedule: { enabled: true, trigger_time: '20:30' },
    });
    expect(await app.updateSchedule({ enabled: true, trigger_time: '21:10', market_check: true })).toEqual({
      success: false,
      message: `501 Server Error: The schedule is not changed over HTTP (asked: trigger_time 21:10): start the worker with --schedule "<cron>" (New York time) or --import-config for url: ${open.url}/api/processing/schedule`,
    });
    // A worker with no schedule says so.
    const none = await new AppClient(openB.url).getSchedule();
    expect(none).toMatchObject({ success: true, enabled: false, trigger_time: null, next_run: null, universes: ['tracked'] });
  });

  it('mirrors get_status and cancel_processing for a run in progress here: DELETE /cancel stops it; nothing to cancel is a 409', async () => {
    const b = new AppClient(openB.url);
    expect(await b.cancelProcessing()).toEqual({
      success: false,
      message: `409 Client Error: No import run is in progress: nothing to cancel for url: ${openB.url}/api/processing/cancel`,
    });
    const r = await b.triggerDataImport(['dow30'], ['hourly', 'weekly'], 30);
    expect(r.success).toBe(true);
    const running = await waitFor(
      async () => {
        const s = await b.getStatus();
        return s.is_running && Number(s.symbols_processed) > 0 ? s : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 50, what: 'the run to be in progress' },
    );
    expect(running).toMatchObject({ success: true, is_running: true, run_id: r.run_id, phase: 'data_import', symbols_total: 30 });
    expect(Number.isInteger(running.progress) && Number(running.progress) >= 0 && Number(running.progress) < 100).toBe(true);
    expect(running.start_time).toMatch(ISO);
    expect(await b.cancelProcessing()).toEqual({
      success: true,
      message: `cancel requested for run ${r.run_id}: symbols in flight stop, bars already written are kept`,
    });
    const after = await idle(b);
    expect(after.run_id).toBe(r.run_id);
    expect((await b.getHistory(7)).history[0]).toMatchObject({ run_id: r.run_id, status: 'cancelled' });
  });

  it('answers get_status and cancel_processing for a run on another worker: the lock names it, the database counts it, the cancel reaches it', async () => {
    // Worker B runs; the app's page talks to worker A.
    const started = await other.coordinator.trigger(
      parseImportRequest({ universes: ['dow30'], timeframes: ['hour', 'month'], lookback_days: 60 }),
      {
        origin: 'api',
      },
    );
    const running = await waitFor(
      async () => {
        const s = await app.getStatus();
        return s.is_running && Number(s.symbols_processed) > 0 ? s : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 50, what: "worker B's run, seen from worker A" },
    );
    expect(running).toMatchObject({ is_running: true, run_id: started.runId, phase: 'data_import', symbols_total: 30 });
    const raw = await call(open.url, 'GET', '/api/processing/status', { auth: null });
    expect(raw.json).toMatchObject({ worker: 'worker-b', status: 'running' });
    // A cannot start another run meanwhile: the reason names B's run.
    expect((await app.triggerDataImport(['dow30'])).message).toBe(
      `409 Client Error: import run ${started.runId} is in progress (on worker-b) for url: ${open.url}/api/processing/trigger-import`,
    );
    const t0 = Date.now();
    expect(await app.cancelProcessing()).toEqual({
      success: true,
      message: `cancel requested for run ${started.runId} (running on worker-b): it stops within a second`,
    });
    const outcome = await started.done;
    expect(outcome.status).toBe('cancelled');
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect((await idle(app)).run_id).toBe(started.runId);
    expect((await app.getHistory(7)).history[0]).toMatchObject({ run_id: started.runId, status: 'cancelled' });
  });

  it('accepts POST /cancel (with or without a JSON body) and a run_id that must name the run in progress', async () => {
    const none = await call(open.url, 'POST', '/api/processing/cancel', { auth: null, raw: '' });
    expect({ status: none.status, reason: none.reason }).toEqual({
      status: 409,
      reason: 'No import run is in progress: nothing to cancel',
    });
    const lock = new RedisLock(rig.redis, IMPORT_LOCK_KEY, 30_000);
    const held = await lock.acquire({ run_id: 'import_elsewhere', owner: 'worker-c' });
    try {
      const wrong = await call(open.url, 'POST', '/api/processing/cancel', { auth: null, body: { run_id: 'import_other' } });
      expect({ status: wrong.status, reason: wrong.reason }).toEqual({
        status: 404,
        reason: 'import run "import_other" is not in progress (run import_elsewhere is)',
      });
      const right = await call(open.url, 'DELETE', '/api/processing/cancel?run_id=import_elsewhere', { auth: null });
      expect(right.json).toEqual({
        success: true,
        run_id: 'import_elsewhere',
        message: 'cancel requested for run import_elsewhere (running on worker-c): it stops within a second',
      });
      expect(await rig.redis.get('tickstock:import:cancel:import_elsewhere')).toBe('api');
    } finally {
      await held?.release();
      await rig.redis.del('tickstock:import:cancel:import_elsewhere');
    }
  });

  it('answers history with a clear 400 for a bad days value, and every refusal with its reason in the status line', async () => {
    const bad = await call(open.url, 'GET', '/api/processing/history?days=week', { auth: null });
    expect({ status: bad.status, reason: bad.reason }).toEqual({
      status: 400,
      reason: 'days must be a whole number from 1 to 3650, got "week"',
    });
    const unknown = await call(open.url, 'GET', '/api/processing/nothing', { auth: null });
    expect({ status: unknown.status, reason: unknown.reason }).toEqual({ status: 404, reason: 'no route GET /api/processing/nothing' });
    const notJson = await call(open.url, 'POST', '/api/processing/trigger-import', { auth: null, raw: '{"universes": [' });
    expect(notJson.status).toBe(400);
    expect(notJson.reason).not.toBe('Bad Request');
  });
});

describe('without TICKSTOCK_API_TOKEN', () => {
  it('refuses to start on an interface other machines can reach, and says why', async () => {
    const metrics = new RunnerMetrics({ defaultMetrics: false });
    for (const host of ['0.0.0.0', '::', '192.0.2.10']) {
      await expect(startHttpServer({ port: 0, host, metrics, health: () => ({ ok: true }) })).rejects.toMatchObject({
        code: 'CONFIG_INVALID',
        message: expect.stringContaining(`refusing to serve the HTTP API on ${host} without TICKSTOCK_API_TOKEN`),
      });
    }
    for (const host of ['127.0.0.1', 'localhost', '::1', '[::1]', '127.0.0.2'])
      expect(() => checkHttpExposure(host, undefined)).not.toThrow();
    expect(() => checkHttpExposure('0.0.0.0', 'a-token-of-enough-length')).not.toThrow();
    expect(open.access).toBe(
      'open without a token (TICKSTOCK_API_TOKEN not set), on loopback only (127.0.0.1): the TickStock app on this machine can call it',
    );
    expect(api.access).toBe('bearer token (TICKSTOCK_API_TOKEN) required on every route but /health and /healthz');
  });

  it("serves the seeds' routes too, without credentials", async () => {
    const r = await call(open.url, 'POST', '/api/processing/import/trigger', {
      auth: null,
      body: { symbols: ['AAPL'], timeframes: ['day'], lookback_days: 3 },
    });
    expect(r.status).toBe(200);
    await idle(new AppClient(open.url));
    const status = await call(open.url, 'GET', `/api/processing/import/status/${r.json?.run_id}`, { auth: null });
    expect(status.json).toMatchObject({ status: 'completed', phase: 'data_import' });
    expect((await call(open.url, 'GET', '/metrics', { auth: null })).status).toBe(200);
  });
});

describe('with a token', () => {
  it('requires the bearer token on every route but /health and /healthz (401 with WWW-Authenticate)', async () => {
    const expected = { success: false, error: 'unauthorized: send Authorization: Bearer <TICKSTOCK_API_TOKEN>' };
    for (const auth of [
      null,
      'Bearer wrong-token-of-the-same-kind',
      `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`,
      `Bearer ${TOKEN}x`,
    ]) {
      const r = await call(api.url, 'POST', '/api/processing/import/trigger', { auth, body: { symbols: ['AAPL'] } });
      expect({ auth, status: r.status, json: r.json }).toEqual({ auth, status: 401, json: expected });
      expect(r.headers.get('www-authenticate')).toBe('Bearer realm="tickstock"');
    }
    expect((await call(api.url, 'GET', '/api/processing/import/status/x', { auth: null })).status).toBe(401);
    expect((await call(api.url, 'POST', '/api/processing/import/retry', { auth: null, body: { run_id: 'x' } })).status).toBe(401);
    expect((await call(api.url, 'GET', '/metrics', { auth: null })).status).toBe(401);
    expect((await call(api.url, 'GET', '/metrics')).status).toBe(200);
    expect((await call(api.url, 'GET', '/healthz', { auth: null })).json).toEqual({ ok: true });
    expect((await call(api.url, 'GET', '/health', { auth: null })).json).toEqual({ ok: true });
    for (const [method, path] of [
      ['GET', '/api/processing/status'],
      ['GET', '/api/processing/history?days=7'],
      ['POST', '/api/processing/trigger-manual'],
      ['POST', '/api/processing/trigger-import'],
      ['POST', '/api/processing/trigger-indicators'],
      ['POST', '/api/processing/retry-imports'],
      ['DELETE', '/api/processing/cancel'],
      ['GET', '/api/processing/schedule'],
    ] as const) {
      const r = await call(api.url, method, path, { auth: null, ...(method === 'POST' ? { body: {} } : {}) });
      expect({ path, status: r.status, reason: r.reason }).toEqual({
        path,
        status: 401,
        reason: 'unauthorized: send Authorization: Bearer <TICKSTOCK_API_TOKEN>',
      });
    }
    expect((await call(api.url, 'GET', '/api/processing/status')).json).toMatchObject({ success: true, is_running: false });
  });

  it('answers 400 naming each problem of a bad body', async () => {
    const bad = await call(api.url, 'POST', '/api/processing/import/trigger', {
      body: {
        universe: ['sp500'],
        timeframes: ['day', 'fortnight'],
        lookback_days: 0,
        symbols: ['AAPL; DROP TABLE'],
        success_threshold: 80,
      },
    });
    expect(bad.status).toBe(400);
    expect(bad.json?.success).toBe(false);
    expect(bad.json?.error).toBe('invalid request body');
    expect(bad.json?.issues).toEqual([
      { path: 'symbols.0', message: 'must be a ticker such as AAPL, BRK.B or X:BTCUSD' },
      { path: 'timeframes.1', message: 'unknown timeframe "fortnight"; use 1min, hour, day, week, month' },
      { path: 'lookback_days', message: 'must be at least 1 day' },
      { path: 'success_threshold', message: 'must be between 0 and 1 (0.8 = 80%)' },
      { path: '(body)', message: 'Unrecognized key: "universe"' },
    ]);
    const universe = await call(api.url, 'POST', '/api/processing/import/trigger', { body: { universes: ['russell9000'] } });
    expect(universe.status).toBe(400);
    expect(universe.json?.issues).toEqual([
      {
        path: 'universes.0',
        message: 'unknown universe "russell9000": use sp500, nasdaq100, dow30, etf, tracked, or a CSV file name in TICKSTOCK_UNIVERSE_DIR',
      },
    ]);
    const notJson = await call(api.url, 'POST', '/api/processing/import/trigger', { raw: '{"symbols": [' });
    expect(notJson.status).toBe(400);
    expect(notJson.json?.success).toBe(false);
    const retry = await call(api.url, 'POST', '/api/processing/import/retry', { body: { symbols: ['AAPL'] } });
    expect(retry.status).toBe(400);
    expect(retry.json?.issues).toEqual([{ path: 'run_id', message: 'Invalid input: expected string, received undefined' }]);
    const csv = await call(api.url, 'POST', '/api/processing/import/trigger', { body: { universes: ['mine.csv'] } });
    expect(csv.status).toBe(400);
    expect(csv.json).toEqual({
      success: false,
      error: 'universe "mine.csv" is a CSV file but TICKSTOCK_UNIVERSE_DIR is not set',
      code: 'UNIVERSE_NOT_FOUND',
    });
  });

  it('triggers a run, reports its status, and answers 404 for an unknown run', async () => {
    const r = await call(api.url, 'POST', '/api/processing/import/trigger', {
      body: { symbols: ['GOOGL', 'TSLA'], timeframes: ['daily'], lookback_days: 5 },
    });
    expect(r.status).toBe(200);
    const runId = String(r.json?.run_id);
    expect(runId).toMatch(/^import_20250612_013000_[0-9a-f]{6}$/);
    expect(r.json).toEqual({
      success: true,
      run_id: runId,
      message: 'import started: 2 symbols, timeframes day',
      estimated_duration_minutes: 1,
    });
    const done = await finished(runId);
    expect(done).toMatchObject({
      run_id: runId,
      status: 'completed',
      phase: 'data_import',
      progress: { percentage: 100, symbols_completed: 2, symbols_total: 2, current_symbol: null, estimated_completion: null },
      // 2025-06-06 .. 2025-06-11: 4 trading days each.
      stats: { records_imported: 8, failed_symbols: [] },
      retry_count: 0,
    });
    expect(typeof (done?.stats as { avg_symbol_time_ms?: unknown } | undefined)?.avg_symbol_time_ms).toBe('number');
    const missing = await statusOf('no-such-run');
    expect({ status: missing.status, json: missing.json }).toEqual({
      status: 404,
      json: { success: false, error: 'no import run "no-such-run"' },
    });
  });

  it('answers 409 while a run is in progress on another worker', async () => {
    const other = new RedisLock(rig.redis, IMPORT_LOCK_KEY, 30_000);
    const held = await other.acquire({ run_id: 'import_elsewhere', owner: 'worker-b' });
    expect(held).not.toBeNull();
    try {
      const r = await call(api.url, 'POST', '/api/processing/import/trigger', { body: { symbols: ['AAPL'] } });
      expect({ status: r.status, json: r.json }).toEqual({
        status: 409,
        json: { success: false, error: 'import run import_elsewhere is in progress (on worker-b)', code: 'RUN_IN_PROGRESS' },
      });
    } finally {
      await held?.release();
    }
  });

  it('retries the failed symbols of a run (retry_count 1), and refuses unknown runs and symbols that did not fail', async () => {
    const r = await call(api.url, 'POST', '/api/processing/import/trigger', {
      body: { symbols: ['KO', 'ZZZNOTREAL'], timeframes: ['day'], lookback_days: 5, success_threshold: 0.5 },
    });
    const runId = String(r.json?.run_id);
    expect(await finished(runId)).toMatchObject({ status: 'completed', stats: { failed_symbols: ['ZZZNOTREAL'] } });

    const notFailed = await call(api.url, 'POST', '/api/processing/import/retry', { body: { run_id: runId, symbols: ['KO'] } });
    expect({ status: notFailed.status, json: notFailed.json }).toEqual({
      status: 400,
      json: { success: false, error: `not a failed symbol of run ${runId}: KO`, code: 'USAGE' },
    });
    const unknown = await call(api.url, 'POST', '/api/processing/import/retry', { body: { run_id: 'import_nope' } });
    expect({ status: unknown.status, json: unknown.json }).toEqual({
      status: 404,
      json: { success: false, error: 'no import run "import_nope"', code: 'RUN_NOT_FOUND' },
    });

    const retry = await call(api.url, 'POST', '/api/processing/import/retry', { body: { run_id: runId } });
    expect({ status: retry.status, json: retry.json }).toEqual({
      status: 200,
      json: { success: true, run_id: runId, retry_count: 1, message: `retrying 1 failed symbol of run ${runId}: ZZZNOTREAL` },
    });
    const after = await finished(runId);
    expect(after).toMatchObject({
      status: 'completed',
      retry_count: 1,
      progress: { symbols_completed: 2, symbols_total: 2 },
      stats: { failed_symbols: ['ZZZNOTREAL'] },
    });
    const row = (await stack.store.getSymbolStatuses(runId, 'data_import')).find((s) => s.symbol === 'ZZZNOTREAL');
    expect(row).toMatchObject({ status: 'failed', retryCount: 1 });
  });

  it('answers unknown routes with a JSON 404', async () => {
    const r = await call(api.url, 'GET', '/api/processing/nothing');
    expect({ status: r.status, json: r.json }).toEqual({
      status: 404,
      json: { success: false, error: 'no route GET /api/processing/nothing' },
    });
  });
});
