/**
 * SQL of the bulk path: rows are COPYed into a session-local TEMP staging table (no WAL, no indexes, emptied at
 * commit) and moved with one `INSERT ... SELECT ... ON CONFLICT (symbol, time) DO UPDATE`. The update only fires
 * when a value differs (`IS DISTINCT FROM`), so identical re-writes are counted as unchanged and leave rows untouched.
 */
import type { BarTableSchema } from '../schema/discover.js';
import { ident, identList } from '../sql.js';

/** Staging columns, in COPY order. */
export const STAGE_COLUMNS = ['symbol', 't', 'open', 'high', 'low', 'close', 'volume', 'vwap', 'transactions'] as const;

/** Name of the staging table for a key kind. */
export function stageTable(kind: 'instant' | 'date'): string {
  return kind === 'instant' ? 'tickstock_stage_instant' : 'tickstock_stage_date';
}

/** CREATE TEMP TABLE for a staging table (kept for the session, emptied at every commit). */
export function stageDdl(kind: 'instant' | 'date'): string {
  return `CREATE TEMP TABLE IF NOT EXISTS ${stageTable(kind)} (
  symbol TEXT NOT NULL, t ${kind === 'instant' ? 'BIGINT' : 'DATE'} NOT NULL,
  open NUMERIC, high NUMERIC, low NUMERIC, close NUMERIC, volume NUMERIC, vwap NUMERIC, transactions BIGINT
) ON COMMIT DELETE ROWS`;
}

/** The statement that moves staged rows into `schema`'s table; returns one row `{ inserted, affected }`. */
export function upsertFromStageSql(schema: BarTableSchema): string {
  const kind = schema.timeType === 'date' ? 'date' : 'instant';
  const timeExpr =
    schema.timeType === 'date'
      ? 's.t'
      : `'epoch'::${schema.timeType === 'timestamptz' ? 'timestamptz' : 'timestamp'} + s.t * INTERVAL '1 millisecond'`;
  let volumeExpr = schema.volumeIsInteger ? 'round(s.volume)' : 's.volume';
  if (schema.volumeRequired) volumeExpr = `COALESCE(${volumeExpr}, 0)`;
  const cols = ['symbol', schema.timeColumn, 'open', 'high', 'low', 'close', 'volume'];
  const exprs = ['s.symbol', timeExpr, 's.open', 's.high', 's.low', 's.close', volumeExpr];
  const values = ['open', 'high', 'low', 'close', 'volume'];
  if (schema.hasVwap) {
    cols.push('vwap');
    exprs.push('s.vwap');
    values.push('vwap');
  }
  if (schema.hasTransactions) {
    cols.push('transactions');
    exprs.push('s.transactions');
    values.push('transactions');
  }
  if (schema.hasCreatedAt) {
    cols.push('created_at');
    exprs.push('now()');
  }
  const sets = values.map((c) => `${ident(c)} = EXCLUDED.${ident(c)}`);
  if (schema.hasUpdatedAt) {
    cols.push('updated_at');
    exprs.push('now()');
    sets.push('updated_at = EXCLUDED.updated_at');
  }
  const current = values.map((c) => `t.${ident(c)}`).join(', ');
  const incoming = values.map((c) => `EXCLUDED.${ident(c)}`).join(', ');
  return `WITH ins AS (
  INSERT INTO ${ident(schema.table)} AS t (${identList(cols)})
  SELECT ${exprs.join(', ')} FROM ${stageTable(kind)} s
  ON CONFLICT (symbol, ${ident(schema.timeColumn)}) DO UPDATE SET ${sets.join(', ')}
  WHERE (${current}) IS DISTINCT FROM (${incoming})
  RETURNING (t.xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted)::int AS inserted, count(*)::int AS affected FROM ins`;
}

/** Inserts symbols not yet in `symbols` (bare rows; registerSymbol fills in details). Parameters: the symbols. */
export function registerBareSymbolsSql(count: number): string {
  const values = Array.from({ length: count }, (_, i) => `($${i + 1})`).join(', ');
  return `INSERT INTO symbols (symbol) VALUES ${values} ON CONFLICT (symbol) DO NOTHING`;
}
