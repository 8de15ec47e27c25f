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
 *
 * Redis being away never hangs a request: a limiter that has not connected within `connectTimeoutMs`, or has lost its
 * connection (or had a question go unanswered) for `outageTimeoutMs`, fails its requests with a
 * `RATE_LIMITER_UNAVAILABLE` error naming the Redis address and what to check. A restart shorter than that costs none.
 */
import { createHash, randomUUID } from 'node:crypto';
import { redactSecret } from '@tickstock/market-time/redact';
import { MassiveConfigurationError, MassiveRateLimiterError } from '../errors.js';
import { ENV } from '../options.js';
import { type LimiterPriority, limiterSettings, type RateLimitPreset, type RateLimitSettings, type RequestLimiter } from './rate-limit.js';

/**
 * How to reach Redis: a `redis://` URL, ioredis connection options (`host`, `port`, `db`, `password`, ...), or a Redis
 * Cluster (`{ cluster: [{ host, port }, ...] }`, the limiter's keys share one hash slot).
 */
export type ClusteredRedisOptions =
  | string
  | ClusteredRedisClusterOptions
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

/** A Redis Cluster for the shared limiter: its start-up nodes, and options for each node's connection. */
export interface ClusteredRedisClusterOptions {
  cluster: readonly { host: string; port: number }[];
  /** ioredis options of each node connection (password, tls, ...). */
  redisOptions?: Record<string, unknown>;
}

function isClusterOptions(redis: ClusteredRedisOptions): redis is ClusteredRedisClusterOptions {
  return typeof redis === 'object' && Array.isArray((redis as { cluster?: unknown }).cluster);
}

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
  /**
   * How long the first connection to Redis may take (default 5,000 ms). Past it, `ready()` rejects and requests fail
   * with `RATE_LIMITER_UNAVAILABLE` (at once, until the connection is made: ioredis keeps trying in the background).
   * A Redis that cannot be reached at start is usually a wrong address, so this is short.
   */
  connectTimeoutMs?: number;
  /**
   * How long requests wait for Redis once a working connection is lost (a restart, a failover), and for the answer to
   * one admission question, before they fail with `RATE_LIMITER_UNAVAILABLE` (default 60,000 ms). A Redis restart
   * shorter than this costs no request. Keep it below the client's `maxTotalTimeMs`.
   */
  outageTimeoutMs?: number;
}

/** A {@link RequestLimiter} whose budget lives in Redis; pass it as the client's `rateLimit`. */
export interface ClusteredRateLimiter extends RequestLimiter {
  /** The budget's name in Redis. */
  readonly id: string;
  /**
   * Resolves once the limiter's Redis answers. Rejects with `RATE_LIMITER_UNAVAILABLE` when it does not within
   * `connectTimeoutMs` (first connection) or `outageTimeoutMs` (connection lost); call again to check again.
   */
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
/** Default {@link ClusteredRateLimiterOptions.connectTimeoutMs}. */
export const DEFAULT_REDIS_CONNECT_TIMEOUT_MS = 5_000;
/** Default {@link ClusteredRateLimiterOptions.outageTimeoutMs}. */
export const DEFAULT_REDIS_OUTAGE_TIMEOUT_MS = 60_000;
/**
 * ioredis settings the limiter uses unless the caller's options set them. Questions wait in ioredis's offline queue
 * while it reconnects (so a restart costs nothing) and are never dropped by ioredis's own retry count: the limiter's
 * timeouts decide when to give up. Reconnection is tried at least once a second, so the limiter is back within about
 * a second of Redis.
 */
const IOREDIS_DEFAULTS = {
  enableOfflineQueue: true,
  maxRetriesPerRequest: null,
  retryStrategy: (times: number): number => Math.min(times * 100, 1000),
} as const;
interface IORedisModule {
  Redis: new (...args: unknown[]) => IORedisClient;
  Cluster: new (...args: unknown[]) => IORedisClient;
}
interface IORedisClient {
  readonly status: string;
  defineCommand(name: string, definition: { numberOfKeys: number; lua: string }): void;
  zrem(key: string, member: string): Promise<unknown>;
  ping(): Promise<unknown>;
  quit(): Promise<unknown>;
  disconnect(): void;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'ready' | 'close' | 'reconnecting' | 'end', listener: () => void): unknown;
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

function newClient(IORedis: IORedisModule, redis: ClusteredRedisOptions): IORedisClient {
  if (typeof redis === 'string') return new IORedis.Redis(redis, { ...IOREDIS_DEFAULTS });
  if (isClusterOptions(redis)) {
    const { retryStrategy: _perNode, ...node } = IOREDIS_DEFAULTS;
    return new IORedis.Cluster(
      redis.cluster.map((n) => ({ host: n.host, port: n.port })),
      {
        enableOfflineQueue: true,
        clusterRetryStrategy: IOREDIS_DEFAULTS.retryStrategy,
        redisOptions: { ...node, ...redis.redisOptions },
        // Over TLS the start-up nodes keep their host names (what their certificates carry), not resolved addresses.
        ...(redis.redisOptions?.tls
          ? { dnsLookup: (address: string, callback: (err: null, address: string) => void) => callback(null, address) }
          : {}),
      },
    );
  }
  const { url, ...rest } = redis;
  const options = { ...IOREDIS_DEFAULTS, ...rest };
  return url === undefined ? new IORedis.Redis(options) : new IORedis.Redis(url, options);
}

/** Where the limiter's Redis is, for messages: `host:port` (or a socket path), never a password. */
export function redisAddress(redis: ClusteredRedisOptions): string {
  if (isClusterOptions(redis)) return `the cluster ${redis.cluster.map((n) => `${n.host}:${n.port}`).join(',')}`;
  const options = typeof redis === 'string' ? { url: redis } : redis;
  let host: string | undefined;
  let port: string | undefined;
  if (typeof options.url === 'string') {
    try {
      const url = new URL(options.url);
      if (url.protocol === 'redis:' || url.protocol === 'rediss:') {
        host = url.hostname || undefined;
        port = url.port || undefined;
      }
    } catch {
      // not a URL: reported by ioredis when it connects
    }
  }
  if (typeof options.path === 'string') return options.path;
  if (typeof options.host === 'string' && options.host !== '') host = options.host;
  if (typeof options.port === 'number' || typeof options.port === 'string') port = String(options.port);
  return `${host ?? 'localhost'}:${port ?? '6379'}`;
}

/** The password in the limiter's Redis options, to keep out of messages. */
function redisPassword(redis: ClusteredRedisOptions): string | undefined {
  if (isClusterOptions(redis)) {
    const password = redis.redisOptions?.password;
    return typeof password === 'string' && password !== '' ? password : undefined;
  }
  if (typeof redis !== 'string' && typeof redis.password === 'string' && redis.password !== '') return redis.password;
  const url = typeof redis === 'string' ? redis : redis.url;
  if (typeof url !== 'string') return undefined;
  try {
    const password = decodeURIComponent(new URL(url).password);
    return password === '' ? undefined : password;
  } catch {
    return undefined;
  }
}

function positiveMs(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new MassiveConfigurationError(`clustered limiter ${name} must be a positive number of ms, got ${String(value)}`);
  }
  return value;
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
  const connectTimeoutMs = positiveMs('connectTimeoutMs', options.connectTimeoutMs, DEFAULT_REDIS_CONNECT_TIMEOUT_MS);
  const outageTimeoutMs = positiveMs('outageTimeoutMs', options.outageTimeoutMs, DEFAULT_REDIS_OUTAGE_TIMEOUT_MS);
  const ioredis = await loadIORedis();
  const address = redisAddress(options.redis);
  const password = redisPassword(options.redis);
  const hidePassword = (text: string): string => redactSecret(text, password);
  const client = newClient(ioredis, options.redis);
  const createdAt = Date.now();

  // The connection's state, from ioredis's events: when it was last lost (or, before the first connection, when the
  // limiter was built) and the last error it reported, for the message of a request that cannot be admitted.
  let everReady = false;
  let downSince: number | undefined = createdAt;
  let lastError: string | undefined;
  client.on('error', (error) => {
    // ioredis reconnects by itself; the limiter decides when a request has waited long enough (see unavailable()).
    lastError = hidePassword(error.message);
  });
  client.on('ready', () => {
    everReady = true;
    downSince = undefined;
    lastError = undefined;
  });
  for (const event of ['close', 'reconnecting', 'end'] as const) {
    client.on(event, () => {
      downSince ??= Date.now();
    });
  }
  /** How long a request may wait for Redis in the connection's present state. */
  const patience = (): number => (everReady ? outageTimeoutMs : connectTimeoutMs);
  /** Ms left before requests stop waiting for the connection to come back (Infinity while connected). */
  const patienceLeft = (): number => (downSince === undefined ? Number.POSITIVE_INFINITY : downSince + patience() - Date.now());
  /** The typed error of a request (or `ready()`) the limiter cannot serve: what happened, and what to check. */
  const limiterError = (problem: string, forReady: boolean, cause?: string): MassiveRateLimiterError =>
    new MassiveRateLimiterError(
      `the shared rate limiter's Redis at ${address} ${problem}, ${forReady ? 'so no request can be admitted' : 'so the request was not sent'}: ` +
        `check that Redis is running and reachable at that address (REDIS_URL for the TickStock worker), or use a ` +
        `per-process budget instead (TICKSTOCK_RATE_LIMIT_SCOPE=process, right for a single process only)`,
      { address, ...(cause === undefined ? {} : { cause }) },
    );
  /** Redis down (or never reached) for `waitedMs`, or a question unanswered that long on a connection that looks up. */
  const unavailable = (why: 'down' | 'silent', waitedMs: number, forReady = false): MassiveRateLimiterError => {
    const seconds = `${Math.round(waitedMs / 100) / 10} s`;
    const what =
      why === 'silent'
        ? `did not answer for ${seconds}`
        : everReady
          ? `has been unreachable for ${seconds}`
          : `could not be reached within ${seconds} of starting`;
    return limiterError(lastError === undefined ? what : `${what} (${lastError})`, forReady, lastError);
  };
  /** Redis answered with an error (or ioredis gave up on the command). */
  const refused = (error: unknown, forReady = false): MassiveRateLimiterError => {
    const reason = hidePassword(error instanceof Error ? error.message : String(error));
    return limiterError(`refused the limiter's command (${reason})`, forReady, reason);
  };

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
  /** Bounds the wait for the answer to the question in flight. */
  let answerTimer: ReturnType<typeof setTimeout> | undefined;
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

  /** Fails every waiting request (each with its own error): Redis is away, and each would wait for it in turn. */
  const failAll = (error: () => MassiveRateLimiterError): void => {
    for (const w of [...queues.high.splice(0), ...queues.normal.splice(0)]) w.reject(error());
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
    // Redis has been away longer than requests wait for it: fail them now rather than queue questions behind it.
    const left = patienceLeft();
    if (left <= 0) {
      const waited = Date.now() - (downSince ?? createdAt);
      failAll(() => unavailable('down', waited));
      return;
    }
    asking = true;
    const lease = randomUUID();
    const askedAt = Date.now();
    // The answer is bounded: by the connection's remaining patience while it is down (the question waits in
    // ioredis's offline queue), else by outageTimeoutMs (a connection that has gone silent).
    let answered = false;
    answerTimer = setTimeout(
      () => {
        answerTimer = undefined;
        answered = true;
        asking = false;
        const since = downSince;
        const now = Date.now();
        failAll(() => (since !== undefined ? unavailable('down', now - since) : unavailable('silent', now - askedAt)));
        pump();
      },
      Math.max(1, Math.min(left, outageTimeoutMs)),
    );
    redis.massiveAdmit(keys.pause, keys.next, keys.leases, spacingUs, cap, lease, leaseMs).then(
      (answer) => {
        if (answered) {
          // Admitted after its request gave up: nothing starts on it, so return its place at once.
          if (Number(answer) === 0 && cap > 0) void redis.zrem(keys.leases, lease).catch(() => undefined);
          return;
        }
        answered = true;
        clearTimeout(answerTimer);
        answerTimer = undefined;
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
        if (answered) return;
        answered = true;
        clearTimeout(answerTimer);
        answerTimer = undefined;
        // Redis refused the question (an error reply, or ioredis gave up on it): the request that asked fails with
        // the reason; the others keep asking.
        asking = false;
        (queues.high.shift() ?? queues.normal.shift())?.reject(refused(error));
        pump();
      },
    );
  };

  /** One PING, bounded like an admission question. */
  const ping = (): Promise<void> => {
    const left = patienceLeft();
    if (left <= 0) return Promise.reject(unavailable('down', Date.now() - (downSince ?? createdAt), true));
    const askedAt = Date.now();
    return new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(
        () => {
          const since = downSince;
          reject(since !== undefined ? unavailable('down', Date.now() - since, true) : unavailable('silent', Date.now() - askedAt, true));
        },
        Math.max(1, Math.min(left, outageTimeoutMs)),
      );
      redis.ping().then(
        () => {
          clearTimeout(deadline);
          resolve();
        },
        (error: unknown) => {
          clearTimeout(deadline);
          reject(refused(error, true));
        },
      );
    });
  };
  let readyOnce: Promise<void> | undefined;

  return {
    id,
    ready(): Promise<void> {
      if (closed) return Promise.reject(new MassiveConfigurationError('the clustered rate limiter was disconnected'));
      readyOnce ??= ping().catch((error: unknown) => {
        readyOnce = undefined; // not remembered: the next call asks again
        throw error;
      });
      return readyOnce;
    },
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
      clearTimeout(answerTimer);
      answerTimer = undefined;
      const error = new MassiveConfigurationError('the clustered rate limiter was disconnected');
      for (const w of [...queues.high.splice(0), ...queues.normal.splice(0)]) w.reject(error);
      // Not waiting on an unreachable Redis: quit flushes what is pending, but only while connected.
      if (client.status === 'ready') {
        await Promise.race([redis.quit(), new Promise((resolve) => setTimeout(resolve, 1000).unref())]).catch(() => undefined);
      }
      redis.disconnect();
    },
  };
}
