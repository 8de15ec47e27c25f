/**
 * Builds the runner's parts from its configuration: the Massive client (with metrics and log hooks), the store
 * (PostgreSQL or embedded PGlite) and Redis connections. Each part is created only when a command needs it.
 */

import type { RedisClient } from '@tickstock/job-protocol';
import {
  type ClusteredRateLimiter,
  createClusteredRateLimiter,
  MassiveClient,
  type RateLimitOption,
  type RateLimitPreset,
  type RateLimitSettings,
} from '@tickstock/massive-client';
import { type OhlcvStore, openStore } from '@tickstock/ohlcv-store';
import { Cluster, Redis } from 'ioredis';
import { type RedisConfig, type RunnerConfig, redactUrl } from './config/env.js';
import { RunnerError } from './errors.js';
import type { Logger } from './logging/logger.js';
import type { SecretScrubber } from './logging/secrets.js';
import type { RunnerMetrics } from './metrics.js';
import { probeTls, redisTlsFailure, redisTlsOptions } from './redis-tls.js';

/** A short label for a Massive API path, for metric labels (never the ticker or the query). */
export function endpointLabel(path: string): string {
  if (path.startsWith('/v2/aggs/ticker/')) return path.endsWith('/prev') ? 'previous_close' : 'aggregates';
  if (path.startsWith('/v2/aggs/grouped/')) return 'grouped_daily';
  if (path.startsWith('/v3/reference/tickers/types')) return 'ticker_types';
  if (path.startsWith('/v3/reference/tickers/')) return 'ticker_details';
  if (path.startsWith('/v3/reference/tickers')) return 'tickers';
  if (path.startsWith('/v1/marketstatus/upcoming')) return 'market_holidays';
  if (path.startsWith('/v1/marketstatus/now')) return 'market_status';
  if (path.startsWith('/v1/open-close/')) return 'daily_open_close';
  return 'other';
}

export interface ClientParts {
  config: RunnerConfig;
  scrubber: SecretScrubber;
  logger: Logger;
  metrics?: RunnerMetrics | undefined;
  /** Overrides for `--simulator`. */
  baseUrl?: string | undefined;
  apiKey?: string | undefined;
  /** A limiter shared with other processes (the worker's, through Redis); default: this process's own. */
  limiter?: ClusteredRateLimiter | undefined;
}

/** The configured budget in the client's terms. */
function rateLimitOption(config: RunnerConfig): RateLimitPreset | RateLimitSettings {
  return config.rateLimit === 'free' || config.rateLimit === 'unlimited'
    ? config.rateLimit
    : { requestsPerSecond: config.rateLimit.requestsPerSecond };
}

/**
 * The API budget shared by every worker replica using the same API key and Redis (kept in Redis, see the client's
 * `createClusteredRateLimiter`): the whole fleet stays under the plan's rate.
 */
export async function createSharedRateLimiter(config: RunnerConfig, apiKey: string): Promise<ClusteredRateLimiter> {
  if (!config.redis) throw new RunnerError('CONFIG_INVALID', 'a shared rate limit needs REDIS_URL');
  const cluster = config.redis.cluster;
  const tls = config.redis.tls ? { tls: redisTlsOptions(config.redis.tls) } : {};
  const redis = cluster
    ? { cluster: cluster.nodes, redisOptions: { ...(cluster.password ? { password: cluster.password } : {}), ...tls } }
    : { url: config.redis.url, ...tls };
  const limiter = await createClusteredRateLimiter({ redis, apiKey, rateLimit: rateLimitOption(config) });
  await limiter.ready();
  return limiter;
}

export function createMassiveClient(parts: ClientParts): MassiveClient {
  const { config, metrics, logger } = parts;
  const apiKey = parts.apiKey ?? config.massive.apiKey;
  if (!apiKey) {
    throw new RunnerError(
      'CONFIG_INVALID',
      'MASSIVE_API_KEY is not set: the real Massive API needs a key (or pass --simulator to use the built-in simulator)',
    );
  }
  parts.scrubber.add(apiKey);
  const rateLimit: RateLimitOption = parts.limiter ?? rateLimitOption(config);
  return new MassiveClient({
    apiKey,
    baseUrl: parts.baseUrl ?? config.massive.baseUrl,
    timeoutMs: config.massive.timeoutMs,
    rateLimit,
    hooks: {
      response: (e) => {
        const endpoint = endpointLabel(e.path);
        metrics?.apiRequests.inc({ endpoint, status: String(e.status) });
        metrics?.apiLatency.observe({ endpoint }, e.durationMs / 1000);
      },
      retry: (e) => {
        metrics?.apiRetries.inc({ code: e.code });
        logger.debug(
          { path: e.path, attempt: e.nextAttempt, delayMs: e.delayMs, code: e.code, status: e.status },
          'retrying Massive request',
        );
      },
      rateLimited: (e) => {
        metrics?.apiRateLimited.inc();
        logger.warn({ path: e.path, pauseMs: e.pauseMs }, 'Massive API answered 429: slowing down');
      },
      error: (e) => {
        if (e.status === undefined) metrics?.apiRequests.inc({ endpoint: endpointLabel(e.path), status: '0' });
      },
    },
  });
}

export async function openConfiguredStore(
  config: RunnerConfig,
  logger: Logger,
  scrubber: SecretScrubber,
  options: { migrate?: boolean } = {},
): Promise<OhlcvStore> {
  if (config.database.kind === 'postgres') {
    scrubber.addUrlPassword(config.database.url);
    return openStore({
      databaseUrl: config.database.url,
      // The PGSSL* variables the configuration checked (none: process.env is not read again).
      env: config.database.tlsEnv,
      migrate: options.migrate ?? true,
      preparedStatements: config.preparedStatements,
    });
  }
  logger.info({ dataDir: config.database.dataDir }, `no database configured: using the embedded database in ${config.database.dataDir}`);
  return openStore({ embedded: { dataDir: config.database.dataDir }, migrate: options.migrate ?? true });
}

export function connectRedis(config: RunnerConfig, scrubber: SecretScrubber): RedisClient {
  if (!config.redis)
    throw new RunnerError('CONFIG_INVALID', 'REDIS_URL (or REDIS_HOST/REDIS_PORT/REDIS_DB) is not set: this command needs Redis');
  const cluster = config.redis.cluster;
  // rediss:// (REDIS_TLS_CA_FILE, REDIS_TLS_SERVERNAME): TLS on every connection, never plain text.
  const tls = config.redis.tls ? { tls: redisTlsOptions(config.redis.tls) } : {};
  if (cluster) {
    if (cluster.password) scrubber.add(cluster.password);
    // A failover takes the node timeout (seconds): commands wait for the new master instead of failing at once.
    const client = new Cluster(cluster.nodes, {
      redisOptions: { maxRetriesPerRequest: 3, ...(cluster.password ? { password: cluster.password } : {}), ...tls },
      retryDelayOnFailover: 200,
      retryDelayOnClusterDown: 300,
      // Over TLS the start-up nodes keep their host names (the names their certificates carry), not resolved addresses.
      ...(config.redis.tls
        ? { dnsLookup: (address: string, callback: (err: null, address: string) => void) => callback(null, address) }
        : {}),
    });
    client.on('error', () => undefined);
    return client;
  }
  scrubber.addUrlPassword(config.redis.url);
  const redis = new Redis(config.redis.url, { maxRetriesPerRequest: 3, lazyConnect: false, ...tls });
  // Commands report their own failures; without a listener ioredis would print every reconnect error.
  redis.on('error', () => undefined);
  return redis;
}

/** QUIT when connected, else drop the connection (QUIT would wait for a connection that never comes). */
export async function closeRedis(redis: RedisClient): Promise<void> {
  if (redis.status !== 'ready') return redis.disconnect();
  await redis.quit().catch(() => redis.disconnect());
}

/** Redis errors no reconnect can fix: the configured credentials are wrong. */
const REDIS_AUTH_ERROR = /WRONGPASS|NOAUTH|invalid password|invalid username-password/i;

/** ioredis's Cluster errors when no start-up node answered (the node's own reason is not passed on). */
const CLUSTER_ALL_FAILED = /None of startup nodes is available|Failed to refresh slots cache/;

/**
 * Waits until `redis` is connected and authenticated. Throws `REDIS_UNAVAILABLE` at once when Redis refuses the
 * credentials or a TLS handshake fails (a certificate not signed by REDIS_TLS_CA_FILE's CA, a name mismatch, a port
 * without TLS: none of these goes away by reconnecting), or after `timeoutMs` when it cannot be reached (the
 * connection is then closed). `config` names the variables to check.
 */
export async function redisReady(
  redis: RedisClient,
  scrubber: SecretScrubber,
  options: { timeoutMs?: number; config?: RedisConfig | undefined } = {},
): Promise<void> {
  if (redis.status === 'ready') return;
  const { timeoutMs = 15_000, config } = options;
  const variable = config?.source === 'REDIS_CLUSTER_NODES' ? 'REDIS_CLUSTER_NODES' : 'REDIS_URL';
  await new Promise<void>((resolve, reject) => {
    let settled = false;
    const done = (error?: RunnerError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('error', onError);
      redis.off('node error', onError);
      if (!error) return resolve();
      redis.disconnect();
      reject(error);
    };
    const onReady = () => done();
    let last = '';
    let lastCode: unknown;
    let probed = false;
    const onError = (e: Error) => {
      last = scrubber.scrub(e.message);
      lastCode = (e as { code?: unknown }).code;
      if (REDIS_AUTH_ERROR.test(e.message))
        return done(new RunnerError('REDIS_UNAVAILABLE', `Redis refused the credentials: ${last} (check ${variable})`));
      const tls = redisTlsFailure(e, config?.tls);
      if (tls) return done(new RunnerError('REDIS_UNAVAILABLE', `${scrubber.scrub(tls)} (${redactedAddress(config)})`));
      // A Cluster hides its nodes' TLS failures: one handshake of our own says what it was.
      const first = config?.cluster?.nodes[0];
      if (config?.tls && first && !probed && CLUSTER_ALL_FAILED.test(e.message)) {
        probed = true;
        void probeTls(first, redisTlsOptions(config.tls), config.tls).then((reason) => {
          if (reason) done(new RunnerError('REDIS_UNAVAILABLE', `${scrubber.scrub(reason)} (${redactedAddress(config)})`));
        });
      }
    };
    const timer = setTimeout(() => {
      let hint = `check ${variable}`;
      if (config?.tls && lastCode === 'ETIMEDOUT') hint += ': with rediss:// the port must serve TLS';
      if (!config?.tls && lastCode === 'ECONNRESET') hint += ': a server that accepts only TLS needs rediss://';
      done(new RunnerError('REDIS_UNAVAILABLE', `Redis not reachable after ${timeoutMs / 1000} s${last ? `: ${last}` : ''} (${hint})`));
    }, timeoutMs);
    redis.on('ready', onReady);
    redis.on('error', onError);
    redis.on('node error', onError);
  });
}

/** Where Redis is, for a message: the URL without its password, or the cluster's nodes. */
function redactedAddress(config: RedisConfig | undefined): string {
  return config ? redactUrl(config.url, config.source) : 'Redis';
}
