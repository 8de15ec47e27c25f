/**
 * One API budget across processes and machines: a bottleneck limiter clustered through Redis. Every limiter built
 * with the same `id` on the same Redis shares one request spacing, one concurrency cap and every 429 pause.
 * ioredis is an optional peer dependency, loaded only when a clustered limiter is built.
 *
 * Bottleneck computes each request's slot in Redis, but the process then sleeps until that slot on its own timer:
 * a process stalled past its slot (CPU starvation, a cold start) starts late, and its request bunches with the
 * next process's on-time ones. Measured with three processes on a loaded two-core machine at 10 requests/second:
 * up to 13 arrivals in one second. So every start also passes a start gate: an atomic sliding-window count in
 * Redis, checked at the moment the request starts, which admits at most the budget's requests in any window
 * ({@link RATE_SAFETY_MARGIN} wider than the nominal one).
 */
import { createHash, randomUUID } from 'node:crypto';
import Bottleneck from 'bottleneck';
import { MassiveConfigurationError } from '../errors.js';
import { ENV } from '../options.js';
import {
  bottleneckSettings,
  type LimiterPriority,
  RATE_LIMIT_PRESETS,
  RATE_SAFETY_MARGIN,
  type RateLimitPreset,
  type RateLimitSettings,
  type RequestLimiter,
} from './rate-limit.js';

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
   * The budget (default `unlimited`). The first limiter to create the budget in Redis sets it; later ones join it
   * as it is (bottleneck's `clearDatastore: false`), so every process should pass the same budget.
   */
  rateLimit?: RateLimitPreset | RateLimitSettings;
  /** Environment to read `MASSIVE_API_KEY` from (default `process.env`). */
  env?: Record<string, string | undefined>;
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

/** Lua: extend the shared pause to at least ARGV[1] ms from now (never shortens one set by another process). */
const EXTEND_PAUSE = `local ttl = redis.call('PTTL', KEYS[1])
if ttl < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], '1', 'PX', ARGV[1]) end
return 1`;

/**
 * Lua: the start gate. Admits a start when fewer than ARGV[2] starts were admitted in the last ARGV[1] ms (by the
 * Redis clock) and records it; else returns the ms until the oldest one leaves the window.
 */
const START_GATE = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now + 1)`;

/** A sliding window the start gate enforces: at most `limit` starts in any `windowMs`. */
interface GateWindow {
  limit: number;
  windowMs: number;
}

/** The gate's windows for a budget: each rate as whole starts per window, widened by {@link RATE_SAFETY_MARGIN}. */
export function startGateWindows(option: RateLimitPreset | RateLimitSettings): GateWindow[] {
  bottleneckSettings(option); // validates
  const settings = typeof option === 'string' ? RATE_LIMIT_PRESETS[option] : option;
  const windows: GateWindow[] = [];
  for (const [rate, unitMs] of [
    [settings.requestsPerSecond, 1000],
    [settings.requestsPerMinute, 60_000],
  ] as const) {
    if (rate === undefined) continue;
    const limit = Math.max(1, Math.floor(rate));
    windows.push({ limit, windowMs: Math.ceil((unitMs * RATE_SAFETY_MARGIN * limit) / rate) });
  }
  return windows;
}

interface IORedisModule {
  Redis: new (...args: unknown[]) => IORedisClient;
}
interface IORedisClient {
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  pttl(key: string): Promise<number>;
  quit(): Promise<unknown>;
  on(event: 'error', listener: (error: Error) => void): unknown;
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

const PRIORITY: Record<LimiterPriority, number> = { high: 0, normal: 5 };

/** Bottleneck's signals that its state in Redis is gone (Redis restarted without persistence, or was flushed). */
const LOST_STATE = /\b(SETTINGS_KEY_NOT_FOUND|UNKNOWN_CLIENT)$/;

/** Times one request may find the shared state lost and rebuild it before its error is passed on. */
const REBUILD_ATTEMPTS = 3;

/** How often each limiter checks for a reservoir left at 0 by a process that ended mid-pause. */
export const STALE_PAUSE_CHECK_MS = 1000;

/**
 * A limiter sharing one budget with every other limiter of the same `id` on the same Redis, in this process or any
 * other. Request starts are spaced by Redis (bottleneck's clustering), and a 429 seen by any process pauses all of
 * them: the pause sets the shared reservoir to 0 and records its end in Redis, and the reservoir is restored only
 * when no process's pause is still running (also when the process that paused has ended: every limiter checks
 * once a second). Call `disconnect()` when done.
 *
 * @example
 * const limiter = await createClusteredRateLimiter({ redis: process.env.REDIS_URL!, rateLimit: 'free' });
 * const client = new MassiveClient({ rateLimit: limiter });
 * // ... later
 * await limiter.disconnect();
 */
export async function createClusteredRateLimiter(options: ClusteredRateLimiterOptions): Promise<ClusteredRateLimiter> {
  const id = resolveId(options);
  const settings = bottleneckSettings(options.rateLimit ?? 'unlimited');
  const { Redis } = await loadIORedis();
  const client = newClient(Redis, options.redis);
  client.on('error', () => undefined); // ioredis reconnects by itself; failed calls reject to the caller
  const connection = new Bottleneck.IORedisConnection({ Redis, client });
  connection.on('error', () => undefined);
  const limiterFor = () => {
    const b = new Bottleneck({ ...settings, id, datastore: 'ioredis', clearDatastore: false, connection });
    b.on('error', () => undefined);
    return b;
  };
  let bottleneck = limiterFor();
  let rebuilding: Promise<void> | undefined;
  /**
   * Replaces a limiter whose Redis state was lost with a new one, which registers the budget again. (Bottleneck
   * would re-register by itself, but it matches the loss signals exactly and Redis 7 prefixes script errors with
   * `ERR `, so each request would fail until the process restarted.)
   */
  const rebuild = (lost: Bottleneck): Promise<void> => {
    if (bottleneck !== lost) return rebuilding ?? Promise.resolve();
    rebuilding ??= (async () => {
      const next = limiterFor();
      await next.ready();
      bottleneck = next;
      // With a shared connection this only detaches the old limiter (it may return nothing).
      await Promise.resolve()
        .then(() => lost.disconnect(false))
        .catch(() => undefined);
    })().finally(() => {
      rebuilding = undefined;
    });
    return rebuilding;
  };
  const pauseKey = `b_${id}_massive_pause`;
  const windows = startGateWindows(options.rateLimit ?? 'unlimited');

  /** Waits until every window of the start gate admits this start (see the module notes). */
  const passGate = async (): Promise<void> => {
    for (const [i, w] of windows.entries()) {
      for (;;) {
        const wait = Number(await client.eval(START_GATE, 1, `b_${id}_massive_starts_${i}`, w.windowMs, w.limit, randomUUID()));
        if (wait <= 0) break;
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  };

  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  /** Restores the shared reservoir if it is 0 and no process's pause is left in Redis. */
  const restoreIfNoPause = async (): Promise<void> => {
    if (closed || (await client.pttl(pauseKey)) > 0 || closed) return;
    if ((await bottleneck.currentReservoir()) === 0 && !closed) await bottleneck.updateSettings({ reservoir: null });
  };

  /** At the end of this process's pause: wait for any longer pause another process set, then restore. */
  const endOfPause = async (): Promise<void> => {
    timer = undefined;
    const left = await client.pttl(pauseKey).catch(() => -2);
    if (closed) return;
    if (left > 0) {
      timer = setTimeout(() => void endOfPause(), left);
      return;
    }
    await restoreIfNoPause().catch(() => undefined);
  };

  let connected = false;
  const ready = bottleneck.ready().then(async () => {
    connected = true;
    await restoreIfNoPause();
  });
  ready.catch(() => undefined);
  const watchdog = setInterval(() => {
    if (timer === undefined) void restoreIfNoPause().catch(() => undefined);
  }, STALE_PAUSE_CHECK_MS);
  watchdog.unref();

  return {
    id,
    ready: () => ready,
    async schedule<T>(task: () => Promise<T>, priority: LimiterPriority): Promise<T> {
      for (let attempt = 1; ; attempt++) {
        const current = bottleneck;
        let started = false;
        try {
          return await current.schedule({ priority: PRIORITY[priority] }, async () => {
            started = true;
            await passGate();
            return task();
          });
        } catch (e) {
          // Only a request that never started is sent again; the task's own errors pass through.
          if (started || attempt >= REBUILD_ATTEMPTS || !(e instanceof Error) || !LOST_STATE.test(e.message)) throw e;
          await rebuild(current);
        }
      }
    },
    pauseFor(ms: number): void {
      if (!(ms > 0) || closed) return;
      const pause = Math.ceil(ms);
      // The pause's end goes to Redis first, so no other process restores the reservoir in between.
      void client
        .eval(EXTEND_PAUSE, 1, pauseKey, pause)
        .then(() => bottleneck.updateSettings({ reservoir: 0 }))
        .catch(() => undefined);
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(() => void endOfPause(), pause);
    },
    async disconnect(): Promise<void> {
      if (closed) return;
      clearInterval(watchdog);
      if (timer !== undefined) clearTimeout(timer); // the other processes' watchdogs restore the reservoir after it
      timer = undefined;
      // Not waiting for `ready` beyond a moment: with Redis unreachable it never comes, so close without flushing.
      await Promise.race([ready.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
      closed = true;
      if (connected) {
        await bottleneck.disconnect(true);
        await connection.disconnect(true);
      } else {
        await connection.disconnect(false);
      }
    },
  };
}
