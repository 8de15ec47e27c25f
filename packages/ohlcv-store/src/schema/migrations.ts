/**
 * Versioned migrations. Each runs in its own transaction under a transaction-scoped advisory lock and is recorded
 * in `schema_migrations`, so re-running is a no-op and two processes starting together cannot race.
 *
 * Existing installs: migrations 1-4 create only what is missing and never alter a table that is already there. From
 * migration 5 on, tables shared with the app follow the app's definitions: `processing_runs` is the app's table, and
 * columns the store writes are added where missing (never dropped, never retyped; see ./reconcile.ts, which every
 * `migrate` also runs after the migrations). Bar tables are never altered and no index is built on them: the store
 * adapts to existing bar tables through schema discovery.
 */
import type { Queryable } from '../drivers/driver.js';
import { TIMEFRAMES, timeframeSpec } from '../timeframes.js';
import {
  APP_PROCESSING_RUNS_DDL,
  APP_PROCESSING_RUNS_INDEXES,
  BAR_LOAD_CURSORS_DDL,
  barIndexDdl,
  barTableDdl,
  FIRST_PROCESSING_RUNS_COLUMNS,
  hypertableSql,
  PROCESSING_PROGRESS_DDL,
  PROCESSING_RUNS_DDL,
  SPLIT_CHECKS_DDL,
  SYMBOL_PROCESSING_STATUS_DDL,
  SYMBOL_SPLITS_DDL,
  SYMBOLS_DDL,
  TRACKED_SYMBOLS_DDL,
} from './ddl.js';
import { reconcileTables } from './reconcile.js';

/** Whether to use TimescaleDB: `auto` uses it when installed, or installs it when the server offers it. */
export type TimescaleMode = 'auto' | 'off';

/** What a migration can use. */
export interface MigrationContext {
  tx: Queryable;
  timescale: TimescaleMode;
  /** Tables (in the current schema) that existed before this migration ran or that it created. */
  tableExists(name: string): Promise<boolean>;
  /** Notes for the migration report (e.g. which tables became hypertables). */
  note(line: string): void;
}

/**
 * True when `processing_runs` is migration 4's table untouched: exactly its columns, no row, no grant. On a fresh
 * install migration 4 has just created it (whichever process applied it).
 */
async function isUntouchedFirstShape(ctx: MigrationContext): Promise<boolean> {
  const { rows } = await ctx.tx.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'processing_runs'`,
  );
  const names = rows.map((r) => r.column_name).sort();
  if (names.join(',') !== [...FIRST_PROCESSING_RUNS_COLUMNS].sort().join(',')) return false;
  const state = await ctx.tx.query<{ untouched: boolean }>(
    `SELECT NOT EXISTS (SELECT 1 FROM processing_runs)
        AND (SELECT c.relacl IS NULL FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = current_schema() AND c.relname = 'processing_runs') AS untouched`,
  );
  return state.rows[0]?.untouched === true;
}

/**
 * Runs recorded in the first shape (migration 4: `params, records_imported, message, retry_count`, no `metadata`) get
 * the app's columns filled as new runs have them: `metadata` (kind, params, records, retries, message), `trigger_type`
 * from the origin, the app's `success` for `completed` (and phase `completed` / `error`), `duration_seconds`, and the
 * symbol counts from `symbol_processing_status`. Their own columns are kept as they were. Returns how many.
 */
async function describeFirstShapeRuns(ctx: MigrationContext): Promise<number> {
  const { rows } = await ctx.tx.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'processing_runs'`,
  );
  const names = new Set(rows.map((r) => r.column_name));
  if (!FIRST_PROCESSING_RUNS_COLUMNS.every((c) => names.has(c)) || !(await ctx.tableExists('symbol_processing_status'))) return 0;
  const counted = (status: string) =>
    `(SELECT count(*) FROM symbol_processing_status s WHERE s.run_id = r.run_id AND s.phase = r.phase AND s.status = '${status}')::integer`;
  const { rowCount } = await ctx.tx.query(
    `UPDATE processing_runs r SET
        metadata = jsonb_build_object('kind', r.phase, 'params', r.params, 'records_imported', r.records_imported,
                                      'retry_count', r.retry_count, 'message', r.message),
        trigger_type = CASE WHEN r.params->>'origin' = 'schedule' THEN 'automatic' ELSE 'manual' END,
        status = CASE r.status WHEN 'completed' THEN 'success' ELSE r.status END,
        phase = CASE r.status WHEN 'completed' THEN 'completed' WHEN 'failed' THEN 'error' ELSE r.phase END,
        duration_seconds = CASE WHEN r.completed_at IS NULL THEN NULL
                                ELSE GREATEST(0, round(extract(epoch FROM r.completed_at - r.started_at)))::integer END,
        symbols_total = GREATEST(CASE WHEN r.params->>'symbols_total' ~ '^[0-9]{1,9}$' THEN (r.params->>'symbols_total')::integer ELSE 0 END,
                                 (SELECT count(*) FROM symbol_processing_status s WHERE s.run_id = r.run_id AND s.phase = r.phase)::integer),
        symbols_processed = ${counted('completed')},
        symbols_failed = ${counted('failed')},
        error_message = CASE WHEN r.status = 'completed' AND ${counted('failed')} = 0 THEN NULL ELSE r.message END
      WHERE r.metadata IS NULL AND r.phase = 'data_import'`,
  );
  return rowCount;
}

/** Replaces an untouched first-shape `processing_runs` by the app's table (kept when something depends on it). */
async function replaceUntouchedFirstShape(ctx: MigrationContext): Promise<void> {
  if (!(await ctx.tableExists('processing_runs')) || !(await isUntouchedFirstShape(ctx))) return;
  await ctx.tx.query('SAVEPOINT tickstock_processing_runs');
  try {
    await ctx.tx.query('DROP TABLE processing_runs');
    await ctx.tx.query(APP_PROCESSING_RUNS_DDL);
    await ctx.tx.query('RELEASE SAVEPOINT tickstock_processing_runs');
  } catch {
    // e.g. a view depends on it: keep it; it gains the app's columns below.
    await ctx.tx.query('ROLLBACK TO SAVEPOINT tickstock_processing_runs');
  }
}

/** One schema change. */
export interface Migration {
  version: number;
  name: string;
  up(ctx: MigrationContext): Promise<void>;
}

/** The schema of the installed timescaledb extension, or null. */
async function timescaleSchema(ctx: MigrationContext): Promise<string | null> {
  const { rows } = await ctx.tx.query<{ schema: string }>(
    `SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'timescaledb'`,
  );
  return rows[0]?.schema ?? null;
}

/**
 * The schema of TimescaleDB's functions when it is usable in this database (installing it, in the current schema, when
 * available and `mode` is `auto`), else null.
 */
async function ensureTimescale(ctx: MigrationContext): Promise<string | null> {
  if (ctx.timescale === 'off') return null;
  const installed = await timescaleSchema(ctx);
  if (installed !== null) return installed;
  const { rows } = await ctx.tx.query<{ available: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') AS available`,
  );
  if (!rows[0]?.available) return null;
  await ctx.tx.query('SAVEPOINT tickstock_timescale');
  try {
    await ctx.tx.query('CREATE EXTENSION IF NOT EXISTS timescaledb');
    await ctx.tx.query('RELEASE SAVEPOINT tickstock_timescale');
    ctx.note('installed the timescaledb extension');
    return await timescaleSchema(ctx);
  } catch (e) {
    await ctx.tx.query('ROLLBACK TO SAVEPOINT tickstock_timescale');
    ctx.note(`timescaledb is available but could not be installed (${e instanceof Error ? e.message : String(e)}): plain tables used`);
    return null;
  }
}

/** Every migration, in order. Append only: never edit one that has shipped. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'symbols and the five bar tables',
    async up(ctx) {
      if (!(await ctx.tableExists('symbols'))) await ctx.tx.query(SYMBOLS_DDL);
      // Asked once, when the first intraday table is created: the extension's schema, or null for plain tables.
      let timescale: { schema: string | null } | undefined;
      for (const timeframe of TIMEFRAMES) {
        const spec = timeframeSpec(timeframe);
        if (await ctx.tableExists(spec.table)) continue;
        await ctx.tx.query(barTableDdl(timeframe));
        await ctx.tx.query(barIndexDdl(timeframe));
        if (spec.kind === 'instant') {
          timescale ??= { schema: await ensureTimescale(ctx) };
          if (timescale.schema !== null) {
            const hypertable = hypertableSql(timeframe, timescale.schema);
            await ctx.tx.query(hypertable.text, hypertable.params);
            ctx.note(`${spec.table} is a hypertable on ${spec.timeColumn}`);
          }
        }
      }
    },
  },
  {
    version: 2,
    name: 'processing_progress and symbol_processing_status',
    async up(ctx) {
      if (!(await ctx.tableExists('processing_progress'))) await ctx.tx.query(PROCESSING_PROGRESS_DDL);
      if (!(await ctx.tableExists('symbol_processing_status'))) await ctx.tx.query(SYMBOL_PROCESSING_STATUS_DDL);
    },
  },
  {
    version: 3,
    name: 'tracked_symbols',
    async up(ctx) {
      if (!(await ctx.tableExists('tracked_symbols'))) await ctx.tx.query(TRACKED_SYMBOLS_DDL);
    },
  },
  {
    version: 4,
    name: 'processing_runs',
    async up(ctx) {
      if (!(await ctx.tableExists('processing_runs'))) await ctx.tx.query(PROCESSING_RUNS_DDL);
    },
  },
  {
    version: 5,
    name: "processing_runs and symbols follow the app's definitions",
    async up(ctx) {
      // A fresh install: migration 4 created its shape a moment ago and nothing wrote to it yet. It is replaced by the
      // app's table, so a fresh install has exactly the app's definition. A table with rows (or grants) is kept as it
      // is and gains the app's columns; an absent one is created as the app's.
      await replaceUntouchedFirstShape(ctx);
      if (!(await ctx.tableExists('processing_runs'))) await ctx.tx.query(APP_PROCESSING_RUNS_DDL);
      const { added } = await reconcileTables(ctx.tx, { tables: ['processing_runs', 'symbols'] });
      for (const a of added) ctx.note(`added column ${a}`);
      const moved = await describeFirstShapeRuns(ctx);
      if (moved > 0) ctx.note(`described ${moved} earlier run${moved === 1 ? '' : 's'} in the app's columns`);
      for (const sql of APP_PROCESSING_RUNS_INDEXES) await ctx.tx.query(sql);
    },
  },
  {
    version: 6,
    name: 'symbol_splits and split_checks',
    async up(ctx) {
      await ctx.tx.query(SYMBOL_SPLITS_DDL);
      await ctx.tx.query(SPLIT_CHECKS_DDL);
    },
  },
  {
    version: 7,
    name: 'bar_load_cursors',
    async up(ctx) {
      await ctx.tx.query(BAR_LOAD_CURSORS_DDL);
    },
  },
];
