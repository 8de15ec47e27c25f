/** Connecting: options and environment, credential redaction, borrowed pools, concurrent migrations, failures. */
import { randomUUID } from 'node:crypto';
import { REDACTED, redactText } from '@tickstock/market-time/redact';
import { createTestDatabase, freePort, type TestDatabase } from '@tickstock/test-support';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeUrl } from '../src/connection.js';
import { isStoreError, openStore } from '../src/index.js';
import { dayBar } from './support/bars.js';

async function failure(p: Promise<unknown>): Promise<Error & { code?: string }> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(e instanceof Error)) throw new Error('expected a rejection');
  return e as Error & { code?: string };
}

describe('connection settings', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('conn');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('connects from DB_HOST/DB_PORT/DB_NAME/DB_USER/DB_PASSWORD and never shows the password in its target', async () => {
    const u = new URL(db.url);
    const password = `test-password-${randomUUID()}`;
    const store = await openStore({
      env: { DB_HOST: u.hostname, DB_PORT: u.port, DB_NAME: db.name, DB_USER: u.username, DB_PASSWORD: password },
    });
    try {
      expect(store.kind).toBe('postgres');
      expect(store.target).toBe(`postgres://${u.username}@${u.hostname}:${u.port}/${db.name}`);
      expect(store.target).not.toContain(password);
    } finally {
      await store.close();
    }
  });

  it('prefers DATABASE_URL over DB_* variables', async () => {
    const store = await openStore({ env: { DATABASE_URL: db.url, DB_HOST: 'db.invalid', DB_NAME: 'nope' } });
    try {
      expect(store.target).toBe(describeUrl(db.url));
    } finally {
      await store.close();
    }
  });

  it('fails with CONNECTION_FAILED naming the server but not the password', async () => {
    const port = await freePort();
    const password = `test-password-${randomUUID()}`;
    const e = await failure(
      openStore({ databaseUrl: `postgres://tickstock:${password}@127.0.0.1:${port}/tickstock`, connectTimeoutMs: 2000 }),
    );
    expect(isStoreError(e, 'CONNECTION_FAILED')).toBe(true);
    expect(e.message).toContain(`postgres://tickstock@127.0.0.1:${port}/tickstock`);
    expect(e.message).not.toContain(password);
    expect(JSON.stringify(e.cause, Object.getOwnPropertyNames(e.cause ?? {}))).not.toContain(password);
    expect(String(e.stack)).not.toContain(password);
  });

  it('rejects a DB_PORT that is not a port with CONFIGURATION', async () => {
    const e = await failure(openStore({ env: { DB_HOST: '127.0.0.1', DB_PORT: 'fivefourthreetwo', DB_NAME: 'x' } }));
    expect(isStoreError(e, 'CONFIGURATION')).toBe(true);
    expect(e.message).toContain('DB_PORT');
  });

  it('borrows a pool without ending it, and refuses calls after close with STORE_CLOSED', async () => {
    const pool = new pg.Pool({ connectionString: db.url, max: 2 });
    try {
      const store = await openStore({ pool });
      await store.close();
      expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      const e = await failure(store.getBars('daily', 'AAPL'));
      expect(isStoreError(e, 'STORE_CLOSED')).toBe(true);
    } finally {
      await pool.end();
    }
  });

  it('prepares its two hot statements on the connection by default, and none with preparedStatements: false', async () => {
    const prepared = async (symbol: string, preparedStatements: boolean | undefined) => {
      // One connection, so pg_prepared_statements (per session) sees what the store prepared.
      const pool = new pg.Pool({ connectionString: db.url, max: 1 });
      try {
        const store = await openStore({ pool, ...(preparedStatements === undefined ? {} : { preparedStatements }) });
        await store.registerSymbol({ symbol, name: `${symbol} Inc` });
        const r = await store.upsertBars('daily', symbol, [dayBar('2025-03-03'), dayBar('2025-03-04')]);
        expect(r).toMatchObject({ inserted: 2, rejected: 0 });
        await store.close();
        const { rows } = await pool.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_prepared_statements WHERE name LIKE 'tickstock\\_%'",
        );
        return rows[0]?.n;
      } finally {
        await pool.end();
      }
    };
    expect(await prepared('PREP1', undefined)).toBe(2);
    expect(await prepared('PREP2', false)).toBe(0);
  });

  it('reports a failed statement as STORAGE_FAILED naming the table', async () => {
    const store = await openStore({ databaseUrl: db.url });
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      await admin.query('ALTER TABLE ohlcv_monthly RENAME TO ohlcv_monthly_moved');
      const e = await failure(store.getBars('monthly', 'AAPL'));
      expect(isStoreError(e, 'STORAGE_FAILED')).toBe(true);
      expect(e.message).toContain('ohlcv_monthly');
      expect((e as { table?: string }).table).toBe('ohlcv_monthly');
    } finally {
      await admin.query('ALTER TABLE ohlcv_monthly_moved RENAME TO ohlcv_monthly');
      await admin.end();
      await store.close();
    }
  });
});

describe('concurrent migrations', () => {
  it('three stores (separate connections) opening a fresh database at once apply each migration exactly once', async () => {
    const db = await createTestDatabase('race');
    try {
      const stores = await Promise.all([
        openStore({ databaseUrl: db.url }),
        openStore({ databaseUrl: db.url }),
        openStore({ databaseUrl: db.url }),
      ]);
      const applied = stores.flatMap((s) => s.migrations?.applied ?? []).sort();
      expect(applied).toEqual([1, 2, 3, 4, 5, 6, 7]);
      await Promise.all(stores.map((s) => s.close()));
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      const { rows } = await c.query('SELECT version FROM schema_migrations ORDER BY version');
      await c.end();
      expect(rows).toEqual([
        { version: 1 },
        { version: 2 },
        { version: 3 },
        { version: 4 },
        { version: 5 },
        { version: 6 },
        { version: 7 },
      ]);
      // Whoever applied migration 5, the fresh database has the app's processing_runs (VARCHAR(64) run_id, TIMESTAMP times).
      const c2 = new pg.Client({ connectionString: db.url });
      await c2.connect();
      const types = await c2.query(
        `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'processing_runs' AND column_name IN ('params', 'started_at', 'trigger_type') ORDER BY 1`,
      );
      await c2.end();
      expect(types.rows).toEqual([
        { column_name: 'started_at', data_type: 'timestamp without time zone' },
        { column_name: 'trigger_type', data_type: 'character varying' },
      ]);
    } finally {
      await db.drop();
    }
  });

  it('refuses a schema_migrations table made by another tool', async () => {
    const db = await createTestDatabase('foreign');
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      await c.query('CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, dirty BOOLEAN NOT NULL)');
      await c.query('INSERT INTO schema_migrations VALUES (1, false)');
      const e = await failure(openStore({ databaseUrl: db.url }));
      expect(isStoreError(e, 'MIGRATION_FAILED')).toBe(true);
      expect(e.message).toContain('not created by @tickstock/ohlcv-store');
    } finally {
      await c.end();
      await db.drop();
    }
  });
});

describe('redaction (market-time/redact, as the store uses it)', () => {
  it('removes URL passwords, password= values and given secrets', () => {
    const secret = `s3cr3t-${randomUUID()}`;
    expect(redactText(`connect postgres://bob:${secret}@db:5432/x failed`)).toBe(`connect postgres://bob:${REDACTED}@db:5432/x failed`);
    expect(redactText(`host=db password=${secret} user=bob`)).toBe(`host=db password=${REDACTED} user=bob`);
    expect(redactText(`token ${secret} leaked`, secret)).toBe(`token ${REDACTED} leaked`);
    expect(describeUrl(`postgresql://bob:${secret}@db:5432/x?sslmode=require`)).toBe('postgresql://bob@db:5432/x');
  });
});
