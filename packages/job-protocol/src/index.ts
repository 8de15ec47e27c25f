/**
 * `@tickstock/job-protocol`: every TickStock Redis channel, key and message as constants, types and small typed
 * ioredis helpers; the zod schemas are the `@tickstock/job-protocol/schemas` subpath's. The wire contract is
 * CONTRACT.md §3; see the README for the table of channels and keys.
 */

export { appMayPreWriteStatus, type PreWriteProbe } from './app-prewrite.js';
export { clusterHashTag, clusterKeySlot, sameSlotHashTag } from './cluster-slot.js';
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
export { duplicateClient, isClusterClient, type RedisClient } from './redis/client.js';
export { Heartbeat, type HeartbeatOptions } from './redis/heartbeat.js';
export {
  acquireJobLease,
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
export { type JobStatusUpdate, JobStatusWriter, type JobStatusWriterOptions } from './redis/status-writer.js';
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
  UNIVERSE_TYPES,
  type UniverseType,
} from './schemas/common.js';
export {
  type CancelAllMessage,
  type CancelJobMessage,
  type ControlMessage,
  MONITORING_CONTROL_ACTIONS,
  type MonitoringControl,
  type MonitoringControlAction,
} from './schemas/control.js';
export {
  type BacktestingProgress,
  type BacktestingResults,
  type DashboardEvent,
  ERROR_SEVERITIES,
  type ErrorEvent,
  type ErrorSeverity,
  type HealthCheck,
  type HealthStatus,
  IMPORT_EVENT_CHANNELS,
  IMPORT_EVENT_SOURCE,
  type MetricUpdate,
  MONITORING_VERSION,
  type MonitoringEvent,
  type MonitoringEventName,
  type MonitoringPayload,
  type PatternData,
  type PatternEvent,
  PRODUCER_SOURCE,
  type SystemStatus,
} from './schemas/events.js';
export {
  type CsvUniverseLoadJob,
  DATA_LOAD_JOB_TYPES,
  type DataLoadJob,
  type DataLoadJobType,
  type HistoricalLoadJob,
  type MultiTimeframeLoadJob,
  type UniverseSeedJob,
} from './schemas/jobs.js';
export {
  FINAL_JOB_STATUSES,
  type FinalJobStatus,
  JOB_STATUSES,
  type JobStatus,
  type JobStatusHash,
  type JobStatusValue,
  PARTIAL_JOB_STATUSES,
  type PartialJobStatus,
  WORKER_JOB_STATUSES,
  type WorkerJobStatus,
} from './schemas/status.js';
