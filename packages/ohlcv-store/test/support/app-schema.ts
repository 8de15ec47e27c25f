/**
 * SQL of the TickStock app (TickStockAppV2 @ 864dd0c), quoted for the tests that check our tables against it. Quoted,
 * not imported: the app is Python. Each constant names the file and function it comes from.
 */
import type { TestBackend } from './backends.js';

/** Anything that runs raw SQL (a test backend, or a pg client wrapped). */
export type SqlRunner = Pick<TestBackend, 'sql'>;

/**
 * `scripts/database/create_processing_runs_table.sql` (also run at every app start by
 * `src/core/services/processing_event_subscriber.py` `ProcessingEventSubscriber._init_database_tables`).
 */
export const APP_PROCESSING_RUNS_DDL = [
  `CREATE TABLE IF NOT EXISTS processing_runs (
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
)`,
  `CREATE INDEX IF NOT EXISTS idx_processing_runs_started_at
ON processing_runs(started_at DESC)`,
  `CREATE INDEX IF NOT EXISTS idx_processing_runs_status
ON processing_runs(status)`,
];

/**
 * `src/core/services/processing_event_subscriber.py` `get_processing_history` (psycopg2 substitutes `%s`: days inside
 * the quoted interval, then the limit).
 */
export function appHistorySql(days: number, limit: number): string {
  return `
                    SELECT
                        run_id,
                        trigger_type,
                        status,
                        phase,
                        started_at as start_time,
                        completed_at as end_time,
                        duration_seconds,
                        symbols_total,
                        symbols_processed,
                        symbols_failed,
                        error_message
                    FROM processing_runs
                    WHERE started_at >= NOW() - INTERVAL '${days} days'
                    ORDER BY started_at DESC
                    LIMIT ${limit}
                `;
}

/** `processing_event_subscriber.py` `_save_processing_run` (on `daily_processing_started`), with psycopg2's `%s` as `$n`. */
export const APP_SAVE_RUN_SQL = `
                    INSERT INTO processing_runs (
                        run_id, trigger_type, status, phase, started_at,
                        symbols_total, metadata
                    ) VALUES ($1, $2, $3, $4, $5, $6, $7)
                    ON CONFLICT (run_id) DO UPDATE SET
                        status = EXCLUDED.status,
                        phase = EXCLUDED.phase,
                        updated_at = NOW()
                `;

/** `src/infrastructure/database/tickstock_db.py` `TickStockDatabase.get_symbol_details` (`:symbol` bound by SQLAlchemy). */
export const GET_SYMBOL_DETAILS_SQL = `
                    SELECT 
                        symbol, name, exchange, market, locale, currency_name,
                        currency_symbol, type, active, cik, composite_figi,
                        share_class_figi, market_cap, weighted_shares_outstanding,
                        last_updated_utc, last_updated
                    FROM symbols 
                    WHERE symbol = :symbol
                `;

/** The columns `get_symbol_details` reads, by position (row[0] .. row[15]). */
export const GET_SYMBOL_DETAILS_COLUMNS = [
  'symbol',
  'name',
  'exchange',
  'market',
  'locale',
  'currency_name',
  'currency_symbol',
  'type',
  'active',
  'cik',
  'composite_figi',
  'share_class_figi',
  'market_cap',
  'weighted_shares_outstanding',
  'last_updated_utc',
  'last_updated',
];

/** Every column of a table: name, type (with length), nullability and default, sorted by name. */
export async function tableShape(b: SqlRunner, table: string): Promise<string[]> {
  const rows = await b.sql<{ c: string; t: string; n: number | null; nullable: string; d: string | null }>(
    `SELECT column_name AS c, data_type AS t, character_maximum_length AS n, is_nullable AS nullable, column_default AS d
       FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1`,
    [table],
  );
  return rows
    .map(
      (r) =>
        `${r.c} ${r.t}${r.n === null ? '' : `(${r.n})`}${r.nullable === 'NO' ? ' NOT NULL' : ''}${r.d === null ? '' : ` DEFAULT ${r.d}`}`,
    )
    .sort();
}

/** Index definitions of a table with the table's name replaced by `T`, sorted. */
export async function indexShape(b: SqlRunner, table: string): Promise<string[]> {
  const rows = await b.sql<{ d: string }>(`SELECT indexdef AS d FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1`, [
    table,
  ]);
  return rows.map((r) => r.d.split(table).join('T')).sort();
}

/** Creates the app's `processing_runs` under another name (to compare ours with), and returns that name. */
export async function createAppReference(b: SqlRunner): Promise<string> {
  const name = 'app_reference_runs';
  for (const sql of APP_PROCESSING_RUNS_DDL) await b.sql(sql.split('processing_runs').join(name));
  return name;
}
