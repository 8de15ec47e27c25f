/** Bar validation, symbol rules and timeframe names (pure functions). */

import { TIMEFRAMES as JOB_TIMEFRAMES, TIMEFRAME_ALIASES } from '@tickstock/market-time';
import { describe, expect, it } from 'vitest';
import { isValidSymbol, validateBarValues } from '../src/bars/validate.js';
import { isStoreError, STORE_TIMEFRAME, TIMEFRAMES, toTimeframe } from '../src/index.js';
import { timeframeSpec } from '../src/timeframes.js';

const ok = { timestamp: 1_709_874_000_000, open: 10, high: 12, low: 9, close: 11 };

describe('validateBarValues', () => {
  it('accepts a bar without volume (indices) and a bar at its extremes (open = high, close = low)', () => {
    expect(validateBarValues(ok)).toBeNull();
    expect(validateBarValues({ ...ok, open: 12, close: 9, volume: 0, vwap: 10.5, transactions: 0 })).toBeNull();
  });

  it('names the first failed check', () => {
    expect(validateBarValues({ ...ok, open: Number.NaN })).toBe('non_positive_price');
    expect(validateBarValues({ ...ok, low: -1 })).toBe('non_positive_price');
    expect(validateBarValues({ ...ok, high: 8 })).toBe('high_below_low');
    expect(validateBarValues({ ...ok, open: 8.99 })).toBe('open_outside_range');
    expect(validateBarValues({ ...ok, close: 12.01 })).toBe('close_outside_range');
    expect(validateBarValues({ ...ok, volume: Number.POSITIVE_INFINITY })).toBe('invalid_volume');
    expect(validateBarValues({ ...ok, vwap: 0 })).toBe('invalid_vwap');
    expect(validateBarValues({ ...ok, transactions: -1 })).toBe('invalid_transactions');
    expect(validateBarValues({ ...ok, timestamp: 2 ** 60 })).toBe('invalid_timestamp');
  });
});

describe('isValidSymbol', () => {
  it('accepts Massive ticker forms and refuses characters COPY would mangle', () => {
    for (const s of ['AAPL', 'BRK.B', 'X:BTCUSD', 'C:EURUSD', 'I:SPX', 'O:SPY251219C00650000']) expect(isValidSymbol(s, null)).toBe(true);
    for (const s of ['', 'A B', 'A\tB', 'A\\B', 'A\nB', 'ÄPFEL']) expect(isValidSymbol(s, null)).toBe(false);
    expect(isValidSymbol('O:SPY251219C00650000', 20)).toBe(true);
    expect(isValidSymbol('O:SPY251219C006500001', 20)).toBe(false);
  });
});

describe('timeframes', () => {
  it('maps job and API names to timeframes and leaves unknown ones undefined', () => {
    expect(['1min', 'minute', 'hour', 'day', 'week', 'month', 'Daily'].map(toTimeframe)).toEqual([
      '1min',
      '1min',
      'hourly',
      'daily',
      'weekly',
      'monthly',
      'daily',
    ]);
    expect(toTimeframe('quarter')).toBeUndefined();
  });

  it('maps every spelling of the one vocabulary through the one table, covering every table', () => {
    expect(Object.keys(STORE_TIMEFRAME)).toEqual([...JOB_TIMEFRAMES]);
    expect(Object.values(STORE_TIMEFRAME)).toEqual([...TIMEFRAMES]);
    for (const [alias, timeframe] of Object.entries(TIMEFRAME_ALIASES)) {
      expect(toTimeframe(alias), alias).toBe(STORE_TIMEFRAME[timeframe]);
      expect(toTimeframe(` ${alias.toUpperCase()} `), alias).toBe(STORE_TIMEFRAME[timeframe]);
    }
  });

  it('throws UNKNOWN_TIMEFRAME for anything else', () => {
    let caught: unknown;
    try {
      timeframeSpec('yearly' as never);
    } catch (e) {
      caught = e;
    }
    expect(isStoreError(caught, 'UNKNOWN_TIMEFRAME')).toBe(true);
  });
});
