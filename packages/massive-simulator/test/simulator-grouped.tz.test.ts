/**
 * The simulator's grouped daily and period bars agree with its day bars, through the client over HTTP, for a whole
 * year (2025: NYSE holidays, the Carter closure, three 13:00 early closes, both DST switches) up to a "now" in the
 * middle of a session (the forming day, week and month):
 * (a) every grouped-daily row of every market (stocks with OTC, crypto, forex) equals the ticker's own day bar of that
 *     date, value for value; only the stamp differs, as documented (end of the day's window instead of its start);
 *     every day bar of the universe appears in its market's grouped daily, and nothing else does;
 * (b) every ticker's week and month bars equal `aggregateDayBars` of its day bars, bar for bar and field for field
 *     (stocks, ETFs, indices, crypto's seven-day weeks, forex).
 */

import {
  addDays,
  aggregateDayBars,
  type Bar,
  eachDay,
  forexCalendar,
  newYorkMidnightUtcMs,
  newYorkTimeToUtcMs,
  nyseCalendar,
  tradingDateOfBar,
} from '@tickstock/market-time';
import { type GroupedMarket, groupedMarketOfTicker, MassiveClient, type TickerBar } from '@tickstock/massive-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TICKERS, type RunningSimulator, type SimulatedTickerInfo, startSimulator } from '../src/index.js';

/** Wednesday 2026-01-14, 15:30 New York: today's bar, this week's and this month's are forming. */
const NOW = newYorkTimeToUtcMs('2026-01-14', 15, 30);
const FIRST = '2025-01-01';
const TODAY = '2026-01-14';
const SPLIT = { date: '2025-06-09', ratio: 4 };
const UNIVERSE: SimulatedTickerInfo[] = [
  ...DEFAULT_TICKERS,
  { ticker: 'C:EURUSD', name: 'Euro - United States dollar', type: 'FX' },
  { ticker: 'OTCQ', name: 'Quiet Over-the-Counter Holdings', type: 'OS', otc: true },
];
const MARKETS: readonly GroupedMarket[] = ['stocks', 'crypto', 'fx'];

let sim: RunningSimulator;
let client: MassiveClient;
/** Per ticker: its day bars from FIRST to TODAY, by trading date (custom bars, 00:00 stamps). */
const dayBars = new Map<string, Map<string, Bar>>();
/** Per market, per date: the grouped-daily rows (stocks with include_otc=true). */
const grouped = new Map<GroupedMarket, Map<string, TickerBar[]>>();
let statsAfterGrouped: ReturnType<RunningSimulator['stats']>;

const marketOf = (t: SimulatedTickerInfo) => groupedMarketOfTicker(t.ticker);
const dateOf = (bar: Bar, ticker: string) => tradingDateOfBar(bar, { ticker, timespan: 'day' });
/** A bar without its stamp (and ticker, and otc flag): the values grouped and custom bars must share. */
const values = (bar: Bar) => {
  const { timestamp: _t, ticker: _ticker, otc: _otc, ...rest } = bar as TickerBar;
  return rest;
};

beforeAll(async () => {
  sim = await startSimulator({ seed: 'grouped-year', now: NOW, tickers: UNIVERSE, splits: { NVDA: [SPLIT] } });
  client = new MassiveClient({ apiKey: 'simulated', baseUrl: sim.url, env: {}, rateLimit: { maxConcurrent: 16 } });
  await Promise.all(
    UNIVERSE.map(async ({ ticker }) => {
      const bars = await client.getBars({ ticker, timespan: 'day', from: FIRST, to: TODAY });
      dayBars.set(ticker, new Map(bars.map((b) => [dateOf(b, ticker), b])));
    }),
  );
  sim.reset();
  for (const market of MARKETS) {
    const byDate = new Map<string, TickerBar[]>();
    grouped.set(market, byDate);
    await Promise.all(
      eachDay(FIRST, addDays(TODAY, 1)).map(async (date) => {
        byDate.set(date, await client.getGroupedDaily(date, market === 'stocks' ? { market, includeOtc: true } : { market }));
      }),
    );
  }
  statsAfterGrouped = sim.stats();
}, 120_000);

afterAll(async () => {
  await sim?.close();
});

describe('(a) grouped daily equals the day bars, every date and ticker', () => {
  it('covers the year: 250 NYSE trading days of 2025 for stocks, 313 for forex (no Saturday), 365 for crypto; nothing in the future', () => {
    const datesWithRows = (market: GroupedMarket, year: string) =>
      [...(grouped.get(market) ?? [])]
        .filter(([date, rows]) => date.startsWith(year) && rows.length > 0)
        .map(([d]) => d)
        .sort();
    expect(datesWithRows('stocks', '2025')).toEqual(nyseCalendar.tradingDays('2025-01-01', '2025-12-31'));
    expect(datesWithRows('stocks', '2025')).toHaveLength(250);
    expect(datesWithRows('fx', '2025')).toEqual(forexCalendar.tradingDays('2025-01-01', '2025-12-31'));
    expect(datesWithRows('fx', '2025')).toHaveLength(313); // every UTC date but Saturdays, Sundays' evening sessions included
    expect(datesWithRows('crypto', '2025')).toHaveLength(365);
    for (const market of MARKETS) expect(grouped.get(market)?.get('2026-01-15')).toEqual([]);
  });

  it('holidays and the Carter closure have no rows; early-close days (13:00) do', () => {
    const stocks = grouped.get('stocks');
    const closed = nyseCalendar.holidays(2025).filter((h) => h.status === 'closed');
    expect(closed.map((h) => h.date)).toContain('2025-01-09');
    for (const h of closed) expect(stocks?.get(h.date), h.date).toEqual([]);
    const early = nyseCalendar.holidays(2025).filter((h) => h.status === 'early-close');
    expect(early.map((h) => h.date)).toEqual(['2025-07-03', '2025-11-28', '2025-12-24']);
    for (const h of early) expect(stocks?.get(h.date)?.length, h.date).toBe(37); // the 36 default stocks and ETFs, and OTCQ
    // Crypto trades on all of them.
    for (const h of [...closed, ...early]) expect(grouped.get('crypto')?.get(h.date)?.length).toBe(2);
  });

  it('each row has the values of its ticker’s day bar of that date; every day bar of the market is there', () => {
    let compared = 0;
    for (const market of MARKETS) {
      const tickers = UNIVERSE.filter((t) => marketOf(t) === market).map((t) => t.ticker);
      expect(tickers.length).toBeGreaterThan(0);
      for (const [date, rows] of grouped.get(market) ?? []) {
        if (date > TODAY) continue;
        expect(rows.map((r) => r.ticker).sort(), `${market} ${date}`).toEqual(tickers.filter((t) => dayBars.get(t)?.has(date)).sort());
        for (const row of rows) {
          const bar = dayBars.get(row.ticker)?.get(date);
          expect(bar, `${row.ticker} ${date}`).toBeDefined();
          expect(values(row), `${row.ticker} ${date}`).toStrictEqual(values(bar as Bar));
          expect(dateOf(row, row.ticker)).toBe(date);
          compared++;
        }
      }
    }
    // 36 stocks/ETFs and OTCQ on 259 NYSE days (250 in 2025, 9 in 2026 so far), C:EURUSD on 325 forex days (313 and
    // 12), 2 crypto on 379 days.
    expect(compared).toBe(37 * 259 + 325 + 2 * 379);
  });

  it('stamps: stocks 16:00 New York (early closes too), forex 23:59:59.999 UTC, crypto the last ms of the New York day', () => {
    const row = (market: GroupedMarket, date: string) => grouped.get(market)?.get(date)?.[0] as TickerBar;
    expect(row('stocks', '2025-07-03').timestamp).toBe(Date.parse('2025-07-03T20:00:00Z'));
    expect(row('stocks', '2025-12-24').timestamp).toBe(Date.parse('2025-12-24T21:00:00Z'));
    expect(row('fx', '2025-07-03').timestamp).toBe(Date.parse('2025-07-03T23:59:59.999Z'));
    expect(row('crypto', '2025-07-04').timestamp).toBe(Date.parse('2025-07-05T03:59:59.999Z'));
    expect(row('crypto', '2025-12-25').timestamp).toBe(Date.parse('2025-12-26T04:59:59.999Z'));
    for (const market of MARKETS) {
      for (const [date, rows] of grouped.get(market) ?? []) {
        for (const r of rows) expect(r.timestamp - newYorkMidnightUtcMs(date), `${r.ticker} ${date}`).toBeGreaterThan(0);
      }
    }
  });

  it('the forming day: today’s rows equal the partial day bars', () => {
    const today = grouped.get('stocks')?.get(TODAY) ?? [];
    expect(today.length).toBe(37);
    for (const r of today) expect(values(r)).toStrictEqual(values(dayBars.get(r.ticker)?.get(TODAY) as Bar));
  });

  it('OTC tickers only with include_otc (rows marked otc: true); indices never', async () => {
    const withOtc = grouped.get('stocks')?.get('2025-06-10') ?? [];
    expect(withOtc.filter((r) => r.otc).map((r) => r.ticker)).toEqual(['OTCQ']);
    const without = await client.getGroupedDaily('2025-06-10');
    expect(without.map((r) => r.ticker)).toEqual(withOtc.filter((r) => !r.otc).map((r) => r.ticker));
    expect(without.some((r) => r.ticker.startsWith('I:') || 'otc' in r)).toBe(false);
  });

  it('adjusted=false rows equal the unadjusted day bars across a split', async () => {
    const unadjusted = await client.getBars({ ticker: 'NVDA', timespan: 'day', from: '2025-06-04', to: '2025-06-11', adjusted: false });
    expect(unadjusted).toHaveLength(6);
    for (const bar of unadjusted) {
      const date = dateOf(bar, 'NVDA');
      const rows = await client.getGroupedDaily(date, { adjusted: false });
      const row = rows.find((r) => r.ticker === 'NVDA') as TickerBar;
      expect(values(row), date).toStrictEqual(values(bar));
      if (date < SPLIT.date) expect(row.close).not.toBe(dayBars.get('NVDA')?.get(date)?.close);
    }
  });

  it('the request counter counts grouped requests per market', () => {
    const days = eachDay(FIRST, addDays(TODAY, 1)).length;
    expect(statsAfterGrouped.groupedByMarket).toEqual({ stocks: days, crypto: days, fx: days });
    expect(statsAfterGrouped.byEndpoint).toEqual({ grouped: 3 * days });
    expect(statsAfterGrouped.byTicker).toEqual({});
  });
});

describe('(b) week and month bars equal the aggregation of the day bars', () => {
  it('for every ticker, bar for bar and field for field, the forming week and month included', async () => {
    const weekFrom = '2024-12-29'; // the week holding FIRST is served whole: it starts on this Sunday
    for (const { ticker } of UNIVERSE) {
      const days = await client.getBars({ ticker, timespan: 'day', from: weekFrom, to: TODAY });
      const weeks = await client.getBars({ ticker, timespan: 'week', from: FIRST, to: TODAY });
      const months = await client.getBars({ ticker, timespan: 'month', from: FIRST, to: TODAY });
      const builtWeeks = aggregateDayBars(days, 'week', { ticker });
      const builtMonths = aggregateDayBars(
        days.filter((d) => dateOf(d, ticker) >= FIRST),
        'month',
        { ticker },
      );
      // Forex too: its day, week and month bars start 00:00 UTC, as the API's rule builds them.
      expect(weeks, ticker).toStrictEqual(builtWeeks);
      expect(months, ticker).toStrictEqual(builtMonths);
      expect(weeks).toHaveLength(55); // Sunday 2024-12-29 ... Sunday 2026-01-11 (forming)
      expect(months).toHaveLength(13); // January 2025 ... January 2026 (forming)
      expect(tradingDateOfBar(weeks.at(-1) as Bar, { ticker, timespan: 'week' })).toBe('2026-01-11');
      expect((weeks.at(-1) as Bar).close).toBe((days.at(-1) as Bar).close); // today's partial close
    }
  });

  it('crypto weeks have seven days, NYSE weeks lose their holidays and keep their early closes', async () => {
    const daysPerWeek = async (ticker: string) => {
      const days = await client.getBars({ ticker, timespan: 'day', from: '2024-12-29', to: TODAY });
      const count = new Map<string, number>();
      for (const d of days) {
        const week = tradingDateOfBar(aggregateDayBars([d], 'week', { ticker })[0] as Bar, 'week');
        count.set(week, (count.get(week) ?? 0) + 1);
      }
      return count;
    };
    const crypto = await daysPerWeek('X:BTCUSD');
    expect([...crypto.values()].slice(0, -1).every((n) => n === 7)).toBe(true);
    expect(crypto.get('2026-01-11')).toBe(4); // Sunday to Wednesday (forming)
    const stock = await daysPerWeek('AAPL');
    expect(stock.get('2025-11-23')).toBe(4); // Thanksgiving closed, Friday 13:00 early close
    expect(stock.get('2025-01-05')).toBe(4); // Thursday 2025-01-09 closed (Carter)
    expect(stock.get('2025-12-21')).toBe(4); // Christmas closed, Christmas Eve early close
  });
});
