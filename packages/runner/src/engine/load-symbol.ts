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
  BarsPage,
  MarketDataPort,
  PlanStep,
  RangeCursor,
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
        if (counts.fetched || counts.resumed) fetchedAny = true;
        result.recordsImported += counts.written + counts.unchanged + (counts.resumed ?? 0);
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
      if (counts.fetched || counts.resumed) fetchedAny = true;
      result.recordsImported += counts.written + counts.unchanged + (counts.resumed ?? 0);
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
 * One range per ticker, streamed into the store: page by page (one array per API page, no await per bar) when the
 * market port serves pages and the store takes them, else bar by bar. A range that replaces what is stored (a split
 * readjustment) then deletes the stored rows of the range that the API no longer serves.
 */
async function streamRange(
  symbol: string,
  step: PlanStep,
  deps: LoadSymbolDeps,
  signal: AbortSignal,
): Promise<WriteCounts & { deleted?: number }> {
  const { market, store } = deps;
  if (step.replace && !store.deleteBarsNotIn) throw new Error('this store cannot replace a reloaded range');
  const served = step.replace ? new Set<number>() : undefined;
  const note = (bars: readonly Bar[]): void => {
    if (served) for (let i = 0; i < bars.length; i++) served.add((bars[i] as Bar).timestamp);
  };
  const noteTimes = (timestamps: Float64Array): void => {
    if (served) for (let i = 0; i < timestamps.length; i++) served.add(timestamps[i] as number);
  };
  let counts: WriteCounts;
  if (market.barPages && store.writeBarPages) {
    // A range that replaces what is stored must see every bar the API serves, so only plain loads resume.
    counts = served
      ? await store.writeBarPages(step.timeframe, symbol, notedPages(market.barPages(symbol, step, signal), note, noteTimes), signal)
      : await resumablePages(symbol, step, deps, signal);
  } else {
    const bars = market.bars(symbol, step, signal);
    counts = await store.writeBars(step.timeframe, symbol, served ? notedBars(bars, note) : bars, signal);
  }
  if (!served || !store.deleteBarsNotIn) return counts;
  const deleted = await store.deleteBarsNotIn(step.timeframe, symbol, step.from, step.to, served);
  return { ...counts, deleted };
}

/**
 * A range loaded page by page that survives an interruption: after each page is stored, the next page's cursor is
 * saved (`bar_load_cursors`); a later attempt at the same range (the queue's retry, another replica, a restarted
 * worker) starts from it instead of page 1, and the range's cursor is deleted once its last page is stored. A saved
 * cursor the API or the client no longer accepts (a non-retryable error before any page of this attempt was stored)
 * is dropped and the range loaded from its start, once.
 */
async function resumablePages(symbol: string, step: PlanStep, deps: LoadSymbolDeps, signal: AbortSignal): Promise<WriteCounts> {
  const { market, store } = deps;
  const write = store.writeBarPages?.bind(store);
  const pagesOf = market.barPages?.bind(market);
  if (!write || !pagesOf) throw new Error('resumablePages needs a market port that serves pages and a store that takes them');
  const { loadCursor, saveCursor, clearCursor } = store;
  if (!loadCursor || !saveCursor || !clearCursor) return write(step.timeframe, symbol, pagesOf(symbol, step, signal), signal);

  let savedAny = false;
  const attempt = async (from: RangeCursor | null): Promise<{ counts: WriteCounts; storedNow: number }> => {
    let pages = from?.pages ?? 0;
    let bars = from?.bars ?? 0;
    let storedNow = 0;
    try {
      const counts = await write(step.timeframe, symbol, pagesOf(symbol, step, signal, from?.cursor), signal, async (page) => {
        pages += 1;
        bars += page.bars;
        storedNow += 1;
        if (page.cursor === null) return;
        await saveCursor.call(store, symbol, step, { cursor: page.cursor, pages, bars });
        savedAny = true;
      });
      return { counts: from ? { ...counts, resumed: from.bars } : counts, storedNow };
    } catch (error) {
      throw Object.assign(new ResumeAttemptFailed(error), { storedNow });
    }
  };

  const saved = await loadCursor.call(store, symbol, step);
  let result: { counts: WriteCounts; storedNow: number };
  try {
    result = await attempt(saved);
  } catch (failure) {
    const { cause, storedNow } = failure as ResumeAttemptFailed & { storedNow: number };
    const stale = saved !== null && storedNow === 0 && !(cause instanceof WriteFailure) && !signal.aborted && !decide(cause).retryable;
    if (!stale) throw cause;
    await clearCursor.call(store, symbol, step);
    result = await attempt(null).catch((f: ResumeAttemptFailed) => {
      throw f.cause;
    });
  }
  if (saved !== null || savedAny) await clearCursor.call(store, symbol, step);
  return result.counts;
}

/** Carries the error of one attempt of {@link resumablePages} with how many pages it stored. */
class ResumeAttemptFailed {
  constructor(readonly cause: unknown) {}
}

/** `pages`, each noted as it passes: its timestamps from its columns when it has them (its bars are not built). */
async function* notedPages(
  pages: AsyncIterable<BarsPage>,
  note: (bars: readonly Bar[]) => void,
  noteTimes: (timestamps: Float64Array) => void,
): AsyncIterable<BarsPage> {
  for await (const page of pages) {
    if (page.columns) noteTimes(page.columns.timestamp);
    else note(page.bars);
    yield page;
  }
}

async function* notedBars(bars: AsyncIterable<Bar>, note: (bars: readonly Bar[]) => void): AsyncIterable<Bar> {
  for await (const bar of bars) {
    note([bar]);
    yield bar;
  }
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
  if (deps.market.barPages) {
    for await (const page of deps.market.barPages(symbol, range, signal)) for (const bar of page.bars) out.push(bar);
  } else {
    for await (const bar of deps.market.bars(symbol, range, signal)) out.push(bar);
  }
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
