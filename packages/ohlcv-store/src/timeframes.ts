/** The five timeframes the store keeps, their tables, and the names jobs use for them. */
import { StoreError } from './errors.js';

/** A timeframe the store keeps, one table each. */
export type Timeframe = '1min' | 'hourly' | 'daily' | 'weekly' | 'monthly';

/** Every timeframe, shortest first. */
export const TIMEFRAMES: readonly Timeframe[] = ['1min', 'hourly', 'daily', 'weekly', 'monthly'];

/** How a timeframe's rows are keyed: by UTC instant (TIMESTAMPTZ) or by calendar date (DATE). */
export type TimeKeyKind = 'instant' | 'date';

/** Fixed facts about one timeframe's table in the contract. */
export interface TimeframeSpec {
  timeframe: Timeframe;
  /** Table name in the contract. */
  table: string;
  /** Name of the key's time column in the contract. */
  timeColumn: string;
  /** Older names of the time column that are recognised only to explain why they are not accepted. */
  outdatedTimeColumns: readonly string[];
  kind: TimeKeyKind;
  /** For instant keys: the bar length in ms (bars must start on a multiple of it). */
  stepMs?: number;
}

const SPECS: Record<Timeframe, TimeframeSpec> = {
  '1min': { timeframe: '1min', table: 'ohlcv_1min', timeColumn: 'timestamp', outdatedTimeColumns: [], kind: 'instant', stepMs: 60_000 },
  hourly: {
    timeframe: 'hourly',
    table: 'ohlcv_hourly',
    timeColumn: 'timestamp',
    outdatedTimeColumns: [],
    kind: 'instant',
    stepMs: 3_600_000,
  },
  daily: { timeframe: 'daily', table: 'ohlcv_daily', timeColumn: 'date', outdatedTimeColumns: [], kind: 'date' },
  weekly: { timeframe: 'weekly', table: 'ohlcv_weekly', timeColumn: 'week_start', outdatedTimeColumns: ['week_ending'], kind: 'date' },
  monthly: { timeframe: 'monthly', table: 'ohlcv_monthly', timeColumn: 'month_start', outdatedTimeColumns: ['month_ending'], kind: 'date' },
};

const ALIASES: Record<string, Timeframe> = {
  '1min': '1min',
  minute: '1min',
  '1minute': '1min',
  hour: 'hourly',
  hourly: 'hourly',
  '1hour': 'hourly',
  day: 'daily',
  daily: 'daily',
  week: 'weekly',
  weekly: 'weekly',
  month: 'monthly',
  monthly: 'monthly',
};

/** The contract's facts for `timeframe` (throws UNKNOWN_TIMEFRAME for anything else). */
export function timeframeSpec(timeframe: Timeframe): TimeframeSpec {
  const spec = Object.hasOwn(SPECS, timeframe) ? SPECS[timeframe] : undefined;
  if (!spec) {
    throw new StoreError(
      'UNKNOWN_TIMEFRAME',
      `unknown timeframe ${JSON.stringify(timeframe)}: expected one of ${TIMEFRAMES.join(', ')} (job names such as "hour" or "day" go through toTimeframe())`,
    );
  }
  return spec;
}

/**
 * Maps the names jobs and the Massive API use (`1min`, `minute`, `hour`, `day`, `week`, `month`, and the store's own
 * names) to a {@link Timeframe}; undefined for anything else, so callers can report unknown values.
 */
export function toTimeframe(name: string): Timeframe | undefined {
  const key = name.trim().toLowerCase();
  return Object.hasOwn(ALIASES, key) ? ALIASES[key] : undefined;
}
