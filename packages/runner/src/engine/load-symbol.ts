/**
 * Loads one symbol: ticker details and registration, then every requested timeframe, streamed from the API
 * into the store. A failure in one timeframe is recorded and the others still load; an error that dooms the
 * whole job (a bad API key) is rethrown as `FatalJobError`.
 */

import { errorCode, errorMessage, FatalJobError, JOB_FATAL_CODES } from './errors.js';
import type { MarketDataPort, RangePlanner, StorePort, SymbolResult, TimeframeRange, TimeframeResult } from './types.js';

export interface LoadSymbolDeps {
  market: MarketDataPort;
  store: StorePort;
  now?: () => number;
  /** Incremental loads: what to fetch of each timeframe (default: the job's range as it is). */
  planRange?: RangePlanner | undefined;
  /**
   * Incremental loads: true when the symbol's details are already stored, so the details call is skipped (the
   * symbol then counts as known). Default: details are always fetched.
   */
  detailsKnown?: ((symbol: string) => Promise<boolean>) | undefined;
}

function throwIfFatal(error: unknown): void {
  const code = errorCode(error);
  if (JOB_FATAL_CODES.has(code)) throw new FatalJobError(code, errorMessage(error), { cause: error });
}

export async function loadSymbol(
  symbol: string,
  ranges: readonly TimeframeRange[],
  deps: LoadSymbolDeps,
  signal: AbortSignal,
): Promise<SymbolResult> {
  const now = deps.now ?? Date.now;
  const started = now();
  const result: SymbolResult = { symbol, ok: true, timeframes: [], recordsImported: 0, processingTimeMs: 0, interrupted: false };
  const fail = (code: string, message: string) => {
    if (result.ok) {
      result.ok = false;
      result.errorCode = code;
      result.errorMessage = message;
    }
  };

  let known = true;
  try {
    if (!(await deps.detailsKnown?.(symbol))) {
      const meta = await deps.market.details(symbol, signal);
      known = meta !== null;
      await deps.store.registerSymbol(meta ?? { symbol });
    }
  } catch (error) {
    throwIfFatal(error);
    if (signal.aborted) {
      result.interrupted = true;
      result.processingTimeMs = now() - started;
      fail('ABORTED', 'stopped before the symbol was registered');
      return result;
    }
    // Without a registered symbol no bar can be written (foreign key): the symbol fails.
    fail(errorCode(error, 'STORAGE_FAILED'), `could not register ${symbol}: ${errorMessage(error)}`);
    result.processingTimeMs = now() - started;
    return result;
  }

  for (const requested of ranges) {
    if (signal.aborted) {
      result.interrupted = true;
      break;
    }
    const tf: TimeframeResult = {
      timeframe: requested.timeframe,
      from: requested.from,
      to: requested.to,
      fetched: 0,
      written: 0,
      unchanged: 0,
      rejected: 0,
    };
    result.timeframes.push(tf);
    try {
      const range = deps.planRange ? await deps.planRange(symbol, requested, signal) : requested;
      if (range === null) {
        tf.skipped = true;
        continue;
      }
      tf.from = range.from;
      tf.to = range.to;
      const counts = await deps.store.writeBars(range.timeframe, symbol, deps.market.bars(symbol, range, signal), signal);
      Object.assign(tf, counts);
      result.recordsImported += counts.written + counts.unchanged;
    } catch (error) {
      throwIfFatal(error);
      if (signal.aborted) {
        result.interrupted = true;
        tf.error = { code: 'ABORTED', message: 'stopped while loading' };
        break;
      }
      tf.error = { code: errorCode(error), message: errorMessage(error) };
      fail(tf.error.code, `${requested.timeframe}: ${tf.error.message}`);
    }
  }

  const fetched = result.timeframes.reduce((n, t) => n + t.fetched, 0);
  const allSkipped = result.timeframes.length > 0 && result.timeframes.every((t) => t.skipped);
  if (!known && fetched === 0 && !allSkipped && !result.interrupted) {
    fail('SYMBOL_NOT_FOUND', `${symbol} is not a known ticker and the API returned no bars for it`);
  }
  if (result.interrupted) fail('ABORTED', 'stopped before every timeframe was loaded');
  result.processingTimeMs = now() - started;
  return result;
}
