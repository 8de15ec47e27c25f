/**
 * A backfill interrupted part-way resumes from its saved cursor: real PostgreSQL, the Massive simulator over HTTP, the
 * real client, market port and store port. The first attempt stores three pages and fails asking for the fourth; the
 * second attempt asks for the fourth page first, and every bar is served once and stored once.
 */
import { randomUUID } from 'node:crypto';
import { MassiveClient } from '@tickstock/massive-client';
import { type RunningSimulator, simulatedBars, startSimulator } from '@tickstock/massive-simulator';
import { type OhlcvStore, openStore } from '@tickstock/ohlcv-store';
import { createTestDatabase, type TestDatabase } from '@tickstock/test-support';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OhlcvBarStore } from '../src/adapters/bar-store.js';
import { MassiveMarketData } from '../src/adapters/market-data.js';
import { loadPlannedSymbol } from '../src/engine/load-symbol.js';
import type { BarsPage, MarketDataPort, SymbolPlan } from '../src/engine/types.js';

const NOW = Date.parse('2026-03-02T15:00:00Z');
/** Five days of AAPL minutes in pages of 1,000 bars. */
const RANGE = { timeframe: '1min', from: '2025-06-09', to: '2025-06-13' } as const;
const PLAN: SymbolPlan = { symbol: 'AAPL', details: false, steps: [{ ...RANGE, source: 'ticker' }] };
const PAGE_SIZE = 1000;
const CURSOR_KEY = { symbol: 'AAPL', timeframe: '1min', from: RANGE.from, to: RANGE.to } as const;

let db: TestDatabase;
let store: OhlcvStore;
let sim: RunningSimulator;
let market: MassiveMarketData;
// Every minute traded (no thin-trading gaps): each page holds exactly PAGE_SIZE bars, so the counts are exact.
const expected = simulatedBars({ ticker: 'AAPL', timespan: 'minute', from: RANGE.from, to: RANGE.to }, { now: NOW, gapRate: 0 });

beforeAll(async () => {
  db = await createTestDatabase('resume');
  store = await openStore({ databaseUrl: db.url });
  const apiKey = `resume-key-${randomUUID()}`;
  sim = await startSimulator({ now: NOW, apiKey, gapRate: 0 });
  market = new MassiveMarketData(new MassiveClient({ apiKey, baseUrl: sim.url, env: {} }), { pageSize: PAGE_SIZE });
});
afterAll(async () => {
  await sim?.close();
  await store?.close();
  await db?.drop();
});
beforeEach(async () => {
  sim.reset();
  await store.clearLoadCursor(CURSOR_KEY);
  await store.deleteBarsNotIn('1min', 'AAPL', { from: 0, to: Date.parse('2030-01-01T00:00:00Z') }, new Set());
});

/** The market port, but the request for page `failAt` (1-based) fails as a dropped connection would. */
function failingAt(failAt: number): MarketDataPort {
  return {
    details: (symbol, signal) => market.details(symbol, signal),
    bars: (symbol, range, signal) => market.bars(symbol, range, signal),
    groupedDaily: (m, date, otc, signal) => market.groupedDaily(m, date, otc, signal),
    async *barPages(symbol, range, signal, cursor): AsyncIterable<BarsPage> {
      let n = 0;
      for await (const page of market.barPages(symbol, range, signal, cursor)) {
        yield page;
        n += 1;
        if (n === failAt - 1) throw Object.assign(new Error('socket hang up'), { code: 'NETWORK_ERROR', retryable: true });
      }
    },
  };
}

const stored = async () => (await store.getBars('1min', 'AAPL')).map((b) => b.timestamp);

describe('a paged backfill interrupted after page 3', () => {
  it('saves the cursor of page 4, resumes from it, and stores every bar once with each page requested once', async () => {
    const pages = Math.ceil(expected.length / PAGE_SIZE);
    expect(pages).toBeGreaterThanOrEqual(5);
    const ports = { store: new OhlcvBarStore(store) };

    const first = await loadPlannedSymbol(PLAN, { ...ports, market: failingAt(4) }, new AbortController().signal);
    expect(first.ok).toBe(false);
    expect(first.timeframes[0]?.error).toEqual({ code: 'NETWORK_ERROR', message: 'socket hang up', retryable: true });
    expect(sim.stats().byEndpoint.aggs).toBe(3);
    expect(await stored()).toEqual(expected.slice(0, 3 * PAGE_SIZE).map((b) => b.timestamp));
    const saved = await store.getLoadCursor(CURSOR_KEY);
    expect({ pages: saved?.pages, bars: saved?.bars }).toEqual({ pages: 3, bars: 3 * PAGE_SIZE });
    expect(saved?.cursor.startsWith(`${sim.url}/v2/aggs/ticker/AAPL/range/1/minute/`)).toBe(true);
    expect(saved?.cursor).not.toContain('apiKey');

    const second = await loadPlannedSymbol(PLAN, { ...ports, market }, new AbortController().signal);
    expect(second.ok).toBe(true);
    const rest = expected.length - 3 * PAGE_SIZE;
    expect(second.timeframes[0]).toMatchObject({ fetched: rest, written: rest, unchanged: 0, resumed: 3 * PAGE_SIZE });
    expect(second.recordsImported).toBe(expected.length);
    // Each page was asked for once over both attempts, and each bar served once.
    expect(sim.stats().byEndpoint.aggs).toBe(pages);
    expect(sim.stats().barsServed).toBe(expected.length);
    expect(await stored()).toEqual(expected.map((b) => b.timestamp));
    expect(await store.getLoadCursor(CURSOR_KEY)).toBeNull();
  });

  it('a load that is not interrupted leaves no cursor behind', async () => {
    const result = await loadPlannedSymbol(PLAN, { store: new OhlcvBarStore(store), market }, new AbortController().signal);
    expect(result.ok).toBe(true);
    expect(result.timeframes[0]).toMatchObject({ fetched: expected.length, written: expected.length });
    expect(result.timeframes[0]?.resumed).toBeUndefined();
    expect(await store.getLoadCursor(CURSOR_KEY)).toBeNull();
  });

  it('a saved cursor the client refuses (another origin) is dropped and the range loaded from its start', async () => {
    await store.saveLoadCursor({
      ...CURSOR_KEY,
      cursor: 'https://elsewhere.example/v2/aggs/ticker/AAPL/range/1/minute/x',
      pages: 3,
      bars: 3000,
    });
    const result = await loadPlannedSymbol(PLAN, { store: new OhlcvBarStore(store), market }, new AbortController().signal);
    expect(result.ok).toBe(true);
    expect(result.timeframes[0]).toMatchObject({ fetched: expected.length, written: expected.length });
    expect(result.timeframes[0]?.resumed).toBeUndefined();
    expect(sim.stats().byEndpoint.aggs).toBe(Math.ceil(expected.length / PAGE_SIZE));
    expect(await stored()).toEqual(expected.map((b) => b.timestamp));
    expect(await store.getLoadCursor(CURSOR_KEY)).toBeNull();
  });
});
