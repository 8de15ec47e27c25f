/** Pure functions that say exactly which bars the simulator serves, for tests that compare stored data with them. */

import { type Bar, type CivilDate, eachDay } from '@tickstock/market-time';
import { resolveBarsRequest, type SimulatedBarsRequest } from './bar-request.js';
import { BarColumns, barPage, emitBars } from './bars.js';
import { type GenerationOptions, sharedBarSource } from './source.js';
import { type SimulatedSplitRow, splitRows } from './splits.js';
import { type WireBar, wireBars } from './wire.js';

/** A bar in the client's shape: the simulator never marks bars OTC. */
export type SimulatedBar = Omit<Bar, 'otc'>;

/** Options of the pure functions: generation options, the unknown-ticker rule and the clock. */
export interface SimulatedBarsOptions extends GenerationOptions {
  /** Bars exist only for minutes that ended by this instant (Unix ms; default: the current time). */
  now?: number;
  /** Tickers with no data (besides the reserved pattern, see {@link isReservedUnknownTicker}). */
  unknownTickers?: readonly string[];
}

/** True for tickers the simulator always treats as unknown: starting with `ZZZ` or containing `UNKNOWN`. */
export function isReservedUnknownTicker(ticker: string): boolean {
  const up = ticker.toUpperCase();
  return up.startsWith('ZZZ') || up.includes('UNKNOWN');
}

function collect(request: SimulatedBarsRequest, options: SimulatedBarsOptions): { bars: BarColumns; hasVolume: boolean } {
  const req = resolveBarsRequest(request);
  const bars = new BarColumns();
  const source = sharedBarSource(options);
  const hasVolume = source.model(req.ticker).hasVolume;
  if (isReservedUnknownTicker(req.ticker) || options.unknownTickers?.includes(req.ticker)) return { bars, hasVolume };
  emitBars(source, req, options.now ?? Date.now(), (t, a, base, vw) => {
    bars.push(t, a, base, vw);
    return true;
  });
  return { bars, hasVolume };
}

/**
 * Every bar the simulator serves for a request, over all pages, in the client's `Bar` shape. Same request and
 * options (seed, gapRate, splits, listings, missingDays, now), same bars: in any process, on any machine.
 */
export function simulatedBars(request: SimulatedBarsRequest, options: SimulatedBarsOptions = {}): SimulatedBar[] {
  const { bars, hasVolume } = collect(request, options);
  const out: SimulatedBar[] = new Array(bars.length);
  for (let i = 0; i < bars.length; i++) {
    const b: SimulatedBar = {
      timestamp: bars.t[i] as number,
      open: bars.o[i] as number,
      high: bars.h[i] as number,
      low: bars.l[i] as number,
      close: bars.c[i] as number,
    };
    if (hasVolume) {
      b.volume = bars.v[i] as number;
      b.vwap = bars.vw[i] as number;
      b.transactions = bars.n[i] as number;
    }
    out[i] = b;
  }
  return out;
}

/** The same bars as {@link simulatedBars}, as Massive's wire rows (`t`, `o`, `h`, `l`, `c`, `v`, `vw`, `n`). */
export function simulatedWireBars(request: SimulatedBarsRequest, options: SimulatedBarsOptions = {}): WireBar[] {
  const { bars, hasVolume } = collect(request, options);
  return wireBars(bars, hasVolume);
}

/**
 * The New York dates in `[from, to]` on which the simulator's `ticker` trades: the trading days of its calendar from
 * its listing date on (`listings`), less its missing days (`missingDays`). Its day bars (and grouped-daily rows) are
 * exactly these days up to "now"; unknown tickers trade on none.
 */
export function simulatedTradingDays(
  ticker: string,
  from: CivilDate,
  to: CivilDate,
  options: Omit<SimulatedBarsOptions, 'now'> = {},
): CivilDate[] {
  if (isReservedUnknownTicker(ticker) || options.unknownTickers?.includes(ticker)) return [];
  const source = sharedBarSource(options);
  const model = source.model(ticker);
  return eachDay(from, to).filter((date) => source.session(model, date) !== null);
}

/** How many pages the simulator splits a request into for a `limit` (what a client following next_url requests). */
export function simulatedPageCount(request: SimulatedBarsRequest, limit: number, options: SimulatedBarsOptions = {}): number {
  const req = resolveBarsRequest(request);
  if (isReservedUnknownTicker(req.ticker) || options.unknownTickers?.includes(req.ticker)) return 1;
  const source = sharedBarSource(options);
  const now = options.now ?? Date.now();
  let pages = 0;
  let current = req;
  for (;;) {
    pages++;
    const page = barPage(source, current, now, limit);
    if (page.nextT === undefined) return pages;
    current = req.sort === 'asc' ? { ...current, fromMs: page.nextT } : { ...current, toMs: page.nextT };
  }
}

/**
 * The splits `/v3/reference/splits` lists at `now` (default: the current time), in ascending order of execution date
 * then ticker: each configured split from its `announced` date (default its execution date) on.
 */
export function simulatedSplits(options: SimulatedBarsOptions = {}): SimulatedSplitRow[] {
  const rows = splitRows(sharedBarSource(options), options.now ?? Date.now());
  const key = (r: SimulatedSplitRow) => `${r.execution_date}\u0000${r.ticker}`;
  return rows.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
