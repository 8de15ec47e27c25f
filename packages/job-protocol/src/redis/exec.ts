/** Running Redis commands with failures turned into {@link ProtocolError}s. */
import type { ChainableCommander } from 'ioredis';
import { ProtocolError } from '../errors.js';
import { scrubText } from '../scrub.js';

/** Wraps a Redis failure in a `REDIS_FAILED` error naming what was being done. */
export function redisFailure(what: string, cause: unknown, jobId?: string): ProtocolError {
  const detail = scrubText(cause instanceof Error ? cause.message : String(cause));
  return new ProtocolError('REDIS_FAILED', `${what} failed: ${detail}`, { cause, ...(jobId === undefined ? {} : { jobId }) });
}

/** Runs a MULTI and returns each command's result, or an error per failed command (never throws for those). */
export async function execMulti(
  multi: ChainableCommander,
  what: string,
  jobId?: string,
): Promise<Array<{ error: Error | null; result: unknown }>> {
  let replies: Array<[Error | null, unknown]> | null;
  try {
    replies = await multi.exec();
  } catch (e) {
    throw redisFailure(what, e, jobId);
  }
  if (!replies) throw redisFailure(what, new Error('transaction aborted'), jobId);
  return replies.map(([error, result]) => ({ error, result }));
}
