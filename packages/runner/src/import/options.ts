/** The daily import's defaults, in one place (the seeds' lookbacks, threshold and schedule). */
import type { Timeframe } from '@tickstock/market-time';

export const IMPORT_DEFAULTS = {
  /** What a run loads when it names neither universes nor symbols: the active rows of `tracked_symbols`. */
  universes: ['tracked'] as readonly string[],
  timeframes: ['hour', 'day', 'week', 'month'] as readonly Timeframe[],
  /** Days of history per timeframe (the seeds: hourly 90, daily 365, weekly 730, monthly 1825). */
  lookbackDays: { '1min': 2, hour: 90, day: 365, week: 730, month: 1825 } as Readonly<Record<Timeframe, number>>,
  /** Share of symbols that must load for a run with failures to count as `completed`. */
  successThreshold: 0.8,
  continueOnError: true,
  /** 20:30 New York, Monday to Friday: after the post-market close, so the day's bars are final. */
  schedule: '30 20 * * 1-5',
  /** The in-progress lock's time to live; renewed every third of it while the run lives. */
  lockTtlMs: 60_000,
  /** A scheduled run that finds another run in progress tries again this often ... */
  lockRetryMs: 60_000,
  /** ... for at most this long, then gives up on that day's slot (logged and reported on `tickstock:errors`). */
  lockWaitMaxMs: 6 * 3_600_000,
  /** How long a worker's claim on a scheduled slot is kept (a slot runs once, however many workers share it). */
  slotClaimTtlSeconds: 7 * 86_400,
  /** For `estimated_duration_minutes`: seconds per symbol and timeframe, before concurrency. */
  estimateSecondsPerFetch: 0.5,
} as const;

/** Most symbols one import may name explicitly (universes are not limited). */
export const MAX_IMPORT_SYMBOLS = 10_000;
/** Largest lookback accepted, in days (100 years). */
export const MAX_LOOKBACK_DAYS = 36_500;
