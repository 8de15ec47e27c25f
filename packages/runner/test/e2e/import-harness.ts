/**
 * In-process daily imports against the real stack (PostgreSQL, a private Redis, the simulator over HTTP): the
 * coordinator the worker uses, built on a test clock. Cheaper than a worker process, and the same code path.
 */
import { Writable } from 'node:stream';
import { EventPublisher } from '@tickstock/job-protocol';
import { MassiveClient } from '@tickstock/massive-client';
import type { RunningSimulator } from '@tickstock/massive-simulator';
import { Redis } from 'ioredis';
import pg from 'pg';
import { MassiveMarketData } from '../../src/adapters/market-data.js';
import { InProcessExecutor } from '../../src/execution/executor.js';
import { ImportCoordinator } from '../../src/import/coordinator.js';
import type { ImportServices } from '../../src/import/run-import.js';
import { createLogger } from '../../src/logging/logger.js';
import { SecretScrubber } from '../../src/logging/secrets.js';
import type { Stack } from './harness.js';

export interface ImportRig {
  coordinator: ImportCoordinator;
  services: ImportServices;
  logs: string[];
  redis: Redis;
  close(): Promise<void>;
}

/** A coordinator on `stack` whose clock (run dates, incremental plans) reads `clock`. */
export function importRig(
  stack: Stack,
  options: { clock: () => number; simulator?: RunningSimulator; universeDir?: string; owner?: string },
): ImportRig {
  const logs: string[] = [];
  const scrubber = new SecretScrubber().add(stack.apiKey);
  const destination = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  }) as unknown as NodeJS.WriteStream;
  const logger = createLogger({ level: 'info', scrubber, destination, pretty: false });
  const client = new MassiveClient({ apiKey: stack.apiKey, baseUrl: (options.simulator ?? stack.simulator).url, rateLimit: 'unlimited' });
  // Each rig has its own Redis connection, as each worker would.
  const redis = new Redis(stack.redisServer.url);
  const services: ImportServices = {
    market: new MassiveMarketData(client),
    store: stack.store,
    executor: new InProcessExecutor(4),
    logger,
    scrubber,
    redis: { client: redis, events: new EventPublisher(redis, { component: 'test-import' }) },
    universeDir: options.universeDir,
    clock: options.clock,
  };
  const coordinator = new ImportCoordinator(services, { lockRedis: redis, ...(options.owner ? { owner: options.owner } : {}) });
  return {
    coordinator,
    services,
    logs,
    redis,
    async close() {
      await coordinator.stop(5_000);
      redis.disconnect();
    },
  };
}

/**
 * Sets `updated_at` of every stored bar to `ms`: the database's clock is real time, the simulator's is a fixed
 * day, so tests pin the write time to the simulated time the load "happened" at.
 */
export async function pinWriteTimes(stack: Stack, ms: number): Promise<void> {
  const c = new pg.Client({ connectionString: stack.db.url });
  await c.connect();
  try {
    for (const table of ['ohlcv_1min', 'ohlcv_hourly', 'ohlcv_daily', 'ohlcv_weekly', 'ohlcv_monthly']) {
      await c.query(`UPDATE ${table} SET updated_at = to_timestamp($1::float8 / 1000)`, [ms]);
    }
  } finally {
    await c.end();
  }
}

/** Rows per (table) of one symbol, and whether any key appears twice. */
export async function rowCounts(stack: Stack, symbol: string): Promise<Record<string, number>> {
  const c = new pg.Client({ connectionString: stack.db.url });
  await c.connect();
  try {
    const out: Record<string, number> = {};
    for (const [table, key] of [
      ['ohlcv_hourly', 'timestamp'],
      ['ohlcv_daily', 'date'],
      ['ohlcv_weekly', 'week_start'],
    ] as const) {
      const { rows } = await c.query<{ n: number; keys: number }>(
        `SELECT count(*)::int AS n, count(DISTINCT "${key}")::int AS keys FROM ${table} WHERE symbol = $1`,
        [symbol],
      );
      const r = rows[0];
      if (r && r.n !== r.keys) throw new Error(`${table} holds duplicate keys for ${symbol}`);
      out[table] = r?.n ?? 0;
    }
    return out;
  } finally {
    await c.end();
  }
}
