/** Running Redis commands with failures turned into {@link ProtocolError}s. */
import { createHash } from 'node:crypto';
import { redactCredentials } from '@tickstock/market-time/redact';
import type { ChainableCommander, Cluster, Redis } from 'ioredis';
import { ProtocolError } from '../errors.js';

/** Wraps a Redis failure in a `REDIS_FAILED` error naming what was being done. */
export function redisFailure(what: string, cause: unknown, jobId?: string): ProtocolError {
  const detail = redactCredentials(cause instanceof Error ? cause.message : String(cause));
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

/** A Lua script and its SHA1, for `EVALSHA`. */
export interface LuaScript {
  readonly source: string;
  readonly sha: string;
}

/** A Lua script ready for {@link runScript}. */
export function luaScript(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source, 'utf8').digest('hex') };
}

/**
 * Runs a script with `EVALSHA`, and with `EVAL` when this server does not have it cached yet (`NOSCRIPT`); never
 * changes the caller's connection (no `defineCommand`). Redis errors are thrown as they come.
 */
export async function runScript(
  redis: Redis | Cluster,
  script: LuaScript,
  keys: readonly string[],
  args: readonly string[],
): Promise<unknown> {
  try {
    return await redis.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (e) {
    if (!(e instanceof Error && e.message.startsWith('NOSCRIPT'))) throw e;
    return await redis.eval(script.source, keys.length, ...keys, ...args);
  }
}
