/**
 * A worker role with only the grants of `grantsSql` (created by the test on the test server, dropped after): it
 * cannot migrate, and is told to run `tickstock migrate` as the owner (`MIGRATION_REQUIRED`); once the owner has
 * migrated and run the grants, it opens with `migrate: true` or `false` (no DDL: the schema is current), writes small
 * and staged (TEMP table, COPY) batches, deletes, and records progress; one grant fewer is `PRIVILEGES_MISSING`
 * naming exactly what is missing.
 */
import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@tickstock/test-support';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMALL_BATCH_ROWS } from '../src/bars/upsert.js';
import { grantsSql, isStoreError, type OhlcvStore, type OpenStoreOptions, openStore, type StoreError } from '../src/index.js';
import { dayBar, minuteBars, weekdays } from './support/bars.js';

const ROLE = `worker_${randomBytes(4).toString('hex')}`;
let db: TestDatabase;
let owner: pg.Client;
let roleUrl: string;
let target: string;

async function sql(text: string): Promise<void> {
  await owner.query(text);
}

function open(options: OpenStoreOptions = {}): Promise<OhlcvStore> {
  return openStore({ databaseUrl: roleUrl, env: {}, ...options });
}

async function failure(options: OpenStoreOptions): Promise<StoreError> {
  const e = await open(options).then(
    async (s) => {
      await s.close();
      return undefined;
    },
    (x: unknown) => x,
  );
  if (!isStoreError(e)) throw new Error(`expected a StoreError, got ${String(e)}`);
  return e;
}

beforeAll(async () => {
  db = await createTestDatabase('leastpriv');
  owner = new pg.Client({ connectionString: db.url });
  await owner.connect();
  // A password generated per run (the test server trusts loopback, so it is not checked).
  await sql(`CREATE ROLE ${ROLE} LOGIN PASSWORD '${randomBytes(12).toString('hex')}'`);
  // Without this PUBLIC's default TEMPORARY would hide whether the grants carry it.
  await sql(`REVOKE TEMPORARY ON DATABASE ${db.name} FROM PUBLIC`);
  const u = new URL(db.url);
  u.username = ROLE;
  roleUrl = u.toString();
  target = `postgres://${ROLE}@${u.host}/${db.name}`;
});

afterAll(async () => {
  await owner?.end();
  await db?.drop();
  const base = new pg.Client({ connectionString: db.url.replace(/\/[^/]+$/, '/postgres') });
  await base.connect();
  await base.query(`DROP ROLE IF EXISTS ${ROLE}`).finally(() => base.end());
});

const NEEDS_MIGRATE =
  'run `tickstock migrate` as the schema owner (library: openStore({ migrate: true }) connected as the owner), then start again';

describe('a role without DDL rights on an unmigrated database', () => {
  it('with migrate: true: MIGRATION_REQUIRED naming tickstock migrate and the refusal', async () => {
    const e = await failure({ migrate: true });
    expect({ code: e.code, retryable: e.retryable }).toEqual({ code: 'MIGRATION_REQUIRED', retryable: false });
    expect(e.message).toBe(
      `the database ${target} needs migrating before role "${ROLE}" can use it (migration 1 (symbols and the five bar tables) is not applied and the database said: permission denied for schema public): ${NEEDS_MIGRATE}`,
    );
  });

  it('with migrate: false: MIGRATION_REQUIRED naming the missing table', async () => {
    const e = await failure({ migrate: false });
    expect({ code: e.code, table: e.table }).toEqual({ code: 'MIGRATION_REQUIRED', table: 'symbols' });
    expect(e.message).toMatch(new RegExp(`^the database ${target} needs migrating before role "${ROLE}" can use it \\(.*"symbols".*\\): `));
    expect(e.message.endsWith(NEEDS_MIGRATE)).toBe(true);
  });
});

describe('after the owner migrated', () => {
  beforeAll(async () => {
    const store = await openStore({ databaseUrl: db.url, env: {} });
    await store.close();
  });

  it('without grants: PRIVILEGES_MISSING listing every table and TEMPORARY', async () => {
    const e = await failure({ migrate: false });
    expect(e.code).toBe('PRIVILEGES_MISSING');
    const all = 'SELECT, INSERT, UPDATE, DELETE';
    const tables = [
      'ohlcv_1min',
      'ohlcv_hourly',
      'ohlcv_daily',
      'ohlcv_weekly',
      'ohlcv_monthly',
      'symbols',
      'processing_progress',
      'symbol_processing_status',
      'tracked_symbols',
      'processing_runs',
      'symbol_splits',
      'split_checks',
      'bar_load_cursors',
    ];
    expect(e.message).toBe(
      `role "${ROLE}" lacks privileges the store needs on ${target}: TEMPORARY on the database; ${tables.map((t) => `${all} on "${t}"`).join('; ')}; SELECT on "schema_migrations". The schema owner can grant exactly what is needed with the SQL \`tickstock migrate --print-grants ${ROLE}\` prints (library: grantsSql("${ROLE}"))`,
    );
  });

  it('with the grants: opens either way without DDL, and every write lands', async () => {
    await sql(grantsSql(ROLE));
    const ddlBefore = await owner.query(`SELECT count(*)::int AS n FROM pg_class WHERE relnamespace = 'public'::regnamespace`);
    for (const migrate of [true, false]) {
      const s = await open({ migrate });
      expect(s.migrations?.applied ?? null).toEqual(migrate ? [] : null);
      await s.close();
    }
    const store = await open({ migrate: false });
    try {
      const days = weekdays('2024-03-04', 5);
      expect(
        await store.upsertBars(
          'daily',
          'LP',
          days.map((d) => dayBar(d)),
        ),
      ).toMatchObject({ inserted: 5, missing: 0 });
      const big = minuteBars(Date.UTC(2024, 2, 4, 14, 30), SMALL_BATCH_ROWS + 1);
      expect(await store.upsertBars('1min', 'LP', big)).toMatchObject({ inserted: SMALL_BATCH_ROWS + 1, missing: 0 });
      expect(await store.upsertBars('1min', 'LP', big)).toMatchObject({ unchanged: SMALL_BATCH_ROWS + 1, missing: 0 });
      const from = big[0]?.timestamp ?? 0;
      expect(
        await store.deleteBarsNotIn(
          '1min',
          'LP',
          { from, to: from + 59 * 60_000 },
          big.slice(1, 60).map((b) => b.timestamp),
        ),
      ).toBe(1);
      await store.recordProgress({ runId: 'lp-run', phase: 'load', totalItems: 1, completedItems: 1 });
      await store.recordSymbolStatus({ runId: 'lp-run', phase: 'load', symbol: 'LP', status: 'completed' });
      await store.trackSymbols([{ symbol: 'LP', assetClass: 'stock' }]);
      expect(
        await store.recordSplits([{ symbol: 'LP', executionDate: '2024-03-05', splitFrom: 1, splitTo: 2, readjustNeeded: false }]),
      ).toHaveLength(1);
      await store.recordSplitCheck('2024-03-08');
    } finally {
      await store.close();
    }
    const ddlAfter = await owner.query(`SELECT count(*)::int AS n FROM pg_class WHERE relnamespace = 'public'::regnamespace`);
    expect(ddlAfter.rows[0].n).toBe(ddlBefore.rows[0].n);
    const counts = await owner.query(
      `SELECT (SELECT count(*)::int FROM ohlcv_daily) AS daily, (SELECT count(*)::int FROM ohlcv_1min) AS minute`,
    );
    expect(counts.rows[0]).toEqual({ daily: 5, minute: SMALL_BATCH_ROWS });
  });

  it('one grant fewer is named: DELETE on "ohlcv_daily"', async () => {
    await sql(`REVOKE DELETE ON ohlcv_daily FROM ${ROLE}`);
    try {
      const e = await failure({ migrate: false });
      expect(e.message).toBe(
        `role "${ROLE}" lacks privileges the store needs on ${target}: DELETE on "ohlcv_daily". The schema owner can grant exactly what is needed with the SQL \`tickstock migrate --print-grants ${ROLE}\` prints (library: grantsSql("${ROLE}"))`,
      );
    } finally {
      await sql(`GRANT DELETE ON ohlcv_daily TO ${ROLE}`);
    }
  });

  it('a migration the owner has not applied yet: MIGRATION_REQUIRED either way', async () => {
    await sql(`DELETE FROM schema_migrations WHERE version = 6`);
    try {
      const off = await failure({ migrate: false });
      expect(off.code).toBe('MIGRATION_REQUIRED');
      expect(off.message).toBe(
        `the database ${target} needs migrating before role "${ROLE}" can use it (migration 6 (symbol_splits and split_checks) not applied): ${NEEDS_MIGRATE}`,
      );
      const on = await failure({ migrate: true });
      expect(on.code).toBe('MIGRATION_REQUIRED');
      expect(on.message).toBe(
        `the database ${target} needs migrating before role "${ROLE}" can use it (migration 6 (symbol_splits and split_checks) is not applied and the database said: permission denied for schema public): ${NEEDS_MIGRATE}`,
      );
    } finally {
      await sql(`INSERT INTO schema_migrations (version, name) VALUES (6, 'symbol_splits and split_checks')`);
    }
  });
});
