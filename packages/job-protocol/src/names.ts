/**
 * Every Redis channel and key of the TickStock contract (CONTRACT.md §3), as constants and key builders,
 * so nobody hand-writes a channel name again.
 */
import { sameSlotHashTag } from './cluster-slot.js';

/** Pub/sub channels. */
export const CHANNELS = {
  /** In: data-load jobs from the app (JSON). */
  dataLoad: 'tickstock.jobs.data_load',
  /** In: cancel one job, or all. */
  control: 'tickstock.jobs.control',
  /**
   * Out: every job status write, the same JSON as the status key. Nothing in the app subscribes to it; it is for
   * services that want pushes instead of polling the key (our own tests follow job histories through it).
   */
  jobStatus: 'tickstock.jobs.status',
  /**
   * Out: `job_progress_update` (envelope) for both of the app's processing subscribers, and the monitoring dashboard's
   * `METRIC_UPDATE`, `HEALTH_CHECK` and `SYSTEM_STATUS` (top-level `event_type`).
   */
  monitoring: 'tickstock:monitoring',
  /** In: requests from the app's monitoring admin (`{"action": "FORCE_HEALTH_CHECK", ...}` and others). */
  monitoringControl: 'tickstock:monitoring:control',
  /**
   * Out: the import lifecycle (`data_import_started`, `data_import_completed`, `symbol_processing_complete`), where the
   * app's `src/infrastructure/redis/processing_subscriber.py` routes them from.
   */
  dataImportStatus: 'tickstock:data:import:status',
  /** Out: `data_import_started` for the Daily Processing page's subscriber (`src/core/services/processing_event_subscriber.py`). */
  importStarted: 'tickstock:import:started',
  /** Out: `data_import_completed` for the Daily Processing page's subscriber (it reads `success_count`/`failure_count`). */
  importCompleted: 'tickstock:import:completed',
  /** Out: error events the app shows to operators. */
  errors: 'tickstock:errors',
  /** Out: `pattern_detected` events. */
  patterns: 'tickstock.events.patterns',
  /** Out: backtesting progress. */
  backtestingProgress: 'tickstock.events.backtesting.progress',
  /** Out: backtesting results. */
  backtestingResults: 'tickstock.events.backtesting.results',
  /** Out: health status of the producer. */
  healthStatus: 'tickstock.health.status',
} as const;

/** A channel name of the contract. */
export type Channel = (typeof CHANNELS)[keyof typeof CHANNELS];

/** Fixed keys. */
export const KEYS = {
  /** Out: `SET` to the epoch seconds (float) at least every 20 s; the app calls the producer dead after 30-60 s. */
  producerHeartbeat: 'tickstock:producer:heartbeat',
  /** Out: the legacy heartbeat key; the app checks that it exists. */
  plHeartbeat: 'tickstockpl:heartbeat',
  /** In: the durable copy of every job `submitJob()` publishes (a Redis Stream; entries carry the job JSON in field `job`). */
  dataLoadStream: 'tickstock.jobs.data_load.stream',
} as const;

/** The consumer group workers read {@link KEYS.dataLoadStream} with (each entry goes to one worker of the group). */
export const DATA_LOAD_STREAM_GROUP = 'tickstock-data-load-workers';

/** The field of a stream entry that holds the job JSON, byte for byte as published. */
export const DATA_LOAD_STREAM_FIELD = 'job';

/** Time to live of the job status key and its hash mirror: 24 hours, as the app sets. */
export const JOB_STATUS_TTL_SECONDS = 86_400;

/** `tickstock.jobs.status:{id}`: the job status. The worker writes a JSON string; the app pre-writes a hash there. */
export function jobStatusKey(jobId: string): string {
  return `tickstock.jobs.status:${jobId}`;
}

/** `job:{id}`: the seeds' hash mirror of the job status, every field a string. Read by nothing in the app: off by default. */
export function jobHashKey(jobId: string): string {
  return `job:${jobId}`;
}

/**
 * `job:status:{id}`: the app's own status key (a JSON string) that some of its routes write instead of
 * `tickstock.jobs.status:{id}` (the CSV universe route, `SETEX ... 7200`) and its dashboard, cancel route and test
 * script read. When the app created it, the worker keeps it current with the same fields as the main key.
 */
export function appJobStatusKey(jobId: string): string {
  return `job:status:${jobId}`;
}

/** `tickstock.jobs.metadata:{id}`: a hash the app writes for its own bookkeeping (read-only for this side). */
export function jobMetadataKey(jobId: string): string {
  return `tickstock.jobs.metadata:${jobId}`;
}

/**
 * `tickstock.jobs.claimed:{id}`: the dedupe key. A worker runs a job only after `SET NX` on this key succeeds, so a
 * job seen on both pub/sub and the stream, or by several workers, runs once. Its value names the claiming consumer.
 */
export function jobClaimKey(jobId: string): string {
  return `tickstock.jobs.claimed:${jobId}`;
}

/** Prefix of {@link jobLeaseKey}. */
export const JOB_LEASE_KEY_PREFIX = 'tickstock:lease:';

/**
 * `tickstock:lease:{tickstock.jobs.status:<job_id>}`: the job's lease hash (ours): field `epoch`, the coordinating
 * worker's number, raised by each `acquireJobLease`; fields `once:<name>`, the events already published for the job.
 * Its hash tag is the part of the status key that decides the status key's Redis Cluster slot
 * ({@link sameSlotHashTag}), so the fenced status write, a Lua script over both keys, also runs on Redis Cluster.
 */
export function jobLeaseKey(jobId: string): string {
  return `${JOB_LEASE_KEY_PREFIX}{${sameSlotHashTag(jobStatusKey(jobId))}}`;
}
