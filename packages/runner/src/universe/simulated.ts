/**
 * The reference universe the runner gives the API simulator (`--simulator`, `tickstock simulator`, the test stacks):
 * the simulator's built-in tickers (crypto, forex, indices among them) and every symbol of the shipped universes.
 * Grouped daily serves the reference universe only (the real API serves every ticker that traded), so a load through
 * the simulator finds the shipped universes' day bars there, as it would with the real API.
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_TICKERS, type SimulatedTickerInfo } from '@tickstock/massive-simulator';
import { symbolsFromCsv } from './csv.js';
import { SHIPPED_UNIVERSES, shippedUniverseDir } from './shipped.js';

let cached: (SimulatedTickerInfo | string)[] | undefined;

/** The built-in tickers, then the shipped universes' symbols not among them (read once). */
export function simulatorUniverse(extra: readonly string[] = []): (SimulatedTickerInfo | string)[] {
  if (!cached) {
    const seen = new Set(DEFAULT_TICKERS.map((t) => t.ticker));
    cached = [...DEFAULT_TICKERS];
    const dir = shippedUniverseDir();
    for (const file of Object.values(SHIPPED_UNIVERSES)) {
      for (const symbol of symbolsFromCsv(readFileSync(`${dir}${file}`, 'utf8'), file)) {
        if (seen.has(symbol)) continue;
        seen.add(symbol);
        cached.push(symbol);
      }
    }
  }
  const more = extra.filter((s) => !cached?.some((t) => (typeof t === 'string' ? t : t.ticker) === s));
  return more.length ? [...cached, ...more] : cached;
}
