/**
 * Versioned migrations. Each runs in its own transaction under a transaction-scoped advisory lock and is recorded
 * in `schema_migrations`, so re-running is a no-op and two processes starting together cannot race.
 *
 * Existing installs: a migration creates only what is missing and never alters a table that is already there (no
 * added columns, no type changes, no new indexes on existing, possibly large, tables). The store adapts to existing
 * tables through schema discovery instead.
 */
import type { Queryable } from '../drivers/driver.js';
import { TIMEFRAMES, timeframeSpec } from '../timeframes.js';
import {
  barIndexDdl,
  barTableDdl,
  hypertableSql,
  PROCESSING_PROGRESS_DDL,
  PROCESSING_RUNS_DDL,
  SYMBOL_PROCESSING_STATUS_DDL,
  SYMBOLS_DDL,
  TRACKED_SYMBOLS_DDL,
} from './ddl.js';

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

/** One schema change. */
export interface Migration {
  version: number;
  name: string;
  up(ctx: MigrationContext): Promise<void>;
}

/** True when TimescaleDB is usable in this database (installing it when available and `mode` is `auto`). */
async function ensureTimescale(ctx: MigrationContext): Promise<boolean> {
  if (ctx.timescale === 'off') return false;
  const { rows } = await ctx.tx.query<{ installed: boolean; available: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') AS installed,
            EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') AS available`,
  );
  const row = rows[0];
  if (row?.installed) return true;
  if (!row?.available) return false;
  await ctx.tx.query('SAVEPOINT tickstock_timescale');
  try {
    await ctx.tx.query('CREATE EXTENSION IF NOT EXISTS timescaledb');
    await ctx.tx.query('RELEASE SAVEPOINT tickstock_timescale');
    ctx.note('installed the timescaledb extension');
    return true;
  } catch (e) {
    await ctx.tx.query('ROLLBACK TO SAVEPOINT tickstock_timescale');
    ctx.note(`timescaledb is available but could not be installed (${e instanceof Error ? e.message : String(e)}): plain tables used`);
    return false;
  }
}

/** Every migration, in order. Append only: never edit one that has shipped. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'symbols and the five bar tables',
    async up(ctx) {
      if (!(await ctx.tableExists('symbols'))) await ctx.tx.query(SYMBOLS_DDL);
      let timescale: boolean | undefined;
      for (const timeframe of TIMEFRAMES) {
        const spec = timeframeSpec(timeframe);
        if (await ctx.tableExists(spec.table)) continue;
        await ctx.tx.query(barTableDdl(timeframe));
        await ctx.tx.query(barIndexDdl(timeframe));
        if (spec.kind === 'instant') {
          timescale ??= await ensureTimescale(ctx);
          if (timescale) {
            const hypertable = hypertableSql(timeframe);
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
];
