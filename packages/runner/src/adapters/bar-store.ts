/** The engine's store port over `OhlcvStore`. */

import type { CivilDate, Timeframe } from '@tickstock/market-time';
import { addDays, type Bar, newYorkMidnightUtcMs } from '@tickstock/market-time';
import { type OhlcvStore, STORE_TIMEFRAME, StoreError, type UpsertReport } from '@tickstock/ohlcv-store';
import { WriteFailure } from '../engine/errors.js';
import type { StorePort, SymbolMeta, WriteCounts } from '../engine/types.js';

export class OhlcvBarStore implements StorePort {
  constructor(private readonly store: OhlcvStore) {}

  async registerSymbol(meta: SymbolMeta): Promise<void> {
    await this.store.registerSymbol(meta);
  }

  async writeBars(
    timeframe: Timeframe,
    symbol: string,
    bars: AsyncIterable<Bar> | Iterable<Bar>,
    _signal: AbortSignal,
  ): Promise<WriteCounts> {
    // The signal reaches the API calls through `bars`; a batch already sent to the database is committed whole.
    try {
      return countsOf(await this.store.upsertBars(STORE_TIMEFRAME[timeframe], symbol, bars));
    } catch (error) {
      // What was stored before the failure (earlier batches), or despite it (rows the table did not keep).
      if (error instanceof StoreError && error.report)
        throw new WriteFailure(error.code, error.message, countsOf(error.report), error.retryable, { cause: error });
      throw error;
    }
  }

  readDayBars(symbol: string, from: CivilDate, to: CivilDate): Promise<Bar[]> {
    return this.store.getBars('daily', symbol, { from, to });
  }

  deleteBarsNotIn(timeframe: Timeframe, symbol: string, from: CivilDate, to: CivilDate, keep: ReadonlySet<number>): Promise<number> {
    // Intraday tables are keyed by instant: the range runs from 00:00 New York of `from` to the end of `to`.
    const intraday = timeframe === '1min' || timeframe === 'hour';
    const range = intraday ? { from: newYorkMidnightUtcMs(from), to: newYorkMidnightUtcMs(addDays(to, 1)) - 1 } : { from, to };
    return this.store.deleteBarsNotIn(STORE_TIMEFRAME[timeframe], symbol, range, keep);
  }

  async markReadjusted(symbol: string, rowsRewritten: number): Promise<void> {
    await this.store.markReadjusted(symbol, rowsRewritten);
  }
}

function countsOf(report: UpsertReport): WriteCounts {
  const counts: WriteCounts = {
    fetched: report.received,
    written: report.written,
    unchanged: report.unchanged,
    rejected: report.rejected,
  };
  if (report.rejected) counts.rejectedByReason = { ...report.rejectedByReason } as Record<string, number>;
  if (report.duplicates) counts.duplicates = report.duplicates;
  return counts;
}
