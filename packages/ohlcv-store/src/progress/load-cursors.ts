/**
 * Resumable paged loads: `bar_load_cursors` keeps, per symbol, timeframe and range, the API's cursor for the next page
 * of a load that has not finished. The loader saves it after each page's bars are stored and deletes it when the
 * range is done; a load interrupted after page N (a crash, a kill, an outage) resumes at page N+1.
 */
import { type CivilDate, isCivilDate } from '@tickstock/market-time';
import type { Queryable } from '../drivers/driver.js';
import { StoreError } from '../errors.js';
import { TIMEFRAMES, type Timeframe } from '../timeframes.js';

/** The range a cursor belongs to: one symbol's load of one timeframe over New York dates `from`..`to`. */
export interface LoadCursorKey {
  symbol: string;
  timeframe: Timeframe;
  from: CivilDate;
  to: CivilDate;
}

/** Where a paged load stopped: the next page's cursor, and what the pages before it stored. */
export interface LoadCursor extends LoadCursorKey {
  /** The API's cursor for the next page (a `next_url` without the key). */
  cursor: string;
  /** Pages stored so far. */
  pages: number;
  /** Bars those pages carried. */
  bars: number;
  /** When it was saved (Unix ms). */
  updatedAt: number;
}

/** Longest cursor kept: an API `next_url` is a few hundred characters; anything far longer is not one. */
export const MAX_CURSOR_LENGTH = 4096;

function checkKey(k: LoadCursorKey): void {
  const where = `load cursor of ${JSON.stringify(k.symbol)}`;
  if (typeof k.symbol !== 'string' || k.symbol.length === 0 || k.symbol.length > 20)
    throw new StoreError('INVALID_ARGUMENT', `${where}: the symbol must be 1 to 20 characters`);
  if (!TIMEFRAMES.includes(k.timeframe))
    throw new StoreError(
      'INVALID_ARGUMENT',
      `${where}: unknown timeframe ${JSON.stringify(k.timeframe)} (one of ${TIMEFRAMES.join(', ')})`,
    );
  for (const [name, d] of [
    ['from', k.from],
    ['to', k.to],
  ] as const) {
    if (!isCivilDate(d)) throw new StoreError('INVALID_ARGUMENT', `${where}: ${name} must be YYYY-MM-DD, got ${JSON.stringify(d)}`);
  }
  if (k.from > k.to) throw new StoreError('INVALID_ARGUMENT', `${where}: from ${k.from} is after to ${k.to}`);
}

/** Saves (or moves forward) a range's cursor. */
export async function writeLoadCursor(db: Queryable, c: Omit<LoadCursor, 'updatedAt'>): Promise<void> {
  checkKey(c);
  const where = `load cursor of ${c.symbol} ${c.timeframe} ${c.from}..${c.to}`;
  if (typeof c.cursor !== 'string' || c.cursor.length === 0 || c.cursor.length > MAX_CURSOR_LENGTH)
    throw new StoreError('INVALID_ARGUMENT', `${where}: the cursor must be 1 to ${MAX_CURSOR_LENGTH} characters`);
  if (!Number.isSafeInteger(c.pages) || c.pages < 1)
    throw new StoreError('INVALID_ARGUMENT', `${where}: pages must be a whole number of at least 1, got ${c.pages}`);
  if (!Number.isSafeInteger(c.bars) || c.bars < 0)
    throw new StoreError('INVALID_ARGUMENT', `${where}: bars must be a whole number of at least 0, got ${c.bars}`);
  await db.query(
    `INSERT INTO bar_load_cursors (symbol, timeframe, range_from, range_to, cursor, pages, bars)
     VALUES ($1, $2, $3::date, $4::date, $5, $6, $7)
     ON CONFLICT (symbol, timeframe, range_from, range_to)
     DO UPDATE SET cursor = EXCLUDED.cursor, pages = EXCLUDED.pages, bars = EXCLUDED.bars, updated_at = now()`,
    [c.symbol, c.timeframe, c.from, c.to, c.cursor, c.pages, c.bars],
  );
}

/** The saved cursor of a range, or null when none (never started, or finished). */
export async function readLoadCursor(db: Queryable, k: LoadCursorKey): Promise<LoadCursor | null> {
  checkKey(k);
  const { rows } = await db.query<{ cursor: string; pages: number; bars: string | number; at: number }>(
    `SELECT cursor, pages, bars, (extract(epoch FROM updated_at) * 1000)::float8 AS at FROM bar_load_cursors
      WHERE symbol = $1 AND timeframe = $2 AND range_from = $3::date AND range_to = $4::date`,
    [k.symbol, k.timeframe, k.from, k.to],
  );
  const r = rows[0];
  return r
    ? {
        symbol: k.symbol,
        timeframe: k.timeframe,
        from: k.from,
        to: k.to,
        cursor: r.cursor,
        pages: Number(r.pages),
        bars: Number(r.bars),
        updatedAt: Number(r.at),
      }
    : null;
}

/** Deletes a range's cursor (its load finished, or its cursor is no longer usable); returns whether there was one. */
export async function deleteLoadCursor(db: Queryable, k: LoadCursorKey): Promise<boolean> {
  checkKey(k);
  const { rowCount } = await db.query(
    'DELETE FROM bar_load_cursors WHERE symbol = $1 AND timeframe = $2 AND range_from = $3::date AND range_to = $4::date',
    [k.symbol, k.timeframe, k.from, k.to],
  );
  return (rowCount ?? 0) > 0;
}
