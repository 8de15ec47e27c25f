/**
 * `tickstock verify` on real PostgreSQL against the simulator over HTTP: a load (week and month built from day bars)
 * verifies equal to what the API serves; then each injected corruption (a changed close, a deleted row, an extra row,
 * a row of another scale, a changed hour) is found with exact counts; `--repair` fixes exactly those, and a second
 * `verify` exits 0. Runs under the `*.tz.test.ts` time zones.
 */
import { newYorkTimeToUtcMs } from '@tickstock/market-time';
import { MassiveClient } from '@tickstock/massive-client';
import { type RunningSimulator, startSimulator } from '@tickstock/massive-simulator';
import { type OhlcvStore, openStore } from '@tickstock/ohlcv-store';
import { createTestDatabase, type TestDatabase } from '@tickstock/test-support';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MassiveMarketData } from '../../src/adapters/market-data.js';
import { InProcessExecutor } from '../../src/execution/executor.js';
import { runJobWithServices } from '../../src/jobs/run-with-services.js';
import { createLogger } from '../../src/logging/logger.js';
import { SecretScrubber } from '../../src/logging/secrets.js';
import { roundDecimal } from '../../src/verify/verify-bars.js';
import { runCliInProcess } from '../support/run-cli.js';

const NOW = newYorkTimeToUtcMs('2025-06-11', 18, 0); // Wednesday after the close
const API_KEY = 'verify-key';
let simulator: RunningSimulator;
let db: TestDatabase;
let store: OhlcvStore;
const saved = { ...process.env };

async function sql(text: string, params: unknown[] = []): Promise<number> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    return (await c.query(text, params)).rowCount ?? 0;
  } finally {
    await c.end();
  }
}

interface Json {
  requests: number;
  differences: number;
  errors: number;
  repaired: boolean;
  results: {
    symbol: string;
    timeframe: string;
    missing: number;
    extra: number;
    changed: number;
    examples: { key: string; kind: string; columns?: Record<string, { stored: number | null; served: number | null }> }[];
    repaired?: { written: number; deleted: number };
  }[];
}

async function verify(...args: string[]): Promise<{ code: number; json: Json }> {
  const run = await runCliInProcess([
    'verify',
    'AAA',
    'BBB',
    '--timeframes',
    'hour,day,week,month',
    '--until',
    '2025-06-11',
    '--json',
    ...args,
  ]);
  expect(run.stderr).toBe('');
  return { code: run.code, json: JSON.parse(run.stdout) as Json };
}

const counts = (j: Json) =>
  Object.fromEntries(
    j.results
      .filter((r) => r.missing + r.extra + r.changed > 0)
      .map((r) => [`${r.symbol} ${r.timeframe}`, [r.missing, r.extra, r.changed]]),
  );

beforeAll(async () => {
  simulator = await startSimulator({ apiKey: API_KEY, now: NOW });
  db = await createTestDatabase('verify');
  store = await openStore({ databaseUrl: db.url });
  const scrubber = new SecretScrubber().add(API_KEY);
  const outcome = await runJobWithServices(
    {
      jobId: 'verify-load',
      jobType: 'test',
      source: { kind: 'symbols', symbols: ['AAA', 'BBB'] },
      ranges: [
        { timeframe: 'hour', from: '2025-06-10', to: '2025-06-11' },
        { timeframe: 'day', from: '2025-03-03', to: '2025-06-11' },
        { timeframe: 'week', from: '2025-03-03', to: '2025-06-11' },
        { timeframe: 'month', from: '2025-03-03', to: '2025-06-11' },
      ],
    },
    {
      market: new MassiveMarketData(new MassiveClient({ apiKey: API_KEY, baseUrl: simulator.url, rateLimit: 'unlimited' })),
      store,
      executor: new InProcessExecutor(2),
      resolveSymbols: async () => ['AAA', 'BBB'],
      logger: createLogger({ level: 'silent', scrubber }),
      scrubber,
      planning: { clock: () => NOW },
    },
  );
  expect(outcome.status).toBe('completed');
  Object.assign(process.env, { DATABASE_URL: db.url, MASSIVE_API_KEY: API_KEY, MASSIVE_API_BASE_URL: simulator.url, LOG_LEVEL: 'silent' });
}, 60_000);

afterAll(async () => {
  process.env = saved;
  await store?.close();
  await db?.drop();
  await simulator?.close();
});

describe('tickstock verify', () => {
  it('finds nothing after a load (built week and month included), says the requests first, and exits 0', async () => {
    const before = simulator.stats().requests;
    const { code, json } = await verify();
    expect(code).toBe(0);
    expect(json.differences).toBe(0);
    // Two symbols x four timeframes, one request each; the simulator saw exactly those.
    expect(json.requests).toBe(8);
    expect(simulator.stats().requests - before).toBe(8);
    expect(json.results.map((r) => `${r.symbol} ${r.timeframe}`)).toEqual([
      'AAA hour',
      'AAA day',
      'AAA week',
      'AAA month',
      'BBB hour',
      'BBB day',
      'BBB week',
      'BBB month',
    ]);
    const text = await runCliInProcess(['verify', 'AAA', '--timeframes', 'day', '--until', '2025-06-11']);
    expect(text.stderr).toBe('verify: 1 range, 1 API request\n');
    expect(text.stdout).toMatch(/^AAA day 2025-03-03\.\.2025-06-11: equal \(\d+ rows\)\nall equal\n$/);
  });

  it('finds each injected corruption with exact counts, --repair fixes exactly those, and a second verify exits 0', async () => {
    expect(await sql(`UPDATE ohlcv_daily SET close = close + 1 WHERE symbol = 'AAA' AND date = '2025-05-14'`)).toBe(1);
    expect(await sql(`DELETE FROM ohlcv_daily WHERE symbol = 'AAA' AND date = '2025-05-15'`)).toBe(1);
    // A Saturday: the API serves no bar for it.
    expect(
      await sql(`INSERT INTO ohlcv_daily (symbol, date, open, high, low, close, volume) VALUES ('BBB', '2025-05-17', 1, 2, 0.5, 1.5, 10)`),
    ).toBe(1);
    // A week at the scale before a 10-for-1 split.
    expect(
      await sql(
        `UPDATE ohlcv_weekly SET open = open * 10, high = high * 10, low = low * 10, close = close * 10 WHERE symbol = 'BBB' AND week_start = '2025-04-06'`,
      ),
    ).toBe(1);
    expect(
      await sql(
        `UPDATE ohlcv_hourly SET volume = volume + 5 WHERE symbol = 'AAA' AND timestamp = (SELECT min(timestamp) FROM ohlcv_hourly WHERE symbol = 'AAA')`,
      ),
    ).toBe(1);

    const found = await verify();
    expect(found.code).toBe(1);
    expect(counts(found.json)).toEqual({ 'AAA hour': [0, 0, 1], 'AAA day': [1, 0, 1], 'BBB day': [0, 1, 0], 'BBB week': [0, 0, 1] });
    expect(found.json.differences).toBe(5);
    const aaaDay = found.json.results.find((r) => r.symbol === 'AAA' && r.timeframe === 'day');
    expect(aaaDay?.examples.map((e) => [e.key, e.kind, Object.keys(e.columns ?? {})])).toEqual([
      ['2025-05-14', 'changed', ['close']],
      ['2025-05-15', 'missing', []],
    ]);
    const close = aaaDay?.examples[0]?.columns?.close;
    expect((close?.stored ?? 0) - (close?.served ?? 0)).toBeCloseTo(1, 9);
    const week = found.json.results.find((r) => r.symbol === 'BBB' && r.timeframe === 'week')?.examples[0];
    expect(week?.key).toBe('2025-04-06');
    expect(Object.keys(week?.columns ?? {})).toEqual(['open', 'high', 'low', 'close']);

    const repaired = await verify('--repair');
    expect(repaired.code).toBe(1);
    expect(repaired.json.repaired).toBe(true);
    expect(
      Object.fromEntries(repaired.json.results.filter((r) => r.repaired).map((r) => [`${r.symbol} ${r.timeframe}`, r.repaired])),
    ).toEqual({
      'AAA hour': { written: 1, deleted: 0 },
      'AAA day': { written: 2, deleted: 0 },
      'BBB day': { written: 0, deleted: 1 },
      'BBB week': { written: 1, deleted: 0 },
    });

    const again = await verify();
    expect(again.code).toBe(0);
    expect(again.json.differences).toBe(0);
  });

  it('exits 2 with a clear line for a bad date, before touching anything', async () => {
    const run = await runCliInProcess(['verify', 'AAA', '--since', '2025-6-1']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('expected a YYYY-MM-DD date, got "2025-6-1"');
  });
});

describe('roundDecimal', () => {
  it('rounds half away from zero at the column scale, as NUMERIC does', () => {
    expect(roundDecimal('1.23455', 4)).toBe(1.2346);
    expect(roundDecimal('-1.23455', 4)).toBe(-1.2346);
    expect(roundDecimal('1.23444', 4)).toBe(1.2344);
    expect(roundDecimal('0.99995', 4)).toBe(1);
    expect(roundDecimal('12.5', 0)).toBe(13);
    expect(roundDecimal('1.5', 4)).toBe(1.5);
    expect(roundDecimal('1e-7', 4)).toBe(0);
  });
});
