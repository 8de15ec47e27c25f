/**
 * Least privilege: what a role that only loads and reads (a worker) needs, in one definition used twice: the SQL
 * the schema owner runs to grant it ({@link grantsSql}, printed by `tickstock migrate --print-grants ROLE`), and the
 * check at open that names whatever is missing ({@link missingPrivileges}). Creating and altering tables stays with
 * the owner (`tickstock migrate`); the store itself needs no sequence (no table has a serial or identity column).
 */
import type { Queryable } from '../drivers/driver.js';
import { StoreError } from '../errors.js';
import { ident } from '../sql.js';
import { TIMEFRAMES, type Timeframe, timeframeSpec } from '../timeframes.js';

/** Privileges on every table the store writes. DELETE: reloaded ranges drop bars the API no longer serves. */
export const TABLE_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'] as const;

/** The tables the store writes besides the bar tables (the five `ohlcv_*` tables, one per timeframe). */
export const STORE_TABLES: readonly string[] = [
  'symbols',
  'processing_progress',
  'symbol_processing_status',
  'tracked_symbols',
  'processing_runs',
  'symbol_splits',
  'split_checks',
  'bar_load_cursors',
];

/** Read, never written, at run time: the schema version a store without `migrate` checks. */
export const VERSION_TABLE = 'schema_migrations';

/** Privileges on the database: TEMPORARY for the session-local staging tables every large batch is copied into. */
export const DATABASE_PRIVILEGES = ['CONNECT', 'TEMPORARY'] as const;

const RESERVED_ROLES = new Set(['public', 'none', 'current_user', 'session_user', 'current_role']);

/**
 * Checks a role name for the grants SQL: a plain identifier (letters, digits, `_`; not starting with a digit; at
 * most 63 characters), not a reserved name and not `pg_`-prefixed (PostgreSQL's own roles). Quoted in the SQL as
 * given (case kept).
 */
export function checkRoleName(role: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(role) || RESERVED_ROLES.has(role.toLowerCase()) || /^pg_/i.test(role)) {
    throw new StoreError(
      'INVALID_ARGUMENT',
      `role must be a plain role name (letters, digits and _, not starting with a digit, at most 63 characters, not PUBLIC or pg_*), got ${JSON.stringify(role)}`,
    );
  }
  return role;
}

function barTables(timeframes: readonly Timeframe[]): string[] {
  return timeframes.map((tf) => timeframeSpec(tf).table);
}

/** Options of {@link grantsSql}. */
export interface GrantsOptions {
  /** The database to grant CONNECT and TEMPORARY on; default: the one the SQL runs in (`current_database()`). */
  database?: string;
  /** The schema holding the store's tables. Default `public`. */
  schema?: string;
}

/**
 * The SQL granting `role` what the store needs at run time, for the schema owner to run after `tickstock migrate`
 * (and again after a migration that adds tables: the check at open names any table the role cannot use).
 */
export function grantsSql(role: string, options: GrantsOptions = {}): string {
  const r = ident(checkRoleName(role));
  const schema = ident(options.schema ?? 'public');
  const q = (table: string) => (options.schema ? `${schema}.${ident(table)}` : ident(table));
  const tables = [...barTables(TIMEFRAMES), ...STORE_TABLES].map(q).join(', ');
  const database = options.database
    ? `GRANT ${DATABASE_PRIVILEGES.join(', ')} ON DATABASE ${ident(options.database)} TO ${r};`
    : `DO $$ BEGIN EXECUTE format('GRANT ${DATABASE_PRIVILEGES.join(', ')} ON DATABASE %I TO ${r.replace(/'/g, "''")}', current_database()); END $$;`;
  return [
    `-- @tickstock/ohlcv-store: what role ${r} needs to load and read bars (run as the schema owner, after \`tickstock migrate\`)`,
    database,
    `GRANT USAGE ON SCHEMA ${schema} TO ${r};`,
    `GRANT ${TABLE_PRIVILEGES.join(', ')} ON ${tables} TO ${r};`,
    `GRANT SELECT ON ${q(VERSION_TABLE)} TO ${r};`,
    '',
  ].join('\n');
}

/** The connected role, what it lacks, and which of the store's tables do not exist (not the role's business). */
export interface RoleAccess {
  role: string;
  missing: string[];
  absent: string[];
}

/**
 * What the connected role lacks among the privileges of {@link grantsSql}, as phrases (`TEMPORARY on the database`,
 * `INSERT, DELETE on "ohlcv_daily"`); empty when nothing is missing. Only tables that exist are looked at (a missing
 * table is a migration's business): the bar tables of `timeframes` and the store's other tables.
 */
export async function missingPrivileges(q: Queryable, timeframes: readonly Timeframe[]): Promise<RoleAccess> {
  const tables = [...barTables(timeframes), ...STORE_TABLES, VERSION_TABLE];
  const { rows } = await q.query<{
    role: string;
    temp: boolean;
    usage: boolean;
    tables: { t: string; p: string; ok: boolean }[] | null;
    present: string[] | null;
  }>(
    `SELECT current_user AS role,
            has_database_privilege(current_database(), 'TEMPORARY') AS temp,
            COALESCE(has_schema_privilege(current_schema(), 'USAGE'), true) AS usage,
            (SELECT json_agg(json_build_object('t', t.name, 'p', p.priv, 'ok', has_table_privilege(c.oid, p.priv)) ORDER BY t.ord, p.ord)
               FROM unnest($1::text[]) WITH ORDINALITY AS t(name, ord)
               JOIN pg_class c ON c.relname = t.name AND c.relnamespace = to_regnamespace(current_schema())::oid
               CROSS JOIN unnest($2::text[]) WITH ORDINALITY AS p(priv, ord)
              WHERE t.name <> $3 OR p.priv = 'SELECT') AS tables,
            (SELECT array_agg(relname::text) FROM pg_class
              WHERE relname = ANY($1::text[]) AND relnamespace = to_regnamespace(current_schema())::oid) AS present`,
    [tables, [...TABLE_PRIVILEGES], VERSION_TABLE],
  );
  const row = rows[0];
  if (!row) return { role: '', missing: [], absent: [] };
  const missing: string[] = [];
  if (!row.temp) missing.push('TEMPORARY on the database');
  if (!row.usage) missing.push('USAGE on the schema');
  const byTable = new Map<string, string[]>();
  for (const { t, p, ok } of row.tables ?? []) if (!ok) byTable.set(t, [...(byTable.get(t) ?? []), p]);
  for (const [t, privs] of byTable) missing.push(`${privs.join(', ')} on "${t}"`);
  const present = new Set(row.present ?? []);
  return { role: row.role, missing, absent: tables.filter((t) => !present.has(t)) };
}

/** The error for {@link missingPrivileges}' findings. */
export function privilegesMissing(role: string, missing: readonly string[], target: string): StoreError {
  return new StoreError(
    'PRIVILEGES_MISSING',
    `role "${role}" lacks privileges the store needs on ${target}: ${missing.join('; ')}. The schema owner can grant exactly what is needed with the SQL \`tickstock migrate --print-grants ${role}\` prints (library: grantsSql(${JSON.stringify(role)}))`,
  );
}
