/** Events this side publishes (CONTRACT.md §3, "Out: events"). */
import * as z from 'zod';
import { countSchema, isoDateTimeSchema, jsonObjectSchema, uuidSchema } from './common.js';

/** The `source` this side writes on events. */
export const PRODUCER_SOURCE = 'TickStockPL';
/** The monitoring envelope's version. */
export const MONITORING_VERSION = '1.0';

// ---- tickstock:monitoring -------------------------------------------------------------------------------------

export const jobProgressUpdatePayloadSchema = z.looseObject({
  run_id: z.string(),
  phase: z.string().describe('data_import for data loads'),
  total_symbols: countSchema,
  completed: countSchema,
  failed: countSchema,
  processed: countSchema,
  remaining: countSchema,
  percentage: z.number().min(0).max(100),
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
});

export const dataImportCompletedPayloadSchema = z.looseObject({
  run_id: z.string(),
  duration_seconds: z.number().min(0),
  total_symbols: countSchema,
  successful_symbols: countSchema,
  failed_symbols: countSchema,
  total_records_imported: countSchema,
  success_rate: z.number().min(0).max(100).describe('Percent of symbols that succeeded'),
});

/** Payload schema of each monitoring event. */
export const MONITORING_PAYLOAD_SCHEMAS = {
  job_progress_update: jobProgressUpdatePayloadSchema,
  symbol_processing_complete: symbolProcessingCompletePayloadSchema,
  data_import_started: dataImportStartedPayloadSchema,
  data_import_completed: dataImportCompletedPayloadSchema,
} as const;

/** Monitoring event names. */
export type MonitoringEventName = keyof typeof MONITORING_PAYLOAD_SCHEMAS;
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

/** Any monitoring event, by `event`. */
export const monitoringEventSchema = z.discriminatedUnion('event', [
  jobProgressUpdateEventSchema,
  symbolProcessingCompleteEventSchema,
  dataImportStartedEventSchema,
  dataImportCompletedEventSchema,
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

export const patternDataSchema = z.looseObject({
  symbol: z.string().min(1),
  pattern: z.string().min(1).describe('The pattern name; the field is pattern, never pattern_name'),
  pattern_name: z.never().optional().describe('Forbidden: use pattern'),
  confidence: z.number().min(0).max(1),
  flow_id: uuidSchema,
  tier: z.string().nullish(),
  price_change: z.number().nullish(),
  current_price: z.number().nullish(),
  volume: z.number().nullish(),
  timestamp: z.union([z.number(), z.string()]).nullish(),
  expires_at: z.union([z.number(), z.string()]).nullish(),
  indicators: jsonObjectSchema.nullish(),
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
