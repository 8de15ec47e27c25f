/**
 * Which jobs the app writes a status for right after publishing them (TickStockAppV2,
 * `src/api/rest/admin_historical_data_redis.py`): the worker's first status write waits for those (a `SET` before
 * the app's `HSET` makes the app's route fail), and only for those.
 */
import type { DataLoadRequest } from './data-load.js';

/** What {@link appMayPreWriteStatus} reads of a request. */
export type PreWriteProbe = Pick<DataLoadRequest, 'jobType' | 'target' | 'universeKey'>;

/**
 * False for the job forms the app publishes without writing any status key first, so the worker writes its status
 * at once:
 * - `universe_seed` (the bulk-operations route writes nothing);
 * - `csv_universe_load` naming `symbols` but no `universe_key`: not the app's form (its universe route always sends
 *   `universe_key`), e.g. `tickstock submit` or another service using `submitJob`.
 * True for the rest: `historical_load` / `multi_timeframe_load` / the CSV forms (the trigger-load route pre-writes
 * `tickstock.jobs.status:{id}`; the CSV universe route writes `job:status:{id}` instead; the wait ends as soon as
 * either key exists) and the universe route's form (pre-writes `tickstock.jobs.status:{id}`).
 */
export function appMayPreWriteStatus(request: PreWriteProbe): boolean {
  if (request.jobType === 'universe_seed') return false;
  if (request.jobType === 'csv_universe_load' && request.target.kind === 'symbols' && request.universeKey === null) return false;
  return true;
}
