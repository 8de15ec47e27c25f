/**
 * History that stays right after a stock split, on real PostgreSQL and Redis against the simulator over HTTP. A year
 * is loaded; the simulator's clock then moves past a 10-for-1 split (AAA), a 1-for-10 reverse split (RRR) and two
 * splits in one window (TWO); an incremental import (the daily import's engine path) checks the splits once for the
 * whole universe and reloads those three symbols' every stored timeframe. Afterwards every row of every table equals
 * a fresh full load made on the later day, bar for bar; the status and a `symbol_history_readjusted` event say what
 * was readjusted; a symbol without splits (and a crypto ticker) costs nothing extra. Runs under the `*.tz.test.ts`
 * time zones.
 */

import { EventPublisher } from '@tickstock/job-protocol';
import type { Timeframe } from '@tickstock/market-time';
import { newYorkTimeToUtcMs } from '@tickstock/market-time';
import { MassiveClient } from '@tickstock/massive-client';
import { type RunningSimulator, startSimulator } from '@tickstock/massive-simulator';
import { type OhlcvStore, openStore } from '@tickstock/ohlcv-store';
import { createTestDatabase, type RedisServer, startRedisServer, type TestDatabase } from '@tickstock/test-support';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MassiveMarketData } from '../../src/adapters/market-data.js';
import { JobStop } from '../../src/engine/run-job.js';
import type { JobOutcome, LoadJob, MarketDataPort } from '../../src/engine/types.js';
import { InProcessExecutor } from '../../src/execution/executor.js';
import { type PlanningSettings, runJobWithServices } from '../../src/jobs/run-with-services.js';
import { createLogger } from '../../src/logging/logger.js';
import { SecretScrubber } from '../../src/logging/secrets.js';
import { allBarRows, BAR_TABLES, pinWriteTimes, queryRows } from '../support/bar-rows.js';
import { CapturedMessages } from './harness.js';

const DAY_ONE = newYorkTimeToUtcMs('2025-06-11', 14, 5); // Wednesday, mid-session
const DAY_TWO = newYorkTimeToUtcMs('2025-06-20', 18, 0); // the Friday after, after the close
const API_KEY = 'splits-readjust-key';
const SYMBOLS = ['AAA', 'RRR', 'TWO', 'KEEP', 'X:BTCUSD'];
const TIMEFRAMES: Timeframe[] = ['hour', 'day', 'week', 'month'];

let now = DAY_ONE;
let simulator: RunningSimulator;
let redisServer: RedisServer;
let redis: Redis;
let events: CapturedMessages;
const dbs: TestDatabase[] = [];
const stores: OhlcvStore[] = [];

async function newStore(): Promise<{ db: TestDatabase; store: OhlcvStore }> {
  const db = await createTestDatabase('splits');
  dbs.push(db);
  const store = await openStore({ databaseUrl: db.url });
  stores.push(store);
  return { db, store };
}

function job(ranges: Record<Timeframe, [string, string]> | Partial<Record<Timeframe, [string, string]>>): LoadJob {
  return {
    jobId: `splits-${Math.random().toString(36).slice(2)}`,
    jobType: 'test',
    source: { kind: 'symbols', symbols: SYMBOLS },
    ranges: TIMEFRAMES.flatMap((timeframe) => {
      const r = ranges[timeframe];
      return r ? [{ timeframe, from: r[0], to: r[1] }] : [];
    }),
  };
}

async function load(
  store: OhlcvStore,
  j: LoadJob,
  planning: PlanningSettings,
  options: { signal?: AbortSignal; market?: (m: MarketDataPort) => MarketDataPort } = {},
): Promise<{ outcome: JobOutcome; requests: number }> {
  const client = new MassiveClient({ apiKey: API_KEY, baseUrl: simulator.url, rateLimit: 'unlimited' });
  const scrubber = new SecretScrubber().add(API_KEY);
  const before = simulator.stats().requests;
  const market = new MassiveMarketData(client);
  const outcome = await runJobWithServices(
    j,
    {
      market: options.market ? options.market(market) : market,
      store,
      executor: new InProcessExecutor(4),
      resolveSymbols: async () => SYMBOLS,
      logger: createLogger({ level: 'silent', scrubber }),
      scrubber,
      redis: { client: redis, events: new EventPublisher(redis, { component: 'test' }) },
      planning: { ...planning, clock: () => now },
    },
    options.signal ? { signal: options.signal } : {},
  );
  return { outcome, requests: simulator.stats().requests - before };
}

/** A year of every timeframe loaded on day one, written "on" day one (the database's clock is real time). */
async function loadedOnDayOne(): Promise<{ db: TestDatabase; store: OhlcvStore }> {
  now = DAY_ONE;
  const loaded = await newStore();
  const year = job({
    hour: ['2025-06-09', '2025-06-11'],
    day: ['2024-06-11', '2025-06-11'],
    week: ['2024-06-11', '2025-06-11'],
    month: ['2024-06-11', '2025-06-11'],
  });
  expect((await load(loaded.store, year, {})).outcome.status).toBe('completed');
  await pinWriteTimes(loaded.db.url, DAY_ONE);
  return loaded;
}

/** What the daily import asks for on day two, since the last run: each timeframe resumes at its last stored bar. */
function dailyImport(): LoadJob {
  now = DAY_TWO;
  return job({
    hour: ['2025-06-11', '2025-06-20'],
    day: ['2025-06-11', '2025-06-20'],
    week: ['2025-06-08', '2025-06-20'],
    month: ['2025-06-01', '2025-06-20'],
  });
}

/** The reference: the same span loaded whole on day two, when the splits have executed. */
async function freshLoadOnDayTwo(): Promise<{ db: TestDatabase; store: OhlcvStore }> {
  now = DAY_TWO;
  const fresh = await newStore();
  const span = job({
    hour: ['2025-06-09', '2025-06-20'],
    day: ['2024-06-11', '2025-06-20'],
    week: ['2024-06-11', '2025-06-20'],
    month: ['2024-06-11', '2025-06-20'],
  });
  expect((await load(fresh.store, span, {})).outcome.status).toBe('completed');
  return fresh;
}

beforeAll(async () => {
  redisServer = await startRedisServer();
  redis = new Redis(redisServer.url);
  events = await CapturedMessages.start(redisServer.url, ['tickstock:monitoring']);
  simulator = await startSimulator({
    apiKey: API_KEY,
    now: () => now,
    splits: {
      AAA: [{ date: '2025-06-16', ratio: 10 }],
      RRR: [{ date: '2025-06-17', ratio: 0.1 }],
      TWO: [
        { date: '2025-06-13', ratio: 2 },
        { date: '2025-06-18', ratio: 3 },
      ],
    },
  });
}, 60_000);

afterAll(async () => {
  for (const s of stores) await s.close();
  for (const db of dbs) await db.drop();
  await simulator?.close();
  await events?.close();
  redis?.disconnect();
  await redisServer?.stop();
}, 60_000);

describe('a stock split after the history was loaded', () => {
  it('the next incremental import reloads the split symbols whole: every row equals a fresh load, and the status and an event say so', async () => {
    const loaded = await loadedOnDayOne();
    const aaaBefore = await queryRows<{ close: string }>(
      loaded.db.url,
      `SELECT close::text FROM ohlcv_daily WHERE symbol = 'AAA' AND date = '2025-06-10'`,
    );

    const daily = dailyImport();
    const update = await load(loaded.store, daily, { incremental: true });
    expect(update.outcome.status).toBe('completed');
    // One splits request for the whole universe, counted in the plan, and the simulator saw exactly the plan.
    expect(update.outcome.plannedRequests?.splits).toBe(1);
    expect(update.requests).toBe(update.outcome.plannedRequests?.total);
    expect(update.outcome.message).toMatch(
      /history readjusted for splits: AAA \(10-for-1 on 2025-06-16; [\d,]+ rows rewritten\), RRR \(1-for-10 on 2025-06-17; [\d,]+ rows rewritten\), TWO \(2-for-1 on 2025-06-13, 3-for-1 on 2025-06-18; [\d,]+ rows rewritten\)/,
    );
    const readjusted = update.outcome.results.filter((r) => r.readjusted).map((r) => r.symbol);
    expect(readjusted.sort()).toEqual(['AAA', 'RRR', 'TWO']);

    // A fresh load of the same span on the same (later) day.
    const fresh = await freshLoadOnDayTwo();
    const [after, reference] = [await allBarRows(loaded.db.url), await allBarRows(fresh.db.url)];
    for (const table of Object.keys(BAR_TABLES)) {
      expect(after[table]?.length, table).toBe(reference[table]?.length);
      expect(after[table], table).toEqual(reference[table]);
    }
    // The split really changed the stored history: AAA's close of the day before the split is a tenth of what it was.
    const aaaAfter = await queryRows<{ close: string }>(
      loaded.db.url,
      `SELECT close::text FROM ohlcv_daily WHERE symbol = 'AAA' AND date = '2025-06-10'`,
    );
    expect(Number(aaaBefore[0]?.close) / Number(aaaAfter[0]?.close)).toBeCloseTo(10, 6);

    // The event, one per readjusted symbol, on tickstock:monitoring.
    const readjustEvents = events.json('tickstock:monitoring').filter((e) => e.event === 'symbol_history_readjusted');
    const bySymbol = new Map(readjustEvents.map((e) => [(e.payload as { symbol: string }).symbol, e.payload as Record<string, unknown>]));
    expect([...bySymbol.keys()].sort()).toEqual(['AAA', 'RRR', 'TWO']);
    expect(bySymbol.get('AAA')).toMatchObject({
      run_id: daily.jobId,
      execution_date: '2025-06-16',
      ratio: 10,
      splits: [{ execution_date: '2025-06-16', split_from: 1, split_to: 10 }],
    });
    expect(bySymbol.get('RRR')).toMatchObject({ execution_date: '2025-06-17', ratio: 0.1, splits: [{ split_from: 10, split_to: 1 }] });
    expect(bySymbol.get('TWO')).toMatchObject({ execution_date: '2025-06-18', ratio: 6 });
    const aaaResult = update.outcome.results.find((r) => r.symbol === 'AAA');
    expect((bySymbol.get('AAA') as { rows_rewritten: number }).rows_rewritten).toBe(aaaResult?.readjusted?.rowsRewritten);
    expect(aaaResult?.readjusted?.rowsRewritten).toBeGreaterThan(250);

    // Recorded: nothing is pending; the symbols without splits are not in the table.
    const recorded = await loaded.store.listSplits();
    expect(recorded.map((s) => [s.symbol, s.executionDate, s.readjustNeeded, s.readjustedAt !== null])).toEqual([
      ['AAA', '2025-06-16', true, true],
      ['RRR', '2025-06-17', true, true],
      ['TWO', '2025-06-13', true, true],
      ['TWO', '2025-06-18', true, true],
    ]);

    // The next run: one splits request again, nothing reloaded, nothing else extra.
    const again = await load(loaded.store, daily, { incremental: true });
    expect(again.outcome.plannedRequests?.splits).toBe(1);
    expect(again.outcome.results.filter((r) => r.readjusted)).toEqual([]);
    expect(again.requests).toBe(again.outcome.plannedRequests?.total);
    expect(again.outcome.message).not.toContain('readjust');
  }, 120_000);

  it('a readjustment stopped half-way stays pending and reports no success; the next run finishes it', async () => {
    const loaded = await loadedOnDayOne();
    const daily = dailyImport();
    // The run dies while AAA's history is being reloaded: after its day bars, before its week bars (what a SIGKILL of
    // the worker at that moment leaves behind: some timeframes rewritten, the split not marked done).
    const controller = new AbortController();
    const stopMidway = (m: MarketDataPort): MarketDataPort => ({
      details: (s, signal) => m.details(s, signal),
      groupedDaily: (...a) => m.groupedDaily(...a),
      splits: (...a) => (m.splits as NonNullable<MarketDataPort['splits']>)(...a),
      bars: (symbol, range, signal) => {
        if (symbol === 'AAA' && range.timeframe === 'week') controller.abort(new JobStop('shutdown', 'SIGKILL stand-in'));
        return m.bars(symbol, range, signal);
      },
    });
    const stopped = await load(loaded.store, daily, { incremental: true }, { signal: controller.signal, market: stopMidway });
    expect(stopped.outcome.status).not.toBe('completed');
    const aaa = stopped.outcome.results.find((r) => r.symbol === 'AAA');
    expect(aaa?.ok).toBe(false);
    expect(aaa?.readjusted).toBeUndefined();
    expect(stopped.outcome.message).not.toContain('history readjusted');
    expect((await loaded.store.listSplits({ symbols: ['AAA'], pending: true })).map((s) => s.executionDate)).toEqual(['2025-06-16']);

    // The next run: the split is still pending, so AAA is reloaded whole and the rows equal a fresh load.
    const next = await load(loaded.store, daily, { incremental: true });
    expect(next.outcome.status).toBe('completed');
    // AAA, and whichever other split symbol the stop caught before it finished.
    expect(next.outcome.results.filter((r) => r.readjusted).map((r) => r.symbol)).toContain('AAA');
    expect(await loaded.store.listSplits({ pending: true })).toEqual([]);
    const fresh = await freshLoadOnDayTwo();
    const [after, reference] = [await allBarRows(loaded.db.url), await allBarRows(fresh.db.url)];
    for (const table of Object.keys(BAR_TABLES)) expect(after[table], table).toEqual(reference[table]);
  }, 120_000);
});
