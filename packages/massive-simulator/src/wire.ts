/** Response bodies in Massive's exact shapes, written as bytes (fast for 50,000-bar pages). */
import type { BarColumns } from './bars.js';
import { ascii, ByteWriter, putBytes, putDecimal4, putUint } from './byte-writer.js';

/** One bar as Massive sends it. Index tickers carry no `v`, `vw` or `n`; grouped and previous-close rows add `T`. */
export interface WireBar {
  T?: string;
  v?: number;
  vw?: number;
  o: number;
  c: number;
  h: number;
  l: number;
  t: number;
  n?: number;
  /** Only on OTC tickers' grouped-daily rows (the API leaves it off when false). */
  otc?: true;
}

const KEYS = {
  vOpen: ascii('{"v":'),
  v: ascii(',"v":'),
  vw: ascii(',"vw":'),
  oOpen: ascii('{"o":'),
  o: ascii(',"o":'),
  c: ascii(',"c":'),
  h: ascii(',"h":'),
  l: ascii(',"l":'),
  t: ascii(',"t":'),
  n: ascii(',"n":'),
  otc: ascii(',"otc":true'),
};

/** Writes a price-like number: the fast path for 4-decimal numbers, JSON.stringify otherwise. */
function putNumber(w: ByteWriter, p: number, x: number): number {
  const q = putDecimal4(w.buf, p, x);
  if (q >= 0) return q;
  const s = JSON.stringify(x);
  for (let i = 0; i < s.length; i++) w.buf[p + i] = s.charCodeAt(i);
  return p + s.length;
}

/** Writes the rows of `bars` as JSON objects separated by commas (no brackets); `otc[i]` adds `"otc":true` to row i. */
export function writeBarRows(
  w: ByteWriter,
  bars: BarColumns,
  hasVolume: boolean,
  tickers?: readonly string[],
  otc?: readonly boolean[],
): void {
  const { t, o, h, l, c, v, vw, n } = bars;
  if (!tickers) w.ensure(bars.length * 200); // a row is at most ~190 bytes
  for (let i = 0; i < bars.length; i++) {
    if (tickers) w.ensure(256);
    let p = w.pos;
    const buf = w.buf;
    if (i > 0) buf[p++] = 44; // ,
    if (tickers) {
      w.pos = p;
      w.text(`{"T":${JSON.stringify(tickers[i])}`);
      w.ensure(256);
      p = w.pos;
    }
    const b = w.buf;
    if (hasVolume) {
      p = putBytes(b, p, tickers ? KEYS.v : KEYS.vOpen);
      const vol = v[i] as number;
      p = Number.isInteger(vol) && vol >= 0 ? putUint(b, p, vol) : putNumber(w, p, vol);
      p = putBytes(b, p, KEYS.vw);
      p = putNumber(w, p, vw[i] as number);
      p = putBytes(b, p, KEYS.o);
    } else {
      p = putBytes(b, p, tickers ? KEYS.o : KEYS.oOpen);
    }
    p = putNumber(w, p, o[i] as number);
    p = putBytes(b, p, KEYS.c);
    p = putNumber(w, p, c[i] as number);
    p = putBytes(b, p, KEYS.h);
    p = putNumber(w, p, h[i] as number);
    p = putBytes(b, p, KEYS.l);
    p = putNumber(w, p, l[i] as number);
    p = putBytes(b, p, KEYS.t);
    // Stamps before 1970 are negative: written as numbers (the unsigned writer would turn them into 0).
    const stamp = t[i] as number;
    p = stamp >= 0 ? putUint(b, p, stamp) : putNumber(w, p, stamp);
    if (hasVolume) {
      p = putBytes(b, p, KEYS.n);
      p = putUint(b, p, n[i] as number);
    }
    if (otc?.[i]) p = putBytes(b, p, KEYS.otc);
    b[p++] = 125; // }
    w.pos = p;
  }
}

/** Fields of an aggregates envelope. */
export interface AggsEnvelope {
  ticker?: string;
  queryCount: number;
  adjusted: boolean;
  status: string;
  requestId: string;
  nextUrl?: string;
}

/** Bar rows as written into a body: the bytes between `"results":[` and `]`, and how many rows they are. */
export interface RenderedRows {
  bytes: Buffer;
  count: number;
}

/** Writes bar rows once, for one body or for many (see `page-cache.ts`). */
export function renderRows(bars: BarColumns, hasVolume: boolean, tickers?: readonly string[], otc?: readonly boolean[]): RenderedRows {
  const w = new ByteWriter(16 + bars.length * 110);
  writeBarRows(w, bars, hasVolume, tickers, otc);
  return { bytes: w.result(), count: bars.length };
}

/** An aggregates body: no `results` key when there are no bars, `next_url` only while more pages remain. */
export function aggsBody(
  env: AggsEnvelope,
  bars: BarColumns,
  hasVolume: boolean,
  tickers?: readonly string[],
  otc?: readonly boolean[],
): Buffer {
  return aggsBodyOfRows(env, renderRows(bars, hasVolume, tickers, otc));
}

/** {@link aggsBody} around rows already written. */
export function aggsBodyOfRows(env: AggsEnvelope, rows: RenderedRows): Buffer {
  const { count } = rows;
  const w = new ByteWriter(512 + rows.bytes.length);
  w.text('{');
  if (env.ticker !== undefined) w.text(`"ticker":${JSON.stringify(env.ticker)},`);
  w.text(`"queryCount":${env.queryCount},"resultsCount":${count},"adjusted":${env.adjusted},`);
  if (count > 0) {
    w.text('"results":[');
    w.ensure(rows.bytes.length);
    w.pos += rows.bytes.copy(w.buf, w.pos);
    w.text('],');
  }
  w.text(`"status":${JSON.stringify(env.status)},"request_id":"${env.requestId}","count":${count}`);
  if (env.nextUrl) w.text(`,"next_url":${JSON.stringify(env.nextUrl)}`);
  w.text('}');
  return w.result();
}

/** Columns to wire rows (objects), in order. */
export function wireBars(bars: BarColumns, hasVolume: boolean): WireBar[] {
  const out: WireBar[] = new Array(bars.length);
  for (let i = 0; i < bars.length; i++) {
    const base = { o: bars.o[i] as number, c: bars.c[i] as number, h: bars.h[i] as number, l: bars.l[i] as number, t: bars.t[i] as number };
    out[i] = hasVolume ? { v: bars.v[i] as number, vw: bars.vw[i] as number, ...base, n: bars.n[i] as number } : base;
  }
  return out;
}

/** An error body: `error` for 400/401/429 (status ERROR), `message` otherwise. */
export function errorBody(status: string, requestId: string, field: 'error' | 'message', text: string): string {
  return `{"status":${JSON.stringify(status)},"request_id":"${requestId}","${field}":${JSON.stringify(text)}}`;
}

/** nginx's 502 page, as a proxy in front of the API sends it. */
export const NGINX_502_HTML =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';
