/** `tracked_symbols`: which symbols scheduled backfills keep loaded, and how their last backfill went. */
import type { Queryable } from '../drivers/driver.js';
import { StoreError } from '../errors.js';

/** Asset classes `tracked_symbols` accepts. */
export type TrackedAssetClass = 'stock' | 'etf' | 'crypto';
/** Backfill states `tracked_symbols` accepts. */
export type BackfillStatus = 'in_progress' | 'completed' | 'failed';

/** A `tracked_symbols` row. */
export interface TrackedSymbol {
  symbol: string;
  assetClass: TrackedAssetClass;
  active: boolean;
  backfillStatus: BackfillStatus | null;
  backfillError: string | null;
  /** Unix ms of the last backfill, or null. */
  lastBackfill: number | null;
}

const ASSET_CLASSES: readonly TrackedAssetClass[] = ['stock', 'etf', 'crypto'];
const STATUSES: readonly BackfillStatus[] = ['in_progress', 'completed', 'failed'];

/** Adds symbols to tracking (or updates their asset class and active flag). */
export async function writeTracked(
  db: Queryable,
  items: readonly { symbol: string; assetClass: TrackedAssetClass; active?: boolean }[],
): Promise<void> {
  for (const item of items) {
    if (!ASSET_CLASSES.includes(item.assetClass)) {
      throw new StoreError(
        'INVALID_ARGUMENT',
        `asset class of ${item.symbol} must be one of ${ASSET_CLASSES.join(', ')}, got ${JSON.stringify(item.assetClass)}`,
      );
    }
    await db.query(
      `INSERT INTO tracked_symbols (symbol, asset_class, active) VALUES ($1, $2, $3)
       ON CONFLICT (symbol) DO UPDATE SET asset_class = EXCLUDED.asset_class, active = EXCLUDED.active, updated_at = now()`,
      [item.symbol, item.assetClass, item.active ?? true],
    );
  }
}

/** Records a backfill's state for a tracked symbol (`completed` also stamps `last_backfill`). */
export async function writeBackfillStatus(
  db: Queryable,
  symbol: string,
  status: BackfillStatus,
  error: string | null = null,
): Promise<void> {
  if (!STATUSES.includes(status)) throw new StoreError('INVALID_ARGUMENT', `backfill status must be one of ${STATUSES.join(', ')}`);
  const { rowCount } = await db.query(
    `UPDATE tracked_symbols SET backfill_status = $2, backfill_error = $3, updated_at = now(),
            last_backfill = CASE WHEN $2 = 'completed' THEN now() ELSE last_backfill END
      WHERE symbol = $1`,
    [symbol, status, error],
  );
  if (rowCount === 0) throw new StoreError('INVALID_ARGUMENT', `${symbol} is not in tracked_symbols`, { table: 'tracked_symbols' });
}

/** Tracked symbols, by symbol (only active ones unless `includeInactive`). */
export async function readTracked(db: Queryable, { includeInactive = false } = {}): Promise<TrackedSymbol[]> {
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT symbol, asset_class, active, backfill_status, backfill_error, (extract(epoch FROM last_backfill) * 1000)::float8 AS last
       FROM tracked_symbols WHERE $1::boolean OR active ORDER BY symbol`,
    [includeInactive],
  );
  return rows.map((r) => ({
    symbol: String(r.symbol),
    assetClass: r.asset_class as TrackedAssetClass,
    active: r.active === true,
    backfillStatus: (r.backfill_status ?? null) as BackfillStatus | null,
    backfillError: r.backfill_error === null ? null : String(r.backfill_error),
    lastBackfill: r.last === null ? null : Number(r.last),
  }));
}
