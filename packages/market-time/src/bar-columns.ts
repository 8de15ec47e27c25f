/**
 * Bars as columns: one typed array per field instead of one object per bar. A page of 50,000 bars is eight
 * `Float64Array`s (3.2 MB, no garbage for the collector to trace) rather than 50,000 objects of eight boxed doubles.
 * What the client decodes a page into and what the store copies from; {@link barsFromColumns} gives `Bar`s back.
 */
import type { Bar } from './bar.js';

/** `otc[i]` of {@link BarColumns}: the bar has no `otc` field. */
export const OTC_ABSENT = 0;
/** `otc[i]` of {@link BarColumns}: `otc: false`. */
export const OTC_FALSE = 1;
/** `otc[i]` of {@link BarColumns}: `otc: true`. */
export const OTC_TRUE = 2;

/**
 * `length` bars as columns: row `i` is `timestamp[i]`, `open[i]`, ... Every column has exactly `length` entries. An
 * absent `volume`, `vwap` or `transactions` is NaN (a bar's real values are never NaN). `otc` is there only when some
 * bar has the field: per row {@link OTC_ABSENT}, {@link OTC_FALSE} or {@link OTC_TRUE}.
 */
export interface BarColumns {
  readonly length: number;
  readonly timestamp: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
  readonly vwap: Float64Array;
  readonly transactions: Float64Array;
  readonly otc?: Uint8Array | undefined;
}

/** Fields of {@link BarColumns} that are `Float64Array`s, in wire order (`t o h l c v vw n`). */
export const BAR_COLUMN_FIELDS = ['timestamp', 'open', 'high', 'low', 'close', 'volume', 'vwap', 'transactions'] as const;

/**
 * Empty columns for `length` bars (zeros; `volume`, `vwap`, `transactions` NaN), all views of one buffer; with
 * `otc`, an `otc` column of {@link OTC_ABSENT}.
 */
export function allocateBarColumns(length: number, otc = false): BarColumns {
  const buffer = new ArrayBuffer(length * 64);
  const column = (k: number) => new Float64Array(buffer, k * length * 8, length);
  const cols: BarColumns = {
    length,
    timestamp: column(0),
    open: column(1),
    high: column(2),
    low: column(3),
    close: column(4),
    volume: column(5).fill(Number.NaN),
    vwap: column(6).fill(Number.NaN),
    transactions: column(7).fill(Number.NaN),
    otc: otc ? new Uint8Array(length) : undefined,
  };
  return cols;
}

/** Bar `i` of `cols` as a `Bar` (absent fields absent, as {@link barsFromColumns} builds them). */
export function barAt(cols: BarColumns, i: number): Bar {
  const v = cols.volume[i] as number;
  const vw = cols.vwap[i] as number;
  const n = cols.transactions[i] as number;
  let bar: Bar;
  if (!Number.isNaN(v) && !Number.isNaN(vw) && !Number.isNaN(n)) {
    // The common shape (stocks, crypto, forex): one object literal, one hidden class for a whole page.
    bar = {
      timestamp: cols.timestamp[i] as number,
      open: cols.open[i] as number,
      high: cols.high[i] as number,
      low: cols.low[i] as number,
      close: cols.close[i] as number,
      volume: v,
      vwap: vw,
      transactions: n,
    };
  } else {
    bar = {
      timestamp: cols.timestamp[i] as number,
      open: cols.open[i] as number,
      high: cols.high[i] as number,
      low: cols.low[i] as number,
      close: cols.close[i] as number,
    };
    if (!Number.isNaN(v)) bar.volume = v;
    if (!Number.isNaN(vw)) bar.vwap = vw;
    if (!Number.isNaN(n)) bar.transactions = n;
  }
  const otc = cols.otc?.[i];
  if (otc === OTC_TRUE) bar.otc = true;
  else if (otc === OTC_FALSE) bar.otc = false;
  return bar;
}

/** The bars of `cols`, in order, as `Bar` objects (one array, sized once). */
export function barsFromColumns(cols: BarColumns): Bar[] {
  const n = cols.length;
  const out = new Array<Bar>(n);
  for (let i = 0; i < n; i++) out[i] = barAt(cols, i);
  return out;
}

/**
 * `bars` as columns (the inverse of {@link barsFromColumns}). A missing or non-number optional field becomes NaN;
 * the values are copied as they are, not validated.
 */
export function columnsFromBars(bars: readonly Bar[]): BarColumns {
  const n = bars.length;
  let hasOtc = false;
  for (let i = 0; i < n; i++) {
    if (bars[i]?.otc !== undefined) {
      hasOtc = true;
      break;
    }
  }
  const cols = allocateBarColumns(n, hasOtc);
  for (let i = 0; i < n; i++) {
    const b = bars[i] as Bar;
    cols.timestamp[i] = b.timestamp;
    cols.open[i] = b.open;
    cols.high[i] = b.high;
    cols.low[i] = b.low;
    cols.close[i] = b.close;
    if (typeof b.volume === 'number') cols.volume[i] = b.volume;
    if (typeof b.vwap === 'number') cols.vwap[i] = b.vwap;
    if (typeof b.transactions === 'number') cols.transactions[i] = b.transactions;
    if (cols.otc && b.otc !== undefined) cols.otc[i] = b.otc ? OTC_TRUE : OTC_FALSE;
  }
  return cols;
}

/** The first `n` rows of `cols` (views of the same memory, no copy); `cols` itself when it has no more than `n`. */
export function headOfColumns(cols: BarColumns, n: number): BarColumns {
  if (n >= cols.length) return cols;
  const k = Math.max(0, n);
  return {
    length: k,
    timestamp: cols.timestamp.subarray(0, k),
    open: cols.open.subarray(0, k),
    high: cols.high.subarray(0, k),
    low: cols.low.subarray(0, k),
    close: cols.close.subarray(0, k),
    volume: cols.volume.subarray(0, k),
    vwap: cols.vwap.subarray(0, k),
    transactions: cols.transactions.subarray(0, k),
    otc: cols.otc?.subarray(0, k),
  };
}

/** True when `value` has the shape of {@link BarColumns} (every column a typed array of `length` entries). */
export function isBarColumns(value: unknown): value is BarColumns {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const c = value as Record<string, unknown>;
  const n = c.length;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) return false;
  for (const f of BAR_COLUMN_FIELDS) {
    const col = c[f];
    if (!(col instanceof Float64Array) || col.length !== n) return false;
  }
  return c.otc === undefined || (c.otc instanceof Uint8Array && c.otc.length === n);
}
