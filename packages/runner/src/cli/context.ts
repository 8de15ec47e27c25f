/** What every command starts from: `.env`, the validated configuration, a scrubbed logger and metrics. */
import { randomUUID } from 'node:crypto';
import { type RunningSimulator, startSimulator } from '@tickstock/massive-client/simulator';
import { InvalidArgumentError } from 'commander';
import { type LogLevel, loadConfig, loadDotEnv, type RunnerConfig } from '../config/env.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { SecretScrubber } from '../logging/secrets.js';
import { RunnerMetrics } from '../metrics.js';
import { simulatorUniverse } from '../universe/simulated.js';

export interface CommandContext {
  config: RunnerConfig;
  logger: Logger;
  scrubber: SecretScrubber;
  metrics: RunnerMetrics;
}

export function commandContext(options: { defaultLogLevel?: LogLevel; defaultMetrics?: boolean } = {}): CommandContext {
  loadDotEnv();
  const env = { ...process.env };
  if (!env.LOG_LEVEL && options.defaultLogLevel) env.LOG_LEVEL = options.defaultLogLevel;
  const config = loadConfig(env);
  const scrubber = new SecretScrubber().add(config.massive.apiKey, config.apiToken);
  if (config.database.kind === 'postgres') scrubber.addUrlPassword(config.database.url);
  if (config.redis) scrubber.addUrlPassword(config.redis.url);
  const logger = createLogger({ level: config.logLevel, scrubber });
  return { config, logger, scrubber, metrics: new RunnerMetrics({ defaultMetrics: options.defaultMetrics ?? false }) };
}

/** An in-process simulator for `--simulator`, with a random key of its own. */
export async function startLocalSimulator(
  ctx: CommandContext,
  options: { port?: number } = {},
): Promise<{ simulator: RunningSimulator; apiKey: string }> {
  const apiKey = `sim-${randomUUID()}`;
  ctx.scrubber.add(apiKey);
  const simulator = await startSimulator({ apiKey, port: options.port ?? 0, tickers: simulatorUniverse() });
  ctx.logger.warn({ url: simulator.url }, 'using the built-in Massive API simulator: prices are SYNTHETIC');
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
