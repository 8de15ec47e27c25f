/** The client's bar: the wire bar with readable names (the `Bar` shape is `@tickstock/market-time`'s). */
import type { Bar } from '@tickstock/market-time';
import type { RawBar, RawTickerBar } from './schemas/aggs.js';

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
