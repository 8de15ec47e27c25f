/**
 * The splits check before an incremental load. Massive's adjusted bars are split-adjusted as of the moment they are
 * fetched: once a stock splits, every bar before the split changes (prices divide by the ratio, volumes multiply).
 * An incremental load that resumes at its last stored bar would never read those again, leaving pre-split prices
 * beside post-split ones. So, before planning, one paginated `/v3/reference/splits` request lists every split since
 * the last check (the whole market: no request per symbol), and each split of a stored symbol is recorded in
 * `symbol_splits`. A split the stored history predates (bars dated before it, written before it took effect) marks
 * the symbol for readjustment: its every stored timeframe is reloaded whole. The mark stays until a run finishes the
 * reload, so an interrupted readjustment is finished by the next run.
 */
import { addDays, type CivilDate, newYorkDate, TIMEFRAMES, tradingDayStartMs, utcDateOf } from '@tickstock/market-time';
import { dateRuleForSymbol, type OhlcvStore, STORE_TIMEFRAME, type Timeframe as StoreTimeframe } from '@tickstock/ohlcv-store';
import { errorCode, errorMessage } from '../engine/errors.js';
import type { ListedSplit, MarketDataPort, SplitReadjustment, TimeframeRange } from '../engine/types.js';

/** How far back the first check of a database looks (later checks start where the last one ended). */
export const FIRST_SPLITS_CHECK_YEARS = 10;

/** A symbol whose stored history is reloaded: the splits it predates, and every stored timeframe's range. */
export interface Readjustment {
  splits: SplitReadjustment[];
  /** Each stored timeframe from its first stored bar to today. */
  ranges: TimeframeRange[];
}

export interface SplitsCheck {
  /** Requests the check sent (one, plus pages; 0 when it was not needed). */
  requests: number;
  /** From which New York date splits were looked for (inclusive), through today. */
  from: CivilDate | null;
  /** Splits of the job's symbols found by this check (new ones only). */
  found: ListedSplit[];
  /** The symbols to reload, found now or left pending by an earlier run. */
  readjust: Map<string, Readjustment>;
  /** Why the check could not be made (the load goes on; the next run checks the same window again). */
  error?: { code: string; message: string } | undefined;
}

export interface SplitsCheckOptions {
  now: number;
  signal: AbortSignal;
}

/** Whether `symbol` has bars dated before `date` in `timeframe` that were written before the split took effect. */
async function predates(store: OhlcvStore, timeframe: StoreTimeframe, symbol: string, split: ListedSplit): Promise<boolean> {
  const extent = await store.barExtent(timeframe, symbol);
  const effective = tradingDayStartMs(split.executionDate, { ticker: symbol });
  if (!extent || extent.first >= effective) return false;
  // Bars of the earlier dates that were all written after the split took effect were already adjusted for it.
  const written = await store.earliestWriteBefore(timeframe, symbol, effective);
  return written === null || written < effective;
}

/** Runs the check for a job's `symbols` (see the module comment). */
export async function checkSplits(
  store: OhlcvStore,
  market: MarketDataPort,
  symbols: readonly string[],
  options: SplitsCheckOptions,
): Promise<SplitsCheck> {
  const today = newYorkDate(options.now);
  const wanted = new Set(symbols);
  const out: SplitsCheck = { requests: 0, from: null, found: [], readjust: new Map() };
  const timeframes = store.schema.bars;
  if (market.splits) {
    const last = await store.lastSplitCheck();
    const from = last ? last.checkedThrough : addDays(today, -Math.round(FIRST_SPLITS_CHECK_YEARS * 365.25));
    out.from = from;
    try {
      const listed = await market.splits(from, today, options.signal);
      out.requests = listed.requests;
      const mine = listed.splits.filter((s) => wanted.has(s.ticker) && s.executionDate <= today);
      const decided = [];
      for (const split of mine) {
        let stale = false;
        for (const tf of Object.keys(timeframes) as StoreTimeframe[]) {
          if (await predates(store, tf, split.ticker, split)) {
            stale = true;
            break;
          }
        }
        decided.push({ split, stale });
      }
      const added = await store.recordSplits(
        decided.map(({ split, stale }) => ({
          symbol: split.ticker,
          executionDate: split.executionDate,
          splitFrom: split.splitFrom,
          splitTo: split.splitTo,
          splitId: split.id ?? null,
          readjustNeeded: stale,
        })),
      );
      const isNew = new Set(added.map((a) => `${a.symbol} ${a.executionDate}`));
      out.found = mine.filter((s) => isNew.has(`${s.ticker} ${s.executionDate}`));
      await store.recordSplitCheck(today);
    } catch (error) {
      if (options.signal.aborted) throw error;
      out.error = { code: errorCode(error), message: `the splits check failed: ${errorMessage(error)}` };
    }
  }
  // Readjustments to do: found now, or left pending by a run that did not finish them.
  for (const split of await store.listSplits({ symbols: [...wanted], pending: true })) {
    const entry = out.readjust.get(split.symbol) ?? { splits: [], ranges: [] };
    entry.splits.push({ executionDate: split.executionDate, splitFrom: split.splitFrom, splitTo: split.splitTo });
    out.readjust.set(split.symbol, entry);
  }
  for (const [symbol, entry] of out.readjust) {
    for (const timeframe of TIMEFRAMES) {
      if (!timeframes[STORE_TIMEFRAME[timeframe]]) continue;
      const extent = await store.barExtent(STORE_TIMEFRAME[timeframe], symbol);
      if (!extent) continue;
      const utcDates = timeframe !== '1min' && timeframe !== 'hour' && dateRuleForSymbol(symbol) === 'utc';
      const first = utcDates ? utcDateOf(extent.first) : newYorkDate(extent.first);
      entry.ranges.push({ timeframe, from: first, to: today });
    }
  }
  return out;
}
