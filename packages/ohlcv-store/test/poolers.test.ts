/**
 * The store behind a real PgBouncer (Debian's 1.18, started by the test). Transaction mode: migrations (advisory
 * transaction lock), small batches (one statement) and staged batches (TEMP table, COPY, two statements in one
 * transaction) all work with `preparedStatements: false`; with prepared statements on, the clash of two clients'
 * named statements on one server connection is `PREPARED_STATEMENTS_REFUSED` naming the setting. Statement mode
 * refuses the store's transactions: `POOL_MODE_UNSUPPORTED` at open, not a "database unavailable" to wait out.
 */
import { createTestDatabase, type PgBouncer, startPgBouncer, type TestDatabase } from '@tickstock/test-support';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMALL_BATCH_ROWS } from '../src/bars/upsert.js';
import { isStoreError, type OhlcvStore, openStore, type StoreError } from '../src/index.js';
import { dayBar, minuteBars, weekdays } from './support/bars.js';

let db: TestDatabase;
let transaction: PgBouncer;
let statement: PgBouncer;

beforeAll(async () => {
  db = await createTestDatabase('pooler');
  const upstreamPort = Number(new URL(db.url).port);
  // One server connection per pool: every client of a store shares it, so named statements always meet.
  transaction = await startPgBouncer({ upstreamPort, database: db.name, poolMode: 'transaction', poolSize: 1 });
  statement = await startPgBouncer({ upstreamPort, database: db.name, poolMode: 'statement' });
});

afterAll(async () => {
  await transaction?.stop();
  await statement?.stop();
  await db?.drop();
});

async function rows(table: string): Promise<number> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    return (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]?.n ?? -1;
  } finally {
    await c.end();
  }
}

const DAYS = weekdays('2024-03-04', 5);
const symbols = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('PgBouncer in transaction mode', () => {
  it('migrates a fresh database through it (advisory transaction lock, DDL in transactions)', async () => {
    const store = await openStore({ databaseUrl: transaction.url, env: {}, preparedStatements: false });
    try {
      expect(store.migrations?.applied).toEqual([1, 2, 3, 4, 5, 6, 7]);
    } finally {
      await store.close();
    }
  });

  it('with preparedStatements: false every write lands: 72 concurrent small batches and a staged one', async () => {
    const store = await openStore({ databaseUrl: transaction.url, env: {}, preparedStatements: false, maxConnections: 8 });
    try {
      const names = symbols('OFF', 72);
      const settled = await Promise.allSettled(
        names.map((s) =>
          store.upsertBars(
            'daily',
            s,
            DAYS.map((d) => dayBar(d)),
          ),
        ),
      );
      expect(settled.filter((r) => r.status === 'rejected')).toEqual([]);
      expect(settled.map((r) => (r.status === 'fulfilled' ? r.value.inserted : -1))).toEqual(names.map(() => 5));
      const staged = await store.upsertBars('1min', 'OFFBIG', minuteBars(Date.UTC(2024, 2, 4, 14, 30), SMALL_BATCH_ROWS + 1));
      expect({ inserted: staged.inserted, missing: staged.missing }).toEqual({ inserted: SMALL_BATCH_ROWS + 1, missing: 0 });
    } finally {
      await store.close();
    }
    expect(await rows('ohlcv_daily')).toBe(72 * 5);
    expect(await rows('ohlcv_1min')).toBe(SMALL_BATCH_ROWS + 1);
  });

  it('with prepared statements on, a refused statement is PREPARED_STATEMENTS_REFUSED naming the setting', async () => {
    const store = await openStore({ databaseUrl: transaction.url, env: {}, preparedStatements: true, maxConnections: 8, migrate: false });
    let errors: unknown[];
    try {
      // Registered symbols: their small batches are the one prepared statement (unregistered ones are staged first).
      const names = symbols('ON', 16);
      await store.registerSymbols(names.map((symbol) => ({ symbol })));
      const settled = await Promise.allSettled(
        names.map((s) =>
          store.upsertBars(
            'daily',
            s,
            DAYS.map((d) => dayBar(d)),
          ),
        ),
      );
      errors = settled.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    } finally {
      await store.close();
    }
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) {
      expect(isStoreError(e, 'PREPARED_STATEMENTS_REFUSED')).toBe(true);
      const err = e as StoreError;
      expect(err.retryable).toBe(false);
      expect(err.table).toBe('ohlcv_daily');
      expect(err.message).toMatch(
        /^writing a batch of daily bars into "ohlcv_daily" failed: the database refused one of the store's prepared statements: a connection pooler in transaction or statement mode that does not track prepared statements \(PgBouncer before 1\.21, or with max_prepared_statements = 0\) is the likely cause\. Set TICKSTOCK_PREPARED_STATEMENTS=false \(library option preparedStatements: false\), or pool in session mode \(prepared statement "tickstock_[0-9a-f]{24}" (already exists|does not exist)\) \(the batch was rolled back; 0 earlier batches committed\)$/,
      );
      expect(['42P05', '26000']).toContain((err.cause as { code?: string }).code);
    }
  });
});

describe('startPgBouncer', () => {
  it("fails with PgBouncer's own words when it cannot start", async () => {
    const e = await startPgBouncer({ upstreamPort: 1, database: db.name, poolMode: 'bogus' as 'session' }).then(
      async (b) => {
        await b.stop();
        return new Error('started');
      },
      (x: unknown) => x as Error,
    );
    expect(e.message).toMatch(/^pgbouncer on port \d+: exited at start \(1\)\n/);
    expect(e.message).toContain('pool_mode');
  });
});

describe('PgBouncer in statement mode', () => {
  it.each([true, false])('refuses the store at open with POOL_MODE_UNSUPPORTED (migrate: %s), not as an outage', async (migrate) => {
    const e = await openStore({ databaseUrl: statement.url, env: {}, preparedStatements: false, migrate }).then(
      (s: OhlcvStore) => s.close().then(() => undefined),
      (x: unknown) => x,
    );
    expect(isStoreError(e, 'POOL_MODE_UNSUPPORTED')).toBe(true);
    expect((e as StoreError).retryable).toBe(false);
    expect((e as StoreError).message).toBe(
      `reading the schema version of ${statement.url} failed: the connection pooler refused a transaction: the store writes and migrates in transactions, which statement pooling (PgBouncer pool_mode = statement) does not allow. Use pool_mode = transaction (with TICKSTOCK_PREPARED_STATEMENTS=false, library option preparedStatements: false) or pool_mode = session (transaction blocks not allowed in statement pooling mode)`,
    );
  });
});
