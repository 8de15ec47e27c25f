/**
 * Schema discovery: read `information_schema` and `pg_index` once and map each timeframe to its table, time column and
 * the optional columns present, so writes touch only columns that exist. Missing tables, key columns or keys fail
 * fast with a message naming the table and the column.
 */
import type { Queryable } from '../drivers/driver.js';
import { StoreError } from '../errors.js';
import { TIMEFRAMES, type Timeframe, timeframeSpec } from '../timeframes.js';

/** One column as discovered. */
interface ColumnInfo {
  dataType: string;
  /** The type as SQL, with precision (e.g. `numeric(10,4)`), for casts that must match what the column stores. */
  sqlType: string;
  nullable: boolean;
  hasDefault: boolean;
  maxLength: number | null;
}

/** How the store writes one timeframe's table. */
export interface BarTableSchema {
  timeframe: Timeframe;
  table: string;
  timeColumn: string;
  /** SQL type of the time column. TIMESTAMP WITHOUT TIME ZONE columns hold UTC wall time. */
  timeType: 'timestamptz' | 'timestamp' | 'date';
  /** True when `volume` is an integer type: fractional volume is rounded to the nearest integer. */
  volumeIsInteger: boolean;
  /** True when `volume` is NOT NULL: a bar without volume (indices) is written with volume 0. */
  volumeRequired: boolean;
  hasVwap: boolean;
  hasTransactions: boolean;
  hasCreatedAt: boolean;
  hasUpdatedAt: boolean;
  /** SQL types of the value columns present (open, high, low, close, volume, vwap, transactions), e.g. `numeric(10,4)`. */
  valueTypes: Record<string, string>;
  /** Every column of the table, in no particular order. */
  columns: string[];
}

/** What the store knows about `symbols`. */
export interface SymbolsTableSchema {
  columns: string[];
  /** The declared length of `symbols.symbol` (VARCHAR(20) in the contract), or null when unbounded. */
  symbolMaxLength: number | null;
  /** Each column's `information_schema` data type (e.g. `text`, `bigint`): integer columns get whole numbers. */
  types?: Readonly<Record<string, string>>;
  /** Declared lengths of bounded text columns (`VARCHAR(n)`): longer detail values are cut to fit. */
  maxLengths?: Readonly<Record<string, number>>;
}

/** What the store knows about `processing_runs` (the app's table; older installs may have the store's first shape). */
export interface RunsTableSchema {
  /** Each column present and its `information_schema` data type. */
  types: Readonly<Record<string, string>>;
}

/** The schema the store works against. */
export interface StoreSchema {
  /** Discovered bar tables for the timeframes the store was asked to use. */
  bars: Partial<Record<Timeframe, BarTableSchema>>;
  symbols: SymbolsTableSchema;
  /** `processing_runs`, or null when the table does not exist (open with `migrate: true` to create it). */
  runs: RunsTableSchema | null;
}

/** One column as `information_schema.columns` describes it. */
export interface ColumnRow {
  table_name: string;
  column_name: string;
  data_type: string;
  is_nullable: string;
  column_default: string | null;
  character_maximum_length: number | string | null;
  numeric_precision: number | string | null;
  numeric_scale: number | string | null;
  /** `YES` for identity columns (their values are generated although `column_default` is null). */
  is_identity: string;
  /** `ALWAYS` for generated columns. */
  is_generated: string;
}

/** The columns of `tables` (in the current schema). */
export async function readColumns(db: Queryable, tables: readonly string[]): Promise<ColumnRow[]> {
  const { rows } = await db.query<ColumnRow>(
    `SELECT table_name, column_name, data_type, is_nullable, column_default, character_maximum_length, numeric_precision, numeric_scale,
            is_identity, is_generated
       FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = ANY($1::text[])`,
    [tables],
  );
  return rows;
}

/** The columns of every primary key and (non-partial) unique index of `tables`, by table. */
export async function readUniqueKeys(db: Queryable, tables: readonly string[]): Promise<Map<string, string[][]>> {
  const keyRows = await db.query<{ table_name: string; cols: string }>(
    `SELECT c.relname AS table_name, string_agg(a.attname, ',' ORDER BY k.ord) AS cols
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
      WHERE n.nspname = current_schema() AND i.indisunique AND i.indpred IS NULL AND c.relname = ANY($1::text[])
      GROUP BY c.relname, i.indexrelid`,
    [tables],
  );
  const keys = new Map<string, string[][]>();
  for (const r of keyRows.rows) keys.set(r.table_name, [...(keys.get(r.table_name) ?? []), r.cols.split(',')]);
  return keys;
}

const PRICE_TYPES = new Set(['numeric', 'double precision', 'real']);
const INTEGER_TYPES = new Set(['bigint', 'integer', 'smallint']);
const VOLUME_TYPES = new Set([...PRICE_TYPES, ...INTEGER_TYPES]);

function missingColumn(table: string, column: string, why: string): StoreError {
  return new StoreError('SCHEMA_MISSING_COLUMN', `table "${table}" has no column "${column}" (${why})`, { table, column });
}

function unsupported(table: string, column: string, type: string, expected: string): StoreError {
  return new StoreError('SCHEMA_UNSUPPORTED_TYPE', `column "${table}"."${column}" has type ${type}; expected ${expected}`, {
    table,
    column,
  });
}

function barTableSchema(timeframe: Timeframe, cols: Map<string, ColumnInfo> | undefined, keys: string[][]): BarTableSchema {
  const spec = timeframeSpec(timeframe);
  const { table, timeColumn } = spec;
  if (!cols) {
    throw new StoreError(
      'SCHEMA_MISSING_TABLE',
      `table "${table}" for timeframe ${timeframe} does not exist in the current schema (open the store with migrate: true to create it)`,
      { table },
    );
  }
  const time = cols.get(timeColumn);
  if (!time) {
    const outdated = spec.outdatedTimeColumns.find((c) => cols.has(c));
    throw missingColumn(
      table,
      timeColumn,
      outdated
        ? `it has the outdated "${outdated}"; the contract keys ${timeframe} bars on "${timeColumn}", the first day of the period: rename and convert the column`
        : `the ${timeframe} key is (symbol, ${timeColumn})`,
    );
  }
  for (const c of ['symbol', 'open', 'high', 'low', 'close', 'volume']) {
    if (!cols.has(c)) throw missingColumn(table, c, `every bar table needs symbol, ${timeColumn}, open, high, low, close, volume`);
  }
  let timeType: BarTableSchema['timeType'];
  if (spec.kind === 'date') {
    if (time.dataType !== 'date') throw unsupported(table, timeColumn, time.dataType, 'date');
    timeType = 'date';
  } else if (time.dataType === 'timestamp with time zone') timeType = 'timestamptz';
  else if (time.dataType === 'timestamp without time zone') timeType = 'timestamp';
  else throw unsupported(table, timeColumn, time.dataType, 'timestamp with time zone');
  for (const c of ['open', 'high', 'low', 'close']) {
    const t = cols.get(c)?.dataType ?? '';
    if (!PRICE_TYPES.has(t)) throw unsupported(table, c, t, 'numeric or double precision');
  }
  const volume = cols.get('volume') as ColumnInfo;
  if (!VOLUME_TYPES.has(volume.dataType)) throw unsupported(table, 'volume', volume.dataType, 'numeric or bigint');
  const hasKey = keys.some((k) => k.length === 2 && k.includes('symbol') && k.includes(timeColumn));
  if (!hasKey) {
    throw new StoreError(
      'SCHEMA_MISSING_KEY',
      `table "${table}" has no primary key or unique index on (symbol, ${timeColumn}); upserts need one (ON CONFLICT (symbol, ${timeColumn}))`,
      { table, column: timeColumn },
    );
  }
  const optional = (c: string, types: Set<string>) => types.has(cols.get(c)?.dataType ?? '');
  const valueTypes: Record<string, string> = {};
  for (const c of ['open', 'high', 'low', 'close', 'volume', 'vwap', 'transactions']) {
    const info = cols.get(c);
    if (info) valueTypes[c] = info.sqlType;
  }
  return {
    timeframe,
    table,
    timeColumn,
    timeType,
    volumeIsInteger: INTEGER_TYPES.has(volume.dataType),
    volumeRequired: !volume.nullable && !volume.hasDefault,
    hasVwap: optional('vwap', PRICE_TYPES),
    hasTransactions: optional('transactions', VOLUME_TYPES),
    hasCreatedAt: cols.has('created_at'),
    hasUpdatedAt: cols.has('updated_at'),
    valueTypes,
    columns: [...cols.keys()],
  };
}

/** Reads the schema once. `timeframes` are the tables that must exist and be usable. */
export async function discoverSchema(db: Queryable, timeframes: readonly Timeframe[] = TIMEFRAMES): Promise<StoreSchema> {
  const tables = ['symbols', 'processing_runs', ...timeframes.map((tf) => timeframeSpec(tf).table)];
  const columns = { rows: await readColumns(db, tables) };
  const byTable = new Map<string, Map<string, ColumnInfo>>();
  for (const r of columns.rows) {
    let m = byTable.get(r.table_name);
    if (!m) {
      m = new Map();
      byTable.set(r.table_name, m);
    }
    m.set(r.column_name, {
      dataType: r.data_type,
      sqlType:
        r.data_type === 'numeric' && r.numeric_precision !== null ? `numeric(${r.numeric_precision},${r.numeric_scale ?? 0})` : r.data_type,
      nullable: r.is_nullable === 'YES',
      hasDefault: r.column_default !== null,
      maxLength: r.character_maximum_length === null ? null : Number(r.character_maximum_length),
    });
  }
  const keys = await readUniqueKeys(db, tables);

  const symbolCols = byTable.get('symbols');
  if (!symbolCols) {
    throw new StoreError('SCHEMA_MISSING_TABLE', 'table "symbols" does not exist in the current schema (bar tables reference it)', {
      table: 'symbols',
    });
  }
  const symbolCol = symbolCols.get('symbol');
  if (!symbolCol) throw missingColumn('symbols', 'symbol', 'it is the key every bar table references');
  if (!(keys.get('symbols') ?? []).some((k) => k.length === 1 && k[0] === 'symbol')) {
    throw new StoreError('SCHEMA_MISSING_KEY', 'table "symbols" has no primary key or unique index on (symbol)', {
      table: 'symbols',
      column: 'symbol',
    });
  }
  const bars: Partial<Record<Timeframe, BarTableSchema>> = {};
  for (const tf of timeframes) {
    const spec = timeframeSpec(tf);
    bars[tf] = barTableSchema(tf, byTable.get(spec.table), keys.get(spec.table) ?? []);
  }
  const types: Record<string, string> = {};
  const maxLengths: Record<string, number> = {};
  for (const [name, info] of symbolCols) {
    types[name] = info.dataType;
    if (info.maxLength !== null) maxLengths[name] = info.maxLength;
  }
  const runCols = byTable.get('processing_runs');
  const runs = runCols ? { types: Object.fromEntries([...runCols].map(([name, info]) => [name, info.dataType])) } : null;
  return { bars, symbols: { columns: [...symbolCols.keys()], symbolMaxLength: symbolCol.maxLength, types, maxLengths }, runs };
}
