/** Resolves a job's symbol source to the list of symbols to load. */
import { readFile } from 'node:fs/promises';
import type { SymbolSource } from '../engine/types.js';
import { RunnerError } from '../errors.js';
import { readUniverseCsv, symbolsFromCsv } from './csv.js';
import { SHIPPED_UNIVERSES, shippedUniverseDir, shippedUniverseName } from './shipped.js';

export interface ResolveOptions {
  /** The only directory job messages may name CSV files in (`TICKSTOCK_UNIVERSE_DIR`). */
  universeDir?: string | undefined;
}

/** Symbols of a shipped universe (`SP500`, `NASDAQ100`, `DOW30`, `ETF`, case and punctuation ignored). */
export async function shippedUniverseSymbols(name: string): Promise<string[]> {
  const key = shippedUniverseName(name);
  if (!key) {
    throw new RunnerError(
      'UNIVERSE_NOT_FOUND',
      `unknown universe ${JSON.stringify(name)}; shipped: ${Object.keys(SHIPPED_UNIVERSES).join(', ')}`,
    );
  }
  const file = `${shippedUniverseDir()}${SHIPPED_UNIVERSES[key]}`;
  return symbolsFromCsv(await readFile(file, 'utf8'), `universe ${key}`);
}

export function createSymbolResolver(options: ResolveOptions): (source: SymbolSource) => Promise<string[]> {
  return async (source) => {
    switch (source.kind) {
      case 'symbols':
        return [...new Set(source.symbols)];
      case 'universe':
        return shippedUniverseSymbols(source.name);
      case 'csv': {
        if (!options.universeDir) {
          throw new RunnerError(
            'UNIVERSE_NOT_FOUND',
            `job names CSV file ${JSON.stringify(source.file)} but TICKSTOCK_UNIVERSE_DIR is not set`,
          );
        }
        return readUniverseCsv(options.universeDir, source.file);
      }
    }
  };
}
