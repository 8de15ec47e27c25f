/**
 * Every row written is proven: a trigger on `ohlcv_daily` that silently drops one symbol's Monday bars (a BEFORE
 * INSERT trigger returning NULL) used to leave the symbol `completed` with every bar counted. Now the store counts
 * the rows it sent against the rows the table holds, and the symbol fails with `ROWS_NOT_STORED` naming the table
 * and the count, in its result, the status and an error event; the rows that did land are counted as stored.
 * Real PostgreSQL and Redis; the API is a hand-written port serving one week of day bars.
 */
import { CHANNELS, EventPublisher, jobStatusKey } from '@tickstock/job-protocol';
import type { Bar } from '@tickstock/market-time';
import { type OhlcvStore, openStore } from '@tickstock/ohlcv-store';
import { createTestDatabase, type RedisServer, startRedisServer, type TestDatabase, waitFor } from '@tickstock/test-support';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outcomeSummary } from '../../src/cli/load-job.js';
import type { MarketDataPort } from '../../src/engine/types.js';
import { InProcessExecutor } from '../../src/execution/executor.js';
import { runJobWithServices } from '../../src/jobs/run-with-services.js';
import { createLogger } from '../../src/logging/logger.js';
import { SecretScrubber } from '../../src/logging/secrets.js';
import { CapturedMessages } from './harness.js';

// Monday 2025-06-09 to Friday 2025-06-13.
const WEEK = ['2025-06-09', '2025-06-10', '2025-06-11', '2025-06-12', '2025-06-13'];
const market: MarketDataPort = {
  details: async (symbol) => ({ symbol, name: `${symbol} Inc.` }),
  groupedDaily: async () => [],
  async *bars() {
    for (const date of WEEK)
      yield { timestamp: Date.parse(`${date}T04:00:00Z`), open: 10, high: 11, low: 9, close: 10, volume: 100 } as Bar;
  },
};

let db: TestDatabase;
let store: OhlcvStore;
let redisServer: RedisServer;
let redis: Redis;
let events: CapturedMessages;

beforeAll(async () => {
  db = await createTestDatabase('rowproof');
  store = await openStore({ databaseUrl: db.url });
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query(`CREATE FUNCTION drop_aaa_mondays() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN IF NEW.symbol = 'AAA' AND extract(isodow FROM NEW.date) = 1 THEN RETURN NULL; END IF; RETURN NEW; END $$`);
  await client.query('CREATE TRIGGER drop_aaa_mondays BEFORE INSERT ON ohlcv_daily FOR EACH ROW EXECUTE FUNCTION drop_aaa_mondays()');
  await client.end();
  redisServer = await startRedisServer();
  redis = new Redis(redisServer.url);
  events = await CapturedMessages.start(redisServer.url, [CHANNELS.errors]);
});

afterAll(async () => {
  await events?.close();
  redis?.disconnect();
  await redisServer?.stop();
  await store?.close();
  await db?.drop();
});

describe('rows a trigger dropped', () => {
  it('fail the symbol with ROWS_NOT_STORED naming the table and count; the other symbol and the landed rows stand', async () => {
    const scrubber = new SecretScrubber();
    const outcome = await runJobWithServices(
      {
        jobId: 'row-proof-job',
        jobType: 'test',
        source: { kind: 'symbols', symbols: ['AAA', 'BBB'] },
        ranges: [{ timeframe: 'day', from: WEEK[0] as string, to: WEEK[4] as string }],
      },
      {
        market,
        store,
        executor: new InProcessExecutor(2),
        resolveSymbols: async () => ['AAA', 'BBB'],
        logger: createLogger({ level: 'silent', scrubber }),
        scrubber,
        redis: { client: redis, events: new EventPublisher(redis, { component: 'test' }) },
        planning: false,
      },
      { statusWriter: { preWriteWaitMs: 0 } },
    );
    expect({ status: outcome.status, failed: outcome.failedSymbols, ok: outcome.successfulSymbols, hasErrors: outcome.hasErrors }).toEqual({
      status: 'completed_with_errors',
      failed: ['AAA'],
      ok: ['BBB'],
      hasErrors: true,
    });
    const aaa = outcome.results.find((r) => r.symbol === 'AAA');
    expect(aaa?.errorCode).toBe('ROWS_NOT_STORED');
    expect(aaa?.errorMessage).toMatch(/^day: 1 of 5 daily bars sent to "ohlcv_daily" are not in it after the write/);
    expect(aaa?.recordsImported).toBe(4);
    expect(aaa?.timeframes[0]).toMatchObject({
      timeframe: 'day',
      fetched: 5,
      written: 4,
      unchanged: 0,
      error: { code: 'ROWS_NOT_STORED' },
    });
    expect((await store.getBars('daily', 'AAA')).length).toBe(4);
    expect((await store.getBars('daily', 'BBB')).length).toBe(5);

    const status = JSON.parse((await redis.get(jobStatusKey('row-proof-job'))) ?? '{}') as Record<string, unknown>;
    expect(status).toMatchObject({ status: 'completed', has_errors: true, failed_symbols: ['AAA'], successful_symbols: ['BBB'] });
    expect(outcomeSummary(outcome).symbols.AAA?.timeframes.day).toMatchObject({ written: 4, error: { code: 'ROWS_NOT_STORED' } });

    const reported = await waitFor(() => {
      const found = events.json(CHANNELS.errors).filter((e) => e.category === 'ROWS_NOT_STORED');
      return found.length ? found : undefined;
    });
    expect(reported).toHaveLength(1);
    expect(reported[0]).toMatchObject({
      severity: 'warning',
      context: { job_id: 'row-proof-job', symbol: 'AAA', code: 'ROWS_NOT_STORED' },
    });
  });
});
