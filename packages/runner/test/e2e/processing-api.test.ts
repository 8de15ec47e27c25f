/**
 * The processing API on the worker's HTTP server (fastify, in process) over a real import coordinator: every route,
 * the bearer token (401), bad bodies (400), unknown runs (404), a run in progress on another worker (409), and the
 * routes switched off without a token (503).
 */
import { randomUUID } from 'node:crypto';
import { newYorkTimeToUtcMs } from '@tickstock/massive-client';
import { waitFor } from '@tickstock/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer } from '../../src/http/server.js';
import { IMPORT_LOCK_KEY, RedisLock } from '../../src/import/lock.js';
import { RunnerMetrics } from '../../src/metrics.js';
import { type Stack, startStack } from './harness.js';
import { type ImportRig, importRig } from './import-harness.js';

const NOW = newYorkTimeToUtcMs('2025-06-11', 21, 30);
const TOKEN = `test-token-${randomUUID()}`;

let stack: Stack;
let rig: ImportRig;
let api: { url: string; close(): Promise<void> };
let off: { url: string; close(): Promise<void> };

beforeAll(async () => {
  stack = await startStack({ now: NOW });
  rig = importRig(stack, { clock: () => NOW });
  const metrics = new RunnerMetrics({ defaultMetrics: false });
  api = await startHttpServer({ port: 0, metrics, health: () => ({ ok: true }), apiToken: TOKEN, imports: rig.coordinator });
  off = await startHttpServer({ port: 0, metrics, health: () => ({ ok: true }), imports: rig.coordinator });
}, 120_000);

afterAll(async () => {
  await api?.close();
  await off?.close();
  await rig?.close();
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
  return { status: res.status, json, text, headers: res.headers };
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

describe('without TICKSTOCK_API_TOKEN', () => {
  it('answers 503 on every processing route, saying the API is off; /healthz and /metrics stay open', async () => {
    for (const [method, path] of [
      ['POST', '/api/processing/import/trigger'],
      ['GET', '/api/processing/import/status/x'],
      ['POST', '/api/processing/import/retry'],
    ] as const) {
      const r = await call(off.url, method, path, { auth: null, ...(method === 'POST' ? { body: {} } : {}) });
      expect({ path, status: r.status, json: r.json }).toEqual({
        path,
        status: 503,
        json: { success: false, error: 'the processing API is off: set TICKSTOCK_API_TOKEN on the worker to enable it' },
      });
    }
    expect((await call(off.url, 'GET', '/healthz', { auth: null })).status).toBe(200);
    expect((await call(off.url, 'GET', '/metrics', { auth: null })).status).toBe(200);
  });
});

describe('with a token', () => {
  it('requires the bearer token on every route but /healthz (401 with WWW-Authenticate)', async () => {
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
      body: { symbols: ['AAPL', 'MSFT'], timeframes: ['daily'], lookback_days: 5 },
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
