/**
 * `@tickstock/job-protocol`: every TickStock Redis channel, key and message as constants, zod schemas and small
 * typed ioredis helpers. The wire contract is CONTRACT.md §3; see the README for the table of channels and keys.
 */

export { appMayPreWriteStatus, type PreWriteProbe } from './app-prewrite.js';
export { CLUSTER_SLOTS, clusterHashTag, clusterKeySlot, sameSlotHashTag } from './cluster-slot.js';
export {
  type DataLoadParseResult,
  type DataLoadRequest,
  type DataLoadTarget,
  DEFAULT_YEARS,
  isForeignJobMessage,
  LEGACY_CSV_TIMEFRAMES,
  MULTI_TIMEFRAME_DEFAULT,
  type NormalizeOptions,
  normalizeDataLoadJob,
  parseDataLoadJob,
  UNIVERSE_SEED_DEFAULT,
} from './data-load.js';
export {
  type DateRange,
  dataLoadRanges,
  INTRADAY_MAX_DAYS,
  INTRADAY_SHORT_DAYS,
  INTRADAY_TIMEFRAMES,
  lookbackDaysOf,
  newYorkDateOf,
  ONE_DAY_YEARS,
  timeframeLookbackDays,
} from './date-range.js';
export { DEFAULTS } from './defaults.js';
export {
  formatIssues,
  type ParseResult,
  PROTOCOL_ERROR_CODES,
  ProtocolError,
  type ProtocolErrorCode,
  type ProtocolIssue,
  RETRYABLE_PROTOCOL_ERROR_CODES,
} from './errors.js';
export { type IntegrationEvent, logIntegrationEvent, type QueryFunction } from './integration-log.js';
export {
  isForeignControlMessage,
  type JobStatusSnapshot,
  jobStatusToHash,
  parseBacktestingProgress,
  parseBacktestingResults,
  parseControlMessage,
  parseDashboardEvent,
  parseErrorEvent,
  parseHealthStatus,
  parseJobStatus,
  parseJobStatusHash,
  parseMessage,
  parseMonitoringControl,
  parseMonitoringEvent,
  parsePatternEvent,
} from './messages.js';
export {
  appJobStatusKey,
  CHANNELS,
  type Channel,
  DATA_LOAD_STREAM_FIELD,
  DATA_LOAD_STREAM_GROUP,
  JOB_LEASE_KEY_PREFIX,
  JOB_STATUS_TTL_SECONDS,
  jobClaimKey,
  jobHashKey,
  jobLeaseKey,
  jobMetadataKey,
  jobStatusKey,
  KEYS,
} from './names.js';
export { duplicateClient, execBySlot, isClusterClient, type RedisClient, type SlotCommand } from './redis/client.js';
export { Heartbeat, type HeartbeatOptions } from './redis/heartbeat.js';
export {
  acquireJobLease,
  JOB_LEASE_EPOCH_FIELD,
  JOB_LEASE_HOLDER_FIELD,
  JOB_LEASE_ONCE_PREFIX,
  type JobLease,
  type JobLeaseOptions,
  type OnceClaim,
} from './redis/job-lease.js';
export {
  type ErrorEventInput,
  EventPublisher,
  type EventPublisherOptions,
  PATTERN_DEFAULT_TTL_SECONDS,
  type PatternInput,
} from './redis/publisher.js';
export { readJobStatus } from './redis/read-status.js';
export { clampProgress, type JobStatusUpdate, JobStatusWriter, type JobStatusWriterOptions } from './redis/status-writer.js';
export { type SubmitJobOptions, type SubmitJobResult, submitJob } from './redis/submit.js';
export {
  type JobDelivery,
  JobSubscriber,
  type JobSubscriberOptions,
  type SubscriberReport,
  type SubscriberStats,
} from './redis/subscriber.js';
export {
  CSV_FILE_PATTERN,
  JOB_ID_PATTERN,
  MAX_SYMBOL_LENGTH,
  MAX_SYMBOLS_PER_JOB,
  MAX_YEARS,
  SYMBOL_PATTERN,
  TIMEFRAMES,
  type Timeframe,
  UNIVERSE_TYPES,
  type UniverseType,
} from './schemas/common.js';
export {
  type CancelAllMessage,
  type CancelJobMessage,
  type ControlMessage,
  cancelAllMessageSchema,
  cancelJobMessageSchema,
  controlMessageSchema,
  MONITORING_CONTROL_ACTIONS,
  type MonitoringControl,
  type MonitoringControlAction,
  monitoringControlSchema,
} from './schemas/control.js';
export {
  type BacktestingProgress,
  type BacktestingResults,
  backtestingProgressSchema,
  backtestingResultsSchema,
  componentHealthSchema,
  type DashboardEvent,
  dashboardEventSchema,
  dataImportCompletedEventSchema,
  dataImportCompletedPayloadSchema,
  dataImportStartedEventSchema,
  dataImportStartedPayloadSchema,
  ERROR_SEVERITIES,
  type ErrorEvent,
  type ErrorSeverity,
  errorEventSchema,
  type HealthCheck,
  type HealthStatus,
  healthCheckSchema,
  healthStatusSchema,
  heartbeatValueSchema,
  IMPORT_EVENT_CHANNELS,
  IMPORT_EVENT_SOURCE,
  jobProgressUpdateEventSchema,
  jobProgressUpdatePayloadSchema,
  type MetricUpdate,
  MONITORING_PAYLOAD_SCHEMAS,
  MONITORING_VERSION,
  type MonitoringEvent,
  type MonitoringEventName,
  type MonitoringPayload,
  metricUpdateSchema,
  monitoringEventSchema,
  type PatternData,
  type PatternEvent,
  PRODUCER_SOURCE,
  patternDataSchema,
  patternEventSchema,
  type SystemStatus,
  symbolHistoryReadjustedEventSchema,
  symbolHistoryReadjustedPayloadSchema,
  symbolProcessingCompleteEventSchema,
  symbolProcessingCompletePayloadSchema,
  systemStatusSchema,
} from './schemas/events.js';
export {
  type CsvUniverseLoadJob,
  csvUniverseLoadJobSchema,
  DATA_LOAD_JOB_TYPES,
  type DataLoadJob,
  type DataLoadJobType,
  dataLoadJobSchema,
  type HistoricalLoadJob,
  historicalLoadJobSchema,
  type MultiTimeframeLoadJob,
  multiTimeframeLoadJobSchema,
  type UniverseSeedJob,
  universeSeedJobSchema,
} from './schemas/jobs.js';
export {
  FINAL_JOB_STATUSES,
  type FinalJobStatus,
  JOB_STATUSES,
  type JobStatus,
  type JobStatusHash,
  type JobStatusValue,
  jobStatusHashSchema,
  jobStatusSchema,
  PARTIAL_JOB_STATUSES,
  type PartialJobStatus,
  WORKER_JOB_STATUSES,
  type WorkerJobStatus,
} from './schemas/status.js';
export { isSecretFieldName, REDACTED, scrubSecrets, scrubText } from './scrub.js';
