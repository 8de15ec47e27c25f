/**
 * The simulator's underlying data: one day's minute bars for a ticker, generated from the seed alone.
 *
 * Prices are a seeded random walk. The log price at the start of each calendar day is a sum of value-noise octaves
 * (periods of 1 to 2048 days, amplitudes growing with the square root of the period, like a random walk), so any
 * day can be generated without walking from the beginning of time. Within a day, minute closes follow a Brownian
 * bridge from that day's anchor to the next day's. Everything else (hour, day, week, month bars) aggregates these.
 */
import { civilDateToDayNumber } from '../time/civil-date.js';
import { hash2, Mulberry32, unit } from './random.js';
import { round4 } from './round.js';
import type { TickerModel } from './ticker-model.js';

/** One day's minute bars as columns (index i is the i-th existing minute, ascending). */
export interface DayMinutes {
  dayNumber: number;
  count: number;
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

/**
 * Generates the minute bars of one day. `factor` scales prices up (and volumes down) for unadjusted data before a
 * split; `gapRate` drops that fraction of extended-hours minutes (no trades, no bar).
 */
export function generateDayMinutes(model: TickerModel, date: string, window: MinuteWindow, factor = 1, gapRate = 0): DayMinutes {
  const dayNumber = civilDateToDayNumber(date);
  const total = Math.round((window.end - window.start) / 60_000);
  const rng = new Mulberry32(hash2(model.key, dayNumber ^ 0x5bd1e995));
  const logOpen = logAnchor(model, dayNumber);
  const logClose = logAnchor(model, dayNumber + 1);

  // Brownian bridge: a walk W, then W_i - (i/total) W_total plus the straight line from open to close.
  const path = new Float64Array(total + 1);
  const sigma = (model.dailyVol * 0.8) / Math.sqrt(total);
  for (let i = 1; i <= total; i++) path[i] = (path[i - 1] as number) + sigma * rng.normal();
  const end = path[total] as number;
  for (let i = 0; i <= total; i++) {
    const f = i / total;
    path[i] = Math.exp(logOpen + (logClose - logOpen) * f + (path[i] as number) - end * f) * factor;
  }

  const t = new Float64Array(total);
  const o = new Float64Array(total);
  const h = new Float64Array(total);
  const l = new Float64Array(total);
  const c = new Float64Array(total);
  const v = new Float64Array(total);
  const vw = new Float64Array(total);
  const n = new Float64Array(total);
  const regularMinutes = Math.max(1, (window.close - window.open) / 60_000);
  const spread = sigma * 0.6;
  let count = 0;
  for (let i = 0; i < total; i++) {
    const ts = window.start + i * 60_000;
    const regular = ts >= window.open && ts < window.close;
    const r1 = rng.next();
    const r2 = rng.next();
    const r3 = rng.next();
    const r4 = rng.next();
    if (!regular && gapRate > 0 && r4 < gapRate) continue;
    const open = round4(path[i] as number);
    const close = round4(path[i + 1] as number);
    const hi = round4(Math.max(path[i] as number, path[i + 1] as number) * (1 + spread * r1));
    const lo = round4(Math.min(path[i] as number, path[i + 1] as number) * (1 - spread * r2));
    t[count] = ts;
    o[count] = open;
    c[count] = close;
    h[count] = hi;
    l[count] = Math.max(lo, 0.0001);
    if (model.hasVolume) {
      let profile: number;
      if (regular) {
        const x = ((ts - window.open) / 60_000 / regularMinutes) * 2 - 1;
        profile = 0.6 + 1.6 * x * x;
      } else {
        profile = 0.04;
      }
      const raw = (model.minuteVolume * profile * (0.4 + 1.2 * r3)) / factor;
      const vol = model.fractionalVolume ? Math.max(0.0001, round4(raw)) : Math.max(1, Math.round(raw));
      v[count] = vol;
      const mid = round4((open + close + hi + lo) / 4);
      vw[count] = Math.min(Math.max(mid, lo), hi);
      n[count] = Math.max(1, Math.round((vol * factor) / model.tradeSize));
    }
    count++;
  }
  return { dayNumber, count, t, o, h, l, c, v, vw, n };
}
