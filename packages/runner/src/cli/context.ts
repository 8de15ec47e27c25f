/** What every command starts from: `.env`, the validated configuration, a scrubbed logger and metrics. */
import { randomUUID } from 'node:crypto';
import type { RedisClient } from '@tickstock/job-protocol';
import { lookbackDaysOf, MAX_YEARS } from '@tickstock/job-protocol';
import { type RunningSimulator, startSimulator } from '@tickstock/massive-simulator';
import type { OhlcvStore } from '@tickstock/ohlcv-store';
import { InvalidArgumentError } from 'commander';
import { type LogLevel, loadConfig, loadDotEnv, type RunnerConfig, redactUrl } from '../config/env.js';
import { RunnerError } from '../errors.js';
import { createLogger, type Logger } from '../logging/logger.js';
import type { SecretScrubber } from '../logging/secrets.js';
import { RunnerMetrics } from '../metrics.js';
import { closeRedis, connectRedis, openConfiguredStore, redisReady } from '../runtime.js';
import {
  configScrubber,
  createRunnerServices,
  RUNNER_SERVICES_DEFAULTS,
  type RunnerServices,
  type RunnerServicesOptions,
} from '../services.js';
import { simulatorUniverse } from '../universe/simulated.js';
import { commandScope, type ResourceScope } from './scope.js';

export interface CommandContext {
  config: RunnerConfig;
  logger: Logger;
  scrubber: SecretScrubber;
  metrics: RunnerMetrics;
  /** What this command opened, closed when it ends (see ./scope.ts). */
  scope: ResourceScope;
}

export function commandContext(options: { defaultLogLevel?: LogLevel; defaultMetrics?: boolean } = {}): CommandContext {
  loadDotEnv();
  const env = { ...process.env };
  if (!env.LOG_LEVEL && options.defaultLogLevel) env.LOG_LEVEL = options.defaultLogLevel;
  const config = loadConfig(env);
  const scrubber = configScrubber(config);
  const logger = createLogger({ level: config.logLevel, scrubber });
  return {
    config,
    logger,
    scrubber,
    metrics: new RunnerMetrics({ defaultMetrics: options.defaultMetrics ?? false }),
    scope: commandScope(),
  };
}

/** The configured store, closed with the command. */
export async function openCommandStore(ctx: CommandContext, options: { migrate?: boolean } = {}): Promise<OhlcvStore> {
  const store = await openConfiguredStore(ctx.config, ctx.logger, ctx.scrubber, options);
  return ctx.scope.use(store, (s) => s.close(), { name: 'store' });
}

/** How long `submit`, `status` and `import` wait for Redis before they give up (exit 2); the worker waits 15 s. */
export const COMMAND_REDIS_TIMEOUT_MS = 5_000;

/** What a command may choose of its services: the rest (logger, scrubber, metrics) is the command context's. */
export type CommandServicesOptions = Omit<RunnerServicesOptions, 'logger' | 'scrubber' | 'metrics' | 'massive'> & {
  /** `--simulator`: the in-process simulator the client talks to instead of the configured API. */
  simulator?: { simulator: RunningSimulator; apiKey: string } | undefined;
};

/** The runner's services (../services.ts) with this command's logger, scrubber and metrics, closed with the command. */
export async function openCommandServices(ctx: CommandContext, options: CommandServicesOptions = {}): Promise<RunnerServices> {
  const { simulator, ...rest } = options;
  const services = await createRunnerServices(ctx.config, {
    redisTimeoutMs: COMMAND_REDIS_TIMEOUT_MS,
    ...rest,
    logger: ctx.logger,
    scrubber: ctx.scrubber,
    metrics: ctx.metrics,
    massive: simulator ? { baseUrl: simulator.simulator.url, apiKey: simulator.apiKey } : undefined,
  });
  // Each of its close steps (store, rate limiter, Redis) is bounded; this bounds them together.
  const timeoutMs = 3 * (rest.closeStepTimeoutMs ?? RUNNER_SERVICES_DEFAULTS.closeStepTimeoutMs) + 5_000;
  return ctx.scope.use(services, (s) => s.close(), { name: 'runner services', timeoutMs });
}

/**
 * A Redis connection (REDIS_URL must be set), closed with the command, once it is ready: wrong credentials or a
 * failed TLS handshake fail at once with a message naming the variable to check, an unreachable Redis after 5 s.
 */
export async function connectCommandRedis(ctx: CommandContext): Promise<RedisClient> {
  const redis = ctx.scope.use(connectRedis(ctx.config, ctx.scrubber), closeRedis, { name: 'Redis connection' });
  // A command answers a person: an unreachable Redis is said within 5 s (the worker waits 15 s at start).
  await redisReady(redis, ctx.scrubber, { config: ctx.config.redis, timeoutMs: COMMAND_REDIS_TIMEOUT_MS });
  return redis;
}

/**
 * An in-process simulator for `--simulator`, with a random key of its own. Its prices are synthetic: it refuses to
 * start when they would go into a configured PostgreSQL database unless allowed (`--allow-synthetic`,
 * `TICKSTOCK_ALLOW_SYNTHETIC=true`), and always says so on stderr.
 */
export async function startLocalSimulator(
  ctx: CommandContext,
  options: { port?: number; allowSynthetic?: boolean | undefined } = {},
): Promise<{ simulator: RunningSimulator; apiKey: string }> {
  const db = ctx.config.database;
  if (db.kind !== 'embedded' && !options.allowSynthetic && !ctx.config.allowSynthetic) {
    throw new RunnerError(
      'CONFIG_INVALID',
      `the simulator's prices are SYNTHETIC and the configured database is ${redactUrl(db.url)} (${db.source}): refusing to write them there. ` +
        'Use the embedded database (unset DATABASE_URL and DB_*), or pass --allow-synthetic (TICKSTOCK_ALLOW_SYNTHETIC=true) to write them anyway',
    );
  }
  const apiKey = `sim-${randomUUID()}`;
  ctx.scrubber.add(apiKey);
  const started = await startSimulator({ apiKey, port: options.port ?? 0, tickers: simulatorUniverse() });
  const simulator = ctx.scope.use(started, (s) => s.close(), { name: 'simulator' });
  // On stderr whatever the log level: nobody should mistake these prices for market data.
  process.stderr.write(`tickstock: using the built-in Massive API simulator (${simulator.url}): prices are SYNTHETIC\n`);
  return { simulator, apiKey };
}

/** Parses a positive number option, naming it on error. */
export function positiveNumber(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a number > 0 (got ${JSON.stringify(value)})`);
    return n;
  };
}

export function positiveInteger(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a whole number >= 1 (got ${JSON.stringify(value)})`);
    return n;
  };
}

/** Parses an integer option within [min, max], naming it on error. */
export function integerIn(name: string, min: number, max: number, hint = '') {
  return (value: string): number => {
    const n = Number(value.trim() === '' ? Number.NaN : value);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}${hint} (got ${JSON.stringify(value)})`);
    return n;
  };
}

/** Parses a number option within [min, max], naming it on error. */
export function numberIn(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value.trim() === '' ? Number.NaN : value);
    if (!Number.isFinite(n) || n < min || n > max)
      throw new InvalidArgumentError(`${name} must be a number from ${min} to ${max} (got ${JSON.stringify(value)})`);
    return n;
  };
}

/** A TCP port: 1-65535, or 0 for any free port. */
export function portNumber(name: string) {
  return integerIn(name, 0, 65_535, ' (0: any free port)');
}

/**
 * The smallest `years` a CLI load accepts: the job protocol takes any `years` above 0, but below this
 * round(years x 365) is 0 days and the load covers nothing.
 */
export const MIN_CLI_YEARS = Math.ceil((0.5 / 365) * 10_000) / 10_000;

/** `--years`: the job protocol's range (above 0, at most MAX_YEARS), and at least one day (MIN_CLI_YEARS). */
export function yearsOption(name = '--years') {
  return (value: string): number => {
    const n = Number(value.trim() === '' ? Number.NaN : value);
    if (!Number.isFinite(n) || n > MAX_YEARS || n <= 0 || lookbackDaysOf(n) < 1)
      throw new InvalidArgumentError(
        `${name} must be a number from ${MIN_CLI_YEARS} (one day) to ${MAX_YEARS} (got ${JSON.stringify(value)})`,
      );
    return n;
  };
}

/** `--days`: 1 up to the job protocol's MAX_YEARS in days. */
export function daysOption(name = '--days') {
  return integerIn(name, 1, MAX_YEARS * 365, ` (${MAX_YEARS} years)`);
}
