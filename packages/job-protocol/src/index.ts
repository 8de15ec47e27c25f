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
export * from './errors.js';
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
export * from './names.js';
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
export * from './schemas/control.js';
export * from './schemas/events.js';
export * from './schemas/jobs.js';
export * from './schemas/status.js';
export { isSecretFieldName, REDACTED, scrubSecrets, scrubText } from './scrub.js';
