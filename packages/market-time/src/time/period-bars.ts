/**
 * Week and month bars built from day bars, by the rule Massive uses (its `limit` counts base day bars for day and
 * longer timespans: those bars are built from day bars). The one implementation of that rule in the workspace: the
 * simulator serves its week, month, quarter and year bars through {@link mergeBars}, and loaders build periods with
 * {@link aggregateDayBars}.
 *
 * The rule, for the day bars of one period in date order:
 * - `open` of the first day, `close` of the last day, the highest `high`, the lowest `low`;
 * - `volume` and `transactions`: the sums over the days that carry them (absent when no day does: index bars have
 *   neither). A sum of decimals is the exact decimal sum (0.1 + 0.2 gives 0.3, as the API would send it), not the
 *   binary rounding noise of adding doubles;
 * - `vwap`: the volume-weighted mean of the days' vwaps, Σ(vwap × volume) / Σ volume, rounded to 4 decimals as Massive
 *   sends every vwap (stocks, crypto and forex alike). Days with no volume, or volume 0, weigh nothing. It is absent
 *   when no day has volume above 0 (index bars; a period whose days all traded nothing), and absent when a day with
 *   volume above 0 has no vwap (a mean over part of the volume would not be the period's vwap);
 * - `otc` when any day carries it;
 * - `timestamp`: the start of the period, 00:00 New York of its first day (weeks start on Sunday, months on the 1st).
 *   Forex (`C:`) day bars align to UTC days, so their periods start 00:00 UTC (see `barsAlignToUtcDays`).
 *
 * A period is built from the days given: a forming period (this week, this month) from its days so far, a period with
 * missing days (no trades, no bar) from the days that exist. A period without days has no bar. Crypto trades seven
 * days a week; its Saturday and Sunday bars belong to their week like any other day. Nothing here reads the machine's
 * time zone.
 */
import type { Bar } from '../bar.js';
import { tradingDateOfBar, tradingDayStartMs } from '../sessions.js';
import { addDays, type CivilDate, monthStart, nextMonthStart, weekStartSunday } from './civil-date.js';

/** The periods built from day bars. */
export type BarPeriod = 'week' | 'month';

/** Every {@link BarPeriod}. */
export const BAR_PERIODS: readonly BarPeriod[] = ['week', 'month'];

/** Decimals of every vwap Massive sends, and so of a built period's vwap. */
export const VWAP_DECIMALS = 4;

/** Options of {@link aggregateDayBars}. */
export interface PeriodBarsOptions {
  /**
   * The bars' ticker. Forex (`C:`) day bars are read by their UTC date and their periods start 00:00 UTC; every other
   * ticker's by the New York date, periods starting 00:00 New York. Default: New York.
   */
  ticker?: string;
}

/** Largest whole number a double holds exactly. */
const EXACT = 2 ** 53;
/** Decimals looked for in a volume before a sum is left as the doubles add up. */
const MAX_DECIMALS = 12;
const POW10 = Array.from({ length: MAX_DECIMALS + 1 }, (_, k) => 10 ** k);

/** Decimal places of `x` (0-12), or -1 when it has more (or is not finite). */
function decimalsOf(x: number): number {
  if (Number.isInteger(x)) return 0;
  if (!Number.isFinite(x)) return -1;
  for (let k = 1; k <= MAX_DECIMALS; k++) {
    const p = POW10[k] as number;
    if (Math.round(x * p) / p === x) return k;
  }
  return -1;
}

/**
 * A running sum of decimal numbers that ends as the double nearest their exact decimal sum: the doubles are added,
 * then rounded to the most decimals any term had (when that stays within a double's exact integers). Whole numbers
 * are summed exactly as they are.
 */
class DecimalSum {
  value = 0;
  count = 0;
  private decimals = 0;
  add(x: number): void {
    this.value += x;
    this.count++;
    if (this.decimals >= 0) {
      const d = decimalsOf(x);
      this.decimals = d < 0 ? -1 : Math.max(this.decimals, d);
    }
  }
  result(): number {
    const d = this.decimals;
    if (d <= 0) return this.value;
    const p = POW10[d] as number;
    const scaled = this.value * p;
    return Math.abs(scaled) < EXACT ? Math.round(scaled) / p : this.value;
  }
}

function roundVwap(x: number): number {
  const p = POW10[VWAP_DECIMALS] as number;
  return Math.round(x * p) / p;
}

/**
 * One bar from bars in time order, by Massive's rule (see the module comment), stamped `timestamp`. The bars are
 * used in the order given. Throws a RangeError when `bars` is empty.
 */
export function mergeBars(bars: readonly Bar[], timestamp: number): Bar {
  const first = bars[0];
  const last = bars[bars.length - 1];
  if (!first || !last) throw new RangeError('mergeBars needs at least one bar');
  let high = first.high;
  let low = first.low;
  const volume = new DecimalSum();
  const transactions = new DecimalSum();
  const weight = new DecimalSum();
  let weighted = 0;
  let vwapComplete = true;
  let otc = false;
  for (const b of bars) {
    if (b.high > high) high = b.high;
    if (b.low < low) low = b.low;
    if (b.volume !== undefined) {
      volume.add(b.volume);
      if (b.volume > 0) {
        if (b.vwap === undefined) vwapComplete = false;
        else {
          weighted += b.vwap * b.volume;
          weight.add(b.volume);
        }
      }
    }
    if (b.transactions !== undefined) transactions.add(b.transactions);
    if (b.otc === true) otc = true;
  }
  const out: Bar = { timestamp, open: first.open, high, low, close: last.close };
  if (volume.count > 0) out.volume = volume.result();
  const totalWeight = weight.result();
  if (vwapComplete && totalWeight > 0) out.vwap = roundVwap(weighted / totalWeight);
  if (transactions.count > 0) out.transactions = transactions.result();
  if (otc) out.otc = true;
  return out;
}

/** Throws a RangeError unless `period` is one of {@link BAR_PERIODS}. */
function checkPeriod(period: BarPeriod): void {
  if (!BAR_PERIODS.includes(period)) throw new RangeError(`period must be 'week' or 'month', got ${JSON.stringify(period)}`);
}

/** The first date of the week (its Sunday) or month (its 1st) holding `date`: the period rule. */
export function periodStart(date: CivilDate, period: BarPeriod): CivilDate {
  checkPeriod(period);
  return startOf(date, period);
}

/** {@link periodStart} for a period already checked. */
function startOf(date: CivilDate, period: BarPeriod): CivilDate {
  return period === 'week' ? weekStartSunday(date) : monthStart(date);
}

/** The first and last date (both inclusive) of the week (Sunday to Saturday) or month holding `date`. */
export function periodRange(date: CivilDate, period: BarPeriod): { start: CivilDate; end: CivilDate } {
  if (period === 'week') {
    const start = weekStartSunday(date);
    return { start, end: addDays(start, 6) };
  }
  checkPeriod(period);
  return { start: monthStart(date), end: addDays(nextMonthStart(date), -1) };
}

/**
 * Week or month bars from day bars, by Massive's rule (see the module comment): one bar per period that has at least
 * one day bar, in ascending order, stamped at the period's start (Sunday or the 1st, 00:00 New York; 00:00 UTC for
 * forex). Day bars may come in any order, stamped 00:00 (custom bars) or as grouped daily stamps them (16:00 New York
 * and the like): each counts on its trading date (`tradingDateOfBar`). Two bars on one date are a RangeError, as is an
 * unknown period. Pure: the input is not modified.
 */
export function aggregateDayBars(days: readonly Bar[], period: BarPeriod, options: PeriodBarsOptions = {}): Bar[] {
  checkPeriod(period);
  const dated = days.map((bar) => ({ bar, date: tradingDateOfBar(bar, { timespan: 'day', ticker: options.ticker }) }));
  dated.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  const out: Bar[] = [];
  let i = 0;
  while (i < dated.length) {
    const start = startOf((dated[i] as (typeof dated)[number]).date, period);
    const group: Bar[] = [];
    let previous: CivilDate | undefined;
    for (; i < dated.length; i++) {
      const d = dated[i] as (typeof dated)[number];
      if (startOf(d.date, period) !== start) break;
      if (d.date === previous) throw new RangeError(`two day bars on ${d.date}`);
      previous = d.date;
      group.push(d.bar);
    }
    out.push(mergeBars(group, tradingDayStartMs(start, { ticker: options.ticker })));
  }
  return out;
}
