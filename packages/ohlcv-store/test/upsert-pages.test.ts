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

  it('calls onPageStored in page order, each time with every bar of that page (and the pages before it) committed', async () => {
    const { dataDir, remove } = await freshPgliteDir();
    const store = await openStore({ embedded: { dataDir } });
    try {
      const bars = minuteBars(START, 23);
      const pages = [bars.slice(0, 9), bars.slice(9, 10), [], bars.slice(10)];
      const seen: [number, number][] = [];
      const report = await store.upsertBarPages('1min', 'HOOK', pages, {
        batchSize: 4,
        onPageStored: async (index) => {
          seen.push([index, (await store.getBars('1min', 'HOOK')).length]);
        },
      });
      expect(report).toMatchObject({ received: 23, written: 23 });
      // Stored when called: at least the bars up to the page's end (the next page may be on its way already).
      expect(seen.map(([i]) => i)).toEqual([0, 1, 2, 3]);
      for (const [i, n] of seen) expect(n).toBeGreaterThanOrEqual([9, 10, 10, 23][i] as number);
    } finally {
      await store.close();
      await remove();
    }
  });

  it('a hook that fails fails the call, after the pages before it were stored', async () => {
    const { dataDir, remove } = await freshPgliteDir();
    const store = await openStore({ embedded: { dataDir } });
    try {
      const bars = minuteBars(START, 12);
      const calls: number[] = [];
      const write = store.upsertBarPages('1min', 'HOOKFAIL', [bars.slice(0, 4), bars.slice(4, 8), bars.slice(8)], {
        onPageStored: (index) => {
          calls.push(index);
          if (index === 1) throw new Error('the cursor could not be saved');
        },
      });
      await expect(write).rejects.toThrow('the cursor could not be saved');
      expect(calls).toEqual([0, 1]);
      expect((await store.getBars('1min', 'HOOKFAIL')).length).toBeGreaterThanOrEqual(8);
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
