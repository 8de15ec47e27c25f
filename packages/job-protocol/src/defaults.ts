/** Every default of the package's options, in one place. */
export const DEFAULTS = {
  /** Status key and hash mirror time to live (24 h, as the app sets). */
  statusTtlSeconds: 86_400,
  /** How long the first status write waits for the status key the app pre-writes. */
  preWriteWaitMs: 2_000,
  /** Time to live of the app's own `job:status:{id}` key when the worker keeps it current (its CSV route sets 7200 s). */
  appStatusTtlSeconds: 7_200,
  /** A partly failed job ends `completed` with `has_errors: true` (the app's pages end on completed/failed/cancelled only). */
  partialStatus: 'completed',
  /** How often that wait checks. */
  preWritePollMs: 50,
  /** Intermediate status updates at most this often... */
  throttleMs: 1_000,
  /** ...unless this many more symbols were processed since the last write. */
  throttleSymbols: 10,
  /** `XADD ... MAXLEN ~` bound of the durable job stream. */
  streamMaxLen: 10_000,
  /** How long a claimed job_id stays claimed (the dedupe key's TTL). */
  dedupeTtlSeconds: 86_400,
  /** Stream entries older than this are acknowledged and skipped, never run (no older than the dedupe TTL). */
  maxJobAgeMs: 86_400_000,
  /** `XREADGROUP ... BLOCK` time of one stream read. */
  streamBlockMs: 1_000,
  /** Entries per stream read. */
  streamBatch: 50,
  /** Wait after a failed stream read before the next. */
  streamRetryMs: 1_000,
  /** Hand-off mode: stream entries another consumer left unacknowledged this long are taken over. */
  reclaimIdleMs: 60_000,
  /** Reports (failed statuses, error events) sent at once by a subscriber... */
  reportConcurrency: 8,
  /** ...and queued at most; beyond that they are counted as dropped. */
  reportBacklog: 10_000,
  /** Heartbeat interval; the app calls the producer dead after 30-60 s. */
  heartbeatIntervalMs: 10_000,
  /** The longest heartbeat interval accepted. */
  heartbeatMaxIntervalMs: 20_000,
  /** Heartbeat keys expire this long after the last beat. */
  heartbeatTtlSeconds: 60,
  /** `source` of published events. */
  source: 'TickStockPL',
} as const;
