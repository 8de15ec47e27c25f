/** The engine's store port over `OhlcvStore`. */

import type { CivilDate, Timeframe } from '@tickstock/market-time';
import { addDays, type Bar, type BarColumns, newYorkMidnightUtcMs } from '@tickstock/market-time';
import { type OhlcvStore, STORE_TIMEFRAME, StoreError, type UpsertReport } from '@tickstock/ohlcv-store';
import { WriteFailure } from '../engine/errors.js';
import type { BarsPage, RangeCursor, StoredPage, StorePort, SymbolMeta, TimeframeRange, WriteCounts } from '../engine/types.js';

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
    return written(() => this.store.upsertBars(STORE_TIMEFRAME[timeframe], symbol, bars));
  }

  /**
   * Pages (e.g. the client's `BarPage`s) into the store: each page's columns when it has them (copied into the write
   * buffer, no `Bar` built), else its array; one await per page, not per bar.
   */
  async writeBarPages(
    timeframe: Timeframe,
    symbol: string,
    pages: AsyncIterable<BarsPage>,
    _signal: AbortSignal,
    onPageStored?: (page: StoredPage) => Promise<void>,
  ): Promise<WriteCounts> {
    // What the hook needs of each page handed to the store (its cursor and size, not its bars), until it is stored.
    const handed: StoredPage[] = [];
    let first = 0;
    const rows = pageRowsOf(pages, onPageStored ? (page, count) => handed.push({ cursor: page.cursor, bars: count }) : undefined);
    const options = onPageStored
      ? {
          onPageStored: async (index: number) => {
            const page = handed[index - first];
            if (!page) throw new Error(`the store reported page ${index} stored, which was never handed to it`);
            handed.shift();
            first++;
            await onPageStored(page);
          },
        }
      : {};
    return written(() => this.store.upsertBarPages(STORE_TIMEFRAME[timeframe], symbol, rows, options));
  }

  loadCursor(symbol: string, range: TimeframeRange): Promise<RangeCursor | null> {
    return this.store.getLoadCursor(this.cursorKey(symbol, range));
  }

  async saveCursor(symbol: string, range: TimeframeRange, cursor: RangeCursor): Promise<void> {
    await this.store.saveLoadCursor({ ...this.cursorKey(symbol, range), ...cursor });
  }

  async clearCursor(symbol: string, range: TimeframeRange): Promise<void> {
    await this.store.clearLoadCursor(this.cursorKey(symbol, range));
  }

  private cursorKey(symbol: string, range: TimeframeRange) {
    return { symbol, timeframe: STORE_TIMEFRAME[range.timeframe], from: range.from, to: range.to };
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

/** The bars of `pages` as the store takes them: each page's columns when it has them (its bars are then never built). */
async function* pageRowsOf(
  pages: AsyncIterable<BarsPage>,
  handing?: (page: BarsPage, count: number) => void,
): AsyncGenerator<BarColumns | readonly Bar[], void, undefined> {
  for await (const page of pages) {
    const rows = page.columns ?? page.bars;
    handing?.(page, rows.length);
    yield rows;
  }
}

/** The counts of a write; a store failure becomes a `WriteFailure` carrying what was stored before it. */
async function written(write: () => Promise<UpsertReport>): Promise<WriteCounts> {
  try {
    return countsOf(await write());
  } catch (error) {
    // What was stored before the failure (earlier batches), or despite it (rows the table did not keep).
    if (error instanceof StoreError && error.report)
      throw new WriteFailure(error.code, error.message, countsOf(error.report), error.retryable, { cause: error });
    throw error;
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
