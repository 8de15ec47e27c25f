/**
 * Trading dates and sessions of bars, computed in New York time whatever the machine's zone (this file also runs
 * under America/Los_Angeles and Asia/Tokyo).
 */

import { describe, expect, it } from 'vitest';
import {
  barsAlignToUtcDays,
  cryptoCalendar,
  filterRegularSession,
  intradaySession,
  newYorkTimeToUtcMs,
  sessionOfBar,
  tradingDateOfBar,
} from '../src/index.js';

const at = (date: string, h: number, m = 0) => ({ timestamp: newYorkTimeToUtcMs(date, h, m) });
const minuteBars = (date: string, fromH: number, fromM: number, count: number) =>
  Array.from({ length: count }, (_, i) => ({ timestamp: newYorkTimeToUtcMs(date, fromH, fromM) + i * 60_000 }));

describe('tradingDateOfBar', () => {
  it('is the New York date of the bar start, not the UTC or local date', () => {
    // 2024-01-02 00:00 EST = 05:00Z; 2024-07-01 00:00 EDT = 04:00Z.
    expect(tradingDateOfBar({ timestamp: Date.UTC(2024, 0, 2, 5) })).toBe('2024-01-02');
    expect(tradingDateOfBar({ timestamp: Date.UTC(2024, 6, 1, 4) })).toBe('2024-07-01');
    // 20:00 New York on Jan 2 is already Jan 3 in UTC and in Tokyo.
    expect(tradingDateOfBar(at('2024-01-02', 20), 'hour')).toBe('2024-01-02');
  });

  it('around the 2025 DST changes (spring forward Mar 9, fall back Nov 2)', () => {
    expect(tradingDateOfBar({ timestamp: Date.UTC(2025, 2, 9, 5) })).toBe('2025-03-09'); // 00:00 EST
    expect(tradingDateOfBar({ timestamp: Date.UTC(2025, 2, 10, 4) })).toBe('2025-03-10'); // 00:00 EDT
    expect(tradingDateOfBar({ timestamp: Date.UTC(2025, 2, 10, 3, 59) })).toBe('2025-03-09'); // 23:59 EDT
    expect(tradingDateOfBar({ timestamp: Date.UTC(2025, 10, 2, 4) })).toBe('2025-11-02'); // 00:00 EDT
    expect(tradingDateOfBar({ timestamp: Date.UTC(2025, 10, 3, 5) })).toBe('2025-11-03'); // 00:00 EST
    expect(tradingDateOfBar({ timestamp: Date.UTC(2025, 10, 3, 4, 59) })).toBe('2025-11-02'); // 23:59 EST
  });

  it('forex day-and-longer bars use the UTC date; forex hour bars and everything else use New York', () => {
    const midnightUtc = { timestamp: Date.UTC(2021, 6, 22) };
    expect(tradingDateOfBar(midnightUtc, { ticker: 'C:EURUSD', timespan: 'day' })).toBe('2021-07-22');
    expect(tradingDateOfBar(midnightUtc, { ticker: 'C:EURUSD', timespan: 'hour' })).toBe('2021-07-21');
    expect(tradingDateOfBar(midnightUtc, { ticker: 'X:BTCUSD', timespan: 'day' })).toBe('2021-07-21');
    expect([barsAlignToUtcDays('C:EURUSD', 'week'), barsAlignToUtcDays('AAPL', 'day'), barsAlignToUtcDays(undefined, 'day')]).toEqual([
      true,
      false,
      false,
    ]);
  });
});

describe('intradaySession and sessionOfBar', () => {
  it('splits a regular day at 04:00, 09:30, 16:00 and 20:00 New York', () => {
    const d = '2024-04-29';
    const cases: [number, number, string][] = [
      [3, 59, 'closed'],
      [4, 0, 'pre'],
      [9, 29, 'pre'],
      [9, 30, 'regular'],
      [15, 59, 'regular'],
      [16, 0, 'post'],
      [19, 59, 'post'],
      [20, 0, 'closed'],
    ];
    expect(cases.map(([h, m]) => intradaySession(newYorkTimeToUtcMs(d, h, m)))).toEqual(cases.map(([, , s]) => s));
  });

  it('knows early closes (13:00, post-market to 17:00), holidays and weekends', () => {
    // 2024-11-29, the day after Thanksgiving, closes at 13:00.
    expect(
      ['12:59', '13:00', '16:59', '17:00'].map((t) => sessionOfBar(at('2024-11-29', Number(t.slice(0, 2)), Number(t.slice(3))))),
    ).toEqual(['regular', 'post', 'post', 'closed']);
    expect(sessionOfBar(at('2024-12-25', 11))).toBe('closed'); // Christmas
    expect(sessionOfBar(at('2024-04-27', 11))).toBe('closed'); // Saturday
  });

  it('crypto trades around the clock', () => {
    expect(intradaySession(newYorkTimeToUtcMs('2024-04-27', 3), cryptoCalendar)).toBe('regular');
  });
});

describe('filterRegularSession', () => {
  it('keeps minute bars from 09:30 to 15:59 New York, in order', () => {
    const bars = [...minuteBars('2024-04-29', 9, 28, 4), ...minuteBars('2024-04-29', 15, 58, 4)];
    const kept = filterRegularSession(bars).map((b) => b.timestamp);
    expect(kept).toEqual([
      newYorkTimeToUtcMs('2024-04-29', 9, 30),
      newYorkTimeToUtcMs('2024-04-29', 9, 31),
      newYorkTimeToUtcMs('2024-04-29', 15, 58),
      newYorkTimeToUtcMs('2024-04-29', 15, 59),
    ]);
  });

  it('keeps the 7 hour bars 09:00–15:00 of a full day and the 4 of a 13:00 early close', () => {
    const hours = (date: string) => Array.from({ length: 16 }, (_, i) => at(date, 4 + i));
    const full = filterRegularSession(hours('2024-04-29'), { timespan: 'hour' });
    expect(full.map((b) => b.timestamp)).toEqual([9, 10, 11, 12, 13, 14, 15].map((h) => newYorkTimeToUtcMs('2024-04-29', h)));
    const early = filterRegularSession(hours('2024-11-29'), { timespan: 'hour' });
    expect(early.map((b) => b.timestamp)).toEqual([9, 10, 11, 12].map((h) => newYorkTimeToUtcMs('2024-11-29', h)));
    expect(filterRegularSession(hours('2024-12-25'), { timespan: 'hour' })).toEqual([]);
  });

  it('uses the multiplier: a bar is kept when its window overlaps 09:30–16:00', () => {
    const bars = [
      at('2024-04-29', 9, 0),
      at('2024-04-29', 9, 15),
      at('2024-04-29', 9, 30),
      at('2024-04-29', 15, 45),
      at('2024-04-29', 16, 0),
    ];
    expect(filterRegularSession(bars, { timespan: 'minute', multiplier: 15 })).toEqual([bars[2], bars[3]]);
    expect(filterRegularSession(bars, { timespan: 'minute', multiplier: 60 })).toEqual([bars[0], bars[1], bars[2], bars[3]]);
  });

  it('refuses day bars, which have no session', () => {
    expect(() => filterRegularSession([at('2024-04-29', 0)], { timespan: 'day' })).toThrow(RangeError);
  });

  it('refuses a multiplier that is not a whole number from 1 to 100,000', () => {
    for (const multiplier of [0, 1.5, 100_001, Number.NaN]) {
      expect(() => filterRegularSession([at('2024-04-29', 10)], { multiplier })).toThrow(RangeError);
    }
  });
});
