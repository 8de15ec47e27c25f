/**
 * The tables TickStockAppV2 shares with us, on real PostgreSQL 15, through the CLI as an operator runs it
 * (`tickstock migrate`, then `tickstock import`, in process as cli-import.test.ts does): on a database where the app's
 * `processing_runs` came first (its exact DDL), on one that has our first `processing_runs` with runs in it, and on a
 * fresh one. Each check runs the app's own SQL, quoted from its code in ohlcv-store's test/support/app-schema.ts.
 */
import { createTestDatabase, type TestDatabase } from '@tickstock/test-support';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  APP_PROCESSING_RUNS_DDL,
  APP_SAVE_RUN_SQL,
  appHistorySql,
  createAppReference,
  GET_SYMBOL_DETAILS_COLUMNS,
  GET_SYMBOL_DETAILS_SQL,
  type SqlRunner,
  tableShape,
} from '../../../ohlcv-store/test/support/app-schema.js';
import { runCliInProcess } from '../support/run-cli.js';

/** `processing_runs` as the previous release's migration 4 created it (quoted: the release that shipped it). */
const FIRST_PROCESSING_RUNS_DDL = `CREATE TABLE IF NOT EXISTS processing_runs (
  run_id TEXT PRIMARY KEY,
  phase TEXT NOT NULL,
  status TEXT NOT NULL,
  params JSONB NOT NULL DEFAULT '{}'::jsonb,
  records_imported BIGINT NOT NULL DEFAULT 0,
  message TEXT,
  retry_count INTEGER NOT NULL DEFAULT 0,
  started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  completed_at TIMESTAMPTZ,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
)`;

beforeAll(() => {
  process.env.LOG_LEVEL = 'silent';
  process.env.TICKSTOCK_ALLOW_SYNTHETIC = 'true'; // the simulator's prices into this throwaway database, on purpose
  for (const name of ['REDIS_URL', 'REDIS_HOST', 'REDIS_PORT', 'REDIS_DB', 'REDIS_PASSWORD', 'TICKSTOCK_API_TOKEN'])
    delete process.env[name];
});

const tickstock = runCliInProcess;

/** A fresh database, DATABASE_URL pointing at it, and a client for the app's SQL. */
async function database(label: string): Promise<{ db: TestDatabase; client: pg.Client; sql: SqlRunner['sql']; close(): Promise<void> }> {
  const db = await createTestDatabase(label);
  process.env.DATABASE_URL = db.url;
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  return {
    db,
    client,
    sql: async <R>(text: string, params: unknown[] = []) => (await client.query(text, params)).rows as R[],
    async close() {
      await client.end();
      await db.drop();
    },
  };
}

const IMPORT = ['import', '--symbols', 'AAPL,MSFT,X:BTCUSD', '--timeframes', 'day,week', '--lookback-days', '10', '--simulator', '--json'];

let current: Awaited<ReturnType<typeof database>> | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});
afterAll(() => {
  delete process.env.DATABASE_URL;
});

describe("the app's processing_runs first (scripts/database/create_processing_runs_table.sql, run at every app start)", () => {
  it('tickstock migrate succeeds and leaves its definition as it is; tickstock import then succeeds and the app sees the run', async () => {
    current = await database('app_first');
    const { sql } = current;
    for (const ddl of APP_PROCESSING_RUNS_DDL) await sql(ddl);
    const reference = await createAppReference({ sql });

    const migrate = await tickstock(['migrate']);
    expect({ code: migrate.code, stderr: migrate.stderr }).toEqual({ code: 0, stderr: '' });
    expect(migrate.stdout).toMatch(/^schema at version 7: applied migrations 1, 2, 3, 4, 5, 6, 7\n/);
    expect(migrate.stdout).toContain('added column symbols.currency_symbol TEXT');
    expect(await tableShape({ sql }, 'processing_runs')).toEqual(await tableShape({ sql }, reference));

    // Before issue 21 this exited 2: column "params" of relation "processing_runs" does not exist.
    const run = await tickstock(IMPORT);
    // Nothing on stderr but the simulator's SYNTHETIC notice.
    const errors = run.stderr.split('\n').filter((l) => l.startsWith('tickstock:') && !l.includes('prices are SYNTHETIC'));
    expect({ code: run.code, errors }).toEqual({ code: 0, errors: [] });
    const runId = JSON.parse(run.stdout).run_id as string;

    // Mirrors processing_event_subscriber.py ProcessingEventSubscriber.get_processing_history(days=7, limit=20).
    const history = await sql<Record<string, unknown>>(appHistorySql(7, 20));
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({
      run_id: runId,
      trigger_type: 'manual',
      status: 'success',
      phase: 'completed',
      symbols_total: 3,
      symbols_processed: 3,
      symbols_failed: 0,
      error_message: null,
    });
    expect(typeof history[0]?.duration_seconds).toBe('number');
    expect(history[0]?.start_time).toBeInstanceOf(Date);
    expect(history[0]?.end_time).toBeInstanceOf(Date);

    // Mirrors tickstock_db.py TickStockDatabase.get_symbol_details: every column exists; details from the API are there.
    const [aapl] = await sql<Record<string, unknown>>(GET_SYMBOL_DETAILS_SQL.replace(':symbol', '$1'), ['AAPL']);
    expect(Object.keys(aapl ?? {})).toEqual(GET_SYMBOL_DETAILS_COLUMNS);
    expect(aapl).toMatchObject({ symbol: 'AAPL', currency_name: 'usd', active: true });
    expect(Number(aapl?.weighted_shares_outstanding)).toBeGreaterThan(0);
    expect(aapl?.last_updated).toBeInstanceOf(Date); // the app calls .isoformat() on it
    const [btc] = await sql<Record<string, unknown>>(GET_SYMBOL_DETAILS_SQL.replace(':symbol', '$1'), ['X:BTCUSD']);
    expect(btc).toMatchObject({ currency_symbol: 'USD' });

    // The app keeps writing its own rows (_save_processing_run) next to ours.
    await sql(APP_SAVE_RUN_SQL, ['app_daily', 'automatic', 'running', 'scheduled', '2030-01-01 00:00:00', 500, '{}']);
    expect((await sql<{ n: number }>('SELECT count(*)::int AS n FROM processing_runs'))[0]?.n).toBe(2);
    // A second import is unaffected by the app's row.
    expect((await tickstock(IMPORT)).code).toBe(0);
  }, 120_000);
});

describe('our first processing_runs (the previous release), holding runs', () => {
  it("tickstock migrate adds the app's columns, never dropping or retyping ours; imports, retries and the app's reads work", async () => {
    current = await database('ours_old');
    const { sql } = current;
    // What the previous release's migrate left: migrations 1-4 recorded and our first processing_runs shape.
    const first = await tickstock(['migrate']);
    expect(first.code).toBe(0);
    await sql('DROP TABLE processing_runs');
    await sql(FIRST_PROCESSING_RUNS_DDL);
    await sql('DELETE FROM schema_migrations WHERE version >= 5');
    await sql(
      `INSERT INTO symbol_processing_status (run_id, phase, symbol, status) VALUES ('import_20250101_000000_aaaaaa', 'data_import', 'KO', 'completed')`,
    );
    await sql(
      `INSERT INTO processing_runs (run_id, phase, status, params, records_imported, message, started_at, completed_at)
       VALUES ('import_20250101_000000_aaaaaa', 'data_import', 'completed', '{"origin": "api", "symbols_total": 1}', 10, 'completed: 1 of 1',
               now() - interval '1 day', now() - interval '1 day' + interval '5 seconds')`,
    );
    const before = await tableShape({ sql }, 'processing_runs');

    const migrate = await tickstock(['migrate']);
    expect({ code: migrate.code, stderr: migrate.stderr }).toEqual({ code: 0, stderr: '' });
    expect(migrate.stdout).toContain('applied migrations 5, 6, 7');
    expect(migrate.stdout).toContain('added column processing_runs.trigger_type VARCHAR(32)');
    const after = await tableShape({ sql }, 'processing_runs');
    expect(after.filter((c) => before.includes(c))).toEqual(before);
    expect(after).toContain('metadata jsonb');

    // An import that fails one symbol, then its retry: both write the old columns and the app's.
    const run = await tickstock([
      'import',
      '--symbols',
      'AAPL,ZZZNOTREAL',
      '--timeframes',
      'day',
      '--lookback-days',
      '5',
      '--success-threshold',
      '0.5',
      '--simulator',
      '--json',
    ]);
    expect(run.code).toBe(1);
    const runId = JSON.parse(run.stdout).run_id as string;
    const retry = await tickstock(['retry', runId, '--simulator', '--json']);
    expect(retry.code).toBe(2); // still unknown to the API

    const history = await sql<Record<string, unknown>>(appHistorySql(7, 20));
    expect(history.map((r) => r.run_id)).toEqual([runId, 'import_20250101_000000_aaaaaa']);
    expect(history[0]).toMatchObject({
      trigger_type: 'manual',
      status: 'success',
      symbols_total: 2,
      symbols_processed: 1,
      symbols_failed: 1,
    });
    expect(String(history[0]?.error_message)).toContain('1 of 2');
    // The row written by the previous release is described in the app's words and columns by migration 5.
    expect(history[1]).toMatchObject({
      status: 'success',
      trigger_type: 'manual',
      phase: 'completed',
      duration_seconds: 5,
      symbols_total: 1,
      symbols_processed: 1,
      symbols_failed: 0,
      error_message: null,
    });
    const [legacy] = await sql<Record<string, unknown>>(
      'SELECT params->>$2 AS origin, records_imported::int AS records, retry_count, message FROM processing_runs WHERE run_id = $1',
      [runId, 'origin'],
    );
    expect(legacy).toMatchObject({ origin: 'cli', retry_count: 1 });
    expect(Number(legacy?.records)).toBeGreaterThan(0);
  }, 120_000);
});

describe('a database our migrations made', () => {
  it("has the app's processing_runs exactly, and get_symbol_details' exact SELECT works", async () => {
    current = await database('fresh');
    const { sql } = current;
    expect((await tickstock(['migrate'])).code).toBe(0);
    const reference = await createAppReference({ sql });
    expect(await tableShape({ sql }, 'processing_runs')).toEqual(await tableShape({ sql }, reference));
    expect((await tickstock(IMPORT)).code).toBe(0);
    const [msft] = await sql<Record<string, unknown>>(GET_SYMBOL_DETAILS_SQL.replace(':symbol', '$1'), ['MSFT']);
    expect(Object.keys(msft ?? {})).toEqual(GET_SYMBOL_DETAILS_COLUMNS);
    expect(msft?.name).toEqual(expect.any(String));
    expect(await sql(appHistorySql(7, 20))).toHaveLength(1);
  }, 120_000);
});
