/**
 * What a daily import is asked to do, from the processing API, the CLI or the scheduler's config file: validated with
 * zod (every problem named with its path) and normalised into an {@link ImportSpec} with the defaults applied.
 */
import { SYMBOL_PATTERN } from '@tickstock/job-protocol';
import { TIMEFRAME_ALIASES, TIMEFRAMES, type Timeframe, timeframeOf } from '@tickstock/market-time';
import { z } from 'zod';
import { RunnerError } from '../errors.js';
import { shippedUniverseName } from '../universe/shipped.js';
import { IMPORT_DEFAULTS, MAX_IMPORT_SYMBOLS, MAX_LOOKBACK_DAYS } from './options.js';

/** A normalised import: every field decided. */
export interface ImportSpec {
  /** `sp500`, `nasdaq100`, `dow30`, `etf`, `tracked`, or a CSV file name inside `TICKSTOCK_UNIVERSE_DIR`. */
  universes: string[];
  /** Symbols named one by one (loaded after the universes' symbols). */
  symbols: string[];
  timeframes: Timeframe[];
  /** Days of history for each of `timeframes`. */
  lookbackDays: Partial<Record<Timeframe, number>>;
  /** Load every range whole instead of resuming from the latest stored bar (details fetched again too). */
  fullReload: boolean;
  continueOnError: boolean;
  /** 0-1. */
  successThreshold: number;
  requestedBy?: string | undefined;
}

/** `sp500`, `tracked`, `my_list.csv` (a plain file name) ... or an issue message. */
export function universeKey(name: string): string | { error: string } {
  const trimmed = name.trim();
  if (trimmed.toLowerCase() === 'tracked') return 'tracked';
  const shipped = shippedUniverseName(trimmed);
  if (shipped) return shipped.toLowerCase();
  if (/^[\w.-]+\.csv$/i.test(trimmed) && !trimmed.startsWith('.')) return trimmed;
  return {
    error: `unknown universe ${JSON.stringify(name)}: use sp500, nasdaq100, dow30, etf, tracked, or a CSV file name in TICKSTOCK_UNIVERSE_DIR`,
  };
}

const timeframeName = z.string().transform((value, ctx) => {
  const tf = timeframeOf(value);
  if (!tf) {
    ctx.addIssue({ code: 'custom', message: `unknown timeframe ${JSON.stringify(value)}; use ${TIMEFRAMES.join(', ')}` });
    return z.NEVER;
  }
  return tf;
});

const lookback = z
  .number()
  .int('must be a whole number of days')
  .min(1, 'must be at least 1 day')
  .max(MAX_LOOKBACK_DAYS, `must be at most ${MAX_LOOKBACK_DAYS} days`);

const lookbackByTimeframe = z.record(z.string(), lookback).superRefine((value, ctx) => {
  for (const key of Object.keys(value)) {
    if (!timeframeOf(key)) {
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `unknown timeframe ${JSON.stringify(key)}; use ${Object.keys(TIMEFRAME_ALIASES).join(', ')}`,
      });
    }
  }
});

const universeName = z.string().transform((value, ctx) => {
  const key = universeKey(value);
  if (typeof key !== 'string') {
    ctx.addIssue({ code: 'custom', message: key.error });
    return z.NEVER;
  }
  return key;
});

const symbol = z
  .string()
  .regex(SYMBOL_PATTERN, 'must be a ticker such as AAPL, BRK.B or X:BTCUSD')
  .transform((s) => s.trim().toUpperCase());

/** The request body of `POST /api/processing/import/trigger`, and the scheduler's config file. Unknown keys are refused. */
export const importRequestSchema = z.strictObject({
  universes: z.array(universeName).max(50).optional(),
  symbols: z.array(symbol).max(MAX_IMPORT_SYMBOLS).optional(),
  timeframes: z.array(timeframeName).min(1, 'name at least one timeframe').optional(),
  /** One number for every timeframe, or days per timeframe (`{"hourly": 90, "daily": 365}`). */
  lookback_days: z.union([lookback, lookbackByTimeframe]).optional(),
  full_reload: z.boolean().optional(),
  continue_on_error: z.boolean().optional(),
  /** 0-1 (0.8 = 80%). */
  success_threshold: z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1 (0.8 = 80%)').optional(),
  requested_by: z.string().max(200).optional(),
});

export type ImportRequest = z.input<typeof importRequestSchema>;

/** `path: message` lines for a zod error. */
export function describeIssues(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((i) => ({ path: i.path.length ? i.path.map(String).join('.') : '(body)', message: i.message }));
}

/** The validated body, as zod returns it. */
export type ValidImportRequest = z.output<typeof importRequestSchema>;

/** Validates and normalises a request; throws a `RunnerError` (`USAGE`) naming every problem. */
export function parseImportRequest(input: unknown, label = 'import request'): ImportSpec {
  const parsed = importRequestSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const lines = describeIssues(parsed.error).map((i) => `${i.path}: ${i.message}`);
    throw new RunnerError('USAGE', `invalid ${label}: ${lines.join('; ')}`);
  }
  return importSpecFrom(parsed.data);
}

/** Applies the defaults to a validated request. */
export function importSpecFrom(r: ValidImportRequest): ImportSpec {
  const timeframes = r.timeframes ? TIMEFRAMES.filter((t) => r.timeframes?.includes(t)) : [...IMPORT_DEFAULTS.timeframes];
  const lookbackDays: Partial<Record<Timeframe, number>> = {};
  for (const tf of timeframes) {
    let days: number = IMPORT_DEFAULTS.lookbackDays[tf];
    if (typeof r.lookback_days === 'number') days = r.lookback_days;
    else if (r.lookback_days) {
      for (const [key, value] of Object.entries(r.lookback_days)) if (timeframeOf(key) === tf) days = value;
    }
    lookbackDays[tf] = days;
  }
  const symbols = [...new Set(r.symbols ?? [])];
  const universes = r.universes ? [...new Set(r.universes)] : symbols.length ? [] : [...IMPORT_DEFAULTS.universes];
  return {
    universes,
    symbols,
    timeframes,
    lookbackDays,
    fullReload: r.full_reload ?? false,
    continueOnError: r.continue_on_error ?? IMPORT_DEFAULTS.continueOnError,
    successThreshold: r.success_threshold ?? IMPORT_DEFAULTS.successThreshold,
    requestedBy: r.requested_by,
  };
}

/** The body of `POST /api/processing/import/retry`. */
export const retryRequestSchema = z.strictObject({
  run_id: z.string().min(1, 'must name a run').max(200),
  symbols: z.array(symbol).max(MAX_IMPORT_SYMBOLS).optional(),
});

/**
 * Phases the app's `trigger-manual` may name (`ProcessingPhase` in its `processing_event_subscriber.py`, plus the
 * short forms its pages use). This worker runs only the data import: `all` runs it, and a request naming only the
 * others is answered 501.
 */
export const APP_PHASES = [
  'all',
  'data_import',
  'import',
  'cache_sync',
  'indicator_processing',
  'indicators',
  'pattern_detection',
  'patterns',
] as const;

/** Phases of {@link APP_PHASES} that include the data import. */
export const IMPORT_PHASES: readonly string[] = ['all', 'data_import', 'import'];

/**
 * `POST /api/processing/trigger-manual` as the app's `TickStockPLAPIClient.trigger_processing` sends it:
 * `{skip_market_check, phases, universe?}`. `universe` replaces the daily import's universes for this run;
 * `skip_market_check` is accepted and changes nothing (a manual run always runs; the schedule skips closed days).
 */
export const manualTriggerSchema = z.strictObject({
  skip_market_check: z.boolean().optional(),
  phases: z
    .array(z.enum(APP_PHASES, { error: `unknown phase; use ${APP_PHASES.join(', ')}` }))
    .max(APP_PHASES.length * 2)
    .optional(),
  universe: z.union([universeName, z.null()]).optional(),
  requested_by: z.string().max(200).optional(),
});

/** `POST /api/processing/retry-imports` as the app's `retry_failed_imports` sends it. */
export const appRetryRequestSchema = z.strictObject({
  original_run_id: z.string().min(1, 'must name a run').max(200),
  symbols: z.array(symbol).max(MAX_IMPORT_SYMBOLS).optional(),
});

/** `POST /api/processing/schedule` as the app's `update_schedule` sends it (only the keys it was given). */
export const scheduleUpdateSchema = z.strictObject({
  enabled: z.boolean().optional(),
  trigger_time: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24-hour, New York time)')
    .optional(),
  market_check: z.boolean().optional(),
  universes: z.array(universeName).max(50).optional(),
});
