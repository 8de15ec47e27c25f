/**
 * The request planner on its own (pure): which requests it chooses and how many, for the jobs issue 15 names.
 * Dates are New York dates; the clock is fixed at Wednesday 2025-06-11, 21:30 New York (after the close).
 */

import type { Timeframe } from '@tickstock/market-time';
import { addDays, calendarForTicker, newYorkTimeToUtcMs } from '@tickstock/market-time';
import { describe, expect, it } from 'vitest';
import type { TimeframeRange } from '../../src/engine/types.js';
import { describeRequests, planRequests, type SymbolKnowledge } from '../../src/planning/request-plan.js';

const NOW = newYorkTimeToUtcMs('2025-06-11', 21, 30);
const TODAY = '2025-06-11';
const NEXT_DAY = newYorkTimeToUtcMs('2025-06-12', 21, 30);

const symbolsOf = (n: number, prefix = 'S') => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`);
const nyse = (from: string, to: string) => calendarForTicker('AAPL').tradingDays(from, to).length;

function ranges(timeframes: Timeframe[], days: number, today = TODAY): TimeframeRange[] {
  return timeframes.map((timeframe) => ({
    timeframe,
    from: addDays(today, -(timeframe === 'hour' || timeframe === '1min' ? Math.min(days, 2) : days)),
    to: today,
  }));
}

function knowledge(symbols: string[], k: (s: string) => SymbolKnowledge): Map<string, SymbolKnowledge> {
  return new Map(symbols.map((s) => [s, k(s)]));
}

describe('planRequests', () => {
  it('(a) an S&P 500-sized first load, a year of day/week/month and two days of hours: details, grouped daily for the days, built weeks and months, hours per ticker', () => {
    const symbols = symbolsOf(503);
    const plan = planRequests(
      symbols,
      knowledge(symbols, () => ({ ranges: ranges(['hour', 'day', 'week', 'month'], 365), detailsFresh: false })),
      {
        now: NOW,
      },
    );
    // Day bars from the first month's 1st (2024-06-01: the month built from them starts there) to today.
    const dates = nyse('2024-06-01', TODAY);
    expect(dates).toBe(257);
    expect(plan.requests).toEqual({ details: 503, grouped: dates, perTicker: 503, total: 503 + dates + 503 });
    expect(plan.requests.total).toBeLessThanOrEqual(1_300); // per ticker: 2,515
    expect(plan.grouped[0]).toMatchObject({ market: 'stocks', date: '2024-06-03', includeOtc: false });
    expect(plan.grouped[0]?.symbols).toHaveLength(503);
    expect(plan.symbols[0]?.steps).toEqual([
      { timeframe: 'hour', from: '2025-06-09', to: TODAY, source: 'ticker' },
      { timeframe: 'day', from: '2024-06-11', to: TODAY, source: 'grouped', fetchFrom: '2024-06-01', fetchTo: TODAY, store: true },
      { timeframe: 'week', from: '2024-06-11', to: TODAY, source: 'built' },
      { timeframe: 'month', from: '2024-06-11', to: TODAY, source: 'built' },
    ]);
    expect(describeRequests(plan.requests)).toBe('1,263 API requests (503 ticker details, 257 grouped daily, 503 per ticker)');
  });

  it('(b, c) the next trading day, details stored: one or two grouped dates for every symbol, weeks and months rebuilt from stored days', () => {
    const symbols = symbolsOf(503);
    // What incremental planning leaves: each timeframe resumes at its last stored bar (day 06-11, the week of 06-08,
    // the month of 06-01); the stored day bars go back a year.
    const resumedFrom: Record<string, string> = { hour: TODAY, day: TODAY, week: '2025-06-08', month: '2025-06-01' };
    const resumed = (timeframe: Timeframe): TimeframeRange => ({ timeframe, from: resumedFrom[timeframe] as string, to: '2025-06-12' });
    const daily = planRequests(
      symbols,
      knowledge(symbols, () => ({
        ranges: (['day', 'week', 'month'] as const).map(resumed),
        detailsFresh: true,
        storedDaysFrom: '2024-06-03',
      })),
      { now: NEXT_DAY },
    );
    expect(daily.requests).toEqual({ details: 0, grouped: 2, perTicker: 0, total: 2 }); // (c): at most 3, from 1,509
    expect(daily.grouped.map((g) => g.date)).toEqual(['2025-06-11', '2025-06-12']);
    const job = planRequests(
      symbols,
      knowledge(symbols, () => ({
        ranges: (['hour', 'day', 'week', 'month'] as const).map(resumed),
        detailsFresh: true,
        storedDaysFrom: '2024-06-03',
      })),
      { now: NEXT_DAY },
    );
    expect(job.requests).toEqual({ details: 0, grouped: 2, perTicker: 503, total: 505 }); // (b)
  });

  it('(d) 10 symbols for a year: per ticker (grouped daily would cost more), never more than per ticker', () => {
    const symbols = symbolsOf(10);
    const plan = planRequests(
      symbols,
      knowledge(symbols, () => ({ ranges: ranges(['hour', 'day', 'week', 'month'], 365), detailsFresh: false })),
      {
        now: NOW,
      },
    );
    expect(plan.grouped).toEqual([]);
    expect(plan.requests).toEqual({ details: 10, grouped: 0, perTicker: 20, total: 30 }); // per ticker: 10 + 40 = 50
    expect(plan.symbols[0]?.steps.find((s) => s.timeframe === 'day')).toEqual({
      timeframe: 'day',
      from: '2024-06-11',
      to: TODAY,
      source: 'ticker',
      fetchFrom: '2024-06-01',
      fetchTo: TODAY,
      store: true,
    });
  });

  it('(e) 503 symbols for 5 years of day/week/month: per ticker, since 5 years of dates outnumber the symbols', () => {
    const symbols = symbolsOf(503);
    const plan = planRequests(
      symbols,
      knowledge(symbols, () => ({ ranges: ranges(['day', 'week', 'month'], 5 * 365), detailsFresh: true })),
      {
        now: NOW,
      },
    );
    expect(plan.requests).toEqual({ details: 0, grouped: 0, perTicker: 503, total: 503 }); // per ticker: 1,509
  });

  it('splits markets: stocks and crypto each by their grouped endpoint, indices per ticker, include_otc when an OTC symbol is in', () => {
    const stocks = symbolsOf(40);
    const crypto = symbolsOf(20, 'X:C');
    const symbols = [...stocks, ...crypto, 'I:SPX'];
    const plan = planRequests(
      symbols,
      knowledge(symbols, (s) => ({ ranges: ranges(['day'], 14), detailsFresh: true, otc: s === 'S007' })),
      { now: NOW },
    );
    const byMarket = (m: string) => plan.grouped.filter((g) => g.market === m);
    expect(byMarket('stocks').map((g) => g.date)).toEqual(calendarForTicker('AAPL').tradingDays('2025-05-28', TODAY));
    expect(byMarket('stocks').every((g) => g.includeOtc)).toBe(true);
    expect(byMarket('crypto')).toHaveLength(15); // every calendar day, 2025-05-28 to 2025-06-11
    expect(byMarket('crypto').every((g) => !g.includeOtc && g.symbols.length === 20)).toBe(true);
    expect(plan.symbols.find((p) => p.symbol === 'I:SPX')?.steps).toEqual([
      { timeframe: 'day', from: '2025-05-28', to: TODAY, source: 'ticker', fetchFrom: '2025-05-28', fetchTo: TODAY, store: true },
    ]);
    expect(plan.requests).toEqual({ details: 0, grouped: 11 + 15, perTicker: 1, total: 27 });
  });

  it('fetches a long backfill per ticker and the short updates of everyone else by grouped daily (the cutoff)', () => {
    const symbols = symbolsOf(500);
    const plan = planRequests(
      symbols,
      knowledge(symbols, (s) => ({
        ranges: [{ timeframe: 'day', from: s === 'S042' ? '2024-06-11' : '2025-06-10', to: TODAY }],
        detailsFresh: true,
      })),
      { now: NOW },
    );
    expect(plan.grouped.map((g) => g.date)).toEqual(['2025-06-10', '2025-06-11']);
    expect(plan.grouped[0]?.symbols).toHaveLength(499);
    expect(plan.symbols.find((p) => p.symbol === 'S042')?.steps[0]?.source).toBe('ticker');
    expect(plan.requests.total).toBe(3);
  });

  it('sends nothing for a range without a session (a weekend), and counts it as such', () => {
    const symbols = symbolsOf(3);
    const weekend = [{ timeframe: 'hour' as const, from: '2025-06-07', to: '2025-06-08' }];
    const plan = planRequests(
      symbols,
      knowledge(symbols, () => ({ ranges: weekend, detailsFresh: true })),
      { now: NOW },
    );
    expect(plan.requests.total).toBe(0);
    expect(plan.symbols[0]?.steps).toEqual([{ timeframe: 'hour', from: '2025-06-07', to: '2025-06-08', source: 'none' }]);
  });

  it('requests week and month per ticker when building is off, and never uses grouped daily when that is off', () => {
    const symbols = symbolsOf(503);
    const k = knowledge(symbols, () => ({ ranges: ranges(['day', 'week', 'month'], 365), detailsFresh: true }));
    const noBuild = planRequests(symbols, k, { now: NOW, buildPeriods: false });
    expect(noBuild.symbols[0]?.steps.map((s) => [s.timeframe, s.source])).toEqual([
      ['day', 'grouped'],
      ['week', 'ticker'],
      ['month', 'ticker'],
    ]);
    expect(noBuild.requests).toEqual({
      details: 0,
      grouped: nyse('2024-06-11', TODAY),
      perTicker: 1006,
      total: nyse('2024-06-11', TODAY) + 1006,
    });
    const noGrouped = planRequests(symbols, k, { now: NOW, groupedDaily: false });
    expect(noGrouped.requests).toEqual({ details: 0, grouped: 0, perTicker: 503, total: 503 });
  });

  it('keeps grouped daily under its bar cap: beyond it, per ticker', () => {
    const symbols = symbolsOf(503);
    const k = knowledge(symbols, () => ({ ranges: ranges(['day'], 365), detailsFresh: true }));
    expect(planRequests(symbols, k, { now: NOW, maxGroupedBars: 100_000 }).grouped).toEqual([]);
    expect(planRequests(symbols, k, { now: NOW, maxGroupedBars: 200_000 }).grouped).toHaveLength(nyse('2024-06-11', TODAY));
  });
});
