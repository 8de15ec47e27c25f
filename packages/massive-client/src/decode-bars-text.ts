/**
 * A bar page decoded from its bytes, with no text of megabytes and no `JSON.parse` of its rows: the `results` array
 * is scanned byte by byte straight into `BarColumns`, and only the envelope around it (a few hundred bytes) goes through
 * `JSON.parse`. A 50,000-bar page then never exists as 50,000 parsed objects: no young-generation collection copying
 * them, no boxed doubles. Anything the scanner does not expect (an unknown field, a string where a number goes, an
 * escape in a key, a number `JSON.parse` would round to infinity) makes it give up, and the page takes the plain path
 * (`JSON.parse` of the whole body, then `barsPageSchema`): what is accepted and every error stay exactly the same.
 * Numbers are exact: up to 15 significant digits and a power of ten up to 22 they are one exact multiplication or
 * division (correctly rounded, as `JSON.parse` rounds); longer ones go through `Number()` of their text.
 */
import { allocateBarColumns, type BarColumns, OTC_FALSE, OTC_TRUE } from '@tickstock/market-time';

/** A page's `results` already decoded (what the page schema takes as is in place of the parsed array). */
export class DecodedBarResults {
  constructor(readonly columns: BarColumns) {}
}

const POW10 = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/** Field codes of a wire bar's keys. */
const T = 0;
const O = 1;
const H = 2;
const L = 3;
const C = 4;
const V = 5;
const VW = 6;
const N = 7;
const OTC = 8;

/** Thrown inside the scanner to give up (caught in {@link decodeBarsPageText}). */
const GIVE_UP = new Error('not the fast shape');

/**
 * The body of an aggregates page, as ASCII bytes, as `JSON.parse` of its text would give it, with `results` as
 * {@link DecodedBarResults} already checked; or undefined when the fast path does not apply (the caller then runs
 * `JSON.parse` of the text, which also decides whether it is JSON at all). The caller checks the bytes are ASCII.
 */
export function decodeBarsPageBytes(b: Uint8Array): Record<string, unknown> | undefined {
  const key = resultsKeyAt(b);
  if (key < 0) return undefined;
  let start = key + 9; // after `"results"`
  while (isSpace(b[start] as number)) start++;
  if (b[start] !== 58 /* : */) return undefined;
  start++;
  while (isSpace(b[start] as number)) start++;
  if (b[start] !== 91 /* [ */) return undefined;
  let scanned: { columns: BarColumns; end: number };
  try {
    scanned = scanRows(b, start + 1);
  } catch (e) {
    if (e === GIVE_UP) return undefined;
    throw e;
  }
  const suffix = latin1(b, scanned.end, b.length);
  if (suffix.includes('"results"')) return undefined; // a second `results` key: JSON.parse keeps the last one
  let envelope: unknown;
  try {
    envelope = JSON.parse(`${latin1(b, 0, start)}null${suffix}`);
  } catch {
    return undefined; // not JSON: the plain path says so
  }
  if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope)) return undefined;
  const body = envelope as Record<string, unknown>;
  if (body.results !== null) return undefined;
  body.results = new DecodedBarResults(scanned.columns);
  return body;
}

/** {@link decodeBarsPageBytes} of an ASCII text (undefined for any other). */
export function decodeBarsPageText(text: string): Record<string, unknown> | undefined {
  const bytes = Buffer.from(text, 'latin1');
  for (let i = 0; i < bytes.length; i++) if ((bytes[i] as number) > 127) return undefined;
  return decodeBarsPageBytes(bytes);
}

/** Bytes `from` to `to` of ASCII `b` as a string. */
function latin1(b: Uint8Array, from: number, to: number): string {
  return Buffer.from(b.buffer, b.byteOffset + from, to - from).toString('latin1');
}

/** True when `b` at `i` reads `"results"`. */
function isResultsKey(b: Uint8Array, i: number): boolean {
  const key = '"results"';
  for (let k = 0; k < key.length; k++) if (b[i + k] !== key.charCodeAt(k)) return false;
  return true;
}

function isSpace(c: number | undefined): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

/**
 * Where the top-level `"results"` key starts, or -1: the text before it is walked (strings and nesting tracked), so
 * a `results` inside a nested object or a string is not taken for it.
 */
function resultsKeyAt(b: Uint8Array): number {
  let depth = 0;
  let i = 0;
  const n = b.length;
  let expectKey = false;
  while (i < n) {
    const c = b[i];
    if (c === 34 /* " */) {
      if (depth === 1 && expectKey && isResultsKey(b, i)) return i;
      i++;
      while (i < n) {
        const d = b[i];
        if (d === 92 /* \ */) i += 2;
        else if (d === 34) break;
        else i++;
      }
      i++;
      expectKey = false;
      continue;
    }
    if (c === 123 /* { */ || c === 91 /* [ */) {
      depth++;
      expectKey = c === 123 && depth === 1;
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
    else if (c === 44 /* , */) expectKey = depth === 1;
    i++;
  }
  return -1;
}

/** Scans the rows from `i` (just after `[`) to the closing `]`; throws {@link GIVE_UP} at anything unexpected. */
function scanRows(b: Uint8Array, from: number): { columns: BarColumns; end: number } {
  // Allocated once the first row is read, for the rows the rest of the text holds at its length (plus 5%); grown the
  // same way (at the average row length so far) if the rows turn out shorter.
  let capacity = 0;
  let cols: BarColumns | undefined;
  let otc: Uint8Array | undefined;
  let count = 0;
  let i = from;
  const len = b.length;
  const values = new Float64Array(8);
  while (isSpace(b[i])) i++;
  if (b[i] === 93 /* ] */) return { columns: allocateBarColumns(0), end: i + 1 };
  for (;;) {
    // One row: `{ "k": value, ... }`.
    while (isSpace(b[i])) i++;
    if (b[i] !== 123) throw GIVE_UP;
    i++;
    let seen = 0;
    let otcValue = 0;
    for (;;) {
      while (isSpace(b[i])) i++;
      if (b[i] !== 34) throw GIVE_UP;
      // The key: one of t o h l c v vw n otc, no escapes.
      const k1 = b[i + 1];
      const k2 = b[i + 2];
      let field: number;
      if (k2 === 34) {
        if (k1 === 116) field = T;
        else if (k1 === 111) field = O;
        else if (k1 === 104) field = H;
        else if (k1 === 108) field = L;
        else if (k1 === 99) field = C;
        else if (k1 === 118) field = V;
        else if (k1 === 110) field = N;
        else throw GIVE_UP;
        i += 3;
      } else if (k1 === 118 && k2 === 119 && b[i + 3] === 34) {
        field = VW;
        i += 4;
      } else if (k1 === 111 && k2 === 116 && b[i + 3] === 99 && b[i + 4] === 34) {
        field = OTC;
        i += 5;
      } else throw GIVE_UP;
      while (isSpace(b[i])) i++;
      if (b[i] !== 58) throw GIVE_UP;
      i++;
      while (isSpace(b[i])) i++;
      const c = b[i];
      if (field === OTC) {
        if (c === 116 && b[i + 1] === 114 && b[i + 2] === 117 && b[i + 3] === 101) {
          otcValue = OTC_TRUE;
          i += 4;
        } else if (c === 102 && b[i + 1] === 97 && b[i + 2] === 108 && b[i + 3] === 115 && b[i + 4] === 101) {
          otcValue = OTC_FALSE;
          i += 5;
        } else throw GIVE_UP;
      } else {
        // A JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
        const start = i;
        let neg = false;
        if (c === 45) {
          neg = true;
          i++;
        }
        let m = 0;
        let digits = 0; // significant digits in m
        let exp = 0;
        let d = (b[i] as number) - 48;
        if (d === 0) {
          i++;
        } else if (d > 0 && d <= 9) {
          do {
            if (digits < 15) {
              m = m * 10 + d;
              if (m !== 0) digits++;
            } else {
              digits++;
            }
            i++;
            d = (b[i] as number) - 48;
          } while (d >= 0 && d <= 9);
        } else throw GIVE_UP;
        if (b[i] === 46 /* . */) {
          i++;
          d = (b[i] as number) - 48;
          if (!(d >= 0 && d <= 9)) throw GIVE_UP;
          do {
            if (digits < 15) {
              m = m * 10 + d;
              if (m !== 0) digits++;
              exp--;
            } else {
              digits++;
            }
            i++;
            d = (b[i] as number) - 48;
          } while (d >= 0 && d <= 9);
        }
        const slow = digits > 15;
        const e = b[i];
        if (e === 101 || e === 69) {
          i++;
          let eneg = false;
          const s = b[i];
          if (s === 43 || s === 45) {
            eneg = s === 45;
            i++;
          }
          d = (b[i] as number) - 48;
          if (!(d >= 0 && d <= 9)) throw GIVE_UP;
          let x = 0;
          do {
            if (x < 100_000) x = x * 10 + d;
            i++;
            d = (b[i] as number) - 48;
          } while (d >= 0 && d <= 9);
          exp += eneg ? -x : x;
        }
        // Integer digits past 15 were dropped from m but not counted in exp: the slow path reads the text anyway.
        let value: number;
        if (!slow && exp >= -22 && exp <= 22) {
          value = exp < 0 ? m / (POW10[-exp] as number) : m * (POW10[exp] as number);
          if (neg) value = -value;
        } else {
          value = Number(latin1(b, start, i));
          if (!Number.isFinite(value)) throw GIVE_UP; // zod refuses it: let the plain path say so
        }
        values[field] = value;
      }
      seen |= 1 << field;
      while (isSpace(b[i])) i++;
      const sep = b[i];
      i++;
      if (sep === 44) continue;
      if (sep === 125) break;
      throw GIVE_UP;
    }
    if ((seen & 0b11111) !== 0b11111) throw GIVE_UP; // t o h l c are required
    if (count === capacity || cols === undefined) {
      const average = (i - from) / (count + 1); // bytes per row so far, this one included
      capacity = count + 1 + Math.ceil(((len - i) / average) * 1.05) + 16;
      const grown = allocateBarColumns(capacity);
      if (cols) {
        for (const f of ['timestamp', 'open', 'high', 'low', 'close', 'volume', 'vwap', 'transactions'] as const) grown[f].set(cols[f]);
      }
      cols = grown;
      if (otc) {
        const o = new Uint8Array(capacity);
        o.set(otc);
        otc = o;
      }
    }
    cols.timestamp[count] = values[T] as number;
    cols.open[count] = values[O] as number;
    cols.high[count] = values[H] as number;
    cols.low[count] = values[L] as number;
    cols.close[count] = values[C] as number;
    if (seen & (1 << V)) cols.volume[count] = values[V] as number;
    if (seen & (1 << VW)) cols.vwap[count] = values[VW] as number;
    if (seen & (1 << N)) cols.transactions[count] = values[N] as number;
    if (seen & (1 << OTC)) {
      otc ??= new Uint8Array(capacity);
      otc[count] = otcValue;
    }
    count++;
    while (isSpace(b[i])) i++;
    const sep = b[i];
    i++;
    if (sep === 44) continue;
    if (sep === 93) break;
    throw GIVE_UP;
  }
  // Views of the first `count` rows, not a copy: the capacity was the rows the text holds, plus 5% and 16.
  if (cols === undefined) throw GIVE_UP; // not reached: the loop stores a row before it can end
  const exact: BarColumns = {
    length: count,
    timestamp: cols.timestamp.subarray(0, count),
    open: cols.open.subarray(0, count),
    high: cols.high.subarray(0, count),
    low: cols.low.subarray(0, count),
    close: cols.close.subarray(0, count),
    volume: cols.volume.subarray(0, count),
    vwap: cols.vwap.subarray(0, count),
    transactions: cols.transactions.subarray(0, count),
    otc: otc?.subarray(0, count),
  };
  return { columns: exact, end: i };
}
