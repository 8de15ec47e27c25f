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

/** Every accepted spelling of a timeframe (jobs, CLI, processing API): `hour`, `hourly`, `1h`, `day`, `daily`, ... */
export const TIMEFRAME_ALIASES: Readonly<Record<string, Timeframe>> = {
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

/** The timeframe a name stands for (case-insensitive), or undefined. */
export function timeframeOf(name: string): Timeframe | undefined {
  return Object.hasOwn(TIMEFRAME_ALIASES, name.trim().toLowerCase()) ? TIMEFRAME_ALIASES[name.trim().toLowerCase()] : undefined;
}
