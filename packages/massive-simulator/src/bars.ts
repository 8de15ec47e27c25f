/**
 * Which bars the simulator serves for a request, and in what pages. Intraday bars (minute, hour) group a day's
 * minutes into windows counted from New York midnight (forex: UTC midnight, its days being UTC days); day and longer bars group whole days into windows (a day,
 * a Sunday-started week, a calendar month, quarter or year; k of them for multiplier k, counted from the window
 * holding `from`). A window overlapping the range is served whole. No minutes, no bar.
 */
import {
  addDays,
  type Bar,
  type CivilDate,
  calendarDateOf,
  civilDateToDayNumber,
  dayNumberToCivilDate,
  formatCivilDate,
  mergeBars,
  monthStart,
  parseCivilDate,
  type TradingSession,
  tradingDayStartMs,
  weekStartSunday,
} from '@tickstock/market-time';
import type { ResolvedBarsRequest } from './bar-request.js';
import { type Aggregate, aggregateMinutes, type BarSource, existingMinutes, vwapOf } from './source.js';
import type { TickerModel } from './ticker-model.js';

/** Bars as columns, in the order served; `base` is how many base bars (minutes or days) each one aggregates. */
export class BarColumns {
  t: Float64Array;
  o: Float64Array;
  h: Float64Array;
  l: Float64Array;
  c: Float64Array;
  v: Float64Array;
  vw: Float64Array;
  n: Float64Array;
  base: Float64Array;
  length = 0;

  /** `capacity`: the number of bars expected (it grows past it as needed). */
  constructor(capacity = 64) {
    const cap = Math.max(1, Math.min(capacity, 1 << 20));
    this.t = new Float64Array(cap);
    this.o = new Float64Array(cap);
    this.h = new Float64Array(cap);
    this.l = new Float64Array(cap);
    this.c = new Float64Array(cap);
    this.v = new Float64Array(cap);
    this.vw = new Float64Array(cap);
    this.n = new Float64Array(cap);
    this.base = new Float64Array(cap);
  }

  private grow(): void {
    const cap = this.t.length * 2;
    const g = (a: Float64Array) => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    this.t = g(this.t);
    this.o = g(this.o);
    this.h = g(this.h);
    this.l = g(this.l);
    this.c = g(this.c);
    this.v = g(this.v);
    this.vw = g(this.vw);
    this.n = g(this.n);
    this.base = g(this.base);
  }

  /** Appends a bar (copies `a`, which the caller may reuse); `vw` when given, else the vwap of `a`'s sums. */
  push(t: number, a: Aggregate, base: number, vw?: number): void {
    if (this.length === this.t.length) this.grow();
    const i = this.length++;
    this.t[i] = t;
    this.o[i] = a.o;
    this.h[i] = a.h;
    this.l[i] = a.l;
    this.c[i] = a.c;
    this.v[i] = a.v;
    this.vw[i] = vw ?? vwapOf(a);
    this.n[i] = a.n;
    this.base[i] = base;
  }
}

/** One page of bars, the base bars behind it, and where the next page starts (absent on the last page). */
export interface BarPage {
  bars: BarColumns;
  queryCount: number;
  /** `t` of the first bar of the next page. */
  nextT?: number;
}

const scratch: Aggregate = { o: 0, h: 0, l: 0, c: 0, v: 0, vwv: 0, n: 0, minutes: 1 };

/** Receives each bar: `vw` is set for bars built from day bars (their vwap is not a ratio of `a`'s sums). */
type BarSink = (t: number, a: Aggregate, base: number, vw?: number) => boolean; // false: stop

/** The session of a day the ticker trades (its calendar, its listing date, its missing days), else null. */
function trading(source: BarSource, model: TickerModel, date: CivilDate): TradingSession | null {
  return source.session(model, date);
}

/** The instant a date of the ticker's calendar starts: 00:00 New York, or 00:00 UTC for forex (its days are UTC days). */
function dayStart(model: TickerModel, date: CivilDate): number {
  return tradingDayStartMs(date, { ticker: model.ticker });
}

/** Intraday bars: windows of `multiplier` minutes or hours from the start of the day (New York midnight; forex: UTC). */
function emitIntraday(source: BarSource, model: TickerModel, req: ResolvedBarsRequest, now: number, sink: BarSink): void {
  const windowMs = req.multiplier * (req.timespan === 'minute' ? 60_000 : 3_600_000);
  const firstDay = civilDateToDayNumber(calendarDateOf(req.fromMs, model.calendar));
  const lastDay = civilDateToDayNumber(calendarDateOf(Math.min(req.toMs, now), model.calendar));
  const asc = req.sort === 'asc';
  const oneMinute = windowMs === 60_000;
  for (let d = asc ? firstDay : lastDay; asc ? d <= lastDay : d >= firstDay; d += asc ? 1 : -1) {
    const session = trading(source, model, dayNumberToCivilDate(d));
    if (!session || session.preMarketOpen > req.toMs || session.postMarketClose <= req.fromMs) continue;
    const factor = source.factor(model.ticker, session.date, req.adjusted, now);
    const dm = source.minutes(model, session, factor);
    const count = existingMinutes(dm, now);
    const midnight = dayStart(model, session.date);
    // Group minutes [start, end) by window; collect the groups, then emit in the requested order.
    const groups: number[] = [];
    let i = oneMinute ? count : 0;
    while (i < count) {
      const w = Math.floor(((dm.t[i] as number) - midnight) / windowMs);
      let j = i + 1;
      while (j < count && Math.floor(((dm.t[j] as number) - midnight) / windowMs) === w) j++;
      const t = midnight + w * windowMs;
      if (t >= req.fromMs && t <= req.toMs) groups.push(i, j, t);
      i = j;
    }
    if (oneMinute) {
      // Fast path: each minute is its own bar.
      for (let g = 0; g < count; g++) {
        const k = asc ? g : count - 1 - g;
        const t = dm.t[k] as number;
        if (t < req.fromMs || t > req.toMs) continue;
        scratch.o = dm.o[k] as number;
        scratch.h = dm.h[k] as number;
        scratch.l = dm.l[k] as number;
        scratch.c = dm.c[k] as number;
        scratch.v = dm.v[k] as number;
        scratch.vwv = (dm.vw[k] as number) * scratch.v;
        scratch.n = dm.n[k] as number;
        scratch.k = dm.k;
        if (!sink(t, scratch, 1)) return;
      }
      continue;
    }
    const len = groups.length / 3;
    for (let g = 0; g < len; g++) {
      const k = (asc ? g : len - 1 - g) * 3;
      const from = groups[k] as number;
      const to = groups[k + 1] as number;
      const agg = aggregateMinutes(dm, from, to, model.fractionalVolume) as Aggregate;
      if (!sink(groups[k + 2] as number, agg, to - from)) return;
    }
  }
}

/** Start date of the window holding `date`, and the start of the window after a window starting at `start`. */
function windowing(
  req: ResolvedBarsRequest,
  anchor: CivilDate,
): { startOf(date: CivilDate): CivilDate; next(start: CivilDate): CivilDate } {
  const k = req.multiplier;
  switch (req.timespan) {
    case 'day': {
      const a = civilDateToDayNumber(anchor);
      return {
        startOf: (date) => dayNumberToCivilDate(a + Math.floor((civilDateToDayNumber(date) - a) / k) * k),
        next: (start) => addDays(start, k),
      };
    }
    case 'week': {
      const a = civilDateToDayNumber(weekStartSunday(anchor));
      return {
        startOf: (date) => dayNumberToCivilDate(a + Math.floor((civilDateToDayNumber(date) - a) / (7 * k)) * 7 * k),
        next: (start) => addDays(start, 7 * k),
      };
    }
    default: {
      const months = (req.timespan === 'month' ? 1 : req.timespan === 'quarter' ? 3 : 12) * k;
      const unit = req.timespan === 'month' ? 1 : req.timespan === 'quarter' ? 3 : 12;
      const index = (date: CivilDate) => {
        const { year, month } = parseCivilDate(date);
        return year * 12 + month - 1;
      };
      const a = Math.floor(index(monthStart(anchor)) / unit) * unit;
      const fromIndex = (i: number) => formatCivilDate(Math.floor(i / 12), (i % 12) + 1, 1);
      return {
        startOf: (date) => fromIndex(a + Math.floor((index(date) - a) / months) * months),
        next: (start) => fromIndex(index(start) + months),
      };
    }
  }
}

/** A day's aggregate as the day bar it is served as (the client's shape), stamped `t`. */
function dayBarOf(a: Aggregate, t: number, hasVolume: boolean): Bar {
  const bar: Bar = { timestamp: t, open: a.o, high: a.h, low: a.l, close: a.c };
  if (hasVolume) {
    bar.volume = a.v;
    bar.vwap = vwapOf(a);
    bar.transactions = a.n;
  }
  return bar;
}

/**
 * Day and longer bars: whole windows of trading days, t = 00:00 New York (forex: 00:00 UTC) of the window's first day. A one-day bar is
 * the day's own; a longer window is built from its day bars exactly as served, by Massive's rule (`mergeBars`, the
 * same function loaders build week and month bars with), so the two always agree.
 */
function emitDaily(source: BarSource, model: TickerModel, req: ResolvedBarsRequest, now: number, sink: BarSink): void {
  const fromDate = calendarDateOf(req.fromMs, model.calendar);
  const toDate = calendarDateOf(Math.min(req.toMs, now), model.calendar);
  if (toDate < fromDate) return;
  const w = windowing(req, fromDate);
  const starts: CivilDate[] = [];
  const last = w.startOf(toDate);
  for (let s = w.startOf(fromDate); s <= last; s = w.next(s)) starts.push(s);
  if (req.sort === 'desc') starts.reverse();
  const oneDay = req.timespan === 'day' && req.multiplier === 1;
  const merged: Aggregate = { o: 0, h: 0, l: 0, c: 0, v: 0, vwv: 0, n: 0, minutes: 0 };
  for (const start of starts) {
    const end = w.next(start);
    const days: Bar[] = [];
    let single: Aggregate | null = null;
    for (let n = civilDateToDayNumber(start), stop = civilDateToDayNumber(end); n < stop; n++) {
      const d = dayNumberToCivilDate(n);
      const session = trading(source, model, d);
      if (!session || session.preMarketOpen >= now) continue;
      const a = source.daySummary(model, session, source.factor(model.ticker, d, req.adjusted, now), now);
      if (!a) continue;
      if (oneDay) single = a;
      else days.push(dayBarOf(a, dayStart(model, d), model.hasVolume));
    }
    const t = dayStart(model, start);
    if (oneDay) {
      if (single && !sink(t, single, 1)) return;
      continue;
    }
    if (days.length === 0) continue;
    const bar = mergeBars(days, t);
    merged.o = bar.open;
    merged.h = bar.high;
    merged.l = bar.low;
    merged.c = bar.close;
    merged.v = bar.volume ?? 0;
    merged.vwv = 0; // unused: the vwap is the merged bar's
    merged.n = bar.transactions ?? 0;
    merged.minutes = 0;
    if (!sink(t, merged, days.length, bar.vwap ?? 0)) return;
  }
}

/** Emits every bar of a request in order until `sink` returns false. */
export function emitBars(source: BarSource, req: ResolvedBarsRequest, now: number, sink: BarSink): void {
  if (req.fromMs > req.toMs) return;
  const model = source.model(req.ticker);
  if (req.timespan === 'minute' || req.timespan === 'hour') emitIntraday(source, model, req, now, sink);
  else emitDaily(source, model, req, now, sink);
}

/**
 * One page: bars in order while the base bars behind them stay within `limit` (always at least one bar), and the
 * `t` of the bar after the page when there is one.
 */
export function barPage(source: BarSource, req: ResolvedBarsRequest, now: number, limit: number): BarPage {
  // A page holds at most `limit` bars (each has a base bar), and no more than the range has windows.
  const windowMs = req.timespan === 'minute' ? 60_000 * req.multiplier : req.timespan === 'hour' ? 3_600_000 * req.multiplier : 86_400_000;
  const bars = new BarColumns(Math.min(limit, Math.floor((req.toMs - req.fromMs) / windowMs) + 2));
  let queryCount = 0;
  let nextT: number | undefined;
  emitBars(source, req, now, (t, a, base, vw) => {
    if (bars.length > 0 && queryCount + base > limit) {
      nextT = t;
      return false;
    }
    bars.push(t, a, base, vw);
    queryCount += base;
    return true;
  });
  return nextT === undefined ? { bars, queryCount } : { bars, queryCount, nextT };
}
