/**
 * `symbol_splits`: every split found for a stored symbol, whether the stored history predated it (and so had to be
 * reloaded at the new scale), and when that was done. `split_checks`: how far the splits have been checked, so a
 * check is never repeated. A split found but not yet readjusted stays pending until a run finishes it.
 */

import { type CivilDate, isCivilDate } from '@tickstock/market-time';
import type { Queryable } from '../drivers/driver.js';
import { StoreError } from '../errors.js';

/** A split to record (the API's `/v3/reference/splits` row, with what it means for the stored history). */
export interface NewSplit {
  symbol: string;
  /** New York date from which the split applies. */
  executionDate: CivilDate;
  /** `split_from` old shares became `split_to` new ones. */
  splitFrom: number;
  splitTo: number;
  /** The API's id of the split, when it sent one. */
  splitId?: string | null | undefined;
  /** Stored bars of the symbol predate the split at the old scale: they must be reloaded. */
  readjustNeeded: boolean;
}

/** A `symbol_splits` row. */
export interface StoredSplit extends Required<NewSplit> {
  splitId: string | null;
  /** When the split was found (Unix ms). */
  foundAt: number;
  /** When the symbol's history was reloaded for it (Unix ms), or null (not needed, or still pending). */
  readjustedAt: number | null;
  /** Rows the reload changed or deleted. */
  rowsRewritten: number | null;
}

function checkSplit(s: NewSplit): void {
  if (!isCivilDate(s.executionDate)) {
    throw new StoreError(
      'INVALID_ARGUMENT',
      `split of ${s.symbol}: execution date must be YYYY-MM-DD, got ${JSON.stringify(s.executionDate)}`,
    );
  }
  for (const [name, v] of [
    ['split_from', s.splitFrom],
    ['split_to', s.splitTo],
  ] as const) {
    if (!(typeof v === 'number' && Number.isFinite(v) && v > 0)) {
      throw new StoreError('INVALID_ARGUMENT', `split of ${s.symbol} on ${s.executionDate}: ${name} must be a positive number, got ${v}`);
    }
  }
}

/** Records splits not recorded yet (by symbol and execution date); returns those that were new. */
export async function writeSplits(db: Queryable, splits: readonly NewSplit[]): Promise<NewSplit[]> {
  const added: NewSplit[] = [];
  for (const s of splits) {
    checkSplit(s);
    const { rowCount } = await db.query(
      `INSERT INTO symbol_splits (symbol, execution_date, split_from, split_to, split_id, readjust_needed)
       VALUES ($1, $2::date, $3, $4, $5, $6) ON CONFLICT (symbol, execution_date) DO NOTHING`,
      [s.symbol, s.executionDate, s.splitFrom, s.splitTo, s.splitId ?? null, s.readjustNeeded],
    );
    if (rowCount === 1) added.push(s);
  }
  return added;
}

/** Filters of {@link readSplits}. */
export interface ReadSplits {
  /** Only these symbols. */
  symbols?: readonly string[];
  /** Only splits whose readjustment is still to do. */
  pending?: boolean;
}

/** Recorded splits, by symbol and execution date. */
export async function readSplits(db: Queryable, filter: ReadSplits = {}): Promise<StoredSplit[]> {
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT symbol, to_char(execution_date, 'YYYY-MM-DD') AS execution_date, split_from::float8 AS split_from,
            split_to::float8 AS split_to, split_id, readjust_needed, (extract(epoch FROM found_at) * 1000)::float8 AS found_at,
            (extract(epoch FROM readjusted_at) * 1000)::float8 AS readjusted_at, rows_rewritten
       FROM symbol_splits
      WHERE ($1::text[] IS NULL OR symbol = ANY($1::text[]))
        AND (NOT $2::boolean OR (readjust_needed AND readjusted_at IS NULL))
      ORDER BY symbol, execution_date`,
    [filter.symbols ? [...filter.symbols] : null, filter.pending ?? false],
  );
  return rows.map((r) => ({
    symbol: String(r.symbol),
    executionDate: String(r.execution_date),
    splitFrom: Number(r.split_from),
    splitTo: Number(r.split_to),
    splitId: r.split_id === null ? null : String(r.split_id),
    readjustNeeded: r.readjust_needed === true,
    foundAt: Number(r.found_at),
    readjustedAt: r.readjusted_at === null ? null : Number(r.readjusted_at),
    rowsRewritten: r.rows_rewritten === null ? null : Number(r.rows_rewritten),
  }));
}

/** Marks every pending split of `symbol` readjusted (its history was reloaded whole), with the rows it rewrote. */
export async function writeReadjusted(db: Queryable, symbol: string, rowsRewritten: number): Promise<number> {
  const { rowCount } = await db.query(
    `UPDATE symbol_splits SET readjusted_at = now(), rows_rewritten = $2
      WHERE symbol = $1 AND readjust_needed AND readjusted_at IS NULL`,
    [symbol, rowsRewritten],
  );
  return rowCount ?? 0;
}

/** The last splits check: through which New York date splits have been looked for, and when. */
export interface SplitCheck {
  checkedThrough: CivilDate;
  checkedAt: number;
}

export async function readSplitCheck(db: Queryable): Promise<SplitCheck | null> {
  const { rows } = await db.query<{ through: string; at: number }>(
    `SELECT to_char(checked_through, 'YYYY-MM-DD') AS through, (extract(epoch FROM checked_at) * 1000)::float8 AS at FROM split_checks WHERE id = 1`,
  );
  const row = rows[0];
  return row ? { checkedThrough: row.through, checkedAt: Number(row.at) } : null;
}

/** Records a finished check through `through` (never moves it back). */
export async function writeSplitCheck(db: Queryable, through: CivilDate): Promise<void> {
  if (!isCivilDate(through))
    throw new StoreError('INVALID_ARGUMENT', `checked-through date must be YYYY-MM-DD, got ${JSON.stringify(through)}`);
  await db.query(
    `INSERT INTO split_checks (id, checked_through) VALUES (1, $1::date)
     ON CONFLICT (id) DO UPDATE SET checked_through = GREATEST(split_checks.checked_through, EXCLUDED.checked_through), checked_at = now()`,
    [through],
  );
}
