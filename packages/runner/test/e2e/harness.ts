/**
 * End-to-end harness: a fresh PostgreSQL database, a private Redis server, the Massive simulator over HTTP, and
 * the worker as a child process (`tickstock worker`, run from the sources with tsx). Everything the worker prints
 * is kept so tests can assert that no secret ever appears in it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import {
  CHANNELS,
  type DataLoadJob,
  dataLoadRanges,
  EventPublisher,
  FINAL_JOB_STATUSES,
  jobStatusKey,
  type RedisClient,
  readJobStatus,
  submitJob,
} from '@tickstock/job-protocol';
import { type RunningSimulator, type SimulatorOptions, simulatedBars, startSimulator } from '@tickstock/massive-simulator';
import { type OhlcvStore, openStore, STORE_TIMEFRAME, type Timeframe as StoreTimeframe } from '@tickstock/ohlcv-store';
import { createTestDatabase, type RedisServer, startRedisServer, type TestDatabase, waitFor } from '@tickstock/test-support';
import { Redis } from 'ioredis';
import { expect } from 'vitest';
import type { JobOutcome, LoadJob, MarketDataPort } from '../../src/engine/types.js';
import { InProcessExecutor } from '../../src/execution/executor.js';
import { runJobWithServices } from '../../src/jobs/run-with-services.js';
import { createLogger } from '../../src/logging/logger.js';
import { SecretScrubber } from '../../src/logging/secrets.js';
import { simulatorUniverse } from '../../src/universe/simulated.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
export const CLI = `${root}packages/runner/src/cli.ts`;

export interface Stack {
  db: TestDatabase;
  redisServer: RedisServer;
  redis: Redis;
  simulator: RunningSimulator;
  simulatorNow: number;
  apiKey: string;
  store: OhlcvStore;
  events: CapturedMessages;
  close(): Promise<void>;
}

/** Every message seen on some channels, for assertions. */
export class CapturedMessages {
  readonly messages: { channel: string; text: string }[] = [];
  private constructor(private readonly sub: Redis) {}

  static async start(url: string, channels: string[]): Promise<CapturedMessages> {
    const sub = new Redis(url);
    const c = new CapturedMessages(sub);
    sub.on('message', (channel: string, text: string) => c.messages.push({ channel, text }));
    await sub.subscribe(...channels);
    return c;
  }

  /** Stops reporting connection errors (a test restarting Redis expects them; the subscriber reconnects by itself). */
  ignoreConnectionErrors(): void {
    this.sub.on('error', () => undefined);
  }

  json(channel: string): Record<string, unknown>[] {
    return this.messages.filter((m) => m.channel === channel).map((m) => JSON.parse(m.text) as Record<string, unknown>);
  }

  async close(): Promise<void> {
    await this.sub.quit();
  }
}

/** The channels a stack's {@link CapturedMessages} records: what the worker publishes. */
export const STACK_CHANNELS = [
  CHANNELS.monitoring,
  CHANNELS.errors,
  CHANNELS.jobStatus,
  CHANNELS.dataImportStatus,
  CHANNELS.importStarted,
  CHANNELS.importCompleted,
];

export async function startStack(simOptions: SimulatorOptions = {}): Promise<Stack> {
  const db = await createTestDatabase('e2e');
  const redisServer = await startRedisServer();
  const redis = new Redis(redisServer.url);
  const apiKey = `e2e-key-${randomUUID()}`;
  // A fixed simulator clock may be given (`now` as Unix ms); expectedBars() then uses it too.
  const simulatorNow = typeof simOptions.now === 'number' ? simOptions.now : Date.now();
  // The shipped universes are the simulator's reference universe: grouped daily serves their day bars.
  const simulator = await startSimulator({ apiKey, now: simulatorNow, tickers: simulatorUniverse(), ...simOptions });
  const store = await openStore({ databaseUrl: db.url });
  const events = await CapturedMessages.start(redisServer.url, STACK_CHANNELS);
  return {
    db,
    redisServer,
    redis,
    simulator,
    simulatorNow,
    apiKey,
    store,
    events,
    async close() {
      await events.close();
      await store.close();
      await simulator.close();
      redis.disconnect();
      await redisServer.stop();
      await db.drop();
    },
  };
}

export interface WorkerProcess {
  child: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function spawnWorker(stack: Stack, options: { env?: Record<string, string>; args?: string[] } = {}): Promise<WorkerProcess> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    TZ: process.env.TZ ?? 'UTC',
    DATABASE_URL: stack.db.url,
    REDIS_URL: stack.redisServer.url,
    MASSIVE_API_KEY: stack.apiKey,
    MASSIVE_API_BASE_URL: stack.simulator.url,
    LOG_LEVEL: 'debug',
    ...options.env,
  };
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'worker', '--drain-timeout', '5', ...(options.args ?? [])], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let buffer = '';
  const onData = (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    let i = buffer.indexOf('\n');
    while (i >= 0) {
      lines.push(buffer.slice(0, i));
      buffer = buffer.slice(i + 1);
      i = buffer.indexOf('\n');
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await waitFor(() => lines.some((l) => l.includes('worker listening for data-load jobs')) || child.exitCode !== null, {
    timeoutMs: 60_000,
    what: 'the worker to start listening',
  });
  if (child.exitCode !== null) throw new Error(`worker exited at start with ${child.exitCode}:\n${lines.join('\n')}`);
  return {
    child,
    lines,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

const FINAL: readonly string[] = FINAL_JOB_STATUSES;

/** Polls the status key until the job reaches a final state; returns the JSON the app reads. */
export async function waitForFinalStatus(redis: RedisClient, jobId: string, timeoutMs = 60_000): Promise<Record<string, unknown>> {
  return waitFor(
    async () => {
      const s = await readJobStatus(redis, jobId);
      if (!s?.ok) return undefined;
      const v = s.value as unknown as Record<string, unknown>;
      return FINAL.includes(String(v.status)) ? v : undefined;
    },
    { timeoutMs, intervalMs: 100, what: `job ${jobId} to finish` },
  );
}

/**
 * Submits, as the app does (publish + durable stream), a `csv_universe_load` job of `symbols` (default: day and hour
 * bars of 0.1 years, a new job id); returns the job id.
 */
export async function submitCsvLoad(
  redis: RedisClient,
  symbols: readonly string[],
  options: { years?: number; timeframes?: readonly string[]; jobId?: string } = {},
): Promise<string> {
  const jobId = options.jobId ?? randomUUID();
  const { years = 0.1, timeframes = ['day', 'hour'] } = options;
  await submitJob(redis, {
    job_id: jobId,
    job_type: 'csv_universe_load',
    source: 'test',
    symbols: [...symbols],
    timeframes: [...timeframes],
    years,
  } as DataLoadJob);
  return jobId;
}

export async function rawStatus(redis: Redis, jobId: string): Promise<{ type: string; ttl: number; json: Record<string, unknown> | null }> {
  const key = `tickstock.jobs.status:${jobId}`;
  const type = await redis.type(key);
  const ttl = await redis.ttl(key);
  const json = type === 'string' ? (JSON.parse((await redis.get(key)) as string) as Record<string, unknown>) : null;
  return { type, ttl, json };
}

export function submit(stack: Stack, job: Record<string, unknown>) {
  return submitJob(stack.redis, job as DataLoadJob);
}

const API_TIMESPAN: Record<StoreTimeframe, 'minute' | 'hour' | 'day' | 'week' | 'month'> = {
  '1min': 'minute',
  hourly: 'hour',
  daily: 'day',
  weekly: 'week',
  monthly: 'month',
};

/** The bars the simulator serves for a symbol, timeframe and date range, as the store returns them. */
export function expectedBars(stack: Stack, symbol: string, timeframe: StoreTimeframe, from: string, to: string) {
  return simulatedBars({ ticker: symbol, timespan: API_TIMESPAN[timeframe], from, to }, { now: stack.simulatorNow }).map((b) => ({
    timestamp: b.timestamp,
    open: b.open,
    high: b.high,
    low: b.low,
    close: b.close,
  }));
}

/** Stored bars reduced to what every table keeps (time and OHLC). */
export async function storedBars(stack: Stack, symbol: string, timeframe: StoreTimeframe) {
  return (await stack.store.getBars(timeframe, symbol)).map((b) => ({
    timestamp: b.timestamp,
    open: b.open,
    high: b.high,
    low: b.low,
    close: b.close,
  }));
}

/**
 * Checks that a job of `years` over `timeframes` stored, for every symbol, exactly the bars the simulator serves for the
 * job's ranges (none empty); returns the bars per store table. `stack` needs only `store` and `simulatorNow`.
 */
export async function expectLoadedBars(
  stack: Pick<Stack, 'store' | 'simulatorNow'>,
  symbols: readonly string[],
  timeframes: readonly ('day' | 'hour')[],
  years: number,
): Promise<Record<string, number>> {
  const { ranges } = dataLoadRanges([...timeframes], years, Date.now());
  const counts: Record<string, number> = {};
  for (const symbol of symbols) {
    for (const tf of timeframes) {
      const table = STORE_TIMEFRAME[tf];
      const r = ranges[tf];
      if (!r) throw new Error(`no ${tf} range`);
      const bars = expectedBars(stack as Stack, symbol, table, r.from, r.to);
      expect(bars.length).toBeGreaterThan(0);
      expect(await storedBars(stack as Stack, symbol, table)).toEqual(bars);
      counts[table] = (counts[table] ?? 0) + bars.length;
    }
  }
  return counts;
}

/** A fresh database with a store on it, a private Redis and a subscriber on `tickstock:errors`, for jobs run in-process. */
export interface InProcessStack {
  db: TestDatabase;
  store: OhlcvStore;
  redis: Redis;
  events: CapturedMessages;
  close(): Promise<void>;
}

/** Starts an {@link InProcessStack}; `prepare` runs on the database once the store has migrated it. */
export async function startInProcessStack(name: string, prepare?: (db: TestDatabase) => Promise<void>): Promise<InProcessStack> {
  const db = await createTestDatabase(name);
  const store = await openStore({ databaseUrl: db.url });
  await prepare?.(db);
  const redisServer = await startRedisServer();
  const redis = new Redis(redisServer.url);
  const events = await CapturedMessages.start(redisServer.url, [CHANNELS.errors]);
  return {
    db,
    store,
    redis,
    events,
    async close() {
      await events.close();
      redis.disconnect();
      await redisServer.stop();
      await store.close();
      await db.drop();
    },
  };
}

/**
 * Runs a job of `symbols` over `ranges` in this process against `market` (a hand-written port), with the stack's store,
 * Redis status and events, silent logs and no planning: what `tickstock load` would run, minus the API.
 */
export function runInProcess(
  stack: InProcessStack,
  market: MarketDataPort,
  job: { jobId: string; symbols: string[]; ranges: LoadJob['ranges'] },
): Promise<JobOutcome> {
  const scrubber = new SecretScrubber();
  return runJobWithServices(
    { jobId: job.jobId, jobType: 'test', source: { kind: 'symbols', symbols: job.symbols }, ranges: job.ranges },
    {
      market,
      store: stack.store,
      executor: new InProcessExecutor(job.symbols.length),
      resolveSymbols: async () => job.symbols,
      logger: createLogger({ level: 'silent', scrubber }),
      scrubber,
      redis: { client: stack.redis, events: new EventPublisher(stack.redis, { component: 'test' }) },
      planning: false,
    },
    { statusWriter: { preWriteWaitMs: 0 } },
  );
}

/** The status JSON the app reads for `jobId`, as written (no waiting). */
export async function statusJson(redis: Redis, jobId: string): Promise<Record<string, unknown>> {
  return JSON.parse((await redis.get(jobStatusKey(jobId))) ?? '{}') as Record<string, unknown>;
}

/** Waits for the `tickstock:errors` events of `category` and returns them. */
export function errorEventsOf(events: CapturedMessages, category: string): Promise<Record<string, unknown>[]> {
  return waitFor(() => {
    const found = events.json(CHANNELS.errors).filter((e) => e.category === category);
    return found.length ? found : undefined;
  });
}
