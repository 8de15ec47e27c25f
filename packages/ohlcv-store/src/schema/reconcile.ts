/**
 * What `migrate` checks in every table the store writes that already exists (the app may have created it first,
 * with its own definition, or an older version of this package may have): every column the store writes is there
 * with a type it can write, the upsert's key exists, and no `NOT NULL` column without a default is left for a write
 * that does not name it. A missing column is added (`ALTER TABLE ... ADD COLUMN IF NOT EXISTS`, nullable or with a
 * default: never a drop, never a type change); anything that cannot be added or is of an incompatible type fails
 * `migrate` with a `StoreError` naming every table and column at once, so a command that passed `migrate` never
 * fails later on a column.
 *
 * Bar tables are the app's hot tables: their optional columns (`vwap`, `transactions`, `created_at`, `updated_at`)
 * are written when present and never added; their required columns, key and types are checked by discovery, which
 * `openStore` runs right after migrating. Here they only get the `NOT NULL`-without-default check.
 */
import type { Queryable } from '../drivers/driver.js';
import { StoreError, type StoreErrorCode } from '../errors.js';
import { ident } from '../sql.js';
import { TIMEFRAMES, type Timeframe, timeframeSpec } from '../timeframes.js';
import { type ColumnRow, readColumns, readUniqueKeys } from './discover.js';

/** Kinds of column type the store can write a value into. */
type Family = 'text' | 'count' | 'number' | 'boolean' | 'date' | 'timestamp' | 'json';

const TEXT = ['text', 'character varying', 'character'];
const TIMESTAMPS = ['timestamp with time zone', 'timestamp without time zone'];
const FAMILIES: Record<Family, { types: ReadonlySet<string>; words: string }> = {
  text: { types: new Set(TEXT), words: 'text or varchar' },
  count: { types: new Set(['integer', 'bigint', 'numeric']), words: 'integer, bigint or numeric' },
  number: { types: new Set(['numeric', 'double precision', 'real', 'integer', 'bigint']), words: 'numeric, double precision or bigint' },
  boolean: { types: new Set(['boolean']), words: 'boolean' },
  date: { types: new Set(['date', ...TIMESTAMPS, ...TEXT]), words: 'date' },
  // Not text: the app calls .isoformat() on the timestamps it reads (symbols.last_updated_utc, last_updated).
  timestamp: { types: new Set(TIMESTAMPS), words: 'timestamp or timestamptz' },
  json: { types: new Set(['jsonb', 'json']), words: 'jsonb' },
};

/** Types (and defaults) columns are added with: constants, so no value ever reaches the DDL. */
type AddType =
  | 'TEXT'
  | 'BOOLEAN'
  | 'DATE'
  | 'NUMERIC'
  | 'INTEGER'
  | 'BIGINT'
  | 'JSONB'
  | 'TIMESTAMP'
  | 'TIMESTAMPTZ'
  | 'VARCHAR(32)'
  | 'VARCHAR(64)'
  | 'INTEGER DEFAULT 0'
  | 'INTEGER NOT NULL DEFAULT 0'
  | 'NUMERIC(5,2) NOT NULL DEFAULT 0'
  | 'TIMESTAMP DEFAULT NOW()'
  | 'TIMESTAMPTZ DEFAULT now()'
  | 'TIMESTAMPTZ NOT NULL DEFAULT now()'
  | "TEXT NOT NULL DEFAULT 'stock'"
  | 'BOOLEAN NOT NULL DEFAULT TRUE';

/** A column the store writes. */
interface ColumnSpec {
  name: string;
  family: Family;
  /** Type (and default) for `ADD COLUMN` when missing; null: the table is unusable without it (never added). */
  add: AddType | null;
  /** Shortest declared length accepted for a bounded text column (values this long are written). */
  minLength?: number;
}

/** A table the store writes, and what it needs of it. */
interface TableSpec {
  table: string;
  /** The upsert's conflict target: a primary key or unique index on exactly these columns. */
  key: readonly string[];
  /** Written always: added when missing (or a failure when `add` is null). */
  columns: readonly ColumnSpec[];
  /** Written only when present (older shapes of the table), never added. */
  optional?: readonly ColumnSpec[];
}

const col = (name: string, family: Family, add: AddType | null, minLength?: number): ColumnSpec =>
  minLength === undefined ? { name, family, add } : { name, family, add, minLength };

const SYMBOLS: TableSpec = {
  table: 'symbols',
  key: ['symbol'],
  columns: [
    col('symbol', 'text', null),
    ...[
      'name',
      'exchange',
      'market',
      'locale',
      'type',
      'currency_name',
      'currency_symbol',
      'cik',
      'composite_figi',
      'share_class_figi',
      'sector',
      'industry',
      'sic_code',
      'sic_description',
      'issuer',
      'underlying_index',
    ].map((name) => col(name, 'text', 'TEXT')),
    col('active', 'boolean', 'BOOLEAN'),
    col('list_date', 'date', 'DATE'),
    col('market_cap', 'number', 'NUMERIC'),
    col('weighted_shares_outstanding', 'number', 'NUMERIC'),
    col('last_updated_utc', 'timestamp', 'TIMESTAMPTZ'),
    col('last_updated', 'timestamp', 'TIMESTAMPTZ DEFAULT now()'),
  ],
};

/** The app's `processing_runs` (scripts/database/create_processing_runs_table.sql), column for column. */
const PROCESSING_RUNS: TableSpec = {
  table: 'processing_runs',
  key: ['run_id'],
  columns: [
    col('run_id', 'text', null, 32),
    col('trigger_type', 'text', 'VARCHAR(32)', 16),
    col('status', 'text', 'VARCHAR(32)', 16),
    col('phase', 'text', 'VARCHAR(64)', 16),
    col('started_at', 'timestamp', 'TIMESTAMP'),
    col('completed_at', 'timestamp', 'TIMESTAMP'),
    col('duration_seconds', 'count', 'INTEGER'),
    col('symbols_total', 'count', 'INTEGER DEFAULT 0'),
    col('symbols_processed', 'count', 'INTEGER DEFAULT 0'),
    col('symbols_failed', 'count', 'INTEGER DEFAULT 0'),
    col('indicators_total', 'count', 'INTEGER DEFAULT 0'),
    col('indicators_processed', 'count', 'INTEGER DEFAULT 0'),
    col('indicators_failed', 'count', 'INTEGER DEFAULT 0'),
    col('error_message', 'text', 'TEXT'),
    col('metadata', 'json', 'JSONB'),
    col('created_at', 'timestamp', 'TIMESTAMP DEFAULT NOW()'),
    col('updated_at', 'timestamp', 'TIMESTAMP DEFAULT NOW()'),
  ],
  // The store's first shape of the table (migration 4): kept up to date where it exists.
  optional: [
    col('params', 'json', null),
    col('records_imported', 'count', null),
    col('message', 'text', null),
    col('retry_count', 'count', null),
  ],
};

const PROCESSING_PROGRESS: TableSpec = {
  table: 'processing_progress',
  key: ['run_id', 'phase'],
  columns: [
    col('run_id', 'text', null),
    col('phase', 'text', null),
    col('total_items', 'count', 'INTEGER NOT NULL DEFAULT 0'),
    col('completed_items', 'count', 'INTEGER NOT NULL DEFAULT 0'),
    col('failed_items', 'count', 'INTEGER NOT NULL DEFAULT 0'),
    col('percent_complete', 'number', 'NUMERIC(5,2) NOT NULL DEFAULT 0'),
    col('current_item', 'text', 'TEXT'),
    col('estimated_completion', 'timestamp', 'TIMESTAMPTZ'),
    col('updated_at', 'timestamp', 'TIMESTAMPTZ NOT NULL DEFAULT now()'),
  ],
};

const SYMBOL_PROCESSING_STATUS: TableSpec = {
  table: 'symbol_processing_status',
  key: ['run_id', 'phase', 'symbol'],
  columns: [
    col('run_id', 'text', null),
    col('phase', 'text', null),
    col('symbol', 'text', null),
    col('status', 'text', 'TEXT'),
    col('error_message', 'text', 'TEXT'),
    col('retry_count', 'count', 'INTEGER NOT NULL DEFAULT 0'),
    col('processing_time_ms', 'count', 'BIGINT'),
    col('updated_at', 'timestamp', 'TIMESTAMPTZ NOT NULL DEFAULT now()'),
  ],
};

const TRACKED_SYMBOLS: TableSpec = {
  table: 'tracked_symbols',
  key: ['symbol'],
  columns: [
    col('symbol', 'text', null),
    col('asset_class', 'text', "TEXT NOT NULL DEFAULT 'stock'"),
    col('active', 'boolean', 'BOOLEAN NOT NULL DEFAULT TRUE'),
    col('backfill_status', 'text', 'TEXT'),
    col('backfill_error', 'text', 'TEXT'),
    col('last_backfill', 'timestamp', 'TIMESTAMPTZ'),
    col('updated_at', 'timestamp', 'TIMESTAMPTZ NOT NULL DEFAULT now()'),
  ],
};

/** Every non-bar table the store writes. */
export const WRITTEN_TABLES: readonly TableSpec[] = [
  SYMBOLS,
  PROCESSING_RUNS,
  PROCESSING_PROGRESS,
  SYMBOL_PROCESSING_STATUS,
  TRACKED_SYMBOLS,
];

/** Columns a bar upsert may name (the rest must be nullable or have a default). */
function barColumns(timeframe: Timeframe): string[] {
  const spec = timeframeSpec(timeframe);
  return ['symbol', spec.timeColumn, 'open', 'high', 'low', 'close', 'volume', 'vwap', 'transactions', 'created_at', 'updated_at'];
}

/** One reason an existing table cannot take the store's writes. */
interface Problem {
  code: StoreErrorCode;
  table: string;
  column?: string;
  text: string;
}

/** What {@link reconcileTables} did. */
export interface ReconcileReport {
  /** `table.column TYPE` for each column added. */
  added: string[];
}

/**
 * Checks the existing tables among `tables` (default: every table the store writes, and the bar tables of
 * `timeframes`) and adds the missing columns. Throws one `StoreError` naming every problem (nothing is altered then).
 * Run it inside a transaction holding the migration lock.
 */
export async function reconcileTables(
  tx: Queryable,
  options: { tables?: readonly string[]; timeframes?: readonly Timeframe[] } = {},
): Promise<ReconcileReport> {
  const specs = WRITTEN_TABLES.filter((s) => !options.tables || options.tables.includes(s.table));
  const bars = (options.tables ? [] : (options.timeframes ?? TIMEFRAMES)).map((tf) => ({ table: timeframeSpec(tf).table, tf }));
  const names = [...specs.map((s) => s.table), ...bars.map((b) => b.table)];
  const rows = await readColumns(tx, names);
  const byTable = new Map<string, Map<string, ColumnRow>>();
  for (const r of rows) {
    let m = byTable.get(r.table_name);
    if (!m) {
      m = new Map();
      byTable.set(r.table_name, m);
    }
    m.set(r.column_name, r);
  }
  const keys = await readUniqueKeys(tx, names);
  const problems: Problem[] = [];
  const additions: { table: string; column: string; type: AddType }[] = [];

  const checkNotNull = (table: string, cols: Map<string, ColumnRow>, written: ReadonlySet<string>) => {
    for (const c of cols.values()) {
      const generated = c.column_default !== null || c.is_identity === 'YES' || c.is_generated === 'ALWAYS';
      if (c.is_nullable === 'NO' && !generated && !written.has(c.column_name)) {
        problems.push({
          code: 'SCHEMA_UNSUPPORTED_TYPE',
          table,
          column: c.column_name,
          text: `"${table}"."${c.column_name}" is NOT NULL without a default, and the store does not write it (give it a default or make it nullable)`,
        });
      }
    }
  };

  for (const spec of specs) {
    const cols = byTable.get(spec.table);
    if (!cols) continue; // created by the migrations when missing
    const checkType = (c: ColumnSpec, found: ColumnRow) => {
      const family = FAMILIES[c.family];
      if (!family.types.has(found.data_type)) {
        problems.push({
          code: 'SCHEMA_UNSUPPORTED_TYPE',
          table: spec.table,
          column: c.name,
          text: `"${spec.table}"."${c.name}" has type ${found.data_type}; expected ${family.words}`,
        });
        return;
      }
      const length = found.character_maximum_length === null ? null : Number(found.character_maximum_length);
      if (c.minLength !== undefined && length !== null && length < c.minLength) {
        problems.push({
          code: 'SCHEMA_UNSUPPORTED_TYPE',
          table: spec.table,
          column: c.name,
          text: `"${spec.table}"."${c.name}" holds at most ${length} characters; the store writes up to ${c.minLength}`,
        });
      }
    };
    for (const c of spec.columns) {
      const found = cols.get(c.name);
      if (found) checkType(c, found);
      else if (c.add !== null) additions.push({ table: spec.table, column: c.name, type: c.add });
      else {
        problems.push({
          code: 'SCHEMA_MISSING_COLUMN',
          table: spec.table,
          column: c.name,
          text: `"${spec.table}" has no column "${c.name}" (the store cannot add it: it is part of the key or identifies the row)`,
        });
      }
    }
    for (const c of spec.optional ?? []) {
      const found = cols.get(c.name);
      if (found) checkType(c, found);
    }
    const want = [...spec.key].sort().join(',');
    if (spec.key.every((k) => cols.has(k)) && !(keys.get(spec.table) ?? []).some((k) => [...k].sort().join(',') === want)) {
      problems.push({
        code: 'SCHEMA_MISSING_KEY',
        table: spec.table,
        column: spec.key.join(', '),
        text: `"${spec.table}" has no primary key or unique index on (${spec.key.join(', ')}); upserts need one`,
      });
    }
    checkNotNull(spec.table, cols, new Set([...spec.columns, ...(spec.optional ?? [])].map((c) => c.name)));
  }
  for (const { table, tf } of bars) {
    const cols = byTable.get(table);
    if (cols) checkNotNull(table, cols, new Set(barColumns(tf)));
  }

  if (problems.length) {
    const first = problems[0] as Problem;
    const tables = [...new Set(problems.map((p) => p.table))];
    throw new StoreError(
      first.code,
      `the existing table${tables.length > 1 ? 's' : ''} ${tables.map((t) => `"${t}"`).join(', ')} cannot take what the store writes: ${problems.map((p) => p.text).join('; ')}`,
      { table: first.table, ...(first.column === undefined ? {} : { column: first.column }) },
    );
  }
  for (const a of additions) {
    await tx.query(`ALTER TABLE ${ident(a.table)} ADD COLUMN IF NOT EXISTS ${ident(a.column)} ${a.type}`);
  }
  return { added: additions.map((a) => `${a.table}.${a.column} ${a.type}`) };
}
