/**
 * The simulator's underlying data: one day's minute bars for a ticker, generated from the seed alone.
 *
 * Prices are a seeded random walk. The log price at the start of each calendar day is a sum of value-noise octaves
 * (periods of 1 to 2048 days, amplitudes growing with the square root of the period, like a random walk), so any
 * day can be generated without walking from the beginning of time. Within a day, minute closes follow a Brownian
 * bridge from that day's anchor to the next day's. Everything else (hour, day, week, month bars) aggregates these.
 */
import { civilDateToDayNumber } from '@tickstock/market-time';
import { hash2, unit } from './random.js';
import { round4, roundPrice } from './round.js';
import type { TickerModel } from './ticker-model.js';

/** One day's minute bars as columns (index i is the i-th existing minute, ascending). */
export interface DayMinutes {
  dayNumber: number;
  count: number;
  /** Price scale of these minutes relative to the ticker's generated (lowest-factor) prices: 1 without splits. */
  k: number;
  t: Float64Array;
  o: Float64Array;
  h: Float64Array;
  l: Float64Array;
  c: Float64Array;
  v: Float64Array;
  vw: Float64Array;
  n: Float64Array;
}

const OCTAVES = 12;

/** Log price at the start of calendar day `dayNumber`. */
export function logAnchor(model: TickerModel, dayNumber: number): number {
  let x = Math.log(model.basePrice);
  const amp = model.dailyVol * 0.9;
  for (let k = 0; k < OCTAVES; k++) {
    const period = 2 ** k;
    const pos = dayNumber / period;
    const knot = Math.floor(pos);
    const frac = pos - knot;
    const okey = hash2(model.key, 1000 + k);
    const a = unit(hash2(okey, knot)) * 2 - 1;
    const b = unit(hash2(okey, knot + 1)) * 2 - 1;
    x += amp * Math.sqrt(period) * (a + (b - a) * frac);
  }
  return x;
}

/** Minutes of the day from `start` to `end` (Unix ms), of which the regular session is [open, close). */
export interface MinuteWindow {
  start: number;
  end: number;
  open: number;
  close: number;
}

/** Running sums of a day's minutes, filled by {@link summarizeDayMinutes} exactly as aggregating the stored minutes would. */
export interface MinuteSums {
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
  vwv: number;
  n: number;
  minutes: number;
  /** Price scale relative to the generated prices (see {@link DayMinutes.k}). */
  k: number;
}

let pathScratch = new Float64Array(1501);

/**
 * The walk of one day: fills `pathScratch[0..total]` with prices (times `factor`) and returns the RNG state after it.
 * Log increments are a Brownian bridge from the day's anchor to the next day's; prices are built by multiplying
 * exp(increment), with exp taken from its series (increments are ~1e-3, so four terms are exact to double precision
 * well beyond the 4 decimals served).
 */
function walk(model: TickerModel, dayNumber: number, total: number, factor: number): number {
  if (pathScratch.length < total + 1) pathScratch = new Float64Array(total + 1);
  const path = pathScratch;
  let state = hash2(model.key, dayNumber ^ 0x5bd1e995) | 0;
  const logOpen = logAnchor(model, dayNumber);
  const logClose = logAnchor(model, dayNumber + 1);
  const sigma = (model.dailyVol * 0.8) / Math.sqrt(total);
  // Pass 1: the walk's increments (approximately normal: sum of two uniforms, variance sigma^2), and their total.
  let sum = 0;
  for (let i = 1; i <= total; i++) {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u1 = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    state = (state + 0x6d2b79f5) | 0;
    t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u2 = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    const z = (u1 + u2 - 1) * 2.449489742783178 * sigma; // sqrt(6)
    path[i] = z;
    sum += z;
  }
  // Pass 2: bridge increments (drift to the next anchor, minus the walk's own total), as prices.
  const drift = (logClose - logOpen - sum) / total;
  let price = Math.exp(logOpen) * factor;
  path[0] = price;
  for (let i = 1; i <= total; i++) {
    const d = (path[i] as number) + drift;
    price *= 1 + d * (1 + d * (0.5 + d * (1 / 6 + d / 24)));
    path[i] = price;
  }
  return state;
}

/** The share of minutes without a trade (so without a bar), in extended hours and in the regular session. */
export interface MinuteGaps {
  extended: number;
  regular: number;
}

/** Every minute has a bar. */
export const NO_GAPS: MinuteGaps = { extended: 0, regular: 0 };

/**
 * Generates the minute bars of one day. `factor` scales prices up (and volumes down) for unadjusted data before a
 * split; `gaps` drops those shares of extended-hours and regular minutes (no trades, no bar), decided by each minute's
 * own seeded bits, so the same minutes are missing at every split factor. With `sums` given, nothing is
 * stored: the minutes are aggregated into it instead (bit-identical to aggregating the stored minutes).
 */
function generate(
  model: TickerModel,
  date: string,
  window: MinuteWindow,
  factor: number,
  gaps: MinuteGaps,
  out: DayMinutes | null,
  sums: MinuteSums | null,
  scale: FactorRange = NO_SPLITS,
): number {
  const dayNumber = civilDateToDayNumber(date);
  const total = Math.round((window.end - window.start) / 60_000);
  // Prices are generated at the ticker's lowest factor and volumes at its highest, then multiplied by k and m
  // (whole numbers for N-for-1 and 1-for-N splits), so every scale of a bar is an exact multiple of another.
  const k = Math.round((factor / scale.min) * 1e9) / 1e9;
  const m = Math.round((scale.max / factor) * 1e9) / 1e9;
  let state = walk(model, dayNumber, total, scale.min);
  const path = pathScratch;
  const sigma = (model.dailyVol * 0.8) / Math.sqrt(total);
  const regularMinutes = Math.max(1, (window.close - window.open) / 60_000);
  const spread = sigma * 0.6;
  const hasVolume = model.hasVolume;
  const fractional = model.fractionalVolume;
  const minuteVolume = model.minuteVolume / scale.max;
  const tradeSize = model.tradeSize;
  const start = window.start;
  const ps = model.priceScale;
  const tick = 1 / ps;
  const openMs = window.open;
  const closeMs = window.close;
  let count = 0;
  let h = -Infinity;
  let l = Infinity;
  let v = 0;
  let vwv = 0;
  let n = 0;
  for (let i = 0; i < total; i++) {
    // three uniforms: high spread, low spread, volume (its low bits also decide a gap)
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const r1 = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    state = (state + 0x6d2b79f5) | 0;
    t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const r2 = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    state = (state + 0x6d2b79f5) | 0;
    t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const bits = (t ^ (t >>> 14)) >>> 0;
    const r3 = bits / 4294967296;
    const ts = start + i * 60_000;
    const regular = ts >= openMs && ts < closeMs;
    const gapRate = regular ? gaps.regular : gaps.extended;
    if (gapRate > 0 && (bits & 0xffff) / 65536 < gapRate) continue;
    const p0 = path[i] as number;
    const p1 = path[i + 1] as number;
    let open = roundPrice(p0, ps);
    let close = roundPrice(p1, ps);
    let hi = roundPrice(Math.max(p0, p1) * (1 + spread * r1), ps);
    let lo = Math.max(roundPrice(Math.min(p0, p1) * (1 - spread * r2), ps), tick);
    let vol = 0;
    let vw = 0;
    let trades = 0;
    if (hasVolume) {
      let profile = 0.04;
      if (regular) {
        const x = ((ts - openMs) / 60_000 / regularMinutes) * 2 - 1;
        profile = 0.6 + 1.6 * x * x;
      }
      const raw = minuteVolume * profile * (0.4 + 1.2 * r3);
      vol = fractional ? Math.max(0.0001, round4(raw)) : Math.max(1, Math.round(raw));
      // vw keeps 4 decimals for every asset class: the recorded forex day bar has 5-decimal prices and a 4-decimal vw.
      vw = Math.min(Math.max(round4((open + close + hi + lo) / 4), lo), hi);
      trades = Math.max(1, Math.round((vol * scale.max) / tradeSize));
      if (m !== 1) vol = fractional ? round4(vol * m) : Math.round(vol * m);
      if (k !== 1) vw = round4(vw * k);
    }
    if (k !== 1) {
      open = roundPrice(open * k, ps);
      close = roundPrice(close * k, ps);
      hi = roundPrice(hi * k, ps);
      lo = roundPrice(lo * k, ps);
    }
    if (out) {
      out.t[count] = ts;
      out.o[count] = open;
      out.c[count] = close;
      out.h[count] = hi;
      out.l[count] = lo;
      out.v[count] = vol;
      out.vw[count] = vw;
      out.n[count] = trades;
    } else if (sums) {
      if (count === 0) sums.o = open;
      sums.c = close;
      if (hi > h) h = hi;
      if (lo < l) l = lo;
      v += vol;
      vwv += vw * vol;
      n += trades;
    }
    count++;
  }
  if (sums) {
    sums.h = h;
    sums.l = l;
    sums.v = fractional ? round4(v) : v;
    sums.vwv = vwv;
    sums.n = n;
    sums.minutes = count;
    sums.k = k;
  }
  if (out) out.k = k;
  return count;
}

/** The smallest and largest split factor a ticker's data is ever served at (1 and 1 without splits). */
export interface FactorRange {
  min: number;
  max: number;
}

const NO_SPLITS: FactorRange = { min: 1, max: 1 };

/** Generates and stores the minute bars of one day (see {@link generate}). */
export function generateDayMinutes(
  model: TickerModel,
  date: string,
  window: MinuteWindow,
  factor = 1,
  gaps: MinuteGaps = NO_GAPS,
  scale: FactorRange = NO_SPLITS,
): DayMinutes {
  const total = Math.round((window.end - window.start) / 60_000);
  const dm: DayMinutes = {
    dayNumber: civilDateToDayNumber(date),
    count: 0,
    k: 1,
    t: new Float64Array(total),
    o: new Float64Array(total),
    h: new Float64Array(total),
    l: new Float64Array(total),
    c: new Float64Array(total),
    v: new Float64Array(total),
    vw: new Float64Array(total),
    n: new Float64Array(total),
  };
  dm.count = generate(model, date, window, factor, gaps, dm, null, scale);
  return dm;
}

/** Aggregates a whole day's minutes without storing them; null when the day has none. */
export function summarizeDayMinutes(
  model: TickerModel,
  date: string,
  window: MinuteWindow,
  factor = 1,
  gaps: MinuteGaps = NO_GAPS,
  scale: FactorRange = NO_SPLITS,
): MinuteSums | null {
  const sums: MinuteSums = { o: 0, h: 0, l: 0, c: 0, v: 0, vwv: 0, n: 0, minutes: 0, k: 1 };
  return generate(model, date, window, factor, gaps, null, sums, scale) > 0 ? sums : null;
}
