/**
 * Fault: `tickstock import` (the built CLI, its own process) is killed with SIGKILL while it reloads a symbol's history
 * for a stock split. Nothing may report success in between (the split stays pending, the run is not recorded as
 * successful), and the next run finishes the readjustment: every row then equals a fresh load, bar for bar.
 *
 * A year is loaded "the day before" the split (the simulator's clock and the load's clock then), the simulator's clock
 * moves to now (the split executed on the last trading day), and the import runs on the real clock. The simulator adds
 * 120 ms to every request, so the reload of four timeframes takes long enough to be killed half-way.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Timeframe } from '@tickstock/market-time';
import { addDays, daysBetween, newYorkDate, newYorkTimeToUtcMs, nyseCalendar } from '@tickstock/market-time';
import { MassiveClient } from '@tickstock/massive-client';
import { type RunningSimulator, startSimulator } from '@tickstock/massive-simulator';
import { type OhlcvStore, openStore } from '@tickstock/ohlcv-store';
import { createTestDatabase, type TestDatabase, waitFor } from '@tickstock/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MassiveMarketData } from '../../src/adapters/market-data.js';
import type { LoadJob } from '../../src/engine/types.js';
import { InProcessExecutor } from '../../src/execution/executor.js';
import { runJobWithServices } from '../../src/jobs/run-with-services.js';
import { createLogger } from '../../src/logging/logger.js';
import { SecretScrubber } from '../../src/logging/secrets.js';
import { allBarRows, BAR_TABLES, pinWriteTimes, queryRows } from '../support/bar-rows.js';

const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const API_KEY = 'split-sigkill-key';
const SYMBOLS = ['AAA', 'KEEP'];
// The split executed on the last trading day before today; the history was loaded the trading day before that.
const TODAY = newYorkDate(Date.now());
const SPLIT_DATE = nyseCalendar.previousTradingDay(TODAY);
const LOAD_DATE = nyseCalendar.previousTradingDay(SPLIT_DATE);
const LOADED_AT = newYorkTimeToUtcMs(LOAD_DATE, 18, 0);
const NOW = Date.now();

let simNow = LOADED_AT;
let simulator: RunningSimulator;
const dbs: TestDatabase[] = [];
const stores: OhlcvStore[] = [];
const children: ChildProcess[] = [];

async function libraryLoad(store: OhlcvStore, ranges: Partial<Record<Timeframe, [string, string]>>, clock: number): Promise<void> {
  const job: LoadJob = {
    jobId: `sigkill-${Math.random().toString(36).slice(2)}`,
    jobType: 'test',
    source: { kind: 'symbols', symbols: SYMBOLS },
    ranges: (Object.entries(ranges) as [Timeframe, [string, string]][]).map(([timeframe, [from, to]]) => ({ timeframe, from, to })),
  };
  const scrubber = new SecretScrubber().add(API_KEY);
  const outcome = await runJobWithServices(job, {
    market: new MassiveMarketData(new MassiveClient({ apiKey: API_KEY, baseUrl: simulator.url, rateLimit: 'unlimited' })),
    store,
    executor: new InProcessExecutor(2),
    resolveSymbols: async () => SYMBOLS,
    logger: createLogger({ level: 'silent', scrubber }),
    scrubber,
    planning: { clock: () => clock },
  });
  expect(outcome.status).toBe('completed');
}

/**
 * `tickstock import` of the two symbols as its own process, looking back to the day of the load (so each range
 * resumes where the load ended); resolves with its exit code (null when killed) and output.
 */
function runImport(db: TestDatabase): { child: ChildProcess; done: Promise<{ code: number | null; out: string }> } {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    DATABASE_URL: db.url,
    MASSIVE_API_KEY: API_KEY,
    MASSIVE_API_BASE_URL: simulator.url,
    LOG_LEVEL: 'error',
  };
  const child = spawn(
    process.execPath,
    [
      CLI,
      'import',
      '--symbols',
      SYMBOLS.join(','),
      '--timeframes',
      'hour,day,week,month',
      '--lookback-days',
      String(daysBetween(LOAD_DATE, TODAY)),
    ],
    {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString('utf8');
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString('utf8');
  });
  const done = new Promise<{ code: number | null; out: string }>((resolve) => child.once('exit', (code) => resolve({ code, out })));
  return { child, done };
}

beforeAll(async () => {
  simulator = await startSimulator({
    apiKey: API_KEY,
    now: () => simNow,
    splits: { AAA: [{ date: SPLIT_DATE, ratio: 10 }] },
    latency: { fixedMs: 120, jitterMs: 0 },
  });
}, 60_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const s of stores) await s.close();
  for (const db of dbs) await db.drop();
  await simulator?.close();
}, 60_000);

describe('an import killed with SIGKILL while it readjusts a split symbol', () => {
  it('leaves the split pending and no success recorded; the next run finishes it and the rows equal a fresh load', async () => {
    const db = await createTestDatabase('sigkill_split');
    dbs.push(db);
    const store = await openStore({ databaseUrl: db.url });
    stores.push(store);
    const yearBack = addDays(LOAD_DATE, -365);
    await libraryLoad(
      store,
      { hour: [addDays(LOAD_DATE, -2), LOAD_DATE], day: [yearBack, LOAD_DATE], week: [yearBack, LOAD_DATE], month: [yearBack, LOAD_DATE] },
      LOADED_AT,
    );
    await pinWriteTimes(db.url, LOADED_AT);

    // Now: the split has executed, and the import runs on the real clock.
    simNow = NOW;
    const first = runImport(db);
    // Killed once AAA's day bars were rewritten at the new scale, with its week and month still to come.
    await waitFor(
      async () => {
        const [row] = await queryRows<{ n: number }>(
          db.url,
          `SELECT count(*)::int AS n FROM ohlcv_daily WHERE symbol = 'AAA' AND date < $1::date AND updated_at > to_timestamp($2::float8 / 1000)`,
          [SPLIT_DATE, LOADED_AT + 60_000],
        );
        return (row?.n ?? 0) > 0;
      },
      { timeoutMs: 60_000, intervalMs: 10, what: 'AAA day bars rewritten' },
    );
    first.child.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.code).toBeNull();
    expect(first.child.signalCode).toBe('SIGKILL');

    const pending = await store.listSplits({ pending: true });
    expect(pending.map((s) => [s.symbol, s.executionDate])).toEqual([['AAA', SPLIT_DATE]]);
    const runs = await queryRows<{ status: string }>(db.url, 'SELECT status FROM processing_runs');
    expect(runs.map((r) => r.status)).not.toContain('success');

    const second = runImport(db);
    const finished = await second.done;
    expect(finished.code, finished.out).toBe(0);
    expect(finished.out).toContain(`history readjusted for splits: AAA (10-for-1 on ${SPLIT_DATE};`);
    expect(await store.listSplits({ pending: true })).toEqual([]);

    const fresh = await createTestDatabase('sigkill_fresh');
    dbs.push(fresh);
    const freshStore = await openStore({ databaseUrl: fresh.url });
    stores.push(freshStore);
    await libraryLoad(
      freshStore,
      { hour: [addDays(LOAD_DATE, -2), TODAY], day: [yearBack, TODAY], week: [yearBack, TODAY], month: [yearBack, TODAY] },
      NOW,
    );
    const [after, reference] = [await allBarRows(db.url), await allBarRows(fresh.url)];
    for (const table of Object.keys(BAR_TABLES)) expect(after[table], table).toEqual(reference[table]);
  }, 180_000);
});
