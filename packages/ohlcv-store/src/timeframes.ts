/**
 * The five timeframes the store keeps and their tables. The store's names (`hourly`, `daily`, ...) are the table-level
 * names; the vocabulary jobs, the CLI and the planner speak (`hour`, `day`, ...) is `@tickstock/market-time`'s, and
 * {@link STORE_TIMEFRAME} is the one table mapping it to the store's.
 */
import { type Timeframe as JobTimeframe, timeframeOf } from '@tickstock/market-time';
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

/**
 * The one table from `@tickstock/market-time`'s timeframe vocabulary (the wire names `1min`, `hour`, `day`, `week`,
 * `month`) to the store's table-level names.
 */
export const STORE_TIMEFRAME: Readonly<Record<JobTimeframe, Timeframe>> = Object.freeze({
  '1min': '1min',
  hour: 'hourly',
  day: 'daily',
  week: 'weekly',
  month: 'monthly',
});

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
 * The store timeframe a spelling stands for: any spelling `@tickstock/market-time`'s `timeframeOf` accepts (`1min`,
 * `minute`, `hour`, `1h`, `day`, `daily`, `week`, `month`, ...; any case), mapped through {@link STORE_TIMEFRAME};
 * undefined for anything else, so callers can report unknown values.
 */
export function toTimeframe(name: string): Timeframe | undefined {
  const timeframe = timeframeOf(name);
  return timeframe === undefined ? undefined : STORE_TIMEFRAME[timeframe];
}
