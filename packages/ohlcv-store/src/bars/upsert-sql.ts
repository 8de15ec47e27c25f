/**
 * SQL of the bulk path. Rows are COPYed into a session-local TEMP staging table (no WAL, no indexes, emptied at
 * commit), then moved in the same transaction by two statements:
 *
 * 1. `UPDATE target SET ... FROM stage WHERE key matches AND values IS DISTINCT FROM` (revised bars; identical ones
 *    are left alone and counted unchanged), then
 * 2. `INSERT INTO target SELECT ... FROM stage WHERE NOT EXISTS (row with that key)` (new bars).
 *
 * This is about twice as fast as `INSERT ... ON CONFLICT DO UPDATE` for new rows (no speculative insertion). If
 * another writer inserts one of the keys between the two statements, the INSERT fails with a unique violation; the
 * batch is then rolled back and re-run with `INSERT ... SELECT ... ON CONFLICT (symbol, time) DO UPDATE ... WHERE
 * IS DISTINCT FROM`, which is safe under any concurrency. Staged values are cast to the column types before being
 * compared, so a NUMERIC(10,4) column does not see 123.456789 as a change from 123.4568.
 *
 * Proof of every row: when the statements report fewer rows written than were sent, `verify` (in the batch's
 * transaction) counts the sent rows that are in the table with exactly their values: those are unchanged; the rest
 * were dropped or altered on the way in (a BEFORE trigger returning NULL, a rule) and are reported missing. A small
 * batch's one statement counts the rows it left alone itself (only when it wrote fewer than it sent), and
 * `verifyArrays` runs after it only when written and left-alone rows do not add up to the rows sent.
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

/**
 * The statements that move staged rows into one table. `update` and `insertNew` take three parameters that bound the
 * batch's keys: `$1` the batch's symbols (text[]), `$2`/`$3` its smallest and largest key (Unix ms or `YYYY-MM-DD`).
 * They let the planner read only the index range the batch can touch, so a fresh load does not rescan the table.
 */
export interface StageStatements {
  /** UPDATE of rows whose values differ; its row count is the number of revised bars. */
  update: string;
  /** INSERT of rows whose key is not stored yet; its row count is the number of new bars. */
  insertNew: string;
  /** Fallback under concurrent writers: one upsert returning `{ inserted, affected }`. */
  upsert: string;
  /**
   * Small batches: the same upsert reading its rows from nine array parameters (`unnest`, in {@link STAGE_COLUMNS}
   * order) instead of the staging table: one statement, one round trip, no transaction to open. `$10` is the number
   * of rows sent: when fewer were written, the same statement also returns `identical`, how many sent rows were
   * stored with exactly their values before it ran (the rows it left alone); otherwise `identical` is null and that
   * count is never computed (it is a lazily evaluated InitPlan).
   */
  upsertArrays: string;
  /**
   * After `update` + `insertNew` (or `upsert`), in the same transaction and with the same three parameters: how many
   * staged rows are in the table with exactly their values (`present`), compared as the UPDATE compares them. Run only
   * when the statements wrote fewer rows than were staged, to tell unchanged rows from rows a trigger or rule dropped.
   */
  verify: string;
  /**
   * The same count for a small batch, after it, from the same nine array parameters as {@link upsertArrays}: run only
   * when the rows it wrote and the rows it found identical do not add up to the rows sent.
   */
  verifyArrays: string;
}

function stageKind(schema: BarTableSchema): 'instant' | 'date' {
  return schema.timeType === 'date' ? 'date' : 'instant';
}

/** SQL of the staged key as the time column's type. */
function timeExpr(schema: BarTableSchema): string {
  if (schema.timeType === 'date') return 's.t';
  return `'epoch'::${schema.timeType} + s.t * INTERVAL '1 millisecond'`;
}

/** Value columns present in the table and the staged value as each will be stored. */
function values(schema: BarTableSchema): { column: string; expr: string }[] {
  const cast = (column: string, raw: string) => `CAST(${raw} AS ${schema.valueTypes[column] ?? 'numeric'})`;
  let volume = schema.volumeIsInteger ? 'round(s.volume)' : 's.volume';
  if (schema.volumeRequired) volume = `COALESCE(${volume}, 0)`;
  const out = [
    { column: 'open', expr: cast('open', 's.open') },
    { column: 'high', expr: cast('high', 's.high') },
    { column: 'low', expr: cast('low', 's.low') },
    { column: 'close', expr: cast('close', 's.close') },
    { column: 'volume', expr: cast('volume', volume) },
  ];
  if (schema.hasVwap) out.push({ column: 'vwap', expr: cast('vwap', 's.vwap') });
  if (schema.hasTransactions) out.push({ column: 'transactions', expr: cast('transactions', 's.transactions') });
  return out;
}

/** Builds the statements for `schema`'s table (once per table; they take no parameters). */
export function stageStatements(schema: BarTableSchema): StageStatements {
  let statements = statementsBySchema.get(schema);
  if (!statements) {
    statements = buildStageStatements(schema);
    statementsBySchema.set(schema, statements);
  }
  return statements;
}

/** Built once per discovered table schema (every upsert call asks). */
const statementsBySchema = new WeakMap<BarTableSchema, StageStatements>();

function buildStageStatements(schema: BarTableSchema): StageStatements {
  const table = ident(schema.table);
  const time = ident(schema.timeColumn);
  const stage = stageTable(stageKind(schema));
  const vals = values(schema);
  const bound = (p: string) =>
    schema.timeType === 'date' ? `${p}::date` : `'epoch'::${schema.timeType} + ${p}::bigint * INTERVAL '1 millisecond'`;
  const range = `t.symbol = ANY($1::text[]) AND t.${time} BETWEEN ${bound('$2')} AND ${bound('$3')}`;
  const key = `t.symbol = s.symbol AND t.${time} = ${timeExpr(schema)}`;

  const sets = vals.map((v) => `${ident(v.column)} = ${v.expr}`);
  if (schema.hasUpdatedAt) sets.push('updated_at = now()');
  const update = `UPDATE ${table} AS t SET ${sets.join(', ')} FROM ${stage} s
  WHERE ${range} AND ${key} AND (${vals.map((v) => `t.${ident(v.column)}`).join(', ')}) IS DISTINCT FROM (${vals.map((v) => v.expr).join(', ')})`;

  const cols = ['symbol', schema.timeColumn, ...vals.map((v) => v.column)];
  const exprs = ['s.symbol', timeExpr(schema), ...vals.map((v) => v.expr)];
  if (schema.hasCreatedAt) {
    cols.push('created_at');
    exprs.push('now()');
  }
  if (schema.hasUpdatedAt) {
    cols.push('updated_at');
    exprs.push('now()');
  }
  const insertNew = `INSERT INTO ${table} (${identList(cols)}) SELECT ${exprs.join(', ')} FROM ${stage} s
  WHERE NOT EXISTS (SELECT 1 FROM ${table} t WHERE ${range} AND ${key})`;

  const conflictSets = vals.map((v) => `${ident(v.column)} = EXCLUDED.${ident(v.column)}`);
  if (schema.hasUpdatedAt) conflictSets.push('updated_at = EXCLUDED.updated_at');
  const ins = (source: string) => `WITH ins AS (
  INSERT INTO ${table} AS t (${identList(cols)}) SELECT ${exprs.join(', ')} FROM ${source}
  ON CONFLICT (symbol, ${time}) DO UPDATE SET ${conflictSets.join(', ')}
  WHERE (${vals.map((v) => `t.${ident(v.column)}`).join(', ')}) IS DISTINCT FROM (${vals.map((v) => `EXCLUDED.${ident(v.column)}`).join(', ')})
  RETURNING (t.xmax = 0) AS inserted
)`;
  const counts = 'SELECT count(*) FILTER (WHERE inserted)::int AS inserted, count(*)::int AS affected FROM ins';
  const keyType = stageKind(schema) === 'date' ? 'date' : 'bigint';
  const arrays = `unnest($1::text[], $2::${keyType}[], $3::numeric[], $4::numeric[], $5::numeric[], $6::numeric[], $7::numeric[], $8::numeric[], $9::bigint[])
    AS s(${STAGE_COLUMNS.join(', ')})`;
  const identical = `(${vals.map((v) => `t.${ident(v.column)}`).join(', ')}) IS NOT DISTINCT FROM (${vals.map((v) => v.expr).join(', ')})`;
  /** Rows of `source` stored with exactly their values (`bound`: extra conditions on `t`, ending in AND). */
  const identicalRows = (source: string, bound = '') =>
    `FROM ${source} WHERE EXISTS (SELECT 1 FROM ${table} t WHERE ${bound}${key} AND ${identical})`;
  // One statement has one snapshot, taken before its INSERT runs: the CASE's subquery sees the rows as they were.
  const upsertArrays = `${ins(arrays)}, n AS (${counts})
SELECT inserted, affected, CASE WHEN affected < $10::int THEN (SELECT count(*)::int ${identicalRows(arrays)}) END AS identical FROM n`;
  return {
    update,
    insertNew,
    upsert: `${ins(`${stage} s`)}\n${counts}`,
    upsertArrays,
    verify: `SELECT count(*)::int AS present ${identicalRows(`${stage} s`, `${range} AND `)}`,
    verifyArrays: `SELECT count(*)::int AS present ${identicalRows(arrays)}`,
  };
}

/** Inserts symbols not yet in `symbols` (bare rows; registerSymbol fills in details). Parameters: the symbols. */
export function registerBareSymbolsSql(count: number): string {
  const rows = Array.from({ length: count }, (_, i) => `($${i + 1})`).join(', ');
  return `INSERT INTO symbols (symbol) VALUES ${rows} ON CONFLICT (symbol) DO NOTHING`;
}
