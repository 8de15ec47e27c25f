/**
 * The worker's durable queues (BullMQ, in the worker's Redis): their names, the ids of their entries, and the
 * settings every replica must share. A data-load job is one entry of the jobs queue (its coordinator); each of its
 * symbols is one entry of the symbols queue, which any replica may take.
 */
import { createHash } from 'node:crypto';
import type { RedisClient } from '@tickstock/job-protocol';

/**
 * BullMQ key prefix: every queue key starts with `{tickstock:bull}:`. The braces are a Redis Cluster hash tag: BullMQ's
 * scripts touch several keys of a queue at once, so all of them must live in one slot (slot 8778) on a cluster; on a
 * single node the braces are just characters. (Before 0.x the prefix was `tickstock:bull`: drain the queues before
 * upgrading a running deployment.)
 */
export const QUEUE_PREFIX = '{tickstock:bull}';
/** One entry per data-load job: whoever holds it coordinates the job (plans, collects results, writes status). */
export const JOBS_QUEUE = 'data-load-jobs';
/** One entry per symbol of a job: the per-symbol loads, spread over every replica. */
export const SYMBOLS_QUEUE = 'data-load-symbols';

/** Redis key marking a job cancelled: symbol entries of the job that start later stop at once. */
export const cancelledKey = (jobId: string) => `tickstock:exec:cancelled:${jobId}`;

/** Marks a job cancelled for `ttlSeconds`; rejects when Redis does (callers decide whether that matters). */
export async function markJobCancelled(redis: RedisClient, jobId: string, ttlSeconds: number): Promise<void> {
  await redis.set(cancelledKey(jobId), '1', 'EX', ttlSeconds);
}

/** True when the job is marked cancelled. */
export async function isJobCancelled(redis: RedisClient, jobId: string): Promise<boolean> {
  return (await redis.exists(cancelledKey(jobId))) === 1;
}

// BullMQ ids may not contain ':' (it separates key parts); encodeURIComponent turns ':' and '|' into %3A and %7C.
/** The jobs-queue id of a data-load job: its `job_id`, so a job delivered twice is queued once. */
export const jobEntryId = (jobId: string) => `j.${encodeURIComponent(jobId)}`;

/**
 * The symbols-queue id of one symbol of one job: stable, so re-planning a job (after its coordinator died) finds
 * the entries already there instead of adding new ones. The job id is hashed to keep ids short.
 */
export function symbolEntryId(jobId: string, symbol: string): string {
  const job = createHash('sha256').update(jobId, 'utf8').digest('hex').slice(0, 24);
  return `s.${job}|${encodeURIComponent(symbol)}`;
}

/** Queue settings; every replica should use the same values. */
export interface QueueSettings {
  /**
   * How long a replica holds an entry without renewing its lock before others consider it dead and take the entry
   * back (BullMQ `lockDuration`; stalled entries are looked for every `lockDurationMs` too). Default 30 s.
   */
  lockDurationMs: number;
  /** Attempts per symbol when a transient error (network, 5xx, database connection) makes it fail. Default 4. */
  symbolAttempts: number;
  /** First retry delay of a symbol, doubled each time (exponential backoff). Default 1 s. */
  symbolBackoffMs: number;
  /** How often a coordinator checks its symbols' entries besides the queue events. Default 2 s. */
  reconcileIntervalMs: number;
  /** How long finished entries are kept (a job delivered again within it is not run again). Default 1 day. */
  keepFinishedSeconds: number;
  /**
   * At most this many finished entries are kept per queue, however young (Redis memory stays bounded at any job
   * rate): jobs queue 10,000 (about 2 KB each), symbols queue 50,000 (about 1.5 KB each). Default as given.
   */
  keepFinishedCount: { jobs: number; symbols: number };
  /** Times an entry may be taken back from a dead replica before it fails. Default 5. */
  maxStalledCount: number;
  /**
   * The time one symbol may take, every attempt and retry together (the client's retries within an attempt, the
   * queue's attempts), not counting waits for an unavailable database; past it the symbol fails with
   * `SYMBOL_TIME_BUDGET` and is not retried. Default 10 minutes (`TICKSTOCK_SYMBOL_BUDGET_MS`).
   */
  symbolBudgetMs: number;
}

export const QUEUE_DEFAULTS: QueueSettings = {
  lockDurationMs: 30_000,
  symbolAttempts: 4,
  symbolBackoffMs: 1000,
  reconcileIntervalMs: 2000,
  keepFinishedSeconds: 86_400,
  keepFinishedCount: { jobs: 10_000, symbols: 50_000 },
  maxStalledCount: 5,
  symbolBudgetMs: 600_000,
};

/** BullMQ's `removeOnComplete`/`removeOnFail` for a queue: by age and by count, whichever comes first. */
export function keepFinished(s: QueueSettings, queue: 'jobs' | 'symbols'): { age: number; count: number } {
  return { age: s.keepFinishedSeconds, count: s.keepFinishedCount[queue] };
}
