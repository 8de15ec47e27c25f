/**
 * "The database is unavailable" is its own error: STORE_UNAVAILABLE (retryable), distinct from STORAGE_FAILED, so a
 * caller can wait for the database instead of failing the data. Proven on a private PostgreSQL 15 cluster this file
 * owns (it is stopped, set read-only and given a role with a connection limit): a connection terminated by an
 * administrator, the server stopped, a read-only database, a role over its connection limit; and the contrast, a
 * numeric overflow, which stays STORAGE_FAILED and not retryable. No message ever holds the password.
 */
import { randomBytes } from 'node:crypto';
import { type PostgresServer, startPostgresServer, waitFor } from '@tickstock/test-support';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStoreUnavailable, type OhlcvStore, openStore, type StoreError } from '../src/index.js';
import { dayBar } from './support/bars.js';

/** Made up per run (trust authentication ignores it): no credential-shaped literal in the code. */
const PASSWORD = `pw-${randomBytes(6).toString('hex')}`;

async function failure(p: Promise<unknown>): Promise<StoreError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(e instanceof Error)) throw new Error('expected a rejection');
  return e as StoreError;
}

/** The SQLSTATE or socket code of a store error's cause. */
const causeCode = (e: StoreError) => (e.cause as { code?: string } | undefined)?.code;

/** A StoreError holds no password: not in its message, nor in its cause. */
function expectRedacted(e: StoreError): void {
  expect(e.message).not.toContain(PASSWORD);
  expect(JSON.stringify(e.cause, Object.getOwnPropertyNames(e.cause ?? {}))).not.toContain(PASSWORD);
}

describe('STORE_UNAVAILABLE on a real PostgreSQL 15 server', () => {
  let server: PostgresServer;
  /** The server's URL with a password in it (trust authentication ignores it; messages must never show it). */
  let url: string;
  let store: OhlcvStore;

  /**
   * Runs one statement on a fresh admin connection (a restart kills long-lived ones), in the `postgres` database
   * unless told (cluster-wide statements must work while `tickstock` is read-only).
   */
  async function sql<R = Record<string, unknown>>(text: string, database = 'postgres'): Promise<R[]> {
    const c = new pg.Client({ connectionString: server.url.replace(/\/tickstock$/, `/${database}`) });
    c.on('error', () => {}); // a probe connected while the server stops: its query fails, and the client must not crash the file
    await c.connect();
    try {
      return (await c.query(text)).rows as R[];
    } finally {
      await c.end();
    }
  }

  beforeAll(async () => {
    server = await startPostgresServer({ database: 'tickstock' });
    url = server.url.replace('postgres@', `postgres:${PASSWORD}@`);
    store = await openStore({ databaseUrl: url, env: {}, maxConnections: 2 });
  });
  afterAll(async () => {
    await store?.close();
    await server?.stop();
  });

  it('a statement whose connection an administrator terminates (pg_terminate_backend) fails with STORE_UNAVAILABLE; the next call works', async () => {
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    try {
      // Hold the table so the store's statement is running (waiting) on its connection when that connection is killed.
      await admin.query('BEGIN');
      await admin.query('LOCK TABLE processing_progress IN ACCESS EXCLUSIVE MODE');
      const progress = { runId: 'run-terminated', phase: 'data_import', totalItems: 2, completedItems: 1 };
      const writing = failure(store.recordProgress(progress));
      // (An empty list is truthy: wait for a row, not for the query.)
      const [waiting] = await waitFor(
        async () => {
          const { rows } = await admin.query<{ pid: number }>(
            `SELECT pid FROM pg_stat_activity WHERE application_name = 'tickstock-ohlcv-store' AND wait_event_type = 'Lock'`,
          );
          return rows.length > 0 ? rows : undefined;
        },
        { what: 'the store to wait on the lock' },
      );
      expect((await admin.query('SELECT pg_terminate_backend($1) AS done', [waiting?.pid])).rows).toEqual([{ done: true }]);
      await admin.query('ROLLBACK');
      const e = await writing;
      expect(e).toMatchObject({ name: 'StoreError', code: 'STORE_UNAVAILABLE', retryable: true, table: 'processing_progress' });
      expect(e.message).toBe(
        'writing processing_progress failed: the database is unavailable: terminating connection due to administrator command',
      );
      expect(causeCode(e)).toBe('57P01');
      expect(isStoreUnavailable(e)).toBe(true);
      expectRedacted(e);
      // The dead connection was dropped: the same call now succeeds on a new one.
      await store.recordProgress(progress);
      expect((await store.getProgress('run-terminated')).map((p) => p.completedItems)).toEqual([1]);
    } finally {
      await admin.end();
    }
  });

  it('with the server stopped, reads, writes and ping fail with STORE_UNAVAILABLE; once it is back the same calls work', async () => {
    const bars = [dayBar('2024-06-03', 10), dayBar('2024-06-04', 11)];
    await store.upsertBars('daily', 'DOWN', bars.slice(0, 1));
    const restarting = server.restart({ downMs: 4_000 });
    // Down once a new connection is refused.
    await waitFor(
      async () =>
        sql('SELECT 1').then(
          () => false,
          (e: { code?: string }) => e.code === 'ECONNREFUSED',
        ),
      {
        what: 'the server to stop',
      },
    );
    // A connection of the pool that the stop terminated may fail first, without a code ("Connection terminated"):
    // STORE_UNAVAILABLE too. Spend those, so each call below needs a new connection.
    for (let i = 0; i < 4; i++) {
      const stale = await failure(store.ping());
      expect(stale.code).toBe('STORE_UNAVAILABLE');
      if (causeCode(stale) === 'ECONNREFUSED') break;
    }
    const errors = [
      await failure(store.ping()),
      await failure(store.upsertBars('daily', 'DOWN', bars)),
      await failure(store.getBars('daily', 'DOWN')),
      await failure(store.recordSymbolStatuses([{ runId: 'r', phase: 'p', symbol: 'DOWN', status: 'failed' }])),
    ];
    await restarting;
    expect(errors.map((e) => [e.code, e.retryable, e.table])).toEqual([
      ['STORE_UNAVAILABLE', true, undefined],
      ['STORE_UNAVAILABLE', true, 'ohlcv_daily'],
      ['STORE_UNAVAILABLE', true, 'ohlcv_daily'],
      ['STORE_UNAVAILABLE', true, 'symbol_processing_status'],
    ]);
    // The pool's connections died with the server: every call needed a new one, and each was refused.
    expect(errors.map(causeCode)).toEqual(['ECONNREFUSED', 'ECONNREFUSED', 'ECONNREFUSED', 'ECONNREFUSED']);
    expect(errors[0]?.message).toBe(
      `checking the database failed: the database is unavailable: connect ECONNREFUSED 127.0.0.1:${server.port}`,
    );
    expect(errors[1]?.message).toBe(
      `writing a batch of daily bars into "ohlcv_daily" failed: the database is unavailable: connect ECONNREFUSED 127.0.0.1:${server.port} (the batch was rolled back; 0 earlier batches committed)`,
    );
    expect(errors[1]?.report).toMatchObject({ received: 2, written: 0, batches: 0 });
    for (const e of errors) expectRedacted(e);
    expect(await store.upsertBars('daily', 'DOWN', bars)).toMatchObject({ inserted: 1, unchanged: 1, missing: 0 });
    expect(await store.getBars('daily', 'DOWN')).toEqual(bars);
  });

  it('a read-only database (default_transaction_read_only, as on a standby) fails writes with STORE_UNAVAILABLE (25006); reads work', async () => {
    await store.upsertBars('daily', 'RO', [dayBar('2024-06-03', 10), dayBar('2024-06-04', 11)]);
    await sql('ALTER DATABASE tickstock SET default_transaction_read_only = on');
    try {
      // New sessions only: a store opened now is read-only. A current schema is only read at open, so opening with
      // migrations works; a database that needs a migration fails it as unavailable.
      const current = await openStore({ databaseUrl: url, env: {} });
      expect(current.migrations?.applied).toEqual([]);
      await current.close();
      await sql('CREATE DATABASE fresh_ro');
      await sql('ALTER DATABASE fresh_ro SET default_transaction_read_only = on');
      const migrating = await failure(openStore({ databaseUrl: url.replace(/\/tickstock$/, '/fresh_ro'), env: {} }));
      expect(migrating).toMatchObject({ code: 'STORE_UNAVAILABLE', retryable: true });
      expect(migrating.message).toBe(
        `migration 1 (symbols and the five bar tables) on postgres://postgres@127.0.0.1:${server.port}/fresh_ro failed: the database is unavailable: cannot execute CREATE TABLE in a read-only transaction`,
      );
      expectRedacted(migrating);
      const readOnly = await openStore({ databaseUrl: url, env: {}, migrate: false });
      try {
        // The staged path (a symbol this store has not seen) stops at its TEMP table; the one-statement path (an
        // INSERT in a WITH, so PostgreSQL names the SELECT) at once.
        const staged = await failure(readOnly.upsertBars('daily', 'DOWN', [dayBar('2024-06-05', 12)]));
        const single = await failure(readOnly.upsertBars('daily', 'DOWN', [dayBar('2024-06-05', 12)], { registerMissingSymbols: false }));
        for (const write of [staged, single]) {
          expect(write).toMatchObject({ code: 'STORE_UNAVAILABLE', retryable: true, table: 'ohlcv_daily' });
          expect(causeCode(write)).toBe('25006');
        }
        expect(staged.message).toBe(
          'writing a batch of daily bars into "ohlcv_daily" failed: the database is unavailable: cannot execute CREATE TABLE in a read-only transaction (the batch was rolled back; 0 earlier batches committed)',
        );
        expect(single.message).toBe(
          'writing a batch of daily bars into "ohlcv_daily" failed: the database is unavailable: cannot execute SELECT in a read-only transaction (the batch was rolled back; 0 earlier batches committed)',
        );
        const status = await failure(readOnly.recordSymbolStatus({ runId: 'r', phase: 'p', symbol: 'DOWN', status: 'failed' }));
        expect([status.code, causeCode(status)]).toEqual(['STORE_UNAVAILABLE', '25006']);
        expect((await readOnly.getBars('daily', 'RO')).length).toBe(2);
      } finally {
        await readOnly.close();
      }
    } finally {
      await sql('ALTER DATABASE tickstock RESET default_transaction_read_only');
    }
  });

  it('a role over its CONNECTION LIMIT fails the call that needs one more connection with STORE_UNAVAILABLE (53300)', async () => {
    await sql(`CREATE ROLE loader LOGIN PASSWORD '${PASSWORD}' CONNECTION LIMIT 1`);
    await sql('GRANT ALL ON ALL TABLES IN SCHEMA public TO loader', 'tickstock');
    const limited = await openStore({
      databaseUrl: url.replace(`postgres:${PASSWORD}@`, `loader:${PASSWORD}@`),
      env: {},
      migrate: false,
      maxConnections: 2,
    });
    try {
      // The pool holds the role's one connection; two calls at once need a second.
      const outcomes = await Promise.allSettled([limited.ping(), limited.ping()]);
      expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
      const e = (outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason as StoreError;
      expect(e).toMatchObject({ code: 'STORE_UNAVAILABLE', retryable: true });
      expect(causeCode(e)).toBe('53300');
      expect(e.message).toBe('checking the database failed: the database is unavailable: too many connections for role "loader"');
      expectRedacted(e);
      expect(typeof (await limited.ping())).toBe('number');
    } finally {
      await limited.close();
    }
  });

  it('a numeric overflow is a data error: STORAGE_FAILED, not retryable (22003)', async () => {
    const e = await failure(
      store.recordProgress({ runId: 'run-overflow', phase: 'data_import', totalItems: 3_000_000_000, completedItems: 0 }),
    );
    expect(e).toMatchObject({ code: 'STORAGE_FAILED', retryable: false, table: 'processing_progress' });
    expect(causeCode(e)).toBe('22003');
    expect(e.message).toBe('writing processing_progress failed: value "3000000000" is out of range for type integer');
    expect(isStoreUnavailable(e)).toBe(false);
  });
});
