/** Runs pending migrations: one transaction each, serialised across processes by an advisory lock. */
import type { Driver, Queryable } from '../drivers/driver.js';
import { isConnectionFailure, StoreError, safeCause, storageFailed } from '../errors.js';
import { poolerRefusal } from '../pooler-errors.js';
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

/** Where a database stands, read without changing anything. */
export interface MigrationState {
  /** The connected role. */
  role: string;
  /** True when `schema_migrations` exists (the store, or `tickstock migrate`, migrated this database before). */
  tracked: boolean;
  /** Migrations not recorded (every one when the table does not exist). */
  pending: Migration[];
}

/**
 * Reads which migrations are pending, in one read-only transaction (which also proves the connection can run
 * transactions at all: a statement-mode pooler refuses here, before anything is written).
 */
export async function readMigrationState(driver: Driver, secrets: readonly string[] = []): Promise<MigrationState> {
  try {
    return await driver.transaction(async (tx) => {
      const { rows } = await tx.query<{ role: string; tracked: boolean; readable: boolean }>(
        `SELECT current_user AS role, c.oid IS NOT NULL AS tracked,
                COALESCE(has_schema_privilege(c.relnamespace, 'USAGE') AND has_table_privilege(c.oid, 'SELECT'), false) AS readable
           FROM (SELECT 1) AS one
           LEFT JOIN pg_class c ON c.relname = 'schema_migrations' AND c.relnamespace = to_regnamespace(current_schema())::oid
                               AND c.relkind IN ('r', 'p', 'v', 'm', 'f')`,
      );
      const role = rows[0]?.role ?? '';
      if (!rows[0]?.tracked) return { role, tracked: false, pending: [...MIGRATIONS] };
      // A role that may not read the table learns so from the privilege check that follows (./grants.ts).
      if (!rows[0].readable) return { role, tracked: true, pending: [] };
      await checkMigrationsTable(tx);
      const done = await tx.query<{ version: number }>('SELECT version FROM schema_migrations');
      const versions = new Set(done.rows.map((r) => Number(r.version)));
      return { role, tracked: true, pending: MIGRATIONS.filter((m) => !versions.has(m.version)) };
    });
  } catch (e) {
    const what = `reading the schema version of ${driver.target}`;
    throw migrationError(what, `${what} failed`, e, secrets);
  }
}

function describePending(pending: readonly Migration[]): string {
  return pending.map((m) => `${m.version} (${m.name})`).join(', ');
}

/**
 * The error for a schema this connection may not (or was told not to) bring up to date: names `tickstock migrate`
 * and the owner, since only the schema owner can create and alter the tables.
 */
export function migrationRequired(target: string, role: string, reason: string, table?: string): StoreError {
  return new StoreError(
    'MIGRATION_REQUIRED',
    `the database ${target} needs migrating before ${role ? `role "${role}"` : 'this connection'} can use it (${reason}): run \`tickstock migrate\` as the schema owner (library: openStore({ migrate: true }) connected as the owner), then start again`,
    table === undefined ? {} : { table },
  );
}

/**
 * With `migrate: false`: fails with `MIGRATION_REQUIRED` when this database was migrated by the store before and
 * misses later migrations. An untracked database (tables made by the app or by hand) is left to schema discovery.
 */
export function requireCurrent(state: MigrationState, target: string): void {
  if (state.tracked && state.pending.length > 0)
    throw migrationRequired(
      target,
      state.role,
      `migration${state.pending.length > 1 ? 's' : ''} ${describePending(state.pending)} not applied`,
    );
}

/** 42501 insufficient_privilege: "permission denied for schema public", "must be owner of table ...". */
function isInsufficientPrivilege(e: unknown): boolean {
  return (e as { code?: unknown } | null)?.code === '42501';
}

/** `failed` is the MIGRATION_FAILED message without its cause, e.g. `migration 3 (x) failed on postgres://...`. */
function migrationError(what: string, failed: string, e: unknown, secrets: readonly string[]): StoreError {
  if (e instanceof StoreError) return e;
  // The database going away (or turning read-only) mid-migration is not a broken migration: STORE_UNAVAILABLE.
  // A pooler refusing the transaction is named as such (errors.ts).
  if (isConnectionFailure(e) || poolerRefusal(e) !== undefined) return storageFailed(what, e, secrets);
  const cause = safeCause(e, secrets);
  return new StoreError('MIGRATION_FAILED', `${failed}: ${cause.message}`, { cause });
}

/**
 * Applies every migration not yet recorded in `schema_migrations`, then checks every existing table the store
 * writes (./reconcile.ts): missing columns are added, and a table that cannot take the store's writes fails here,
 * naming its columns, rather than a later write. Safe to call concurrently and repeatedly. A current schema is
 * read, not written: no DDL runs unless a migration is pending or a column is missing, so a role without CREATE
 * (./grants.ts) may open with `migrate: true`; one that would have to change the schema gets `MIGRATION_REQUIRED`.
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
  const state = await readMigrationState(driver, secrets);
  for (const m of state.pending) {
    try {
      if (await applyOne(driver, m, timescale, notes)) applied.push(m.version);
    } catch (e) {
      if (isInsufficientPrivilege(e))
        throw migrationRequired(
          driver.target,
          state.role,
          `migration ${m.version} (${m.name}) is not applied and the database said: ${safeCause(e, secrets).message}`,
        );
      const what = `migration ${m.version} (${m.name})`;
      throw migrationError(`${what} on ${driver.target}`, `${what} failed on ${driver.target}`, e, secrets);
    }
  }
  try {
    const { added } = await driver.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      return reconcileTables(tx, timeframes ? { timeframes } : {});
    });
    for (const a of added) notes.push(`added column ${a}`);
  } catch (e) {
    if (isInsufficientPrivilege(e))
      throw migrationRequired(
        driver.target,
        state.role,
        `existing tables lack columns the store writes and the database said: ${safeCause(e, secrets).message}`,
      );
    const what = `checking the existing tables of ${driver.target}`;
    throw migrationError(what, `${what} failed`, e, secrets);
  }
  return { applied, version: MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0, notes };
}
