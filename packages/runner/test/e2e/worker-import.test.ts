/**
 * The deployed worker with a schedule and the processing API switched on: the app triggers an import over HTTP
 * with its bearer token and follows it to the end; the health report names the next scheduled run. Neither the API
 * key nor the API token appears in any log line or event.
 */
import { randomUUID } from 'node:crypto';
import { freePort, waitFor } from '@tickstock/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, spawnWorker, startStack, type WorkerProcess } from './harness.js';

const TOKEN = `test-token-${randomUUID()}`;
let stack: Stack;
let worker: WorkerProcess;
let base: string;

beforeAll(async () => {
  stack = await startStack();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  worker = await spawnWorker(stack, {
    env: { TICKSTOCK_API_TOKEN: TOKEN },
    args: ['--http-port', String(port), '--schedule', '30 20 * * 1-5'],
  });
}, 120_000);

afterAll(async () => {
  expect(await worker?.stop('SIGTERM')).toBe(0);
  const everything = [...worker.lines, ...stack.events.messages.map((m) => m.text)].join('\n');
  expect(everything).not.toContain(stack.apiKey);
  expect(everything).not.toContain(TOKEN);
  await stack?.close();
}, 60_000);

const auth = { authorization: `Bearer ${TOKEN}` };

describe('tickstock worker --schedule with TICKSTOCK_API_TOKEN', () => {
  it('reports the next scheduled import (20:30 New York on a trading day) in its health', async () => {
    const health = (await (await fetch(`${base}/healthz`)).json()) as { nextScheduledImport: string; imports: string[] };
    const at = new Date(health.nextScheduledImport);
    const nyTime = new Intl.DateTimeFormat('en-US', {
      timeZone: 'America/New_York',
      hour: '2-digit',
      minute: '2-digit',
      hour12: false,
    }).format(at);
    expect(nyTime).toBe('20:30');
    expect(at.getTime()).toBeGreaterThan(Date.now());
    expect(worker.lines.some((l) => l.includes('next scheduled import'))).toBe(true);
  });

  it('runs an import triggered over HTTP and serves its status until completed', async () => {
    const res = await fetch(`${base}/api/processing/import/trigger`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ symbols: ['AAPL', 'SPY', 'X:BTCUSD'], timeframes: ['day', 'week'], lookback_days: { daily: 10, weekly: 20 } }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { success: boolean; run_id: string; message: string };
    expect(body).toMatchObject({ success: true, message: 'import started: 3 symbols, timeframes day, week' });
    const status = await waitFor(
      async () => {
        const s = (await (await fetch(`${base}/api/processing/import/status/${body.run_id}`, { headers: auth })).json()) as Record<
          string,
          unknown
        >;
        return s.status === 'running' ? undefined : s;
      },
      { timeoutMs: 60_000, intervalMs: 100, what: 'the triggered import to finish' },
    );
    expect(status).toMatchObject({
      run_id: body.run_id,
      status: 'completed',
      phase: 'data_import',
      progress: { percentage: 100, symbols_completed: 3, symbols_total: 3 },
      stats: { failed_symbols: [] },
    });
    expect((await stack.store.getBars('daily', 'X:BTCUSD')).length).toBe(11);
    expect((await fetch(`${base}/api/processing/import/status/${body.run_id}`)).status).toBe(401);
  });
});
