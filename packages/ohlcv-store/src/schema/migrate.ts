/** Runs pending migrations: one transaction each, serialised across processes by an advisory lock. */
import type { Driver, Queryable } from '../drivers/driver.js';
import { isConnectionFailure, StoreError, safeCause, storageFailed } from '../errors.js';
import type { Timeframe } from '../timeframes.js';
import { MIGRATIONS, type Migration, type TimescaleMode } from './migrations.js';
import { reconcileTables } from './reconcile.js';

/** Advisory lock key shared by every process migrating a TickStock database ('tick' in ASCII). */
export const MIGRATION_LOCK_KEY = 0x7469636b;

/** What {@link runMigrations} did. */
export interface MigrationReport {
  /** Versions applied by this call (empty when the schema was already current). */
  applied: number[];
  /** The schema version after the call. */
  version: number;
  /** Notes such as hypertables created. */
  notes: string[];
}

const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
)`;

async function tableExists(tx: Queryable, name: string): Promise<boolean> {
  const { rows } = await tx.query<{ found: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND c.relname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'f')) AS found`,
    [name],
  );
  return rows[0]?.found === true;
}

async function checkMigrationsTable(tx: Queryable): Promise<void> {
  const { rows } = await tx.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'schema_migrations'`,
  );
  const names = new Set(rows.map((r) => r.column_name));
  if (!names.has('version') || !names.has('name')) {
    throw new StoreError(
      'MIGRATION_FAILED',
      `table "schema_migrations" exists but was not created by @tickstock/ohlcv-store (columns: ${[...names].join(', ')}; expected version, name, applied_at)`,
      { table: 'schema_migrations' },
    );
  }
}

async function applyOne(driver: Driver, m: Migration, timescale: TimescaleMode, notes: string[]): Promise<boolean> {
  return driver.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.query(CREATE_MIGRATIONS_TABLE);
    await checkMigrationsTable(tx);
    const done = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [m.version]);
    if (done.rows.length > 0) return false;
    await m.up({ tx, timescale, tableExists: (name) => tableExists(tx, name), note: (line) => notes.push(line) });
    await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
    return true;
  });
}

/**
 * Applies every migration not yet recorded in `schema_migrations`, then checks every existing table the store
 * writes (./reconcile.ts): missing columns are added, and a table that cannot take the store's writes fails here,
 * naming its columns, rather than a later write. Safe to call concurrently and repeatedly.
 */
export async function runMigrations(
  driver: Driver,
  {
    timescale = 'auto',
    secrets = [],
    timeframes,
  }: { timescale?: TimescaleMode; secrets?: readonly string[]; timeframes?: readonly Timeframe[] } = {},
): Promise<MigrationReport> {
  const applied: number[] = [];
  const notes: string[] = [];
  for (const m of MIGRATIONS) {
    try {
      if (await applyOne(driver, m, timescale, notes)) applied.push(m.version);
    } catch (e) {
      if (e instanceof StoreError) throw e;
      // The database going away (or turning read-only) mid-migration is not a broken migration: STORE_UNAVAILABLE.
      if (isConnectionFailure(e)) throw storageFailed(`migration ${m.version} (${m.name}) on ${driver.target}`, e, secrets);
      const cause = safeCause(e, secrets);
      throw new StoreError('MIGRATION_FAILED', `migration ${m.version} (${m.name}) failed on ${driver.target}: ${cause.message}`, {
        cause,
      });
    }
  }
  try {
    const { added } = await driver.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      return reconcileTables(tx, timeframes ? { timeframes } : {});
    });
    for (const a of added) notes.push(`added column ${a}`);
  } catch (e) {
    if (e instanceof StoreError) throw e;
    if (isConnectionFailure(e)) throw storageFailed(`checking the existing tables of ${driver.target}`, e, secrets);
    const cause = safeCause(e, secrets);
    throw new StoreError('MIGRATION_FAILED', `checking the existing tables of ${driver.target} failed: ${cause.message}`, { cause });
  }
  return { applied, version: MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0, notes };
}
