/**
 * The equality proof of the request planner: for the same job, the rows stored through the planner (grouped daily,
 * week and month built from day bars) equal, row for row and column for column, the rows stored by per-ticker
 * requests, on real PostgreSQL against the simulator over HTTP. Then the same for an incremental import the next
 * trading day. The simulator's clock stands mid-session on a Wednesday, so the current day, week and month are still
 * forming. Runs under every time zone of the `*.tz.test.ts` projects.
 */

import type { Timeframe } from '@tickstock/market-time';
import { forexCalendar, newYorkTimeToUtcMs } from '@tickstock/market-time';
import { MassiveClient } from '@tickstock/massive-client';
import { type RunningSimulator, startSimulator } from '@tickstock/massive-simulator';
import { type OhlcvStore, openStore } from '@tickstock/ohlcv-store';
import { createTestDatabase, type TestDatabase } from '@tickstock/test-support';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MassiveMarketData } from '../../src/adapters/market-data.js';
import type { JobOutcome, LoadJob } from '../../src/engine/types.js';
import { InProcessExecutor } from '../../src/execution/executor.js';
import { type PlanningSettings, runJobWithServices } from '../../src/jobs/run-with-services.js';
import { createLogger } from '../../src/logging/logger.js';
import { SecretScrubber } from '../../src/logging/secrets.js';
import { shippedUniverseSymbols } from '../../src/universe/resolve.js';
import { simulatorUniverse } from '../../src/universe/simulated.js';

const DAY_ONE = newYorkTimeToUtcMs('2025-06-11', 14, 5); // Wednesday, mid-session
const DAY_TWO = newYorkTimeToUtcMs('2025-06-12', 14, 5);
const TABLES: Record<Timeframe, string> = {
  '1min': 'ohlcv_1min',
  hour: 'ohlcv_hourly',
  day: 'ohlcv_daily',
  week: 'ohlcv_weekly',
  month: 'ohlcv_monthly',
};
const API_KEY = 'planner-equality-key';

let now = DAY_ONE;
let simulator: RunningSimulator;
let symbols: string[];
const dbs: TestDatabase[] = [];
const stores: OhlcvStore[] = [];

async function newStore(): Promise<{ db: TestDatabase; store: OhlcvStore }> {
  const db = await createTestDatabase('planner');
  dbs.push(db);
  const store = await openStore({ databaseUrl: db.url });
  stores.push(store);
  return { db, store };
}

/** Every row of a table but the write times, in key order, as PostgreSQL returns them (NUMERIC as text: exact). */
async function rows(db: TestDatabase, table: string): Promise<Record<string, unknown>[]> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    const key =
      table === 'ohlcv_daily' ? 'date' : table === 'ohlcv_weekly' ? 'week_start' : table === 'ohlcv_monthly' ? 'month_start' : 'timestamp';
    const { rows: out } = await c.query(
      `SELECT symbol, ${key}::text AS key, open::text, high::text, low::text, close::text, volume::text, vwap::text, transactions::text
         FROM ${table} ORDER BY symbol, ${key}`,
    );
    return out;
  } finally {
    await c.end();
  }
}

function job(timeframes: Timeframe[], days: number, today: string): LoadJob {
  const from = (tf: Timeframe) => {
    const d = new Date(`${today}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() - (tf === 'hour' ? 2 : days));
    return d.toISOString().slice(0, 10);
  };
  return {
    jobId: `equality-${Math.random().toString(36).slice(2)}`,
    jobType: 'test',
    source: { kind: 'symbols', symbols },
    ranges: timeframes.map((timeframe) => ({ timeframe, from: from(timeframe), to: today })),
  };
}

/** The database's clock is real time, the simulator's a day in 2025: pin the write times to when the load "happened". */
async function pinWriteTimes(db: TestDatabase, ms: number): Promise<void> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    for (const table of Object.values(TABLES)) await c.query(`UPDATE ${table} SET updated_at = to_timestamp($1::float8 / 1000)`, [ms]);
  } finally {
    await c.end();
  }
}

async function load(store: OhlcvStore, j: LoadJob, planning: PlanningSettings): Promise<{ outcome: JobOutcome; requests: number }> {
  const client = new MassiveClient({ apiKey: API_KEY, baseUrl: simulator.url, rateLimit: 'unlimited' });
  const scrubber = new SecretScrubber().add(API_KEY);
  const before = simulator.stats().requests;
  const outcome = await runJobWithServices(j, {
    market: new MassiveMarketData(client),
    store,
    executor: new InProcessExecutor(8),
    resolveSymbols: async () => symbols,
    logger: createLogger({ level: 'silent', scrubber }),
    scrubber,
    planning: { ...planning, clock: () => now },
  });
  return { outcome, requests: simulator.stats().requests - before };
}

const PER_TICKER: PlanningSettings = { groupedDaily: false, buildPeriods: false, detailsMaxAgeDays: 0 };
const PLANNER: PlanningSettings = {};

beforeAll(async () => {
  // 52 S&P 500 symbols (grouped daily pays off for the days), a symbol listed mid-range, one that misses a fifth of
  // its trading days (no trades, no bar), two crypto tickers (seven-day weeks) and two forex pairs (UTC days, Sunday
  // evening sessions, no Saturday; grouped daily fx).
  symbols = [...(await shippedUniverseSymbols('sp500')).slice(0, 52), 'NEWCO', 'THIN', 'X:BTCUSD', 'X:ETHUSD', 'C:EURUSD', 'C:USDJPY'];
  simulator = await startSimulator({
    apiKey: API_KEY,
    now: () => now,
    tickers: simulatorUniverse(['NEWCO', 'THIN', 'C:EURUSD', 'C:USDJPY']),
    listings: { NEWCO: '2025-01-15' },
    missingDays: { THIN: 0.2 },
  });
}, 60_000);

afterAll(async () => {
  for (const s of stores) await s.close();
  for (const db of dbs) await db.drop();
  await simulator?.close();
}, 60_000);

describe('the request planner stores exactly what per-ticker requests store', () => {
  let planned: { db: TestDatabase; store: OhlcvStore };
  let reference: { db: TestDatabase; store: OhlcvStore };
  const timeframes: Timeframe[] = ['hour', 'day', 'week', 'month'];

  it('a year of hour/day/week/month for 58 symbols: the same rows in every table, with fewer requests, sent as planned', async () => {
    now = DAY_ONE;
    planned = await newStore();
    reference = await newStore();
    const j = job(timeframes, 365, '2025-06-11');
    const viaPlanner = await load(planned.store, j, PLANNER);
    const perTicker = await load(reference.store, j, PER_TICKER);
    expect(viaPlanner.outcome.status).toBe('completed');
    expect(perTicker.outcome.status).toBe('completed');
    for (const tf of timeframes) {
      const [a, b] = [await rows(planned.db, TABLES[tf]), await rows(reference.db, TABLES[tf])];
      expect({ tf, rows: a.length > 0 }).toEqual({ tf, rows: true });
      expect({ tf, rows: a }).toEqual({ tf, rows: b });
    }
    // Every request the plan counted was sent, and no other (no retries against the simulator).
    expect(viaPlanner.requests).toBe(viaPlanner.outcome.plannedRequests?.total);
    expect(perTicker.requests).toBe(perTicker.outcome.plannedRequests?.total);
    expect(perTicker.requests).toBe(symbols.length * 5); // details + 4 timeframes each
    expect(viaPlanner.requests).toBeLessThan(perTicker.requests);
    expect(viaPlanner.outcome.recordsImported).toBe(perTicker.outcome.recordsImported);
    // Forex day rows are UTC dates of forexCalendar: Sundays (the evening session) in, Saturdays out.
    const fxDates = (await rows(planned.db, 'ohlcv_daily')).filter((r) => r.symbol === 'C:EURUSD').map((r) => String(r.key));
    expect(fxDates).toEqual(forexCalendar.tradingDays(fxDates[0] as string, '2025-06-11'));
    expect(fxDates).toContain('2025-06-08');
    expect(fxDates).not.toContain('2025-06-07');
  }, 120_000);

  it('the next trading day, an incremental import: the same rows again, and only a few requests for the days', async () => {
    for (const db of [planned.db, reference.db]) await pinWriteTimes(db, DAY_ONE);
    now = DAY_TWO;
    const j = job(timeframes, 365, '2025-06-12');
    const viaPlanner = await load(planned.store, j, { ...PLANNER, incremental: true });
    const perTicker = await load(reference.store, j, { ...PER_TICKER, incremental: true });
    expect(viaPlanner.outcome.status).toBe('completed');
    expect(perTicker.outcome.status).toBe('completed');
    for (const tf of timeframes) {
      expect({ tf, rows: await rows(planned.db, TABLES[tf]) }).toEqual({ tf, rows: await rows(reference.db, TABLES[tf]) });
    }
    expect(viaPlanner.requests).toBe(viaPlanner.outcome.plannedRequests?.total);
    // Details are stored and fresh; day bars by grouped daily from the earliest resume (06-11; THIN, which missed
    // days, resumes at its own last day) to 06-12; hours per ticker.
    expect(viaPlanner.outcome.plannedRequests?.details).toBe(0);
    expect(viaPlanner.outcome.plannedRequests?.grouped).toBeGreaterThanOrEqual(2);
    expect(viaPlanner.outcome.plannedRequests?.grouped).toBeLessThanOrEqual(5);
    expect(viaPlanner.requests).toBeLessThan(perTicker.requests);
  }, 120_000);
});
