/** The three names of each timeframe: in jobs, in the Massive API, and in the store. */
import type { Timespan } from '@tickstock/massive-client';
import type { Timeframe as StoreTimeframe } from '@tickstock/ohlcv-store';
import type { Timeframe } from '../engine/types.js';

export const API_TIMESPAN: Record<Timeframe, Timespan> = { '1min': 'minute', hour: 'hour', day: 'day', week: 'week', month: 'month' };
export const STORE_TIMEFRAME: Record<Timeframe, StoreTimeframe> = {
  '1min': '1min',
  hour: 'hourly',
  day: 'daily',
  week: 'weekly',
  month: 'monthly',
};
