/**
 * Incremental planning: what a daily import fetches of one symbol's timeframe, given what is stored and when it was
 * written. New York times throughout; run under three machine time zones.
 */
import { cryptoCalendar, forexCalendar, newYorkMidnightUtcMs, newYorkTimeToUtcMs, nyseCalendar } from '@tickstock/market-time';
import { describe, expect, it } from 'vitest';
import type { TimeframeRange } from '../../src/engine/types.js';
import { lastTradingInstant, planIncrementalRange } from '../../src/import/plan-range.js';

const ny = newYorkTimeToUtcMs;
const day: TimeframeRange = { timeframe: 'day', from: '2025-05-22', to: '2025-06-11' };
const stored = (first: string, last: string, writtenAt: number | null) => ({
  first: newYorkMidnightUtcMs(first),
  last: newYorkMidnightUtcMs(last),
  lastWrittenAt: writtenAt,
});

describe('lastTradingInstant', () => {
  it('is now during a session, the post-market close after it, and the previous session’s close before pre-market', () => {
    expect(lastTradingInstant(ny('2025-06-11', 14, 0), nyseCalendar)).toBe(ny('2025-06-11', 14, 0));
    expect(lastTradingInstant(ny('2025-06-11', 21, 30), nyseCalendar)).toBe(ny('2025-06-11', 20, 0));
    expect(lastTradingInstant(ny('2025-06-16', 3, 0), nyseCalendar)).toBe(ny('2025-06-13', 20, 0));
  });

  it('on Thanksgiving is the Wednesday close; on the early-close Friday after it, 17:00', () => {
    expect(lastTradingInstant(ny('2025-11-27', 15, 0), nyseCalendar)).toBe(ny('2025-11-26', 20, 0));
    expect(lastTradingInstant(ny('2025-11-28', 18, 0), nyseCalendar)).toBe(ny('2025-11-28', 17, 0));
  });

  it('for forex is now from Sunday 17:00 to Friday 17:00 New York (over UTC midnight too), else the Friday close', () => {
    expect(lastTradingInstant(ny('2025-06-15', 22, 0), forexCalendar)).toBe(ny('2025-06-15', 22, 0)); // Monday 02:00Z
    expect(lastTradingInstant(ny('2025-06-11', 21, 30), forexCalendar)).toBe(ny('2025-06-11', 21, 30));
    expect(lastTradingInstant(ny('2025-06-13', 18, 0), forexCalendar)).toBe(ny('2025-06-13', 17, 0));
    expect(lastTradingInstant(ny('2025-06-15', 16, 0), forexCalendar)).toBe(ny('2025-06-13', 17, 0));
  });

  it('is always now for crypto', () => {
    expect(lastTradingInstant(ny('2025-06-14', 12, 0), cryptoCalendar)).toBe(ny('2025-06-14', 12, 0));
  });
});

describe('planIncrementalRange', () => {
  it('loads the whole range when nothing is stored', () => {
    expect(planIncrementalRange({ symbol: 'AAPL', range: day, extent: null, now: ny('2025-06-11', 21, 30) })).toEqual(day);
  });

  it('skips when nothing traded since the last bar was written (same evening, weekend, holiday, before pre-market)', () => {
    const at = (written: number, now: number) =>
      planIncrementalRange({ symbol: 'AAPL', range: day, extent: stored('2025-05-22', '2025-06-11', written), now });
    expect(at(ny('2025-06-11', 20, 15), ny('2025-06-11', 21, 30))).toBeNull();
    expect(at(ny('2025-06-13', 20, 5), ny('2025-06-14', 12, 0))).toBeNull();
    expect(at(ny('2025-06-13', 20, 5), ny('2025-06-16', 3, 59))).toBeNull();
    expect(at(ny('2025-11-26', 20, 30), ny('2025-11-27', 15, 0))).toBeNull();
  });

  it('resumes at the last stored bar’s day when it was written before trading ended (one bar of overlap)', () => {
    const plan = planIncrementalRange({
      symbol: 'AAPL',
      range: day,
      extent: stored('2025-05-22', '2025-06-11', ny('2025-06-11', 14, 0)),
      now: ny('2025-06-11', 21, 30),
    });
    expect(plan).toEqual({ timeframe: 'day', from: '2025-06-11', to: '2025-06-11' });
    const monday = planIncrementalRange({
      symbol: 'AAPL',
      range: { ...day, to: '2025-06-16' },
      extent: stored('2025-05-22', '2025-06-13', ny('2025-06-13', 20, 5)),
      now: ny('2025-06-16', 4, 1),
    });
    expect(monday).toEqual({ timeframe: 'day', from: '2025-06-13', to: '2025-06-16' });
  });

  it('resumes hourly bars at the New York day of the last bar, and weekly bars at its Sunday', () => {
    const hourly = planIncrementalRange({
      symbol: 'AAPL',
      range: { timeframe: 'hour', from: '2025-06-01', to: '2025-06-12' },
      extent: { first: ny('2025-06-02', 4, 0), last: ny('2025-06-11', 19, 0), lastWrittenAt: ny('2025-06-11', 20, 10) },
      now: ny('2025-06-12', 21, 30),
    });
    expect(hourly).toEqual({ timeframe: 'hour', from: '2025-06-11', to: '2025-06-12' });
    const weekly = planIncrementalRange({
      symbol: 'AAPL',
      range: { timeframe: 'week', from: '2025-05-12', to: '2025-06-12' },
      extent: stored('2025-05-11', '2025-06-08', ny('2025-06-11', 20, 10)),
      now: ny('2025-06-12', 21, 30),
    });
    expect(weekly).toEqual({ timeframe: 'week', from: '2025-06-08', to: '2025-06-12' });
  });

  it('loads the whole range when the stored history starts well after it (a longer lookback than before)', () => {
    const extent = stored('2025-06-09', '2025-06-11', ny('2025-06-11', 20, 15));
    expect(planIncrementalRange({ symbol: 'AAPL', range: day, extent, now: ny('2025-06-11', 21, 30) })).toEqual(day);
    // Within the slack (a first bar a few days in, e.g. over Memorial Day) it does not.
    const near = stored('2025-05-27', '2025-06-11', ny('2025-06-11', 20, 15));
    expect(planIncrementalRange({ symbol: 'AAPL', range: day, extent: near, now: ny('2025-06-11', 21, 30) })).toBeNull();
  });

  it('never skips without a write time (tables without updated_at), and crypto always resumes', () => {
    expect(
      planIncrementalRange({ symbol: 'AAPL', range: day, extent: stored('2025-05-22', '2025-06-11', null), now: ny('2025-06-14', 12, 0) }),
    ).toEqual({
      timeframe: 'day',
      from: '2025-06-11',
      to: '2025-06-11',
    });
    const btc = planIncrementalRange({
      symbol: 'X:BTCUSD',
      range: { timeframe: 'day', from: '2025-06-01', to: '2025-06-14' },
      extent: stored('2025-06-01', '2025-06-14', ny('2025-06-14', 11, 0)),
      now: ny('2025-06-14', 12, 0),
    });
    expect(btc).toEqual({ timeframe: 'day', from: '2025-06-14', to: '2025-06-14' });
  });
});
