/**
 * Loads one symbol by its plan: ticker details and registration when the plan asks for them, then every timeframe
 * in plan order, each from where the plan says (per ticker from the API, day bars a grouped-daily pass supplied,
 * week and month bars built from day bars). A failure in one timeframe is recorded and the others still load (a
 * period built from days that failed to load fails with them); an error that dooms the whole job (a bad API key) is
 * rethrown as `FatalJobError`.
 */

import type { CivilDate } from '@tickstock/market-time';
import { addDays, aggregateDayBars, type Bar, periodRange, periodStart, tradingDateOfBar, tradingDayStartMs } from '@tickstock/market-time';
import { decide, throwIfFatal, WriteFailure } from './errors.js';
import type {
  MarketDataPort,
  PlanStep,
  StepError,
  StorePort,
  SuppliedDays,
  SymbolPlan,
  SymbolResult,
  TimeframeRange,
  TimeframeResult,
  WriteCounts,
} from './types.js';

export interface LoadSymbolDeps {
  market: MarketDataPort;
  store: StorePort;
  now?: () => number;
}

/** The plan of a symbol loaded the plain way: details, then every range per ticker (what a plan-less entry means). */
export function perTickerPlan(symbol: string, ranges: readonly TimeframeRange[]): SymbolPlan {
  return { symbol, details: true, steps: ranges.map((r) => ({ timeframe: r.timeframe, from: r.from, to: r.to, source: 'ticker' })) };
}

/** Loads one symbol the plain way (details, then each range per ticker). */
export function loadSymbol(
  symbol: string,
  ranges: readonly TimeframeRange[],
  deps: LoadSymbolDeps,
  signal: AbortSignal,
): Promise<SymbolResult> {
  return loadPlannedSymbol(perTickerPlan(symbol, ranges), deps, signal);
}

/** Loads one symbol by `plan`; `supplied` carries its day bars from a grouped-daily pass. */
export async function loadPlannedSymbol(
  plan: SymbolPlan,
  deps: LoadSymbolDeps,
  signal: AbortSignal,
  supplied?: SuppliedDays,
): Promise<SymbolResult> {
  const { symbol } = plan;
  const now = deps.now ?? Date.now;
  const started = now();
  const result: SymbolResult = { symbol, ok: true, timeframes: [], recordsImported: 0, processingTimeMs: 0, interrupted: false };
  const fail = (code: string, message: string, retryable = false) => {
    if (result.ok) {
      result.ok = false;
      result.errorCode = code;
      result.errorMessage = message;
      result.retryable = retryable;
    }
  };

  let known = true;
  if (plan.details) {
    try {
      const meta = await deps.market.details(symbol, signal);
      known = meta !== null;
      await deps.store.registerSymbol(meta ?? { symbol });
    } catch (error) {
      throwIfFatal(error);
      if (signal.aborted) {
        result.interrupted = true;
        result.processingTimeMs = now() - started;
        fail('ABORTED', 'stopped before the symbol was registered');
        return result;
      }
      // Without a registered symbol no bar can be written (foreign key): the symbol fails.
      const d = decide(error, 'STORAGE_FAILED');
      fail(d.code, `could not register ${symbol}: ${d.message}`, d.retryable);
      result.processingTimeMs = now() - started;
      return result;
    }
  }

  // Day bars of this run (fetched or supplied, build-only days included), for the week and month bars built after,
  // and the first date they cover (a period starting on or after it needs no stored days).
  let days: Bar[] | undefined;
  let daysFrom: CivilDate | undefined;
  let dayError: StepError | undefined;
  let fetchedAny = false;

  for (const step of plan.steps) {
    if (signal.aborted) {
      result.interrupted = true;
      break;
    }
    const tf: TimeframeResult = {
      timeframe: step.timeframe,
      from: step.from,
      to: step.to,
      fetched: 0,
      written: 0,
      unchanged: 0,
      rejected: 0,
    };
    if (step.source !== 'none') tf.source = step.source;
    result.timeframes.push(tf);
    try {
      if (step.source === 'none') {
        // The market had no session in the range: no bar can exist, and no request is sent.
        tf.skipped = true;
        continue;
      }
      const building = plan.steps.some((s) => s.source === 'built');
      const widened = (step.fetchFrom ?? step.from) !== step.from || (step.fetchTo ?? step.to) !== step.to;
      if (step.timeframe === 'day' && step.source === 'ticker' && !building && !widened && step.store !== false) {
        // Nothing is built from these day bars: they stream straight into the store, like any other timeframe.
        const counts = await streamRange(symbol, step, deps, signal);
        Object.assign(tf, counts);
        if (counts.fetched) fetchedAny = true;
        result.recordsImported += counts.written + counts.unchanged;
        continue;
      }
      if (step.timeframe === 'day') {
        days = await dayBars(plan.symbol, step, deps, signal, supplied);
        daysFrom = step.fetchFrom ?? step.from;
        tf.fetched = days.length;
        if (days.length) fetchedAny = true;
        if (step.store !== false) {
          // The step's own dates, [start of `from`, start of the day after `to`), by timestamp: no date per bar.
          const first = tradingDayStartMs(step.from, { ticker: symbol });
          const end = tradingDayStartMs(addDays(step.to, 1), { ticker: symbol });
          const own = days.filter((b) => b.timestamp >= first && b.timestamp < end);
          const counts = await deps.store.writeBars('day', symbol, own, signal);
          Object.assign(tf, counts, { fetched: own.length });
          result.recordsImported += counts.written + counts.unchanged;
        } else {
          tf.buildOnly = true;
        }
        continue;
      }
      if (step.source === 'built') {
        if (dayError)
          throw Object.assign(new Error(`the day bars it is built from failed: ${dayError.message}`), {
            code: dayError.code,
            retryable: dayError.retryable === true,
          });
        const built = await buildPeriod(symbol, step, deps, days ?? [], daysFrom);
        const counts = await deps.store.writeBars(step.timeframe, symbol, built, signal);
        Object.assign(tf, counts);
        result.recordsImported += counts.written + counts.unchanged;
        continue;
      }
      const counts = await streamRange(symbol, step, deps, signal);
      Object.assign(tf, counts);
      if (counts.fetched) fetchedAny = true;
      result.recordsImported += counts.written + counts.unchanged;
    } catch (error) {
      throwIfFatal(error);
      if (signal.aborted) {
        result.interrupted = true;
        tf.error = { code: 'ABORTED', message: 'stopped while loading' };
        break;
      }
      if (error instanceof WriteFailure) {
        // Rows stored before the failure, or that the table kept of a batch it fell short on, are counted as stored.
        Object.assign(tf, error.counts, { fetched: Math.max(tf.fetched, error.counts.fetched) });
        result.recordsImported += error.counts.written + error.counts.unchanged;
      }
      const d = decide(error);
      tf.error = { code: d.code, message: d.message, retryable: d.retryable };
      if (step.timeframe === 'day') dayError = tf.error;
      fail(tf.error.code, `${step.timeframe}: ${tf.error.message}`, d.retryable);
    }
  }

  const allSkipped = result.timeframes.length > 0 && result.timeframes.every((t) => t.skipped);
  if (!known && !fetchedAny && !allSkipped && !result.interrupted) {
    fail('SYMBOL_NOT_FOUND', `${symbol} is not a known ticker and the API returned no bars for it`);
  }
  if (result.interrupted) fail('ABORTED', 'stopped before every timeframe was loaded');
  if (plan.readjust?.length && result.ok) await finishReadjustment(plan, result, deps, fail);
  if (!result.ok) result.errorMessage = `${result.errorMessage ?? ''}${landedNote(result)}`;
  result.processingTimeMs = now() - started;
  return result;
}

/**
 * For a symbol that failed: which of its timeframes are stored in full and which are not, so a failed symbol is
 * never taken for one that wrote nothing (a timeframe that failed part-way keeps the batches written before).
 */
export function landedNote(result: SymbolResult): string {
  const stored = result.timeframes.filter((t) => !t.skipped && !t.buildOnly);
  const whole = stored.filter((t) => !t.error).map((t) => t.timeframe);
  const not = stored.filter((t) => t.error).map((t) => t.timeframe);
  if (whole.length === 0 || not.length === 0) return '';
  return ` (stored in full: ${whole.join(', ')}; not stored in full: ${not.join(', ')})`;
}

/**
 * A split readjustment whose every range reloaded: recorded as done, so no later run repeats it. Until then (a
 * timeframe failed, the worker was killed) the splits stay pending and the next run reloads the symbol again.
 */
async function finishReadjustment(
  plan: SymbolPlan,
  result: SymbolResult,
  deps: LoadSymbolDeps,
  fail: (code: string, message: string, retryable?: boolean) => void,
): Promise<void> {
  const rowsRewritten = result.timeframes.reduce((n, t) => n + t.written + (t.deleted ?? 0), 0);
  try {
    if (!deps.store.markReadjusted) throw new Error('this store cannot record split readjustments');
    await deps.store.markReadjusted(plan.symbol, rowsRewritten);
    result.readjusted = { splits: [...(plan.readjust ?? [])], rowsRewritten };
  } catch (error) {
    throwIfFatal(error);
    const d = decide(error, 'STORAGE_FAILED');
    fail(d.code, `the split readjustment of ${plan.symbol} reloaded but could not be recorded: ${d.message}`, d.retryable);
  }
}

/**
 * One range per ticker, streamed into the store. A range that replaces what is stored (a split readjustment) then
 * deletes the stored rows of the range that the API no longer serves.
 */
async function streamRange(
  symbol: string,
  step: PlanStep,
  deps: LoadSymbolDeps,
  signal: AbortSignal,
): Promise<WriteCounts & { deleted?: number }> {
  if (!step.replace) return deps.store.writeBars(step.timeframe, symbol, deps.market.bars(symbol, step, signal), signal);
  if (!deps.store.deleteBarsNotIn) throw new Error('this store cannot replace a reloaded range');
  const served = new Set<number>();
  async function* noted(bars: AsyncIterable<Bar>): AsyncIterable<Bar> {
    for await (const bar of bars) {
      served.add(bar.timestamp);
      yield bar;
    }
  }
  const counts = await deps.store.writeBars(step.timeframe, symbol, noted(deps.market.bars(symbol, step, signal)), signal);
  const deleted = await deps.store.deleteBarsNotIn(step.timeframe, symbol, step.from, step.to, served);
  return { ...counts, deleted };
}

/** The symbol's day bars over the step's fetch span: supplied by the grouped pass, or fetched per ticker. */
async function dayBars(symbol: string, step: PlanStep, deps: LoadSymbolDeps, signal: AbortSignal, supplied?: SuppliedDays): Promise<Bar[]> {
  if (step.source === 'grouped') {
    if (!supplied) throw Object.assign(new Error('no grouped-daily bars were supplied for it'), { code: 'INTERNAL' });
    if (supplied.error)
      throw Object.assign(new Error(supplied.error.message), { code: supplied.error.code, retryable: supplied.error.retryable === true });
    return supplied.days.toBars();
  }
  const range = { timeframe: 'day' as const, from: step.fetchFrom ?? step.from, to: step.fetchTo ?? step.to };
  const out: Bar[] = [];
  for await (const bar of deps.market.bars(symbol, range, signal)) out.push(bar);
  return out;
}

/**
 * Week or month bars of the step's periods, built from day bars by the API's rule: this run's days, and stored days
 * for the rest of each period (an incremental run fetches only the newest days).
 */
async function buildPeriod(
  symbol: string,
  step: PlanStep,
  deps: LoadSymbolDeps,
  fresh: readonly Bar[],
  freshFrom: CivilDate | undefined,
): Promise<Bar[]> {
  const period = step.timeframe === 'week' ? 'week' : 'month';
  const dateOf = (b: Bar) => tradingDateOfBar(b, { timespan: 'day', ticker: symbol });
  const first = periodStart(step.from, period);
  const last = step.to;
  // This run's days cover every period from its start (a first load): nothing to read. Otherwise (an incremental
  // run fetched only the newest days) the older days of each period come from the store.
  if (freshFrom !== undefined && freshFrom <= first) {
    const firstMs = tradingDayStartMs(first, { ticker: symbol });
    return aggregateDayBars(
      fresh.filter((b) => b.timestamp >= firstMs),
      period,
      { ticker: symbol },
    );
  }
  const byDate = new Map<CivilDate, Bar>();
  for (const b of await deps.store.readDayBars(symbol, first, periodEndOf(last, period))) byDate.set(dateOf(b), b);
  for (const b of fresh) byDate.set(dateOf(b), b); // this run's days win over what was stored
  const wanted = [...byDate.entries()].filter(([d]) => d >= first).map(([, b]) => b);
  return aggregateDayBars(wanted, period, { ticker: symbol });
}

function periodEndOf(date: CivilDate, period: 'week' | 'month'): CivilDate {
  return periodRange(date, period).end;
}
