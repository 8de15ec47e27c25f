/**
 * Where per-symbol work runs. The job logic hands an executor the symbols and a function that loads one; the
 * executor decides concurrency and placement. `InProcessExecutor` runs them here under p-limit; a durable,
 * multi-machine executor can implement the same interface without touching the job logic.
 */
import { setMaxListeners } from 'node:events';
import pLimit from 'p-limit';
import type { PlannedSymbol, SymbolResult, TimeframeRange } from '../engine/types.js';

/** What a symbol's work is, as data: what an executor on another process or machine needs to run it. */
export interface SymbolTaskSpec {
  jobId: string;
  ranges: readonly TimeframeRange[];
  /**
   * Each symbol's plan and supplied day bars (a symbol without one loads per ticker over `ranges`). An executor that
   * hands a symbol's work on elsewhere (a queue) may drop its `supplied` bars from here once handed on.
   */
  planned?: Map<string, PlannedSymbol> | undefined;
}

export interface SymbolExecutionHooks {
  /** The job's work as data (a durable executor sends this instead of running `work` here). */
  task: SymbolTaskSpec;
  /** Aborts the job: no new symbol starts, and symbols in flight see the signal. */
  signal: AbortSignal;
  /** Stops starting new symbols but lets those in flight finish (graceful shutdown). */
  drain?: AbortSignal | undefined;
  onStart(symbol: string): Promise<void>;
  onResult(result: SymbolResult): Promise<void>;
}

export interface SymbolExecutor {
  /**
   * Runs `work` for each symbol. Stops starting new symbols once `hooks.signal` aborts; symbols in flight see
   * the signal themselves. Rejects with the first error `work` throws (e.g. a fatal job error), after aborting.
   */
  run(
    symbols: readonly string[],
    work: (symbol: string, signal: AbortSignal) => Promise<SymbolResult>,
    hooks: SymbolExecutionHooks,
  ): Promise<void>;
}

export class InProcessExecutor implements SymbolExecutor {
  constructor(private readonly concurrency = 4) {
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new RangeError(`concurrency must be a whole number >= 1 (got ${concurrency})`);
  }

  async run(
    symbols: readonly string[],
    work: (symbol: string, signal: AbortSignal) => Promise<SymbolResult>,
    hooks: SymbolExecutionHooks,
  ): Promise<void> {
    const limit = pLimit(this.concurrency);
    let firstError: unknown;
    const inner = new AbortController();
    // Every request in flight listens on this signal: as many as the concurrency times the client's pages.
    setMaxListeners(0, inner.signal);
    const stop = () => inner.abort(hooks.signal.reason);
    if (hooks.signal.aborted) stop();
    hooks.signal.addEventListener('abort', stop, { once: true });
    try {
      await Promise.all(
        symbols.map((symbol) =>
          limit(async () => {
            if (inner.signal.aborted || hooks.drain?.aborted) return;
            await hooks.onStart(symbol);
            try {
              const result = await work(symbol, inner.signal);
              await hooks.onResult(result);
            } catch (error) {
              if (firstError === undefined) firstError = error;
              inner.abort(error);
            }
          }),
        ),
      );
    } finally {
      hooks.signal.removeEventListener('abort', stop);
    }
    if (firstError !== undefined) throw firstError;
  }
}
