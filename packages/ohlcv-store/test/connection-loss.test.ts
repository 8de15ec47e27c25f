/**
 * The database connection dropping while the store holds a client between statements (a server restart while a
 * write transaction is open): node-postgres then emits `error` on the checked-out client, which would crash the
 * process if nobody listened. The driver listens: the transaction fails, the dead client is not reused, and the
 * store works again on fresh connections, and reports the loss as STORE_UNAVAILABLE (the database, not the data).
 */
import { createTestDatabase, type TestDatabase, waitFor } from '@tickstock/test-support';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDriver } from '../src/drivers/pg-driver.js';
import { isConnectionFailure, storageFailed } from '../src/errors.js';
import { openStore } from '../src/index.js';
import { minuteBars } from './support/bars.js';

describe('a connection lost between statements of a transaction', () => {
  let db: TestDatabase;
  let admin: pg.Client;
  beforeAll(async () => {
    db = await createTestDatabase('loss');
    admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await db?.drop();
  });

  /** Terminates `pid` from another session and waits until it is gone. */
  async function terminate(pid: number): Promise<void> {
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    await waitFor(async () => (await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).rowCount === 0, {
      what: `backend ${pid} to exit`,
    });
  }

  // An unhandled `error` event would fail this file as an unhandled error (or kill the process outside a test).
  it('fails the transaction instead of crashing, drops the dead client, and the pool serves the next one', async () => {
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    pool.on('error', () => {});
    const driver = createPgDriver({ pool, owned: true, target: 'test' });
    try {
      let pid = 0;
      const failed = await driver
        .transaction(async (tx) => {
          pid = Number((await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid);
          await terminate(pid);
          // Give the client's socket time to see the close (the `error` event fires now, between statements).
          await new Promise((r) => setTimeout(r, 200));
          await tx.query('SELECT 1');
          return 'committed';
        })
        .then(
          () => undefined,
          (e: unknown) => e as Error,
        );
      expect(failed).toBeInstanceOf(Error);
      expect(pid).toBeGreaterThan(0);
      // Whatever node-postgres reported (the server's 57P01, or its own "not queryable" text), it is of the
      // connection kind: the store reports it as STORE_UNAVAILABLE.
      expect(isConnectionFailure(failed)).toBe(true);
      expect(storageFailed('writing', failed)).toMatchObject({ code: 'STORE_UNAVAILABLE', retryable: true });
      // max: 1, so this only works if the dead client was dropped rather than returned to the pool.
      const { rows } = await driver.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      expect(rows[0]?.pid).not.toBe(pid);
      await expect(driver.transaction(async (tx) => (await tx.query<{ one: number }>('SELECT 1 AS one')).rows[0]?.one)).resolves.toBe(1);
    } finally {
      await driver.close();
    }
  });

  it('a store write whose connection drops mid-write fails with STORE_UNAVAILABLE, and the same write then succeeds', async () => {
    const store = await openStore({ databaseUrl: db.url, env: {}, maxConnections: 1, batchSize: 2 });
    try {
      await store.registerSymbol({ symbol: 'LOSS' });
      const bars = minuteBars(Date.UTC(2024, 5, 3, 13, 30), 6);
      const { rows } = await admin.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = 'tickstock-ohlcv-store'",
        [db.name],
      );
      expect(rows).toHaveLength(1); // the store's one connection
      async function* dropping() {
        for (const [i, bar] of bars.entries()) {
          if (i === 3) {
            await terminate(rows[0]?.pid as number);
            await new Promise((r) => setTimeout(r, 200));
          }
          yield bar;
        }
      }
      const outcome = await store.upsertBars('1min', 'LOSS', dropping()).then(
        (report) => ({ report, error: undefined }),
        (e: unknown) => ({ report: undefined, error: e as Error & { code?: string } }),
      );
      // Either the write fails with STORE_UNAVAILABLE (the dead connection was still in hand for the next batch), or
      // the pool had already dropped it and the next batch went out on a fresh one: then every bar was written and
      // the report says so. Never a partial write reported as success.
      if (outcome.error) expect(outcome.error).toMatchObject({ code: 'STORE_UNAVAILABLE', retryable: true });
      else {
        expect(outcome.report).toMatchObject({ received: 6, written: 6 });
        expect((await store.getBars('1min', 'LOSS')).length).toBe(6);
      }
      const report = await store.upsertBars('1min', 'LOSS', bars);
      expect(report.received).toBe(6);
      expect((await store.getBars('1min', 'LOSS')).map((b) => b.timestamp)).toEqual(bars.map((b) => b.timestamp));
    } finally {
      await store.close();
    }
  });
});
