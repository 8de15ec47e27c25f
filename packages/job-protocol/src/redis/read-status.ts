/** Reading a job status back, whichever form the key holds. */

import type { ParseResult } from '../errors.js';
import { type JobStatusSnapshot, parseJobStatus, parseJobStatusHash } from '../messages.js';
import { jobStatusKey } from '../names.js';
import type { RedisClient } from './client.js';
import { redisFailure } from './exec.js';

/** Reads tried before giving up on a key whose type keeps changing under us (it changes once: hash -> string). */
const READ_ATTEMPTS = 3;

/**
 * Reads `tickstock.jobs.status:{id}`: the worker's JSON string, or the hash the app pre-writes (`submitted`).
 * Resolves null when the key does not exist; a parse failure comes back as `{ok: false}`. The worker replaces the
 * app's hash with its string at any moment, possibly between this function's TYPE and its read: the read then fails
 * with WRONGTYPE and is simply done again.
 */
export async function readJobStatus(redis: RedisClient, jobId: string): Promise<ParseResult<JobStatusSnapshot> | null> {
  const key = jobStatusKey(jobId);
  for (let attempt = 1; ; attempt++) {
    try {
      const type = await redis.type(key);
      if (type === 'none') return null;
      if (type === 'hash') return parseJobStatusHash(await redis.hgetall(key));
      const text = await redis.get(key);
      if (text === null) return null;
      return parseJobStatus(text) as ParseResult<JobStatusSnapshot>;
    } catch (e) {
      if (attempt < READ_ATTEMPTS && e instanceof Error && e.message.startsWith('WRONGTYPE')) continue;
      throw redisFailure(`reading ${key}`, e, jobId);
    }
  }
}
