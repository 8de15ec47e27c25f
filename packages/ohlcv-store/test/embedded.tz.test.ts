/** Embedded mode: a PGlite database in a local folder, opened by path, persisting across opens. */
import { join } from 'node:path';
import { newYorkMidnightUtcMs } from '@tickstock/market-time';
import { describe, expect, it } from 'vitest';
import { openStore } from '../src/index.js';
import { freshPgliteDir } from './support/pglite-dir.js';

// PGlite compiles its WASM module in every new process: allow for a busy machine.
describe('embedded PGlite store', { timeout: 120_000 }, () => {
  it('opens by data directory, keeps bars across close and reopen, and migrates only once', async () => {
    const { dataDir, remove } = await freshPgliteDir();
    try {
      const first = await openStore({ embedded: { dataDir } });
      expect(first.kind).toBe('pglite');
      expect(first.target).toBe(`embedded:${dataDir}`);
      expect(first.migrations?.applied).toEqual([1, 2, 3, 4, 5, 6, 7]);
      const bar = {
        timestamp: newYorkMidnightUtcMs('2024-11-04'),
        open: 222.91,
        high: 225.5,
        low: 221.5,
        close: 222.01,
        volume: 44_944_474,
      };
      expect(await first.upsertBars('daily', 'AAPL', [bar])).toMatchObject({ inserted: 1 });
      await first.close();

      const second = await openStore({ embedded: { dataDir } });
      try {
        expect(second.migrations?.applied).toEqual([]);
        expect(await second.getBars('daily', 'AAPL')).toEqual([bar]);
      } finally {
        await second.close();
      }
    } finally {
      await remove();
    }
  });

  it('falls back to the embedded database when neither options nor environment name a server', async () => {
    const { dataDir, remove } = await freshPgliteDir();
    try {
      const store = await openStore({ env: {}, defaultEmbeddedDir: join(dataDir) });
      try {
        expect(store.target).toBe(`embedded:${dataDir}`);
      } finally {
        await store.close();
      }
    } finally {
      await remove();
    }
  });
});
