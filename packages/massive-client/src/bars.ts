/** The client's bar: the wire bar with readable names. */
import type { RawBar, RawTickerBar } from './schemas/aggs.js';

/**
 * One OHLCV bar. `timestamp` is the Unix ms of the start of the bar's window (for grouped-daily and previous-close
 * bars: 16:00 New York, the end of the session). Fields the API left out stay absent: indices have no volume,
 * `otc` appears only when true.
 */
export interface Bar {
  timestamp: number;
  open: number;
  high: number;
  low: number;
  close: number;
  /** Traded volume; fractional for crypto. Absent for indices. */
  volume?: number;
  /** Volume-weighted average price. */
  vwap?: number;
  /** Number of trades. */
  transactions?: number;
  /** True for an OTC ticker's bar. */
  otc?: boolean;
}

/** A bar with the ticker it belongs to (grouped daily, previous close). */
export interface TickerBar extends Bar {
  ticker: string;
}

/** Maps a wire bar (`t,o,h,l,c,v,vw,n,otc`) to a {@link Bar}, leaving absent fields absent. */
export function toBar(raw: RawBar): Bar {
  const bar: Bar = { timestamp: raw.t, open: raw.o, high: raw.h, low: raw.l, close: raw.c };
  if (raw.v !== undefined) bar.volume = raw.v;
  if (raw.vw !== undefined) bar.vwap = raw.vw;
  if (raw.n !== undefined) bar.transactions = raw.n;
  if (raw.otc !== undefined) bar.otc = raw.otc;
  return bar;
}

/** Maps a wire bar that carries `T` to a {@link TickerBar}. */
export function toTickerBar(raw: RawTickerBar): TickerBar {
  return { ticker: raw.T, ...toBar(raw) };
}
