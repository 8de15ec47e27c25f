/** upsertBarPages: a symbol's bars handed over as arrays (a client's pages) store exactly as upsertBars stores them. */
import { describe, expect, it } from 'vitest';
import { openStore } from '../src/index.js';
import { minuteBars } from './support/bars.js';
import { freshPgliteDir } from './support/pglite-dir.js';

const START = Date.UTC(2024, 2, 4, 14, 30);

// PGlite compiles its WASM module in every new process: allow for a busy machine.
describe('upsertBarPages on the embedded store', { timeout: 120_000 }, () => {
  it('writes every bar of every page in order, batches crossing page ends, rejects counted at their position', async () => {
    const { dataDir, remove } = await freshPgliteDir();
    const store = await openStore({ embedded: { dataDir } });
    try {
      const bars = minuteBars(START, 25);
      const bad = { ...bars[12], high: 1, low: 2 } as (typeof bars)[number]; // high below low
      const pages = [bars.slice(0, 7), [], [...bars.slice(7, 12), bad, ...bars.slice(13, 20)], bars.slice(20)];
      async function* served() {
        for (const page of pages) yield page;
      }
      const report = await store.upsertBarPages('1min', 'PAGES', served(), { batchSize: 4 });
      expect(report).toMatchObject({ received: 25, inserted: 24, written: 24, unchanged: 0, rejected: 1, missing: 0, batches: 6 });
      expect(report.rejectedSamples).toEqual([{ index: 12, symbol: 'PAGES', timestamp: bars[12]?.timestamp, reason: 'high_below_low' }]);
      const stored = await store.getBars('1min', 'PAGES');
      expect(stored).toEqual(bars.filter((_, i) => i !== 12));
      // The same pages again, as a plain iterable of arrays: nothing changes.
      expect(await store.upsertBarPages('1min', 'PAGES', pages)).toMatchObject({ received: 25, written: 0, unchanged: 24, rejected: 1 });
    } finally {
      await store.close();
      await remove();
    }
  });

  it('refuses a page that is not an array with a TypeError naming what it got', async () => {
    const { dataDir, remove } = await freshPgliteDir();
    const store = await openStore({ embedded: { dataDir } });
    try {
      const pages = [minuteBars(START, 3), 'not bars'] as unknown as (readonly ReturnType<typeof minuteBars>[number][])[];
      await expect(store.upsertBarPages('1min', 'PAGES', pages)).rejects.toThrow('upsertBarPages takes arrays of bars; got string');
    } finally {
      await store.close();
      await remove();
    }
  });
});
