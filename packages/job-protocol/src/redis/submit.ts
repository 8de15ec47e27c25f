/** Submitting data-load jobs as the app does, plus a durable copy on a Redis Stream. */

import { parseDataLoadJob } from '../data-load.js';
import { DEFAULTS } from '../defaults.js';
import { ProtocolError } from '../errors.js';
import { CHANNELS, DATA_LOAD_STREAM_FIELD, jobStatusKey, KEYS } from '../names.js';
import type { DataLoadJob } from '../schemas/jobs.js';
import { isoSeconds } from '../time.js';
import { clusterSubscriberCount, execBySlot, isClusterClient, type RedisClient, type SlotCommand } from './client.js';

/** Options of {@link submitJob}. */
export interface SubmitJobOptions {
  /** Approximate bound of the stream (`XADD MAXLEN ~`), default 10,000 entries. */
  streamMaxLen?: number;
  /** Pre-write the `submitted` status hash as the app does (default true). */
  initialStatus?: boolean;
  /** Status key TTL (default 86400 s). */
  ttlSeconds?: number;
  /** Clock, Unix ms. */
  now?: () => number;
}

/** What {@link submitJob} did. */
export interface SubmitJobResult {
  jobId: string;
  /** The stream entry id (its first part is the submission time in Unix ms). */
  streamId: string;
  /**
   * Subscribers that got the pub/sub copy (0 when no worker listens: the stream copy still waits). On a Redis Cluster,
   * the subscribers of the channel on every node just after the publish (PUBLISH itself counts one node's).
   */
  receivers: number;
  /** False when the status key already held something other than a hash (a resubmitted job_id). */
  initialStatusWritten: boolean;
}

/**
 * Submits a data-load job: validates it (a bad job throws a {@link ProtocolError} listing every issue and nothing
 * is sent), pre-writes the `submitted` status hash the way the app does, appends the job JSON to the durable stream
 * `tickstock.jobs.data_load.stream` (field `job`, `MAXLEN ~`), and publishes the same JSON on
 * `tickstock.jobs.data_load`, all in one MULTI. Workers deduplicate by job_id, so the two copies run once.
 */
export async function submitJob(redis: RedisClient, job: DataLoadJob, options: SubmitJobOptions = {}): Promise<SubmitJobResult> {
  const now = options.now ?? Date.now;
  const parsed = parseDataLoadJob(job, { now: now() });
  if (!parsed.ok) throw ProtocolError.fromIssues(parsed.errors, parsed.jobId);
  const jobId = parsed.request.jobId;
  const json = JSON.stringify(job);
  const ttl = options.ttlSeconds ?? DEFAULTS.statusTtlSeconds;
  const commands: SlotCommand[] = [];
  const initial = options.initialStatus ?? true;
  if (initial) {
    const key = jobStatusKey(jobId);
    const hash = { status: 'submitted', progress: '0', message: 'Job submitted to processing queue', submitted_at: isoSeconds(now()) };
    commands.push({ key, add: (m) => m.hset(key, hash) }, { key, add: (m) => m.expire(key, ttl) });
  }
  const maxLen = String(options.streamMaxLen ?? DEFAULTS.streamMaxLen);
  commands.push(
    { key: KEYS.dataLoadStream, add: (m) => m.xadd(KEYS.dataLoadStream, 'MAXLEN', '~', maxLen, '*', DATA_LOAD_STREAM_FIELD, json) },
    { key: null, add: (m) => m.publish(CHANNELS.dataLoad, json) },
  );
  // One MULTI on a single node; on a cluster, the status hash and the stream (other slots) in one MULTI each.
  const results = await execBySlot(redis, commands, `submitting job ${jobId}`, jobId);
  const offset = initial ? 2 : 0;
  const xadd = results[offset];
  const pub = results[offset + 1];
  const failed = [xadd, pub].find((r) => r?.error);
  if (failed?.error)
    throw new ProtocolError('REDIS_FAILED', `submitting job ${jobId} failed: ${failed.error.message}`, { jobId, cause: failed.error });
  return {
    jobId,
    streamId: String(xadd?.result),
    receivers: isClusterClient(redis) ? await clusterSubscriberCount(redis, CHANNELS.dataLoad) : Number(pub?.result ?? 0),
    initialStatusWritten: initial && !results[0]?.error,
  };
}
