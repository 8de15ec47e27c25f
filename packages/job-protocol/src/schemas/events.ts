/** Events this side publishes (CONTRACT.md §3, "Out: events"). */
import * as z from 'zod';
import { countSchema, isoDateTimeSchema, jsonObjectSchema, uuidSchema } from './common.js';

/** The `source` this side writes on events. */
export const PRODUCER_SOURCE = 'TickStockPL';
/**
 * The `source` of the import lifecycle events (the envelope below). The Daily Processing page's subscriber
 * (`src/core/services/processing_event_subscriber.py`, `_handle_job_progress`) takes a `job_progress_update` only
 * when `source` contains `processing`, `import` or `indicator`: this names the producer and the phase.
 */
export const IMPORT_EVENT_SOURCE = 'TickStockPL.data_import';
/** The monitoring envelope's version. */
export const MONITORING_VERSION = '1.0';

// ---- import lifecycle: the {event, timestamp, source, version, payload} envelope ------------------------------

export const jobProgressUpdatePayloadSchema = z.looseObject({
  run_id: z.string(),
  phase: z.string().describe('data_import for data loads'),
  total_symbols: countSchema,
  completed: countSchema,
  failed: countSchema,
  processed: countSchema,
  remaining: countSchema,
  percentage: z.number().min(0).max(100),
  interrupted: countSchema.optional().describe('Symbols a cancel, shutdown or fatal error stopped: neither completed nor failed'),
  current_symbol: z.string().nullable(),
  estimated_completion: isoDateTimeSchema.nullable(),
  avg_processing_time_ms: z.number().min(0),
});

export const symbolProcessingCompletePayloadSchema = z.looseObject({
  run_id: z.string(),
  symbol: z.string(),
  success: z.boolean(),
  timeframes_processed: z.array(z.string()),
  records_imported: countSchema,
  processing_time_ms: z.number().min(0),
});

export const dataImportStartedPayloadSchema = z.looseObject({
  run_id: z.string(),
  universe_names: z.array(z.string()),
  total_symbols: countSchema,
  timeframes: z.array(z.string()),
  lookback_days: z.record(z.string(), z.number()),
  planned_requests: z
    .looseObject({
      total: countSchema,
      details: countSchema,
      grouped_daily: countSchema,
      per_ticker: countSchema,
      splits_check: countSchema
        .optional()
        .describe('The splits check before an incremental load: one request for the universe, plus pages'),
    })
    .optional()
    .describe('The API requests the job will send, counted before any is sent (retries come on top)'),
});

export const dataImportCompletedPayloadSchema = z.looseObject({
  run_id: z.string(),
  duration_seconds: z.number().min(0),
  total_symbols: countSchema,
  successful_symbols: countSchema,
  failed_symbols: countSchema,
  success_count: countSchema.describe('= successful_symbols: what the Daily Processing page subscriber reads'),
  failure_count: countSchema.describe('= failed_symbols: what the Daily Processing page subscriber reads'),
  interrupted_symbols: countSchema.optional().describe('Stopped by a cancel, shutdown or fatal error: neither succeeded nor failed'),
  total_records_imported: countSchema,
  success_rate: z.number().min(0).max(100).describe('Percent of symbols that succeeded'),
  status: z.string().optional().describe('The final job status (completed, failed, cancelled)'),
  has_errors: z.boolean().optional(),
});

export const symbolHistoryReadjustedPayloadSchema = z.looseObject({
  run_id: z.string(),
  symbol: z.string(),
  execution_date: z.string().describe('New York date of the latest split the history was reloaded for'),
  ratio: z.number().positive().describe('New shares per old one across the splits (10 for a 10-for-1, 0.1 for a 1-for-10)'),
  splits: z.array(z.looseObject({ execution_date: z.string(), split_from: z.number().positive(), split_to: z.number().positive() })).min(1),
  rows_rewritten: countSchema.describe('Stored rows the reload changed or deleted, over every timeframe'),
});

/** Payload schema of each monitoring event. */
export const MONITORING_PAYLOAD_SCHEMAS = {
  job_progress_update: jobProgressUpdatePayloadSchema,
  symbol_processing_complete: symbolProcessingCompletePayloadSchema,
  data_import_started: dataImportStartedPayloadSchema,
  data_import_completed: dataImportCompletedPayloadSchema,
  symbol_history_readjusted: symbolHistoryReadjustedPayloadSchema,
} as const;

/** Monitoring event names. */
export type MonitoringEventName = keyof typeof MONITORING_PAYLOAD_SCHEMAS;

/**
 * Where each import lifecycle event goes: the channels a documented consumer in the app reads it from, no other.
 * - `tickstock:data:import:status`: `src/infrastructure/redis/processing_subscriber.py` (`_handle_data_import_event`).
 * - `tickstock:import:started` / `:completed`: `src/core/services/processing_event_subscriber.py` (the Daily
 *   Processing page; it routes by `event` on any of its channels and does not subscribe to the first one).
 * - `tickstock:monitoring`: both subscribers read `job_progress_update` there (`payload.phase` must be `data_import`).
 *   `symbol_history_readjusted` (a symbol's stored history reloaded after a split) goes there too, for operators and
 *   the monitoring log; the app's subscribers route by `event` and pass over names they do not handle.
 */
export const IMPORT_EVENT_CHANNELS = {
  job_progress_update: ['tickstock:monitoring'],
  symbol_processing_complete: ['tickstock:data:import:status'],
  data_import_started: ['tickstock:data:import:status', 'tickstock:import:started'],
  data_import_completed: ['tickstock:data:import:status', 'tickstock:import:completed'],
  symbol_history_readjusted: ['tickstock:monitoring'],
} as const satisfies Record<MonitoringEventName, readonly string[]>;
/** The payload of monitoring event `E`. */
export type MonitoringPayload<E extends MonitoringEventName> = z.infer<(typeof MONITORING_PAYLOAD_SCHEMAS)[E]>;

function envelope<E extends MonitoringEventName>(event: E) {
  return z.looseObject({
    event: z.literal(event),
    timestamp: isoDateTimeSchema.describe('ISO 8601, UTC'),
    source: z.string(),
    version: z.literal(MONITORING_VERSION),
    payload: MONITORING_PAYLOAD_SCHEMAS[event],
  });
}

export const jobProgressUpdateEventSchema = envelope('job_progress_update');
export const symbolProcessingCompleteEventSchema = envelope('symbol_processing_complete');
export const dataImportStartedEventSchema = envelope('data_import_started');
export const dataImportCompletedEventSchema = envelope('data_import_completed');
export const symbolHistoryReadjustedEventSchema = envelope('symbol_history_readjusted');

/** Any monitoring event, by `event`. */
export const monitoringEventSchema = z.discriminatedUnion('event', [
  jobProgressUpdateEventSchema,
  symbolProcessingCompleteEventSchema,
  dataImportStartedEventSchema,
  dataImportCompletedEventSchema,
  symbolHistoryReadjustedEventSchema,
]);
export type MonitoringEvent = z.infer<typeof monitoringEventSchema>;

// ---- tickstock:errors -----------------------------------------------------------------------------------------

export const ERROR_SEVERITIES = ['debug', 'info', 'warning', 'error', 'critical'] as const;
export type ErrorSeverity = (typeof ERROR_SEVERITIES)[number];

/** An error event. The app drops a message missing any of error_id, source, severity, message, timestamp. */
export const errorEventSchema = z.looseObject({
  error_id: uuidSchema,
  source: z.string().min(1),
  severity: z.enum(ERROR_SEVERITIES),
  category: z.string().nullish().describe('The error code, e.g. API_RATE_LIMIT or SYMBOL_INVALID'),
  message: z.string().min(1),
  component: z.string().nullish(),
  traceback: z.string().nullish(),
  context: jsonObjectSchema.nullish().describe('Details; the error code again as context.code. Never a secret.'),
  timestamp: isoDateTimeSchema,
});
export type ErrorEvent = z.infer<typeof errorEventSchema>;

// ---- tickstock.events.patterns --------------------------------------------------------------------------------

/**
 * `data` of a pattern event. Every field the app's strictest check requires is required and non-null
 * (`tests/integration/test_pattern_event_structure.py` `validate_pattern_event_structure`: symbol, pattern,
 * confidence 0-1, current_price > 0, price_change, timestamp, expires_at, indicators as an object, source), with the
 * types its pattern cache needs (`RedisPatternCache.process_pattern_event`: numbers, epoch seconds).
 */
export const patternDataSchema = z.looseObject({
  symbol: z.string().min(1),
  pattern: z.string().min(1).describe('The pattern name; the field is pattern, never pattern_name'),
  pattern_name: z.never().optional().describe('Forbidden: use pattern'),
  confidence: z.number().min(0).max(1),
  current_price: z.number().gt(0).describe('Price when detected, > 0'),
  price_change: z.number().describe('Percent change'),
  timestamp: z.number().describe('Detection time, epoch seconds'),
  expires_at: z.number().describe('Expiry, epoch seconds'),
  indicators: jsonObjectSchema.describe('e.g. {relative_strength, relative_volume, rsi}'),
  source: z.string().min(1).describe('The data tier the pattern was found on: daily, hourly, intraday, weekly, monthly, ...'),
  flow_id: uuidSchema,
  tier: z.string().nullish(),
  volume: z.number().nullish(),
});

/** A `pattern_detected` event. `timestamp` is epoch seconds as a float. */
export const patternEventSchema = z.looseObject({
  event_type: z.literal('pattern_detected'),
  source: z.string().min(1),
  timestamp: z.number().describe('Epoch seconds, float'),
  data: patternDataSchema,
});
export type PatternEvent = z.infer<typeof patternEventSchema>;
export type PatternData = z.infer<typeof patternDataSchema>;

// ---- backtesting, health, heartbeat ---------------------------------------------------------------------------

export const backtestingProgressSchema = z.looseObject({
  job_id: z.string().min(1),
  progress: z.number().min(0).max(1).describe('Fraction done, 0-1'),
  current_symbol: z.string().nullish(),
  estimated_completion: z.union([z.string(), z.number()]).nullish(),
});
export type BacktestingProgress = z.infer<typeof backtestingProgressSchema>;

export const backtestingResultsSchema = z.looseObject({
  job_id: z.string().min(1),
  status: z.string().min(1),
  results: jsonObjectSchema,
});
export type BacktestingResults = z.infer<typeof backtestingResultsSchema>;

// ---- tickstock:monitoring, the app's monitoring dashboard (top-level event_type) -------------------------------

/** Component health as the app's `MonitoringSubscriber` reads it: anything but `OK` is logged as a warning. */
export const componentHealthSchema = z.looseObject({
  status: z.enum(['OK', 'DEGRADED', 'DOWN', 'UNKNOWN']),
  details: jsonObjectSchema.optional(),
});

/**
 * `METRIC_UPDATE`: the dashboard keeps the latest one and calls the producer active while it is under 30 s old
 * (`web/static/js/admin/monitoring_dashboard.js`); it displays `metrics.system`, `metrics.application`,
 * `metrics.database`, `metrics.redis` and `health_score` (`components` keyed `database`, `redis`, `memory`).
 */
export const metricUpdateSchema = z.looseObject({
  event_type: z.literal('METRIC_UPDATE'),
  timestamp: isoDateTimeSchema,
  source: z.string().min(1),
  metrics: z.looseObject({
    system: z.looseObject({ cpu_percent: z.number().min(0), memory_percent: z.number().min(0), memory_mb: z.number().min(0) }),
    application: jsonObjectSchema,
    database: jsonObjectSchema,
    redis: jsonObjectSchema,
  }),
  health_score: z.looseObject({
    overall: z.number().min(0).max(100),
    status: z.string(),
    components: z.record(z.string(), z.number().min(0).max(100)),
  }),
});
export type MetricUpdate = z.infer<typeof metricUpdateSchema>;

/** `HEALTH_CHECK`: the app stores `health` whole (`overall_score`, `status`, `uptime_seconds`, `components`). */
export const healthCheckSchema = z.looseObject({
  event_type: z.literal('HEALTH_CHECK'),
  timestamp: isoDateTimeSchema,
  source: z.string().min(1),
  health: z.looseObject({
    overall_score: z.number().min(0).max(100),
    status: z.enum(['HEALTHY', 'DEGRADED', 'UNHEALTHY']),
    uptime_seconds: z.number().min(0),
    components: z.record(z.string(), componentHealthSchema),
  }),
});
export type HealthCheck = z.infer<typeof healthCheckSchema>;

/** `SYSTEM_STATUS`: `RUNNING` is the normal value (anything else is logged as a warning by the app). */
export const systemStatusSchema = z.looseObject({
  event_type: z.literal('SYSTEM_STATUS'),
  timestamp: isoDateTimeSchema,
  source: z.string().min(1),
  status: z.enum(['STARTING', 'RUNNING', 'STOPPING', 'STOPPED']),
  details: jsonObjectSchema.optional(),
});
export type SystemStatus = z.infer<typeof systemStatusSchema>;

/** Any of the monitoring dashboard's events, by `event_type`. */
export const dashboardEventSchema = z.discriminatedUnion('event_type', [metricUpdateSchema, healthCheckSchema, systemStatusSchema]);
export type DashboardEvent = z.infer<typeof dashboardEventSchema>;

/** Health status of the producer on `tickstock.health.status` (the seeds name the channel, not a shape: this is ours). */
export const healthStatusSchema = z.looseObject({
  source: z.string().min(1),
  status: z.enum(['healthy', 'degraded', 'unhealthy']),
  timestamp: isoDateTimeSchema,
  details: jsonObjectSchema.nullish(),
});
export type HealthStatus = z.infer<typeof healthStatusSchema>;

/** The value of both heartbeat keys: epoch seconds as a decimal float, e.g. `1766510114.634`. */
export const heartbeatValueSchema = z.string().regex(/^\d+(\.\d+)?$/);
