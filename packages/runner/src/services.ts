/**
 * The runner's services, built in one place from its configuration: the Massive client (with metrics and log
 * hooks), the store, Redis when configured (and the shared API budget on it when asked), the engine's ports, the
 * logger, the secret scrubber and the metrics, plus the option objects the worker, the daily import and a single
 * job run with. `tickstock worker`, `load`, `demo`, `import`, `retry` and `verify` build their parts here, and so
 * does a program using the library. `close()` closes everything it opened, newest first, each step bounded.
 */
import { EventPublisher, type RedisClient } from '@tickstock/job-protocol';
import type { MassiveClient } from '@tickstock/massive-client';
import type { OhlcvStore } from '@tickstock/ohlcv-store';
import { MassiveMarketData } from './adapters/market-data.js';
import type { RunnerConfig } from './config/env.js';
import type { SymbolSource } from './engine/types.js';
import { RunnerError } from './errors.js';
import { InProcessExecutor } from './execution/executor.js';
import type { ImportServices } from './import/run-import.js';
import type { JobServices } from './jobs/run-with-services.js';
import { createLogger, type Logger } from './logging/logger.js';
import { SecretScrubber } from './logging/secrets.js';
import { RunnerMetrics } from './metrics.js';
import { DEFAULT_CLOSE_TIMEOUT_MS, ResourceScope } from './resource-scope.js';
import { closeRedis, connectRedis, createMassiveClient, createSharedRateLimiter, openConfiguredStore, redisReady } from './runtime.js';
import { createSymbolResolver } from './universe/resolve.js';
import type { WorkerOptions } from './worker/worker.js';

/** When {@link createRunnerServices} connects to Redis. */
export type RedisUse = 'required' | 'when-configured' | 'none';

/** How {@link createRunnerServices} builds the services; every field is optional (defaults: {@link RUNNER_SERVICES_DEFAULTS}). */
export interface RunnerServicesOptions {
  /** The logger every part logs to (default: {@link createLogger} at the configured `logLevel`, scrubbed). */
  logger?: Logger | undefined;
  /** Secrets never logged (default: one holding the configuration's API key, token and URL passwords). */
  scrubber?: SecretScrubber | undefined;
  /** Where counters go (default: a registry of its own, without Node's default metrics). */
  metrics?: RunnerMetrics | undefined;
  /** Another Massive API than the configured one, e.g. a simulator: its URL and key. */
  massive?: { baseUrl?: string | undefined; apiKey?: string | undefined } | undefined;
  /** Create or update the schema when the store opens (default true; a current schema needs no DDL). */
  migrate?: boolean | undefined;
  /**
   * `required`: connect to Redis, failing without one (the worker); `when-configured` (default): connect when the
   * configuration names one; `none`: never.
   */
  redis?: RedisUse | undefined;
  /** How long to wait for Redis to answer before giving up with `REDIS_UNAVAILABLE` (default 15 s). */
  redisTimeoutMs?: number | undefined;
  /**
   * Share one API budget with every process on this Redis and API key (kept in Redis); default false: this
   * process's own budget. Ignored without Redis or an API key. The worker sets it from `TICKSTOCK_RATE_LIMIT_SCOPE`.
   */
  sharedRateLimit?: boolean | undefined;
  /** How long each close step (store, rate limiter, Redis) may take in `close()` (default 10 s). */
  closeStepTimeoutMs?: number | undefined;
}

/** The defaults of {@link RunnerServicesOptions}, in one place. */
export const RUNNER_SERVICES_DEFAULTS = {
  migrate: true,
  redis: 'when-configured',
  redisTimeoutMs: 15_000,
  sharedRateLimit: false,
  closeStepTimeoutMs: DEFAULT_CLOSE_TIMEOUT_MS,
} as const satisfies Required<
  Pick<RunnerServicesOptions, 'migrate' | 'redis' | 'redisTimeoutMs' | 'sharedRateLimit' | 'closeStepTimeoutMs'>
>;

/** What {@link createRunnerServices} built: the open connections and what the worker, imports and jobs need. */
export interface RunnerServices {
  /** The configuration the services were built from. */
  readonly config: RunnerConfig;
  /** The logger every part logs to (scrubbed of {@link scrubber}'s secrets). */
  readonly logger: Logger;
  /** The secrets never logged: the configuration's, and the keys and passwords registered since. */
  readonly scrubber: SecretScrubber;
  /** The counters every part reports to (`metrics.registry` is what `/metrics` serves). */
  readonly metrics: RunnerMetrics;
  /** The Massive API client (the configured API, or `options.massive`). */
  readonly client: MassiveClient;
  /** The engine's market-data port over {@link client}. */
  readonly market: MassiveMarketData;
  /** The store (PostgreSQL or the embedded database, as configured). */
  readonly store: OhlcvStore;
  /** The Redis connection, when one was opened (see {@link RunnerServicesOptions.redis}). */
  readonly redis: RedisClient | undefined;
  /** A job's symbol source to symbols: shipped universes, CSV files in `TICKSTOCK_UNIVERSE_DIR`, lists. */
  readonly resolveSymbols: (source: SymbolSource) => Promise<string[]>;
  /** An executor loading `concurrency` symbols at once in this process (default: the configured symbol concurrency). */
  executor(concurrency?: number): InProcessExecutor;
  /** What one job runs with (for `runJobWithServices`): no Redis status unless `overrides.redis` says so. */
  jobServices(overrides?: Partial<JobServices>): JobServices;
  /** What the daily import runs with (for `ImportCoordinator`, `ImportRun`): status and events on Redis when connected. */
  importServices(overrides?: Partial<ImportServices>): ImportServices;
  /** The worker's options from the configuration; throws `CONFIG_INVALID` when no Redis was connected. */
  workerOptions(overrides?: Partial<WorkerOptions>): WorkerOptions;
  /** Closes what was opened here (store, rate limiter, Redis), newest first, each step bounded; idempotent. */
  close(): Promise<void>;
}

/** The secrets of `config` (API key, API token, database and Redis passwords), to be scrubbed from every line. */
export function configScrubber(config: RunnerConfig): SecretScrubber {
  const scrubber = new SecretScrubber().add(config.massive.apiKey, config.apiToken);
  if (config.database.kind === 'postgres') scrubber.addUrlPassword(config.database.url);
  if (config.redis) scrubber.addUrlPassword(config.redis.url);
  return scrubber;
}

/** The request budget the dashboard feed reports (null: unlimited). */
function apiRequestsPerSecond(config: RunnerConfig): number | null {
  if (config.rateLimit === 'unlimited') return null;
  return config.rateLimit === 'free' ? 5 / 60 : config.rateLimit.requestsPerSecond;
}

/**
 * Builds the runner's services from `config` (see {@link loadConfig}): Redis first (when used), then the shared API
 * budget (when asked), the Massive client, and the store. When a step fails, what was already opened is closed
 * before the error is thrown: a `RunnerError` (`CONFIG_INVALID` for a missing API key or Redis, `REDIS_UNAVAILABLE`)
 * or the store's error (`CONNECTION_FAILED`, `MIGRATION_REQUIRED`, ...).
 */
export async function createRunnerServices(config: RunnerConfig, options: RunnerServicesOptions = {}): Promise<RunnerServices> {
  const o = { ...RUNNER_SERVICES_DEFAULTS, ...definedOnly(options) };
  const scrubber = options.scrubber ?? configScrubber(config);
  const logger = options.logger ?? createLogger({ level: config.logLevel, scrubber });
  const metrics = options.metrics ?? new RunnerMetrics();
  const scope = new ResourceScope({
    onStuck: (name, timeoutMs) => logger.warn({ timeoutMs }, `closing the ${name} took too long: moving on`),
  });
  const step = { timeoutMs: o.closeStepTimeoutMs };
  try {
    let redis: RedisClient | undefined;
    if (o.redis === 'required' || (o.redis === 'when-configured' && config.redis)) {
      redis = scope.use(connectRedis(config, scrubber), closeRedis, { name: 'Redis connection', ...step });
      await redisReady(redis, scrubber, { config: config.redis, timeoutMs: o.redisTimeoutMs });
      redis.on('error', (e: Error) => logger.warn({ error: scrubber.scrub(e.message) }, 'redis connection error'));
    }
    const apiKey = options.massive?.apiKey ?? config.massive.apiKey;
    const limiter =
      o.sharedRateLimit && redis && apiKey
        ? scope.use(await createSharedRateLimiter(config, apiKey), (l) => l.disconnect(), { name: 'rate limiter', ...step })
        : undefined;
    const client = createMassiveClient({
      config,
      scrubber,
      logger,
      metrics,
      baseUrl: options.massive?.baseUrl,
      apiKey: options.massive?.apiKey,
      limiter,
    });
    const store = scope.use(await openConfiguredStore(config, logger, scrubber, { migrate: o.migrate }), (s) => s.close(), {
      name: 'store',
      ...step,
    });
    return assemble({ config, logger, scrubber, metrics, client, store, redis, close: () => scope.close() });
  } catch (error) {
    await scope.close();
    throw error;
  }
}

interface Parts {
  config: RunnerConfig;
  logger: Logger;
  scrubber: SecretScrubber;
  metrics: RunnerMetrics;
  client: MassiveClient;
  store: OhlcvStore;
  redis: RedisClient | undefined;
  close(): Promise<void>;
}

/** The services over opened parts: the ports and the option objects built from the configuration. */
function assemble(parts: Parts): RunnerServices {
  const { config, logger, scrubber, metrics, client, store, redis } = parts;
  const market = new MassiveMarketData(client);
  const resolveSymbols = createSymbolResolver({ universeDir: config.universeDir });
  const executor = (concurrency = config.symbolConcurrency) => new InProcessExecutor(concurrency);
  let closing: Promise<void> | undefined;
  return {
    config,
    logger,
    scrubber,
    metrics,
    client,
    market,
    store,
    redis,
    resolveSymbols,
    executor,
    jobServices: (overrides = {}) => ({
      market,
      store,
      executor: executor(),
      resolveSymbols,
      logger,
      scrubber,
      metrics,
      planning: config.planning,
      ...overrides,
    }),
    importServices: (overrides = {}) => ({
      market,
      store,
      executor: executor(),
      logger,
      scrubber,
      metrics,
      redis: redis ? { client: redis, events: new EventPublisher(redis, { component: 'daily-import' }) } : undefined,
      universeDir: config.universeDir,
      planning: config.planning,
      ...overrides,
    }),
    workerOptions: (overrides = {}) => {
      const client = overrides.redis ?? redis;
      if (!client) throw new RunnerError('CONFIG_INVALID', 'the worker needs Redis: set REDIS_URL (or REDIS_HOST/REDIS_PORT/REDIS_DB)');
      return {
        store,
        market,
        resolveSymbols,
        logger,
        scrubber,
        metrics,
        symbolConcurrency: config.symbolConcurrency,
        jobConcurrency: config.jobConcurrency,
        queue: { lockDurationMs: config.queueLockMs, symbolBudgetMs: config.symbolBudgetMs },
        storeOutage: { maxWaitMs: config.dbOutageWaitMs },
        partialStatus: config.partialStatus,
        planning: config.planning,
        monitoring: { intervalMs: config.monitoringIntervalMs, apiRequestsPerSecond: apiRequestsPerSecond(config) },
        ...overrides,
        redis: client,
      };
    },
    close: () => {
      closing ??= parts.close();
      return closing;
    },
  };
}

/** `options` without its undefined fields, so that they do not hide the defaults. */
function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}
