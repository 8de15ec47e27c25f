/** The bar sizes of the Massive aggregates API: with a multiplier they make a bar's window (5 × minute). */

/** Bar sizes the aggregates endpoint accepts, shortest first. */
export const TIMESPANS = ['second', 'minute', 'hour', 'day', 'week', 'month', 'quarter', 'year'] as const;

/** A bar size: `multiplier` × `timespan` makes the window (e.g. 5 × minute). */
export type Timespan = (typeof TIMESPANS)[number];

/** True when `value` is one of {@link TIMESPANS}. */
export function isTimespan(value: unknown): value is Timespan {
  return typeof value === 'string' && (TIMESPANS as readonly string[]).includes(value);
}
