/** Deleting the stored bars of a range that a fresh fetch no longer serves (a split readjustment, a repair). */

import type { CivilDate } from '@tickstock/market-time';
import type { Queryable } from '../drivers/driver.js';
import type { BarTableSchema } from '../schema/discover.js';
import { ident } from '../sql.js';
import { timeframeSpec } from '../timeframes.js';
import { boundKey, dateOfInstant, dateRuleForSymbol } from './time-keys.js';

/**
 * Deletes `symbol`'s rows from `from` to `to` (inclusive; Unix ms or `YYYY-MM-DD`) whose bar start is not in `keep`
 * (Unix ms of the bars that stay). Returns how many rows were deleted.
 */
export async function deleteBarsNotIn(
  db: Queryable,
  schema: BarTableSchema,
  symbol: string,
  from: number | CivilDate,
  to: number | CivilDate,
  keep: Iterable<number>,
): Promise<number> {
  const spec = timeframeSpec(schema.timeframe);
  const rule = dateRuleForSymbol(symbol);
  const t = ident(schema.timeColumn);
  const table = ident(schema.table);
  if (schema.timeType === 'date') {
    const keys = [...new Set([...keep].map((ms) => dateOfInstant(ms, rule)))];
    const { rowCount } = await db.query(
      `DELETE FROM ${table} WHERE symbol = $1 AND ${t} >= $2::date AND ${t} <= $3::date AND NOT (${t} = ANY($4::date[]))`,
      [symbol, boundKey(spec, from, rule), boundKey(spec, to, rule), keys],
    );
    return rowCount ?? 0;
  }
  const instant = (p: string) => `'epoch'::${schema.timeType} + ${p}::bigint * INTERVAL '1 millisecond'`;
  const { rowCount } = await db.query(
    `DELETE FROM ${table} WHERE symbol = $1 AND ${t} >= ${instant('$2')} AND ${t} <= ${instant('$3')}
        AND NOT ((extract(epoch FROM ${t}) * 1000)::bigint = ANY($4::bigint[]))`,
    [symbol, boundKey(spec, from, rule), boundKey(spec, to, rule), [...keep]],
  );
  return rowCount ?? 0;
}
