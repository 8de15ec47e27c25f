/**
 * The Massive API's name of each timeframe. The vocabulary and its aliases are `@tickstock/market-time`'s
 * (`TIMEFRAMES`, `timeframeOf`); the store's table-level names map from it in `@tickstock/ohlcv-store`'s
 * `STORE_TIMEFRAME`.
 */
import type { Timeframe, Timespan } from '@tickstock/market-time';

/** The aggregates timespan that fetches each timeframe's bars (multiplier 1). */
export const API_TIMESPAN: Readonly<Record<Timeframe, Timespan>> = {
  '1min': 'minute',
  hour: 'hour',
  day: 'day',
  week: 'week',
  month: 'month',
};
