/**
 * The worker and the daily import through a real PgBouncer (Debian's 1.18, transaction pooling: server connections
 * shared between transactions) with `TICKSTOCK_PREPARED_STATEMENTS=false`: a job submitted the way the app does
 * loads every bar the simulator serves, exactly once; a daily import (in process, on a fixed clock) stores exactly
 * what the API serves. PgBouncer 1.18 does not track prepared statements: with them on, writes fail with
 * `PREPARED_STATEMENTS_REFUSED` (the store's own test shows that).
 */
import { newYorkTimeToUtcMs } from '@tickstock/market-time';
import { type RunningSimulator, startSimulator } from '@tickstock/massive-simulator';
import { type OhlcvStore, openStore } from '@tickstock/ohlcv-store';
import { type PgBouncer, startPgBouncer } from '@tickstock/test-support';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseImportRequest } from '../../src/import/request.js';
import { simulatorUniverse } from '../../src/universe/simulated.js';
import {
  expectedBars,
  expectLoadedBars,
  type Stack,
  spawnWorker,
  startStack,
  storedBars,
  submitCsvLoad,
  type WorkerProcess,
  waitForFinalStatus,
} from './harness.js';
import { importRig } from './import-harness.js';

let stack: Stack;
let bouncer: PgBouncer;
let worker: WorkerProcess;

beforeAll(async () => {
  stack = await startStack(); // migrates as the owner, directly
  bouncer = await startPgBouncer({ upstreamPort: Number(new URL(stack.db.url).port), database: stack.db.name });
  worker = await spawnWorker(stack, { env: { DATABASE_URL: bouncer.url, TICKSTOCK_PREPARED_STATEMENTS: 'false' } });
}, 120_000);

afterAll(async () => {
  expect(await worker?.stop('SIGTERM')).toBe(0);
  await stack?.close();
  await bouncer?.stop();
}, 60_000);

async function rowCount(table: string): Promise<number> {
  const c = new pg.Client({ connectionString: stack.db.url });
  await c.connect();
  try {
    return (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]?.n ?? -1;
  } finally {
    await c.end();
  }
}

describe('through PgBouncer in transaction mode, prepared statements off', () => {
  it('a worker loads a job bar for bar', async () => {
    const symbols = ['AAPL', 'MSFT', 'IBM', 'JPM'];
    const jobId = await submitCsvLoad(stack.redis, symbols);
    const status = await waitForFinalStatus(stack.redis, jobId, 90_000);
    expect({ status: status.status, failed: status.failed_symbols }).toEqual({ status: 'completed', failed: [] });
    const expected = await expectLoadedBars(stack, symbols, ['day', 'hour'], 0.1);
    expect({ daily: await rowCount('ohlcv_daily'), hourly: await rowCount('ohlcv_hourly') }).toEqual(expected);
    expect(worker.lines.filter((l) => /prepared statement|PREPARED_STATEMENTS_REFUSED/.test(l))).toEqual([]);
    // It went through PgBouncer: the worker names its database by PgBouncer's port.
    const config = worker.lines.find((l) => l.includes('worker configuration')) ?? '';
    expect(config).toContain(`"database":"postgres://postgres@127.0.0.1:${bouncer.port}/${stack.db.name}"`);
  }, 120_000);

  describe('a daily import', () => {
    const NOW = newYorkTimeToUtcMs('2025-06-11', 21, 30);
    const RANGES = {
      hourly: ['2025-06-08', '2025-06-11'],
      daily: ['2025-05-22', '2025-06-11'],
      weekly: ['2025-05-12', '2025-06-11'],
    } as const;
    const SYMBOLS = ['KO', 'PEP', 'SPY', 'X:BTCUSD'];
    let simulator: RunningSimulator;
    let store: OhlcvStore;

    beforeAll(async () => {
      simulator = await startSimulator({ apiKey: stack.apiKey, now: NOW, tickers: simulatorUniverse() });
      store = await openStore({ databaseUrl: bouncer.url, env: {}, preparedStatements: false, migrate: false });
    });

    afterAll(async () => {
      await store?.close();
      await simulator?.close();
    });

    it('stores exactly what the API serves', async () => {
      const at: Stack = { ...stack, store, simulator, simulatorNow: NOW };
      const rig = importRig(at, { clock: () => NOW, simulator });
      try {
        const started = await rig.coordinator.trigger(
          parseImportRequest({
            symbols: SYMBOLS,
            timeframes: ['hour', 'day', 'week'],
            lookback_days: { hourly: 3, daily: 20, weekly: 30 },
          }),
          { origin: 'api' },
        );
        const outcome = await started.done;
        expect({ status: outcome.status, failed: outcome.failedSymbols }).toEqual({ status: 'completed', failed: [] });
        let served = 0;
        for (const symbol of SYMBOLS) {
          for (const [tf, [from, to]] of Object.entries(RANGES) as [keyof typeof RANGES, readonly [string, string]][]) {
            const bars = expectedBars(at, symbol, tf, from, to);
            expect({ symbol, tf, bars: await storedBars(at, symbol, tf) }).toEqual({ symbol, tf, bars });
            served += bars.length;
          }
        }
        expect(outcome.recordsImported).toBe(served);
      } finally {
        await rig.close();
      }
    }, 120_000);
  });
});
