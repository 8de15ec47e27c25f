/** Per-symbol statistics of one timeframe: counts, range, validation rate, and gaps against the trading calendar. */

import { type CivilDate, calendarForTicker, isCivilDate } from '@tickstock/market-time';
import { rowStartMs, timeOutputSql } from '../bars/read.js';
import { type DateRule, dateOfInstant, dateRuleForSymbol } from '../bars/time-keys.js';
import type { Queryable } from '../drivers/driver.js';
import { StoreError } from '../errors.js';
import type { BarTableSchema } from '../schema/discover.js';
import { ident } from '../sql.js';
import type { Timeframe } from '../timeframes.js';
import { expectedPeriods, findGaps, type Gap } from './gaps.js';

/** Options of {@link readSymbolStats}: the date range gaps are measured over (default: first to last stored bar). */
export interface SymbolStatsOptions {
  from?: CivilDate;
  to?: CivilDate;
}

/** Statistics of one symbol's series in one timeframe. */
export interface SymbolStats {
  symbol: string;
  timeframe: Timeframe;
  /** Rows stored. */
  records: number;
  /** Date of the first and last stored bar (intraday bars: their New York date, or UTC date for forex). */
  firstDate: CivilDate | null;
  lastDate: CivilDate | null;
  /** Start (Unix ms) of the first and last stored bar. */
  firstTimestamp: number | null;
  lastTimestamp: number | null;
  /** Rows passing the OHLC checks (positive low, high >= low, open and close within [low, high], volume >= 0). */
  validRecords: number;
  /** validRecords / records; null when there are no rows. */
  validationRate: number | null;
  /** The calendar gaps were measured against. */
  calendar: 'nyse' | 'crypto' | 'forex';
  /** Periods expected in the range (trading days; weeks or months with a trading day). */
  expectedPeriods: number;
  /** Expected periods with no data. */
  missingPeriods: number;
  /** Runs of missing periods, oldest first. */
  gaps: Gap[];
}

const VALID_ROW =
  'low > 0 AND high >= low AND open BETWEEN low AND high AND close BETWEEN low AND high AND (volume IS NULL OR volume >= 0)';

async function presentPeriods(db: Queryable, schema: BarTableSchema, symbol: string, rule: DateRule): Promise<Set<CivilDate>> {
  const table = ident(schema.table);
  const t = ident(schema.timeColumn);
  if (schema.timeType === 'date') {
    const { rows } = await db.query<{ d: string }>(`SELECT to_char(${t}, 'YYYY-MM-DD') AS d FROM ${table} WHERE symbol = $1`, [symbol]);
    return new Set(rows.map((r) => r.d));
  }
  // One row per hour holding data: New York offsets are whole hours, so the hour fixes the date.
  const { rows } = await db.query<{ h: number | string }>(
    `SELECT DISTINCT floor(extract(epoch FROM ${t}) / 3600)::bigint AS h FROM ${table} WHERE symbol = $1`,
    [symbol],
  );
  return new Set(rows.map((r) => dateOfInstant(Number(r.h) * 3_600_000, rule)));
}

/** Computes {@link SymbolStats} for one symbol and timeframe. */
export async function readSymbolStats(
  db: Queryable,
  schema: BarTableSchema,
  symbol: string,
  options: SymbolStatsOptions = {},
): Promise<SymbolStats> {
  for (const [name, v] of Object.entries(options)) {
    if (v !== undefined && !isCivilDate(v))
      throw new StoreError('INVALID_ARGUMENT', `symbolStats ${name} must be a YYYY-MM-DD date, got ${JSON.stringify(v)}`);
  }
  const rule = dateRuleForSymbol(symbol);
  const calendar = calendarForTicker(symbol);
  const t = ident(schema.timeColumn);
  const { rows } = await db.query<{
    n: number | string;
    valid: number | string;
    first: number | string | null;
    last: number | string | null;
  }>(
    `SELECT count(*) AS n, count(*) FILTER (WHERE ${VALID_ROW}) AS valid,
            ${timeOutputSql(schema, `min(${t})`)} AS first, ${timeOutputSql(schema, `max(${t})`)} AS last
       FROM ${ident(schema.table)} WHERE symbol = $1`,
    [symbol],
  );
  const row = rows[0];
  const records = Number(row?.n ?? 0);
  const validRecords = Number(row?.valid ?? 0);
  const first = row?.first ?? null;
  const last = row?.last ?? null;
  const firstTimestamp = first === null ? null : rowStartMs(first, rule);
  const lastTimestamp = last === null ? null : rowStartMs(last, rule);
  const firstDate = first === null ? null : typeof first === 'string' ? first : dateOfInstant(first, rule);
  const lastDate = last === null ? null : typeof last === 'string' ? last : dateOfInstant(last, rule);
  const from = options.from ?? firstDate;
  const to = options.to ?? lastDate;
  let expected: CivilDate[] = [];
  let gaps: Gap[] = [];
  if (from !== null && to !== null) {
    expected = expectedPeriods(schema.timeframe, calendar, from, to);
    gaps = findGaps(expected, records === 0 ? new Set() : await presentPeriods(db, schema, symbol, rule));
  }
  return {
    symbol,
    timeframe: schema.timeframe,
    records,
    firstDate,
    lastDate,
    firstTimestamp,
    lastTimestamp,
    validRecords,
    validationRate: records === 0 ? null : validRecords / records,
    calendar: calendar.name,
    expectedPeriods: expected.length,
    missingPeriods: gaps.reduce((sum, g) => sum + g.missing, 0),
    gaps,
  };
}
