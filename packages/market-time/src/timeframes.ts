/**
 * The one timeframe vocabulary: the five timeframes jobs, the CLI, the processing API and the planner speak (the
 * wire names of the job protocol), and the one alias table every spelling a user may type goes through. The store's
 * table-level names (`hourly`, `daily`, ...) are mapped from these by the store, in one table.
 */

/** The timeframes a data-load job may ask for, shortest first. These are the wire names. */
export const TIMEFRAMES = ['1min', 'hour', 'day', 'week', 'month'] as const;

/** A timeframe of {@link TIMEFRAMES}. */
export type Timeframe = (typeof TIMEFRAMES)[number];

/**
 * Every accepted spelling of a timeframe (jobs, CLI, processing API), lower case: `hour`, `hourly`, `1hour`, `1h`,
 * `day`, `daily`, `1day`, `1d`, ... Read through {@link timeframeOf}, which also forgives case and surrounding spaces.
 */
export const TIMEFRAME_ALIASES: Readonly<Record<string, Timeframe>> = Object.freeze({
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
});

/** True when `value` is one of the five {@link TIMEFRAMES} exactly as written on the wire. */
export function isTimeframe(value: unknown): value is Timeframe {
  return typeof value === 'string' && (TIMEFRAMES as readonly string[]).includes(value);
}

/**
 * The timeframe a spelling stands for (any case, surrounding spaces ignored; see {@link TIMEFRAME_ALIASES}), or
 * undefined, so callers can report unknown values in their own words.
 */
export function timeframeOf(name: string): Timeframe | undefined {
  if (typeof name !== 'string') return undefined;
  const key = name.trim().toLowerCase();
  return Object.hasOwn(TIMEFRAME_ALIASES, key) ? TIMEFRAME_ALIASES[key] : undefined;
}
