/**
 * Decoding a page of bars at the floor: the envelope goes through zod, the `results` array through one tight loop that
 * checks each field's type and builds the `Bar` in the same pass. A page of 50,000 bars costs a fraction of its
 * `JSON.parse` (see the README); only a page with a bad row goes through zod row by row, so its error keeps zod's
 * message and exact path (`results.417.h: Invalid input: expected number, received string`).
 */
import type { Bar } from '@tickstock/market-time';
import { z } from 'zod';
import { toBar } from './bars.js';
import { aggsResponseSchema, rawBarSchema } from './schemas/aggs.js';

/** A finite number (what zod's `z.number()` accepts: `JSON.parse('1e400')` gives `Infinity`, which it refuses). */
function isNum(x: unknown): x is number {
  return typeof x === 'number' && x - x === 0;
}

/**
 * The bars of a page's `results`, or null when `value` is not a list of valid wire bars (the caller then asks zod
 * why). Accepts exactly what `z.array(rawBarSchema)` accepts; absent fields stay absent, unknown ones are dropped (as
 * `toBar` does).
 */
export function decodeBars(value: unknown): Bar[] | null {
  if (!Array.isArray(value)) return null;
  const rows = value as unknown[];
  const n = rows.length;
  const out = new Array<Bar>(n); // sized once: no regrowth while 50,000 bars go in
  for (let i = 0; i < n; i++) {
    const r = rows[i] as Record<string, unknown> | null;
    if (typeof r !== 'object' || r === null || Array.isArray(r)) return null;
    const t = r.t;
    const o = r.o;
    const h = r.h;
    const l = r.l;
    const c = r.c;
    const v = r.v;
    const vw = r.vw;
    const tn = r.n;
    const otc = r.otc;
    if (!isNum(t) || !isNum(o) || !isNum(h) || !isNum(l) || !isNum(c)) return null;
    let bar: Bar;
    if (isNum(v) && isNum(vw) && isNum(tn)) {
      // The common shape (stocks, crypto, forex): one object literal, one hidden class for the whole page.
      bar = { timestamp: t, open: o, high: h, low: l, close: c, volume: v, vwap: vw, transactions: tn };
    } else {
      if ((v !== undefined && !isNum(v)) || (vw !== undefined && !isNum(vw)) || (tn !== undefined && !isNum(tn))) return null;
      bar = { timestamp: t, open: o, high: h, low: l, close: c };
      if (v !== undefined) bar.volume = v;
      if (vw !== undefined) bar.vwap = vw;
      if (tn !== undefined) bar.transactions = tn;
    }
    if (otc !== undefined) {
      if (typeof otc !== 'boolean') return null;
      bar.otc = otc;
    }
    out[i] = bar;
  }
  return out;
}

const rawBarArraySchema = z.array(rawBarSchema);

/** A page's `results` decoded to `Bar`s; a bad row fails with zod's issues (path `results.<index>.<field>`). */
const decodedBarsSchema = z.unknown().transform((value, ctx): Bar[] => {
  const bars = decodeBars(value);
  if (bars) return bars;
  const checked = rawBarArraySchema.safeParse(value);
  if (checked.success) return checked.data.map(toBar);
  for (const issue of checked.error.issues) ctx.issues.push({ ...issue, input: undefined } as never);
  return z.NEVER;
});

/** The aggregates envelope (as {@link aggsResponseSchema}) with `results` decoded to `Bar`s in the same pass. */
export const barsPageSchema = aggsResponseSchema.extend({ results: decodedBarsSchema.optional() });
