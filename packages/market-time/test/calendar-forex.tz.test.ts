import { describe, expect, it } from 'vitest';
import {
  calendarDateOf,
  calendarForTicker,
  filterRegularSession,
  forexCalendar,
  intradaySession,
  tradingDateOfBar,
  tradingDayStartMs,
} from '../src/index.js';

const ms = (iso: string) => Date.parse(iso);

describe('forexCalendar', () => {
  it('trades every UTC date but Saturday, NYSE holidays and Jan 1 / Dec 25 included', () => {
    expect(forexCalendar.tradingDays('2025-12-24', '2026-01-04')).toEqual([
      '2025-12-24',
      '2025-12-25',
      '2025-12-26',
      '2025-12-28',
      '2025-12-29',
      '2025-12-30',
      '2025-12-31',
      '2026-01-01',
      '2026-01-02',
      '2026-01-04',
    ]);
    expect(forexCalendar.tradingDays('2025-01-01', '2025-12-31')).toHaveLength(365 - 52);
    expect(forexCalendar.isTradingDay('2025-11-27')).toBe(true); // Thanksgiving
    expect(forexCalendar.isTradingDay('2025-12-27')).toBe(false); // Saturday
    expect(forexCalendar.holidays(2025)).toEqual([]);
  });
  it('a weekday is a whole UTC day (the fixture day bar of Thursday 2021-07-22 at 1626912000000)', () => {
    expect(forexCalendar.session('2021-07-22')).toEqual({
      date: '2021-07-22',
      preMarketOpen: 1626912000000,
      open: 1626912000000,
      close: ms('2021-07-23T00:00:00Z'),
      postMarketClose: ms('2021-07-23T00:00:00Z'),
      earlyClose: false,
    });
    expect(forexCalendar.session('2025-03-10')?.open).toBe(ms('2025-03-10T00:00:00Z'));
  });
  it('Sunday opens at 17:00 New York (22:00Z in winter, 21:00Z in summer) and runs to 24:00Z', () => {
    expect(forexCalendar.session('2025-01-05')).toEqual({
      date: '2025-01-05',
      preMarketOpen: ms('2025-01-05T22:00:00Z'),
      open: ms('2025-01-05T22:00:00Z'),
      close: ms('2025-01-06T00:00:00Z'),
      postMarketClose: ms('2025-01-06T00:00:00Z'),
      earlyClose: false,
    });
    // 2025-03-09: the spring-forward Sunday, 17:00 EDT
    expect(forexCalendar.session('2025-03-09')?.open).toBe(ms('2025-03-09T21:00:00Z'));
    expect(forexCalendar.session('2025-11-02')?.open).toBe(ms('2025-11-02T22:00:00Z')); // fall-back Sunday, EST
  });
  it('Friday ends at 17:00 New York; Saturday has no session', () => {
    expect(forexCalendar.session('2025-01-10')).toMatchObject({ open: ms('2025-01-10T00:00:00Z'), close: ms('2025-01-10T22:00:00Z') });
    expect(forexCalendar.session('2025-07-11')).toMatchObject({ open: ms('2025-07-11T00:00:00Z'), close: ms('2025-07-11T21:00:00Z') });
    expect(forexCalendar.session('2025-07-12')).toBeNull();
  });
  it('steps over Saturday only', () => {
    expect(forexCalendar.nextTradingDay('2025-07-11')).toBe('2025-07-13');
    expect(forexCalendar.nextTradingDay('2025-07-12')).toBe('2025-07-13');
    expect(forexCalendar.nextTradingDay('2025-12-31')).toBe('2026-01-01');
    expect(forexCalendar.previousTradingDay('2025-07-13')).toBe('2025-07-11');
    expect(forexCalendar.previousTradingDay('2025-07-12')).toBe('2025-07-11');
    expect(forexCalendar.previousTradingDay('2025-07-14')).toBe('2025-07-13');
  });
  it('is the calendar of C: tickers, with UTC dates for instants', () => {
    expect(calendarForTicker('C:EURUSD')).toBe(forexCalendar);
    expect(calendarForTicker('C:USDJPY').name).toBe('forex');
    expect(calendarDateOf(ms('2025-07-11T02:00:00Z'), forexCalendar)).toBe('2025-07-11');
    expect(calendarDateOf(ms('2025-07-11T02:00:00Z'), calendarForTicker('SPY'))).toBe('2025-07-10');
  });
  it('sessions of instants: regular from Sunday 17:00 to Friday 17:00 New York, continuous across UTC midnight', () => {
    expect(intradaySession(ms('2025-07-13T20:59:00Z'), forexCalendar)).toBe('closed');
    expect(intradaySession(ms('2025-07-13T21:00:00Z'), forexCalendar)).toBe('regular');
    expect(intradaySession(ms('2025-07-13T23:59:00Z'), forexCalendar)).toBe('regular');
    expect(intradaySession(ms('2025-07-14T00:00:00Z'), forexCalendar)).toBe('regular');
    expect(intradaySession(ms('2025-07-17T03:30:00Z'), forexCalendar)).toBe('regular'); // 23:30 New York, Wednesday
    expect(intradaySession(ms('2025-07-18T20:59:00Z'), forexCalendar)).toBe('regular');
    expect(intradaySession(ms('2025-07-18T21:00:00Z'), forexCalendar)).toBe('closed');
    expect(intradaySession(ms('2025-07-19T12:00:00Z'), forexCalendar)).toBe('closed');
    expect(intradaySession(ms('2025-01-05T21:59:00Z'), forexCalendar)).toBe('closed');
    expect(intradaySession(ms('2025-01-05T22:00:00Z'), forexCalendar)).toBe('regular');
  });
  it('hour bars of a week: 3 on Sunday evening (summer), 24 a weekday, 21 on Friday', () => {
    const hours: { timestamp: number }[] = [];
    for (let t = ms('2025-07-12T00:00:00Z'); t < ms('2025-07-20T00:00:00Z'); t += 3_600_000) hours.push({ timestamp: t });
    const kept = filterRegularSession(hours, { timespan: 'hour', calendar: forexCalendar });
    expect(kept).toHaveLength(3 + 4 * 24 + 21);
    expect(kept[0]?.timestamp).toBe(ms('2025-07-13T21:00:00Z'));
    expect(kept.at(-1)?.timestamp).toBe(ms('2025-07-18T20:00:00Z'));
  });
  it('day bars: 00:00Z stamps and UTC dates (already the rule of tradingDateOfBar)', () => {
    expect(tradingDayStartMs('2021-07-22', { ticker: 'C:EURUSD' })).toBe(1626912000000);
    expect(tradingDateOfBar({ timestamp: 1626912000000 }, { ticker: 'C:EURUSD' })).toBe('2021-07-22');
  });
});
