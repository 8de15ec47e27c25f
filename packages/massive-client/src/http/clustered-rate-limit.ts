/**
 * One API budget across processes and machines, kept in Redis. Every limiter built with the same `id` on the same
 * Redis shares one request spacing, one concurrency cap and every 429 pause. ioredis is an optional peer dependency,
 * loaded only when a clustered limiter is built.
 *
 * Each start is admitted by one atomic Lua script, by the Redis clock, at the moment the request starts: it checks
 * the shared pause, the spacing since the last admitted start and the leases of requests in flight, and either admits
 * (recording the start and a lease) or answers how long to wait. Only the head of each process's queue asks, so a
 * process costs Redis one call per admission (plus one to return the lease when a concurrency cap is set), however
 * many requests it has waiting. A process stalled past its turn cannot bunch its start with others': the check is
 * made when it starts, not when it was scheduled.
 */
import { createHash, randomUUID } from 'node:crypto';
import { MassiveConfigurationError } from '../errors.js';
import { ENV } from '../options.js';
import { type LimiterPriority, limiterSettings, type RateLimitPreset, type RateLimitSettings, type RequestLimiter } from './rate-limit.js';

/** How to reach Redis: a `redis://` URL, or ioredis connection options (`host`, `port`, `db`, `password`, ...). */
export type ClusteredRedisOptions =
  | string
  | {
      /** A `redis://` or `rediss://` URL; the other fields override its parts. */
      url?: string;
      host?: string;
      port?: number;
      db?: number;
      username?: string;
      password?: string;
      /** Any other ioredis option. */
      [option: string]: unknown;
    };

/** Options of {@link createClusteredRateLimiter}. */
export interface ClusteredRateLimiterOptions {
  /** The Redis every process sharing the budget connects to. */
  redis: ClusteredRedisOptions;
  /**
   * The budget's name in Redis. Default: derived from the API key ({@link clusteredLimiterId}), so processes using
   * the same key share one budget and the key itself never reaches Redis.
   */
  id?: string;
  /** The API key to derive `id` from (default: `MASSIVE_API_KEY`). Unused when `id` is given. */
  apiKey?: string;
  /**
   * The budget (default `unlimited`). Each limiter enforces the budget it was given on the shared state, so every
   * process should pass the same one (a process with a looser budget would start more often than the others).
   */
  rateLimit?: RateLimitPreset | RateLimitSettings;
  /** Environment to read `MASSIVE_API_KEY` from (default `process.env`). */
  env?: Record<string, string | undefined>;
  /**
   * How long a request in flight holds its place under the shared concurrency cap at most (default 60,000 ms). A
   * process that dies mid-request cannot return its places; they come back when their leases run out.
   */
  leaseMs?: number;
}

/** A {@link RequestLimiter} whose budget lives in Redis; pass it as the client's `rateLimit`. */
export interface ClusteredRateLimiter extends RequestLimiter {
  /** The budget's name in Redis. */
  readonly id: string;
  /** Resolves once the limiter is connected and registered with the shared budget. */
  ready(): Promise<void>;
  /** Closes this process's Redis connections; the shared budget stays for the other processes. */
  disconnect(): Promise<void>;
}

/** Prefix of derived limiter ids. */
export const CLUSTERED_ID_PREFIX = 'massive-';

/**
 * The shared limiter id for an API key: `massive-` and the first 16 hex digits of the key's SHA-256. Equal keys give
 * equal ids; the id does not reveal the key.
 */
export function clusteredLimiterId(apiKey: string): string {
  return CLUSTERED_ID_PREFIX + createHash('sha256').update(apiKey, 'utf8').digest('hex').slice(0, 16);
}

/** Redis keys of a budget, all in one hash slot (`{id}`), so the scripts also run on Redis Cluster. */
export function clusteredLimiterKeys(id: string): { pause: string; next: string; leases: string } {
  const base = `massive:ratelimit:{${id}}`;
  return { pause: `${base}:pause`, next: `${base}:next`, leases: `${base}:leases` };
}

/**
 * Lua: admit one start now, or answer the ms to wait (-1: the concurrency cap is full, try again shortly).
 * KEYS: pause, next start (µs), leases. ARGV: spacing µs (0: none), concurrency cap (0: none), lease id, lease ms.
 * Times are Redis's own clock; µs totals stay below 2^53, so doubles hold them exactly.
 */
const ADMIT = `local t = redis.call('TIME')
local nowUs = tonumber(t[1]) * 1000000 + tonumber(t[2])
local now = math.floor(nowUs / 1000)
local paused = redis.call('PTTL', KEYS[1])
if paused > 0 then return paused end
local spacingUs = tonumber(ARGV[1])
if spacingUs > 0 then
  local nextUs = tonumber(redis.call('GET', KEYS[2]) or '0')
  if nextUs > nowUs then return math.ceil((nextUs - nowUs) / 1000) end
end
local cap = tonumber(ARGV[2])
if cap > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
  if redis.call('ZCARD', KEYS[3]) >= cap then return -1 end
  redis.call('ZADD', KEYS[3], now + tonumber(ARGV[4]), ARGV[3])
  redis.call('PEXPIRE', KEYS[3], tonumber(ARGV[4]))
end
if spacingUs > 0 then
  redis.call('SET', KEYS[2], string.format('%.0f', nowUs + spacingUs), 'PX', math.ceil(spacingUs / 1000) + 1000)
end
return 0`;

/** Lua: extend the shared pause to at least ARGV[1] ms from now (never shortens one set by another process). */
const EXTEND_PAUSE = `local ttl = redis.call('PTTL', KEYS[1])
if ttl < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], '1', 'PX', ARGV[1]) end
return 1`;

/** How soon a process asks again when the shared concurrency cap was full (sooner when one of its own ends). */
export const CONCURRENCY_RETRY_MS = 25;
/** Default {@link ClusteredRateLimiterOptions.leaseMs}. */
const DEFAULT_LEASE_MS = 60_000;
interface IORedisModule {
  Redis: new (...args: unknown[]) => IORedisClient;
}
interface IORedisClient {
  defineCommand(name: string, definition: { numberOfKeys: number; lua: string }): void;
  zrem(key: string, member: string): Promise<unknown>;
  ping(): Promise<unknown>;
  quit(): Promise<unknown>;
  disconnect(): void;
  on(event: 'error', listener: (error: Error) => void): unknown;
}
/** The scripts, as ioredis commands (sent by SHA, loaded again by ioredis when Redis has lost them). */
interface LimiterCommands {
  massiveAdmit(
    pause: string,
    next: string,
    leases: string,
    spacingUs: number,
    cap: number,
    lease: string,
    leaseMs: number,
  ): Promise<number>;
  massiveExtendPause(pause: string, ms: number): Promise<unknown>;
}

async function loadIORedis(): Promise<IORedisModule> {
  try {
    return (await import('ioredis')) as unknown as IORedisModule;
  } catch {
    throw new MassiveConfigurationError('createClusteredRateLimiter needs the ioredis package: npm install ioredis@^6');
  }
}

function resolveId(options: ClusteredRateLimiterOptions): string {
  if (options.id !== undefined) {
    if (!/^[A-Za-z0-9_.:-]{1,128}$/.test(options.id)) {
      throw new MassiveConfigurationError('clustered limiter id must be 1-128 letters, digits, or _ . : -');
    }
    return options.id;
  }
  const key = options.apiKey ?? (options.env ?? process.env)[ENV.apiKey];
  if (!key) throw new MassiveConfigurationError(`clustered limiter needs an id, an apiKey or ${ENV.apiKey} to derive one`);
  return clusteredLimiterId(key);
}

function newClient(IORedis: IORedisModule['Redis'], redis: ClusteredRedisOptions): IORedisClient {
  if (typeof redis === 'string') return new IORedis(redis);
  const { url, ...rest } = redis;
  return url === undefined ? new IORedis(rest) : new IORedis(url, rest);
}

interface Waiting {
  task: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * A limiter sharing one budget with every other limiter of the same `id` on the same Redis, in this process or any
 * other: starts are spaced by the budget's interval across all of them (by the Redis clock), at most the budget's
 * `maxConcurrent` requests are in flight across all of them, and a 429 seen by any of them pauses all of them for
 * its `Retry-After`. Within a process, `high` (retries) start before queued `normal` requests. Call `disconnect()`
 * when done.
 *
 * @example
 * const limiter = await createClusteredRateLimiter({ redis: process.env.REDIS_URL!, rateLimit: 'free' });
 * const client = new MassiveClient({ rateLimit: limiter });
 * // ... later
 * await limiter.disconnect();
 */
export async function createClusteredRateLimiter(options: ClusteredRateLimiterOptions): Promise<ClusteredRateLimiter> {
  const id = resolveId(options);
  const { minTime, maxConcurrent } = limiterSettings(options.rateLimit ?? 'unlimited');
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  if (!Number.isInteger(leaseMs) || leaseMs < 1000) {
    throw new MassiveConfigurationError(`clustered limiter leaseMs must be a whole number of ms, at least 1000, got ${String(leaseMs)}`);
  }
  const { Redis } = await loadIORedis();
  const client = newClient(Redis, options.redis);
  client.on('error', () => undefined); // ioredis reconnects by itself; failed calls reject to the caller
  client.defineCommand('massiveAdmit', { numberOfKeys: 3, lua: ADMIT });
  client.defineCommand('massiveExtendPause', { numberOfKeys: 1, lua: EXTEND_PAUSE });
  const redis = client as IORedisClient & LimiterCommands;
  const keys = clusteredLimiterKeys(id);
  const spacingUs = Math.round((minTime ?? 0) * 1000);
  const cap = maxConcurrent ?? 0;

  const queues: Record<LimiterPriority, Waiting[]> = { high: [], normal: [] };
  let asking = false;
  /** The pending timer is a retry after a full concurrency cap (which an end of ours may make needless). */
  let retryingForPlace = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pausedUntil = 0;
  let running = 0;
  let closed = false;

  const wake = (ms: number, forPlace = false): void => {
    if (timer !== undefined) clearTimeout(timer);
    retryingForPlace = forPlace;
    timer = setTimeout(() => {
      timer = undefined;
      pump();
    }, ms);
  };

  const start = (next: Waiting, lease: string): void => {
    running++;
    let settled: Promise<unknown>;
    try {
      settled = next.task();
    } catch (e) {
      settled = Promise.reject(e);
    }
    settled.then(next.resolve, next.reject).finally(() => {
      running--;
      if (cap > 0) {
        void redis.zrem(keys.leases, lease).catch(() => undefined); // else its lease runs out by itself
        if (timer !== undefined && retryingForPlace) {
          clearTimeout(timer); // a place under the cap is free again: ask now rather than at the retry
          timer = undefined;
        }
      }
      pump();
    });
  };

  /** Asks Redis to admit the head of the queue; one question in flight per process, however many wait. */
  const pump = (): void => {
    if (asking || timer !== undefined || closed) return;
    if (queues.high.length === 0 && queues.normal.length === 0) return;
    const pause = pausedUntil - Date.now();
    if (pause > 0) {
      wake(pause);
      return;
    }
    if (cap > 0 && running >= cap) return; // one of ours must end first; its end asks again
    asking = true;
    const lease = randomUUID();
    redis.massiveAdmit(keys.pause, keys.next, keys.leases, spacingUs, cap, lease, leaseMs).then(
      (answer) => {
        asking = false;
        const wait = Number(answer);
        if (wait !== 0) {
          wake(wait < 0 ? CONCURRENCY_RETRY_MS : wait, wait < 0);
          return;
        }
        // A pause this process began while the question was on its way holds the start back (the slot is spent).
        const next = pausedUntil > Date.now() ? undefined : (queues.high.shift() ?? queues.normal.shift());
        if (next) start(next, lease);
        else if (cap > 0) void redis.zrem(keys.leases, lease).catch(() => undefined);
        pump();
      },
      (error: unknown) => {
        // Redis refused or is unreachable past ioredis's own retries: the request that asked fails (the client
        // reports it as a network error, which its callers may retry); the others keep asking.
        asking = false;
        (queues.high.shift() ?? queues.normal.shift())?.reject(error);
        pump();
      },
    );
  };

  const ready = redis.ping().then(() => undefined);
  ready.catch(() => undefined);

  return {
    id,
    ready: () => ready,
    schedule<T>(task: () => Promise<T>, priority: LimiterPriority): Promise<T> {
      if (closed) return Promise.reject(new MassiveConfigurationError('the clustered rate limiter was disconnected'));
      return new Promise<T>((resolve, reject) => {
        queues[priority].push({ task, resolve: resolve as (value: unknown) => void, reject });
        pump();
      });
    },
    pauseFor(ms: number): void {
      if (!(ms > 0) || closed) return;
      const pause = Math.ceil(ms);
      pausedUntil = Math.max(pausedUntil, Date.now() + pause);
      // Every other process learns of it at its next admission; this one stops asking until it ends.
      void redis.massiveExtendPause(keys.pause, pause).catch(() => undefined);
      if (!asking) wake(pausedUntil - Date.now());
    },
    async disconnect(): Promise<void> {
      if (closed) return;
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      const error = new MassiveConfigurationError('the clustered rate limiter was disconnected');
      for (const w of [...queues.high.splice(0), ...queues.normal.splice(0)]) w.reject(error);
      // Not waiting on an unreachable Redis: quit flushes what is pending, but only while connected.
      await Promise.race([ready.then(() => redis.quit()), new Promise((resolve) => setTimeout(resolve, 1000).unref())]).catch(
        () => undefined,
      );
      redis.disconnect();
    },
  };
}
