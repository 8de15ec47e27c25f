/**
 * The one timeframe vocabulary: every spelling jobs, `tickstock load`, `tickstock stats`, `plan`, `submit` and the
 * processing API accept goes through this table, so a spelling one accepts the others accept too.
 */
import { describe, expect, it } from 'vitest';
import { isTimeframe, TIMEFRAME_ALIASES, TIMEFRAMES, timeframeOf } from '../src/index.js';

const EXPECTED: Readonly<Record<string, (typeof TIMEFRAMES)[number]>> = {
  '1min': '1min',
  minute: '1min',
  '1minute': '1min',
  '1m': '1min',
  hour: 'hour',
  hourly: 'hour',
  '1hour': 'hour',
  '1h': 'hour',
  day: 'day',
  daily: 'day',
  '1day': 'day',
  '1d': 'day',
  week: 'week',
  weekly: 'week',
  '1week': 'week',
  '1w': 'week',
  month: 'month',
  monthly: 'month',
  '1month': 'month',
};

describe('timeframe vocabulary', () => {
  it('has the five wire names, shortest first', () => {
    expect(TIMEFRAMES).toEqual(['1min', 'hour', 'day', 'week', 'month']);
    for (const tf of TIMEFRAMES) expect(isTimeframe(tf)).toBe(true);
    expect(isTimeframe('hourly')).toBe(false);
    expect(isTimeframe(undefined)).toBe(false);
  });

  it('the alias table is exactly the spellings users reached for: 1m 1h 1d 1w, 1minute ... 1month, hourly, daily ...', () => {
    expect(TIMEFRAME_ALIASES).toEqual(EXPECTED);
  });

  it.each(Object.entries(EXPECTED))('%s means %s, in any case and with spaces around', (alias, timeframe) => {
    expect(timeframeOf(alias)).toBe(timeframe);
    expect(timeframeOf(alias.toUpperCase())).toBe(timeframe);
    expect(timeframeOf(` ${alias} `)).toBe(timeframe);
  });

  it('every wire name is its own alias', () => {
    for (const tf of TIMEFRAMES) expect(timeframeOf(tf)).toBe(tf);
  });

  it('anything else is undefined, including names inherited from Object.prototype', () => {
    for (const name of ['', 'fortnight', '2h', 'quarter', 'year', 'second', 'toString', '__proto__', 'constructor', 'hasOwnProperty']) {
      expect(timeframeOf(name)).toBeUndefined();
    }
  });

  it('the table cannot be changed at run time', () => {
    expect(Object.isFrozen(TIMEFRAME_ALIASES)).toBe(true);
  });
});
