/**
 * The engine streams a range page by page when the market port serves pages and the store takes them: each page's
 * array reaches the store's write as served (no await per bar), its cursor with it; a reloaded range (a split
 * readjustment) deletes what the pages did not serve; day bars for building periods are read from pages too.
 */
import type { Bar, Timeframe } from '@tickstock/market-time';
import { describe, expect, it } from 'vitest';
import { loadPlannedSymbol } from '../src/engine/load-symbol.js';
import type { BarsPage, MarketDataPort, PlanStep, StorePort, SymbolPlan } from '../src/engine/types.js';

/** Monday 2025-01-06 10:00 New York; bars a day apart (Monday to Wednesday), on the hour. */
const START = Date.UTC(2025, 0, 6, 15);
const bar = (i: number): Bar => ({ timestamp: START + i * 86_400_000, open: 1, high: 2, low: 0.5, close: 1.5, volume: 10 });

/** Three pages: bars 0-1 (cursor c2), bar 2 (cursor c3), none (last). */
function served(): BarsPage[] {
  return [
    { bars: [bar(0), bar(1)], cursor: 'https://api.example/c2' },
    { bars: [bar(2)], cursor: 'https://api.example/c3' },
    { bars: [], cursor: null },
  ];
}

function ports() {
  const pages = served();
  const asked: string[] = [];
  const market: MarketDataPort = {
    async details(symbol) {
      return { symbol };
    },
    bars() {
      throw new Error('read bar by bar although pages are served');
    },
    async *barPages(symbol, range) {
      asked.push(`${symbol} ${range.timeframe} ${range.from} ${range.to}`);
      yield* pages;
    },
    async groupedDaily() {
      return [];
    },
  };
  const written: { timeframe: Timeframe; arrays: (readonly Bar[])[]; cursors: (string | null)[] }[] = [];
  const arrayWrites: { timeframe: Timeframe; bars: Bar[] }[] = [];
  const deletes: { timeframe: Timeframe; keep: number[] }[] = [];
  const store: StorePort = {
    async registerSymbol() {},
    async writeBars(timeframe, _symbol, bars) {
      if (!Array.isArray(bars)) throw new Error('a stream of single bars reached the store');
      arrayWrites.push({ timeframe, bars: [...bars] });
      return { fetched: bars.length, written: bars.length, unchanged: 0, rejected: 0 };
    },
    async writeBarPages(timeframe, _symbol, pageStream) {
      const entry = { timeframe, arrays: [] as (readonly Bar[])[], cursors: [] as (string | null)[] };
      for await (const page of pageStream) {
        entry.arrays.push(page.bars);
        entry.cursors.push(page.cursor);
      }
      written.push(entry);
      const n = entry.arrays.reduce((sum, a) => sum + a.length, 0);
      return { fetched: n, written: n, unchanged: 0, rejected: 0 };
    },
    async readDayBars() {
      return [];
    },
    async deleteBarsNotIn(timeframe, _symbol, _from, _to, keep) {
      deletes.push({ timeframe, keep: [...keep].sort((a, b) => a - b) });
      return 1;
    },
    async markReadjusted() {},
  };
  return { market, store, pages, asked, written, arrayWrites, deletes };
}

const step = (extra: Partial<PlanStep> = {}): PlanStep => ({
  timeframe: 'hour',
  from: '2025-01-06',
  to: '2025-01-08',
  source: 'ticker',
  ...extra,
});
const plan = (steps: PlanStep[], extra: Partial<SymbolPlan> = {}): SymbolPlan => ({ symbol: 'AAPL', details: false, steps, ...extra });

describe('loading a range page by page', () => {
  it('hands each served page to the store as the same array, with its cursor, and counts every bar', async () => {
    const p = ports();
    const result = await loadPlannedSymbol(plan([step()]), p, new AbortController().signal);
    expect(result.ok).toBe(true);
    expect(p.asked).toEqual(['AAPL hour 2025-01-06 2025-01-08']);
    expect(p.written).toHaveLength(1);
    expect(p.written[0]?.arrays).toHaveLength(3);
    for (const [i, array] of (p.written[0]?.arrays ?? []).entries()) expect(array).toBe(p.pages[i]?.bars);
    expect(p.written[0]?.cursors).toEqual(['https://api.example/c2', 'https://api.example/c3', null]);
    expect(result.timeframes[0]).toMatchObject({ timeframe: 'hour', fetched: 3, written: 3 });
    expect(result.recordsImported).toBe(3);
  });

  it('a reloaded range (split readjustment) deletes the stored rows the pages did not serve', async () => {
    const p = ports();
    const result = await loadPlannedSymbol(
      plan([step({ replace: true })], { readjust: [{ executionDate: '2025-01-08', splitFrom: 1, splitTo: 10 }] }),
      p,
      new AbortController().signal,
    );
    expect(result.ok).toBe(true);
    expect(p.written[0]?.arrays.map((a) => a.length)).toEqual([2, 1, 0]);
    expect(p.deletes).toEqual([{ timeframe: 'hour', keep: [bar(0).timestamp, bar(1).timestamp, bar(2).timestamp] }]);
    expect(result.timeframes[0]).toMatchObject({ fetched: 3, written: 3, deleted: 1 });
  });

  it('day bars fetched to build weeks are read from the pages and written as one array', async () => {
    const p = ports();
    const result = await loadPlannedSymbol(
      plan([step({ timeframe: 'day', store: false }), step({ timeframe: 'week', source: 'built' })]),
      p,
      new AbortController().signal,
    );
    expect(p.asked).toEqual(['AAPL day 2025-01-06 2025-01-08']);
    expect(p.written).toEqual([]);
    expect(result.timeframes.map((t) => [t.timeframe, t.fetched])).toEqual([
      ['day', 3],
      ['week', 1],
    ]);
    // Monday to Wednesday make the week starting Sunday 2025-01-05 (00:00 New York).
    expect(p.arrayWrites).toEqual([
      { timeframe: 'week', bars: [{ timestamp: Date.parse('2025-01-05T05:00:00Z'), open: 1, high: 2, low: 0.5, close: 1.5, volume: 30 }] },
    ]);
  });
});
