/** The universe lists that ship with the package (CSV files under `universes/`, as-of dates in its README). */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const SHIPPED_UNIVERSES = {
  SP500: 'sp500.csv',
  NASDAQ100: 'nasdaq100.csv',
  DOW30: 'dow30.csv',
  ETF: 'etf.csv',
} as const;

export type ShippedUniverse = keyof typeof SHIPPED_UNIVERSES;

/** Accepts the app's names (`SP500`, `NASDAQ100`, `ETF`) and the CLI's (`sp500`, `nasdaq100`, `dow30`, `etf`). */
export function shippedUniverseName(name: string): ShippedUniverse | undefined {
  const key = name.toUpperCase().replace(/[^A-Z0-9]/g, '');
  const aliases: Record<string, ShippedUniverse> = {
    SP500: 'SP500',
    SNP500: 'SP500',
    NASDAQ100: 'NASDAQ100',
    NDX: 'NASDAQ100',
    DOW30: 'DOW30',
    DOW: 'DOW30',
    DJIA: 'DOW30',
    ETF: 'ETF',
    ETFS: 'ETF',
  };
  return aliases[key];
}

/** Directory holding the shipped CSV files, found relative to this module (works from src/ and dist/). */
export function shippedUniverseDir(): string {
  for (const rel of ['../universes/', '../../universes/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(`${dir}${SHIPPED_UNIVERSES.SP500}`)) return dir;
  }
  throw new Error('the shipped universe lists are missing from this installation of @tickstock/runner');
}
