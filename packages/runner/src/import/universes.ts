/**
 * Which symbols an import loads: its universes in the order named (shipped lists, a CSV file inside the universe
 * directory, or the active `tracked_symbols` rows ordered by symbol), then the symbols named one by one, each once.
 */
import type { OhlcvStore, TrackedAssetClass } from '@tickstock/ohlcv-store';
import { RunnerError } from '../errors.js';
import { readUniverseCsv } from '../universe/csv.js';
import { shippedUniverseSymbols } from '../universe/resolve.js';
import type { ImportSpec } from './request.js';

export interface ImportSelection {
  symbols: string[];
  /** Every active tracked symbol and its asset class (their backfill status is kept for any run that loads them). */
  tracked: ReadonlyMap<string, TrackedAssetClass>;
}

export interface SelectionSources {
  store: OhlcvStore;
  /** `TICKSTOCK_UNIVERSE_DIR`: the only place CSV universes are read from. */
  universeDir?: string | undefined;
}

export async function resolveImportSymbols(
  spec: Pick<ImportSpec, 'universes' | 'symbols'>,
  sources: SelectionSources,
): Promise<ImportSelection> {
  const trackedRows = await sources.store.listTrackedSymbols();
  const tracked = new Map(trackedRows.map((t) => [t.symbol, t.assetClass]));
  const out = new Set<string>();
  for (const name of spec.universes) {
    let symbols: string[];
    if (name === 'tracked') symbols = trackedRows.map((t) => t.symbol);
    else if (name.toLowerCase().endsWith('.csv')) {
      if (!sources.universeDir) {
        throw new RunnerError('UNIVERSE_NOT_FOUND', `universe ${JSON.stringify(name)} is a CSV file but TICKSTOCK_UNIVERSE_DIR is not set`);
      }
      symbols = await readUniverseCsv(sources.universeDir, name);
    } else symbols = await shippedUniverseSymbols(name);
    for (const s of symbols) out.add(s);
  }
  for (const s of spec.symbols) out.add(s);
  return { symbols: [...out], tracked };
}
