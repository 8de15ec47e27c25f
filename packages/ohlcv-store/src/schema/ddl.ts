/**
 * The tables a fresh install gets. Prices are NUMERIC without precision (exact decimals of whatever the API sent:
 * existing installs have NUMERIC(10,2) to (12,4), which would round crypto and forex prices); volume is NUMERIC too,
 * because crypto volume is fractional (existing installs with BIGINT volume keep it: the store rounds for them).
 */
import { ident } from '../sql.js';
import { type Timeframe, timeframeSpec } from '../timeframes.js';

/** `symbols`: one row per ticker, referenced by every bar table. */
export const SYMBOLS_DDL = `CREATE TABLE IF NOT EXISTS symbols (
  symbol VARCHAR(20) PRIMARY KEY,
  name TEXT,
  exchange TEXT,
  market TEXT,
  locale TEXT,
  type TEXT,
  active BOOLEAN,
  currency_name TEXT,
  cik TEXT,
  composite_figi TEXT,
  share_class_figi TEXT,
  sector TEXT,
  industry TEXT,
  sic_code TEXT,
  sic_description TEXT,
  issuer TEXT,
  underlying_index TEXT,
  list_date DATE,
  market_cap NUMERIC,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  last_updated TIMESTAMPTZ NOT NULL DEFAULT now()
)`;

/** CREATE TABLE for one timeframe's bars (the caller checks the table does not exist yet). */
export function barTableDdl(timeframe: Timeframe): string {
  const spec = timeframeSpec(timeframe);
  const timeType = spec.kind === 'instant' ? 'TIMESTAMPTZ' : 'DATE';
  const t = ident(spec.timeColumn);
  return `CREATE TABLE IF NOT EXISTS ${ident(spec.table)} (
  symbol VARCHAR(20) NOT NULL REFERENCES symbols (symbol),
  ${t} ${timeType} NOT NULL,
  open NUMERIC NOT NULL,
  high NUMERIC NOT NULL,
  low NUMERIC NOT NULL,
  close NUMERIC NOT NULL,
  volume NUMERIC,
  vwap NUMERIC,
  transactions BIGINT,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (symbol, ${t})
)`;
}

/** The `(symbol, time DESC)` index of a bar table (latest-first reads, as the app's queries do). */
export function barIndexDdl(timeframe: Timeframe): string {
  const spec = timeframeSpec(timeframe);
  return `CREATE INDEX IF NOT EXISTS ${ident(`${spec.table}_symbol_${spec.timeColumn}_desc_idx`)} ON ${ident(spec.table)} (symbol, ${ident(spec.timeColumn)} DESC)`;
}

/**
 * TimescaleDB: turn an (empty, just created) intraday table into a hypertable on its time column. The function is
 * called in the extension's schema (`extensionSchema`, from `pg_extension`): the store's schema may be another one,
 * with the extension's not on the search path. The table, column and chunk interval are bound parameters, like every
 * value the store sends.
 */
export function hypertableSql(timeframe: Timeframe, extensionSchema: string): { text: string; params: [string, string, string] } {
  const spec = timeframeSpec(timeframe);
  const chunk = timeframe === '1min' ? '1 day' : '7 days';
  return {
    text: `SELECT ${ident(extensionSchema)}.create_hypertable($1::regclass, $2::name, chunk_time_interval => $3::interval, if_not_exists => TRUE)`,
    params: [spec.table, spec.timeColumn, chunk],
  };
}

/** `processing_progress`: one row per run and phase. */
export const PROCESSING_PROGRESS_DDL = `CREATE TABLE IF NOT EXISTS processing_progress (
  run_id TEXT NOT NULL,
  phase TEXT NOT NULL,
  total_items INTEGER NOT NULL DEFAULT 0,
  completed_items INTEGER NOT NULL DEFAULT 0,
  failed_items INTEGER NOT NULL DEFAULT 0,
  percent_complete NUMERIC(5,2) NOT NULL DEFAULT 0,
  current_item TEXT,
  estimated_completion TIMESTAMPTZ,
  started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, phase)
)`;

/** `symbol_processing_status`: one row per run, phase and symbol. */
export const SYMBOL_PROCESSING_STATUS_DDL = `CREATE TABLE IF NOT EXISTS symbol_processing_status (
  run_id TEXT NOT NULL,
  phase TEXT NOT NULL,
  symbol VARCHAR(20) NOT NULL,
  status TEXT NOT NULL,
  error_message TEXT,
  retry_count INTEGER NOT NULL DEFAULT 0,
  processing_time_ms BIGINT,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, phase, symbol)
)`;

/** `tracked_symbols`: the symbols scheduled backfills keep loaded. */
export const TRACKED_SYMBOLS_DDL = `CREATE TABLE IF NOT EXISTS tracked_symbols (
  symbol VARCHAR(20) PRIMARY KEY,
  asset_class TEXT NOT NULL DEFAULT 'stock' CHECK (asset_class IN ('stock', 'etf', 'crypto')),
  active BOOLEAN NOT NULL DEFAULT TRUE,
  backfill_status TEXT CHECK (backfill_status IN ('in_progress', 'completed', 'failed')),
  backfill_error TEXT,
  last_backfill TIMESTAMPTZ,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
)`;

/**
 * `processing_runs` as migration 4 created it (the store's first shape; superseded by {@link APP_PROCESSING_RUNS_DDL}
 * in migration 5: installs that have it keep it, with the app's columns added).
 */
export const PROCESSING_RUNS_DDL = `CREATE TABLE IF NOT EXISTS processing_runs (
  run_id TEXT PRIMARY KEY,
  phase TEXT NOT NULL,
  status TEXT NOT NULL,
  params JSONB NOT NULL DEFAULT '{}'::jsonb,
  records_imported BIGINT NOT NULL DEFAULT 0,
  message TEXT,
  retry_count INTEGER NOT NULL DEFAULT 0,
  started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  completed_at TIMESTAMPTZ,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
)`;

/**
 * `processing_runs` as the TickStock app defines it (`scripts/database/create_processing_runs_table.sql`; the app
 * also runs it at every start, from `ProcessingEventSubscriber`): the table is the app's, and its processing history
 * reads it. Migration 5 creates exactly this on a fresh install. Runs written by the store put their own data in
 * these columns and the rest in `metadata`.
 */
export const APP_PROCESSING_RUNS_DDL = `CREATE TABLE IF NOT EXISTS processing_runs (
    run_id VARCHAR(64) PRIMARY KEY,
    trigger_type VARCHAR(32),
    status VARCHAR(32),
    phase VARCHAR(64),
    started_at TIMESTAMP,
    completed_at TIMESTAMP,
    duration_seconds INTEGER,
    symbols_total INTEGER DEFAULT 0,
    symbols_processed INTEGER DEFAULT 0,
    symbols_failed INTEGER DEFAULT 0,
    indicators_total INTEGER DEFAULT 0,
    indicators_processed INTEGER DEFAULT 0,
    indicators_failed INTEGER DEFAULT 0,
    error_message TEXT,
    metadata JSONB,
    created_at TIMESTAMP DEFAULT NOW(),
    updated_at TIMESTAMP DEFAULT NOW()
)`;

/** The app's two indexes on `processing_runs` (same names, so the app's `IF NOT EXISTS` finds them). */
export const APP_PROCESSING_RUNS_INDEXES: readonly string[] = [
  'CREATE INDEX IF NOT EXISTS idx_processing_runs_started_at ON processing_runs(started_at DESC)',
  'CREATE INDEX IF NOT EXISTS idx_processing_runs_status ON processing_runs(status)',
];

/** The columns of {@link PROCESSING_RUNS_DDL}, to recognise a table migration 4 has just created. */
export const FIRST_PROCESSING_RUNS_COLUMNS: readonly string[] = [
  'run_id',
  'phase',
  'status',
  'params',
  'records_imported',
  'message',
  'retry_count',
  'started_at',
  'completed_at',
  'updated_at',
];

/** `symbol_splits`: splits found for stored symbols and whether (and when) their history was reloaded for them. */
export const SYMBOL_SPLITS_DDL = `CREATE TABLE IF NOT EXISTS symbol_splits (
  symbol VARCHAR(20) NOT NULL,
  execution_date DATE NOT NULL,
  split_from NUMERIC NOT NULL CHECK (split_from > 0),
  split_to NUMERIC NOT NULL CHECK (split_to > 0),
  split_id TEXT,
  readjust_needed BOOLEAN NOT NULL,
  found_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  readjusted_at TIMESTAMPTZ,
  rows_rewritten BIGINT,
  PRIMARY KEY (symbol, execution_date)
)`;

/** `split_checks`: one row, through which date splits have been looked for. */
export const SPLIT_CHECKS_DDL = `CREATE TABLE IF NOT EXISTS split_checks (
  id SMALLINT PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  checked_through DATE NOT NULL,
  checked_at TIMESTAMPTZ NOT NULL DEFAULT now()
)`;

/**
 * `bar_load_cursors`: where a paged load of one symbol's range stopped. The API's cursor for the next page (its
 * `next_url`, never with the key), saved after each page's bars are stored, so a load that is interrupted resumes at
 * the next page instead of the first; deleted when the range is done.
 */
export const BAR_LOAD_CURSORS_DDL = `CREATE TABLE IF NOT EXISTS bar_load_cursors (
  symbol VARCHAR(20) NOT NULL,
  timeframe VARCHAR(10) NOT NULL,
  range_from DATE NOT NULL,
  range_to DATE NOT NULL,
  cursor TEXT NOT NULL,
  pages INTEGER NOT NULL CHECK (pages > 0),
  bars BIGINT NOT NULL CHECK (bars >= 0),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (symbol, timeframe, range_from, range_to)
)`;
