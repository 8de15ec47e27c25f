/**
 * Decoding a page of bars at the floor: the envelope goes through zod, the `results` array through one tight loop that
 * checks each field's type and writes it into typed columns (`BarColumns`) in the same pass, with no object per bar.
 * A page of 50,000 bars costs a fraction of its `JSON.parse` (see the README); only a page with a bad row goes through zod row by row, so its error keeps zod's
 * message and exact path (`results.417.h: Invalid input: expected number, received string`).
 */
import {
  allocateBarColumns,
  type Bar,
  type BarColumns,
  barsFromColumns,
  columnsFromBars,
  OTC_FALSE,
  OTC_TRUE,
} from '@tickstock/market-time';
import { z } from 'zod';
import { toBar } from './bars.js';
import { DecodedBarResults, decodeBarsPageBytes } from './decode-bars-text.js';
import { textDecoders } from './http/transport.js';
import { aggsResponseSchema, rawBarSchema } from './schemas/aggs.js';

/** A finite number (what zod's `z.number()` accepts: `JSON.parse('1e400')` gives `Infinity`, which it refuses). */
function isNum(x: unknown): x is number {
  return typeof x === 'number' && x - x === 0;
}

/**
 * The bars of a page's `results` as columns, or null when `value` is not a list of valid wire bars (the caller then
 * asks zod why). Accepts exactly what `z.array(rawBarSchema)` accepts; unknown fields are dropped (as `toBar` does),
 * an absent `v`, `vw` or `n` is NaN, and an `otc` column exists only when some row has the field. No object is
 * allocated per row: the doubles go from the parsed rows straight into one buffer.
 */
export function decodeBarColumns(value: unknown): BarColumns | null {
  if (!Array.isArray(value)) return null;
  const rows = value as unknown[];
  const n = rows.length;
  const cols = allocateBarColumns(n);
  const { timestamp, open, high, low, close, volume, vwap, transactions } = cols;
  let otcCol: Uint8Array | undefined;
  for (let i = 0; i < n; i++) {
    const r = rows[i] as Record<string, unknown> | null;
    if (typeof r !== 'object' || r === null || Array.isArray(r)) return null;
    const t = r.t;
    const o = r.o;
    const h = r.h;
    const l = r.l;
    const c = r.c;
    if (!isNum(t) || !isNum(o) || !isNum(h) || !isNum(l) || !isNum(c)) return null;
    timestamp[i] = t;
    open[i] = o;
    high[i] = h;
    low[i] = l;
    close[i] = c;
    const v = r.v;
    if (isNum(v)) volume[i] = v;
    else if (v !== undefined) return null;
    const vw = r.vw;
    if (isNum(vw)) vwap[i] = vw;
    else if (vw !== undefined) return null;
    const tn = r.n;
    if (isNum(tn)) transactions[i] = tn;
    else if (tn !== undefined) return null;
    const otc = r.otc;
    if (otc !== undefined) {
      if (typeof otc !== 'boolean') return null;
      otcCol ??= new Uint8Array(n);
      otcCol[i] = otc ? OTC_TRUE : OTC_FALSE;
    }
  }
  return otcCol ? { ...cols, otc: otcCol } : cols;
}

/**
 * The bars of a page's `results` as `Bar` objects, or null when `value` is not a list of valid wire bars (as
 * {@link decodeBarColumns}, then `barsFromColumns`).
 */
export function decodeBars(value: unknown): Bar[] | null {
  const cols = decodeBarColumns(value);
  return cols ? barsFromColumns(cols) : null;
}

const rawBarArraySchema = z.array(rawBarSchema);

/** A page's `results` decoded to columns; a bad row fails with zod's issues (path `results.<index>.<field>`). */
const decodedBarsSchema = z.unknown().transform((value, ctx): BarColumns => {
  if (value instanceof DecodedBarResults) return value.columns; // scanned from the text, already checked
  const cols = decodeBarColumns(value);
  if (cols) return cols;
  const checked = rawBarArraySchema.safeParse(value);
  if (checked.success) return columnsFromBars(checked.data.map(toBar));
  for (const issue of checked.error.issues) ctx.issues.push({ ...issue, input: undefined } as never);
  return z.NEVER;
});

/** The aggregates envelope (as {@link aggsResponseSchema}) with `results` decoded to {@link BarColumns} in the same pass. */
export const barsPageSchema = aggsResponseSchema.extend({ results: decodedBarsSchema.optional() });

// The client's pages of bars skip `JSON.parse` of their rows (see decode-bars-text.ts).
textDecoders.set(barsPageSchema, decodeBarsPageBytes);
