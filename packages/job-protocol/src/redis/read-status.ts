/** Reading a job status back, whichever form the key holds. */
import type { Redis } from 'ioredis';
import type { ParseResult } from '../errors.js';
import { type JobStatusSnapshot, parseJobStatus, parseJobStatusHash } from '../messages.js';
import { jobStatusKey } from '../names.js';
import { redisFailure } from './exec.js';

/**
 * Reads `tickstock.jobs.status:{id}`: the worker's JSON string, or the hash the app pre-writes (`submitted`).
 * Resolves null when the key does not exist; a parse failure comes back as `{ok: false}`.
 */
export async function readJobStatus(redis: Redis, jobId: string): Promise<ParseResult<JobStatusSnapshot> | null> {
  const key = jobStatusKey(jobId);
  try {
    const type = await redis.type(key);
    if (type === 'none') return null;
    if (type === 'hash') return parseJobStatusHash(await redis.hgetall(key));
    const text = await redis.get(key);
    if (text === null) return null;
    return parseJobStatus(text) as ParseResult<JobStatusSnapshot>;
  } catch (e) {
    throw redisFailure(`reading ${key}`, e, jobId);
  }
}
