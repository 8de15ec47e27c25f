/**
 * Every Redis channel and key of the TickStock contract (CONTRACT.md §3), as constants and key builders,
 * so nobody hand-writes a channel name again.
 */

/** Pub/sub channels. */
export const CHANNELS = {
  /** In: data-load jobs from the app (JSON). */
  dataLoad: 'tickstock.jobs.data_load',
  /** In: cancel one job, or all. */
  control: 'tickstock.jobs.control',
  /** Out: every job status write, the same JSON as the status key. */
  jobStatus: 'tickstock.jobs.status',
  /** Out: monitoring events in the `{event, timestamp, source, version, payload}` envelope. */
  monitoring: 'tickstock:monitoring',
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

/** `job:{id}`: hash mirror of the job status, every field a string. */
export function jobHashKey(jobId: string): string {
  return `job:${jobId}`;
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
