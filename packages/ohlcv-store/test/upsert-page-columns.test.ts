/** upsertBarPages takes pages as BarColumns too: stored, validated and hooked exactly as the same bars in arrays. */
import { type Bar, columnsFromBars } from '@tickstock/market-time';
import { describe, expect, it } from 'vitest';
import { openStore } from '../src/index.js';
import { minuteBars } from './support/bars.js';
import { freshPgliteDir } from './support/pglite-dir.js';

const START = Date.UTC(2024, 2, 4, 14, 30);

describe('upsertBarPages with columns on the embedded store', { timeout: 120_000 }, () => {
  it('stores columns as it stores the same bars, rejects at their position, mixes with arrays, hooks in order', async () => {
    const { dataDir, remove } = await freshPgliteDir();
    const store = await openStore({ embedded: { dataDir } });
    try {
      const bars: Bar[] = minuteBars(START, 25);
      delete bars[3]?.volume; // absent (NaN in the columns): stored as NULL, read back absent
      const bad = { ...bars[12], high: 1, low: 2 } as Bar; // high below low
      const misaligned = { ...bars[15], timestamp: (bars[15]?.timestamp ?? 0) + 1 } as Bar;
      const pageBars = [
        bars.slice(0, 7),
        [],
        [...bars.slice(7, 12), bad, ...bars.slice(13, 15), misaligned, ...bars.slice(16, 20)],
        bars.slice(20),
      ];
      const pages = pageBars.map((p, i) => (i === 3 ? p : columnsFromBars(p)));
      const hooked: number[] = [];
      const report = await store.upsertBarPages('1min', 'COLS', pages, { batchSize: 4, onPageStored: (i) => void hooked.push(i) });
      expect(report).toMatchObject({ received: 25, inserted: 23, written: 23, rejected: 2, missing: 0 });
      expect(report.rejectedSamples).toEqual([
        { index: 12, symbol: 'COLS', timestamp: bars[12]?.timestamp, reason: 'high_below_low' },
        { index: 15, symbol: 'COLS', timestamp: misaligned.timestamp, reason: 'misaligned_period' },
      ]);
      expect(hooked).toEqual([0, 1, 2, 3]);
      expect(await store.getBars('1min', 'COLS')).toEqual(bars.filter((_, i) => i !== 12 && i !== 15));
      // The same bars as arrays: nothing changes, the same rejections.
      expect(await store.upsertBarPages('1min', 'COLS', pageBars)).toMatchObject({ received: 25, written: 0, unchanged: 23, rejected: 2 });
    } finally {
      await store.close();
      await remove();
    }
  });

  it('checks every row of columns as it checks bars (NaN optional values are absent; bad symbols rejected per row)', async () => {
    const { dataDir, remove } = await freshPgliteDir();
    const store = await openStore({ embedded: { dataDir } });
    try {
      const cols = columnsFromBars(minuteBars(START, 6));
      cols.timestamp[0] = 1.5; // not whole
      cols.volume[1] = -1;
      cols.vwap[2] = 0;
      cols.transactions[3] = 2.5;
      cols.open[4] = Number.NaN;
      const report = await store.upsertBarPages('1min', 'CHECK', [cols]);
      expect(report.rejectedByReason).toEqual({
        invalid_timestamp: 1,
        invalid_volume: 1,
        invalid_vwap: 1,
        invalid_transactions: 1,
        non_positive_price: 1,
      });
      expect(report).toMatchObject({ received: 6, written: 1 });
      expect(await store.upsertBarPages('1min', 'bad symbol', [columnsFromBars(minuteBars(START, 2))])).toMatchObject({
        received: 2,
        rejected: 2,
        rejectedByReason: { invalid_symbol: 2 },
      });
    } finally {
      await store.close();
      await remove();
    }
  });
});
