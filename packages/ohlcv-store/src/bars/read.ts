/** Reading bars back as the client's Bar shape: `timestamp` is the Unix ms of the bar's start. */

import { type Bar, type CivilDate, civilDateToDayNumber, newYorkMidnightUtcMs } from '@tickstock/market-time';
import type { Queryable } from '../drivers/driver.js';
import { StoreError } from '../errors.js';
import type { BarTableSchema } from '../schema/discover.js';
import { ident } from '../sql.js';
import { timeframeSpec } from '../timeframes.js';
import { boundKey, type DateRule, dateRuleForSymbol } from './time-keys.js';

/** Filters of {@link readBars}. Bounds are inclusive: Unix ms, or a `YYYY-MM-DD` date. */
export interface GetBarsOptions {
  from?: number | CivilDate;
  to?: number | CivilDate;
  /** At most this many bars. */
  limit?: number;
  /** `asc` (default): oldest first. `desc`: newest first (with `limit`, the latest bars). */
  order?: 'asc' | 'desc';
}

/** SQL yielding the time column as Unix ms (instant tables) or `YYYY-MM-DD` text (date tables). */
export function timeOutputSql(schema: BarTableSchema, expr = ident(schema.timeColumn)): string {
  return schema.timeType === 'date' ? `to_char(${expr}, 'YYYY-MM-DD')` : `(extract(epoch FROM ${expr}) * 1000)::float8`;
}

/** SQL turning a bound parameter into the time column's type. */
function timeParamSql(schema: BarTableSchema, param: string): string {
  if (schema.timeType === 'date') return `${param}::date`;
  return `'epoch'::${schema.timeType} + ${param}::bigint * INTERVAL '1 millisecond'`;
}

/** The start instant of a stored row: instants as they are; dates at midnight under the symbol's date rule. */
export function rowStartMs(value: number | string, rule: DateRule): number {
  if (typeof value === 'number') return value;
  return rule === 'utc' ? civilDateToDayNumber(value) * 86_400_000 : newYorkMidnightUtcMs(value);
}

function optionalNumber(v: unknown): number | undefined {
  return v === null || v === undefined ? undefined : Number(v);
}

/** Bars of one symbol from `schema`'s table. */
export async function readBars(db: Queryable, schema: BarTableSchema, symbol: string, options: GetBarsOptions = {}): Promise<Bar[]> {
  const spec = timeframeSpec(schema.timeframe);
  const rule = dateRuleForSymbol(symbol);
  const params: unknown[] = [symbol];
  const where = ['symbol = $1'];
  const t = ident(schema.timeColumn);
  if (options.from !== undefined) {
    params.push(boundKey(spec, options.from, rule));
    where.push(`${t} >= ${timeParamSql(schema, `$${params.length}`)}`);
  }
  if (options.to !== undefined) {
    params.push(boundKey(spec, options.to, rule));
    where.push(`${t} <= ${timeParamSql(schema, `$${params.length}`)}`);
  }
  let limit = '';
  if (options.limit !== undefined) {
    if (!Number.isSafeInteger(options.limit) || options.limit < 0) {
      throw new StoreError('INVALID_ARGUMENT', `limit must be a non-negative whole number, got ${options.limit}`);
    }
    params.push(options.limit);
    limit = ` LIMIT $${params.length}`;
  }
  const extra = `${schema.hasVwap ? ', vwap' : ''}${schema.hasTransactions ? ', transactions' : ''}`;
  const sql = `SELECT ${timeOutputSql(schema)} AS t, open, high, low, close, volume${extra}
    FROM ${ident(schema.table)} WHERE ${where.join(' AND ')} ORDER BY ${t} ${options.order === 'desc' ? 'DESC' : 'ASC'}${limit}`;
  const { rows } = await db.query<Record<string, unknown>>(sql, params);
  return rows.map((r) => {
    const bar: Bar = {
      timestamp: rowStartMs(r.t as number | string, rule),
      open: Number(r.open),
      high: Number(r.high),
      low: Number(r.low),
      close: Number(r.close),
    };
    const volume = optionalNumber(r.volume);
    if (volume !== undefined) bar.volume = volume;
    const vwap = optionalNumber(r.vwap);
    if (vwap !== undefined) bar.vwap = vwap;
    const transactions = optionalNumber(r.transactions);
    if (transactions !== undefined) bar.transactions = transactions;
    return bar;
  });
}

/** The start (Unix ms) of the latest stored bar of a symbol, or null when it has none. */
export async function readLatestBarTime(db: Queryable, schema: BarTableSchema, symbol: string): Promise<number | null> {
  const { rows } = await db.query<{ t: number | string | null }>(
    `SELECT ${timeOutputSql(schema, `max(${ident(schema.timeColumn)})`)} AS t FROM ${ident(schema.table)} WHERE symbol = $1`,
    [symbol],
  );
  const t = rows[0]?.t;
  return t === null || t === undefined ? null : rowStartMs(t, dateRuleForSymbol(symbol));
}

/** The stored span of one symbol's bars in a table: where an incremental load resumes and whether it must backfill. */
export interface BarExtent {
  /** Start (Unix ms) of the earliest stored bar. */
  first: number;
  /** Start (Unix ms) of the latest stored bar. */
  last: number;
  /** When the latest bar was last written (its `updated_at`, Unix ms); null when the table has no `updated_at`. */
  lastWrittenAt: number | null;
}

/** The first and last stored bar of a symbol (and when the last was written), or null when it has none. */
export async function readBarExtent(db: Queryable, schema: BarTableSchema, symbol: string): Promise<BarExtent | null> {
  const t = ident(schema.timeColumn);
  const table = ident(schema.table);
  const written = schema.hasUpdatedAt
    ? `(SELECT (extract(epoch FROM updated_at) * 1000)::float8 FROM ${table} WHERE symbol = $1 ORDER BY ${t} DESC LIMIT 1)`
    : 'NULL::float8';
  const { rows } = await db.query<{ first: number | string | null; last: number | string | null; written: number | null }>(
    `SELECT ${timeOutputSql(schema, `min(${t})`)} AS first, ${timeOutputSql(schema, `max(${t})`)} AS last, ${written} AS written
       FROM ${table} WHERE symbol = $1`,
    [symbol],
  );
  const row = rows[0];
  if (!row || row.first === null || row.last === null) return null;
  const rule = dateRuleForSymbol(symbol);
  return {
    first: rowStartMs(row.first, rule),
    last: rowStartMs(row.last, rule),
    lastWrittenAt: row.written === null || row.written === undefined ? null : Number(row.written),
  };
}

/**
 * When the earliest-written of a symbol's bars starting before `beforeMs` was written (its `updated_at`, Unix ms):
 * whether those bars were fetched before a split took effect. Null when there are none, or the table has no
 * `updated_at` (then nobody knows: callers assume the worst).
 */
export async function readEarliestWriteBefore(
  db: Queryable,
  schema: BarTableSchema,
  symbol: string,
  beforeMs: number,
): Promise<number | null> {
  if (!schema.hasUpdatedAt) return null;
  const spec = timeframeSpec(schema.timeframe);
  const bound = boundKey(spec, beforeMs, dateRuleForSymbol(symbol));
  const { rows } = await db.query<{ w: number | null }>(
    `SELECT (extract(epoch FROM min(updated_at)) * 1000)::float8 AS w FROM ${ident(schema.table)}
      WHERE symbol = $1 AND ${ident(schema.timeColumn)} < ${timeParamSql(schema, '$2')}`,
    [symbol, bound],
  );
  const w = rows[0]?.w;
  return w === null || w === undefined ? null : Number(w);
}
