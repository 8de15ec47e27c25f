/**
 * Week and month bars built from day bars by Massive's rule (`aggregateDayBars`, `mergeBars`): exact values, forming
 * periods, missing days, crypto's seven-day weeks, forex's UTC days, index bars, and the vwap edge cases. Runs under
 * three time zones: nothing may depend on the machine's.
 */
import { describe, expect, it } from 'vitest';
import {
  aggregateDayBars,
  type Bar,
  mergeBars,
  newYorkMidnightUtcMs,
  newYorkTimeToUtcMs,
  periodRange,
  periodStart,
  tradingDateOfBar,
  VWAP_DECIMALS,
} from '../src/index.js';

/** A day bar stamped 00:00 New York on `date`; volume fields only when given. */
function day(date: string, o: number, h: number, l: number, c: number, v?: number, vw?: number, n?: number): Bar {
  const bar: Bar = { timestamp: newYorkMidnightUtcMs(date), open: o, high: h, low: l, close: c };
  if (v !== undefined) bar.volume = v;
  if (vw !== undefined) bar.vwap = vw;
  if (n !== undefined) bar.transactions = n;
  return bar;
}

/** A stock's week of Sunday 2025-06-08 with Wednesday missing (no trades, no bar). */
const STOCK_WEEK = [
  day('2025-06-09', 10, 11, 9.5, 10.5, 1000, 10.2, 10),
  day('2025-06-10', 10.5, 12, 10, 11.5, 3000, 11.1, 30),
  day('2025-06-12', 11.5, 11.8, 9, 9.25, 2000, 10.05, 25),
  day('2025-06-13', 9.3, 10, 9.1, 9.9, 4000, 9.6123, 40),
];

describe('aggregateDayBars: the rule, exact values', () => {
  it('a week: first open, highest high, lowest low, last close, summed volume and trades, volume-weighted vwap', () => {
    // vwap = (10.2*1000 + 11.1*3000 + 10.05*2000 + 9.6123*4000) / 10000 = 10.20492 -> 10.2049 (4 decimals)
    expect(aggregateDayBars(STOCK_WEEK, 'week')).toEqual([
      {
        timestamp: Date.parse('2025-06-08T04:00:00Z'), // Sunday 00:00 New York (EDT)
        open: 10,
        high: 12,
        low: 9,
        close: 9.9,
        volume: 10_000,
        vwap: 10.2049,
        transactions: 105,
      },
    ]);
    expect(VWAP_DECIMALS).toBe(4);
  });

  it('a month is stamped the 1st 00:00 New York, in winter 05:00Z; periods come out in order whatever the input order', () => {
    const bars = [
      day('2025-03-03', 20, 21, 19, 20.5, 500, 20.1, 5),
      day('2025-02-28', 18, 19, 17.5, 18.5, 100, 18.2, 1),
      day('2025-03-31', 20.5, 23, 20, 22, 1500, 22.3, 15),
      day('2025-02-03', 17, 18, 16, 17.75, 300, 17.1, 3),
    ];
    const before = structuredClone(bars);
    expect(aggregateDayBars(bars, 'month')).toEqual([
      {
        timestamp: Date.parse('2025-02-01T05:00:00Z'),
        open: 17,
        high: 19,
        low: 16,
        close: 18.5,
        volume: 400,
        vwap: 17.375, // (17.1*300 + 18.2*100) / 400
        transactions: 4,
      },
      {
        // March starts in EST (DST begins March 9): 05:00Z
        timestamp: Date.parse('2025-03-01T05:00:00Z'),
        open: 20,
        high: 23,
        low: 19,
        close: 22,
        volume: 2000,
        vwap: 21.75, // (20.1*500 + 22.3*1500) / 2000
        transactions: 20,
      },
    ]);
    expect(bars).toEqual(before); // pure: the input is left alone
  });

  it('weeks across both DST switches start Sunday 00:00 New York: 05:00Z before, 04:00Z after, and back', () => {
    const bars = [
      day('2025-03-07', 1, 2, 1, 2, 1, 1.5, 1),
      day('2025-03-10', 2, 3, 2, 3, 1, 2.5, 1),
      day('2025-11-03', 3, 4, 3, 4, 1, 3.5, 1),
    ];
    expect(aggregateDayBars(bars, 'week').map((b) => new Date(b.timestamp).toISOString())).toEqual([
      '2025-03-02T05:00:00.000Z',
      '2025-03-09T05:00:00.000Z', // the switch happens at 02:00 on that Sunday: its midnight is still EST
      '2025-11-02T04:00:00.000Z', // and on 2025-11-02 at 02:00 back: its midnight is still EDT
    ]);
  });

  it('a forming period is built from its days so far; rebuilt when a day is added or changes', () => {
    // Today is Wednesday 2026-01-14, mid-session: the week and the month have days up to today (today's bar is partial).
    const soFar = [
      day('2026-01-02', 50, 51, 49, 50.5, 100, 50.2, 2),
      day('2026-01-12', 50.5, 52, 50, 51.5, 200, 51.3, 4),
      day('2026-01-13', 51.5, 53, 51, 52, 300, 52.4, 6),
      day('2026-01-14', 52, 52.5, 48, 48.5, 50, 49.9, 1),
    ];
    const week = aggregateDayBars(soFar, 'week');
    expect(week).toEqual([
      { timestamp: Date.parse('2025-12-28T05:00:00Z'), open: 50, high: 51, low: 49, close: 50.5, volume: 100, vwap: 50.2, transactions: 2 },
      {
        timestamp: Date.parse('2026-01-11T05:00:00Z'),
        open: 50.5,
        high: 53,
        low: 48,
        close: 48.5,
        volume: 550,
        vwap: 51.7727, // (51.3*200 + 52.4*300 + 49.9*50) / 550 = 28475 / 550 = 51.772727...
        transactions: 11,
      },
    ]);
    expect(aggregateDayBars(soFar, 'month')).toEqual([
      {
        timestamp: Date.parse('2026-01-01T05:00:00Z'),
        open: 50,
        high: 53,
        low: 48,
        close: 48.5,
        volume: 650,
        vwap: 51.5308, // (50.2*100 + 51.3*200 + 52.4*300 + 49.9*50) / 650 = 33495 / 650 = 51.530769...
        transactions: 13,
      },
    ]);
    // Later today the partial bar has moved on: the period is rebuilt from the new day bar.
    const later = [...soFar.slice(0, 3), day('2026-01-14', 52, 54, 48, 53.75, 400, 52.6, 9)];
    expect(aggregateDayBars(later, 'week')[1]).toMatchObject({ high: 54, close: 53.75, volume: 900, transactions: 19 });
  });

  it('missing days leave the period to the days that exist; a period without days has no bar', () => {
    const bars = [day('2025-06-02', 1, 2, 0.5, 1.5, 10, 1.2, 1), day('2025-06-20', 3, 4, 2.5, 3.5, 30, 3.3, 3)];
    expect(aggregateDayBars(bars, 'week').map((b) => tradingDateOfBar(b, 'week'))).toEqual(['2025-06-01', '2025-06-15']);
    expect(aggregateDayBars(bars, 'month')).toEqual([
      { timestamp: Date.parse('2025-06-01T04:00:00Z'), open: 1, high: 4, low: 0.5, close: 3.5, volume: 40, vwap: 2.775, transactions: 4 },
    ]);
    expect(aggregateDayBars([], 'week')).toEqual([]);
  });

  it('crypto: seven-day weeks, weekend days included; fractional volumes sum to the exact decimal', () => {
    const week = [
      day('2025-06-08', 105000.5, 106000, 104000.25, 105500, 1.1, 105100.1234, 10), // Sunday
      day('2025-06-09', 105500, 107000, 105000, 106500.75, 2.2, 106000.5, 20),
      day('2025-06-10', 106500.75, 106800, 103000, 104000, 0.1, 104500, 3),
      day('2025-06-11', 104000, 104500, 102500.5, 103000, 0.2, 103500.25, 4),
      day('2025-06-12', 103000, 108000, 102900, 107900, 3.3, 106000, 30),
      day('2025-06-13', 107900, 108100, 106000, 106100, 4.4, 107000.75, 40),
      day('2025-06-14', 106100, 106200, 105000, 105900.5, 5.5, 105600, 50), // Saturday
      day('2025-06-15', 105900.5, 106000, 105800, 105950, 0.7, 105900, 7), // the next Sunday: the next week
    ];
    expect(aggregateDayBars(week, 'week', { ticker: 'X:BTCUSD' })).toEqual([
      {
        timestamp: Date.parse('2025-06-08T04:00:00Z'),
        open: 105000.5,
        high: 108100,
        low: 102500.5,
        close: 105900.5,
        volume: 16.8,
        vwap: 106033.6063, // 1781364.58574 / 16.8 = 106033.606294...
        transactions: 157,
      },
      {
        timestamp: Date.parse('2025-06-15T04:00:00Z'),
        open: 105900.5,
        high: 106000,
        low: 105800,
        close: 105950,
        volume: 0.7,
        vwap: 105900,
        transactions: 7,
      },
    ]);
    // 0.1 + 0.2 is 0.30000000000000004 in doubles; the API would send 0.3.
    const two = [day('2025-06-09', 1, 1, 1, 1, 0.1, 1, 1), day('2025-06-10', 1, 1, 1, 1, 0.2, 1, 1)];
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(aggregateDayBars(two, 'week', { ticker: 'X:ETHUSD' })[0]?.volume).toBe(0.3);
    // Volumes with more decimals than are looked for add up as doubles do.
    const fine = [day('2025-06-09', 1, 1, 1, 1, 0.1234567890123, 1, 1), day('2025-06-10', 1, 1, 1, 1, 0.2, 1, 1)];
    expect(aggregateDayBars(fine, 'week')[0]?.volume).toBe(0.1234567890123 + 0.2);
  });

  it('forex: days are UTC days, periods start 00:00 UTC (a 00:00Z bar on the 1st is that month, not the one before)', () => {
    const utc = (iso: string, c: number): Bar => ({
      timestamp: Date.parse(iso),
      open: 1.1,
      high: 1.2,
      low: 1,
      close: c,
      volume: 5,
      vwap: 1.1,
      transactions: 5,
    });
    const bars = [utc('2025-05-30T00:00:00Z', 1.11), utc('2025-06-01T00:00:00Z', 1.12), utc('2025-06-02T00:00:00Z', 1.13)];
    const months = aggregateDayBars(bars, 'month', { ticker: 'C:EURUSD' });
    expect(months.map((b) => [new Date(b.timestamp).toISOString(), b.close, b.volume])).toEqual([
      ['2025-05-01T00:00:00.000Z', 1.11, 5],
      ['2025-06-01T00:00:00.000Z', 1.13, 10],
    ]);
    const weeks = aggregateDayBars(bars, 'week', { ticker: 'C:EURUSD' });
    expect(weeks.map((b) => new Date(b.timestamp).toISOString())).toEqual(['2025-05-25T00:00:00.000Z', '2025-06-01T00:00:00.000Z']);
    // Read as New York days (no ticker), 2025-06-01T00:00Z is May 31, 20:00: it would land in May.
    expect(aggregateDayBars(bars, 'month').map((b) => b.close)).toEqual([1.12, 1.13]);
  });

  it('grouped-daily rows (stamped 16:00 New York, with a ticker) count on their trading date like 00:00 day bars', () => {
    const grouped = STOCK_WEEK.map((b) => ({
      ...b,
      ticker: 'AAPL',
      timestamp: newYorkTimeToUtcMs(tradingDateOfBar(b), 16, 0),
    }));
    expect(aggregateDayBars(grouped, 'week', { ticker: 'AAPL' })).toEqual(aggregateDayBars(STOCK_WEEK, 'week'));
    // A mixture (stored day bars plus today's grouped row) works the same.
    expect(aggregateDayBars([...STOCK_WEEK.slice(0, 2), ...grouped.slice(2)], 'week')).toEqual(aggregateDayBars(STOCK_WEEK, 'week'));
  });

  it('two bars on one date are refused; so is an unknown period', () => {
    expect(() => aggregateDayBars([...STOCK_WEEK, day('2025-06-10', 1, 1, 1, 1)], 'week')).toThrow('two day bars on 2025-06-10');
    expect(() => aggregateDayBars(STOCK_WEEK, 'quarter' as 'week')).toThrow(RangeError);
  });
});

describe('vwap and volume when volume is 0 or absent', () => {
  it('index bars (no volume, vwap or trades) give bars without them', () => {
    const index = [day('2025-06-09', 5000, 5100, 4900, 5050), day('2025-06-10', 5050, 5200, 5000, 5150)];
    const [week] = aggregateDayBars(index, 'week', { ticker: 'I:SPX' });
    expect(week).toStrictEqual({ timestamp: Date.parse('2025-06-08T04:00:00Z'), open: 5000, high: 5200, low: 4900, close: 5150 });
  });

  it('days with volume 0 weigh nothing; when every day has volume 0 the vwap is absent, the volume 0', () => {
    const mixed = [day('2025-06-09', 1, 2, 1, 2, 0, 1.5, 0), day('2025-06-10', 2, 4, 2, 3, 100, 3.25, 4)];
    expect(aggregateDayBars(mixed, 'week')[0]).toMatchObject({ volume: 100, vwap: 3.25, transactions: 4 });
    const zero = [day('2025-06-09', 1, 2, 1, 2, 0, 1.5, 0), day('2025-06-10', 2, 4, 2, 3, 0, 3.25, 0)];
    expect(aggregateDayBars(zero, 'week')[0]).toStrictEqual({
      timestamp: Date.parse('2025-06-08T04:00:00Z'),
      open: 1,
      high: 4,
      low: 1,
      close: 3,
      volume: 0,
      transactions: 0,
    });
  });

  it('a day with volume but no vwap leaves the vwap absent (it would cover part of the volume); volume still sums', () => {
    const bars = [day('2025-06-09', 1, 2, 1, 2, 50, 1.5, 1), day('2025-06-10', 2, 4, 2, 3, 100, undefined, 4)];
    const [week] = aggregateDayBars(bars, 'week');
    expect(week).toMatchObject({ volume: 150, transactions: 5 });
    expect(week).not.toHaveProperty('vwap');
  });

  it('volume and trades sum over the days that carry them; a day without volume weighs nothing', () => {
    const bars = [day('2025-06-09', 1, 2, 1, 2, undefined, undefined, undefined), day('2025-06-10', 2, 4, 2, 3, 100, 3.1, 4)];
    expect(aggregateDayBars(bars, 'week')[0]).toMatchObject({ volume: 100, vwap: 3.1, transactions: 4 });
  });

  it('otc carries over when any day has it', () => {
    const bars = [{ ...day('2025-06-09', 1, 2, 1, 2, 5, 1.5, 1), otc: true }, day('2025-06-10', 2, 4, 2, 3, 5, 3.5, 1)];
    expect(aggregateDayBars(bars, 'week')[0]).toMatchObject({ otc: true, vwap: 2.5 });
    expect(aggregateDayBars(STOCK_WEEK, 'week')[0]).not.toHaveProperty('otc');
  });
});

describe('mergeBars and periodRange', () => {
  it('mergeBars applies the rule to bars in the order given, at the timestamp given', () => {
    expect(mergeBars(STOCK_WEEK, 123)).toEqual({ ...aggregateDayBars(STOCK_WEEK, 'week')[0], timestamp: 123 });
    expect(mergeBars([STOCK_WEEK[0] as Bar], 7)).toEqual({ ...STOCK_WEEK[0], timestamp: 7 });
    expect(() => mergeBars([], 0)).toThrow(RangeError);
  });

  it('periodStart is the period rule: weeks start on Sunday, months on the 1st', () => {
    expect(periodStart('2025-06-11', 'week')).toBe('2025-06-08');
    expect(periodStart('2025-06-08', 'week')).toBe('2025-06-08');
    expect(periodStart('2025-06-07', 'week')).toBe('2025-06-01');
    expect(periodStart('2025-01-02', 'week')).toBe('2024-12-29');
    expect(periodStart('2024-02-29', 'month')).toBe('2024-02-01');
    expect(() => periodStart('2025-06-11', 'quarter' as 'week')).toThrow(RangeError);
  });

  it('periodRange gives the Sunday-to-Saturday week and the calendar month of a date', () => {
    expect(periodRange('2025-06-11', 'week')).toEqual({ start: '2025-06-08', end: '2025-06-14' });
    expect(periodRange('2025-06-08', 'week')).toEqual({ start: '2025-06-08', end: '2025-06-14' });
    expect(periodRange('2024-02-10', 'month')).toEqual({ start: '2024-02-01', end: '2024-02-29' });
    expect(periodRange('2025-12-31', 'month')).toEqual({ start: '2025-12-01', end: '2025-12-31' });
    expect(() => periodRange('2025-06-11', 'year' as 'week')).toThrow(RangeError);
  });
});
