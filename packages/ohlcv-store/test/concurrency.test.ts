/**
 * Another writer (the app upserts ohlcv_1min from its live stream) inserting the same key while a batch is being
 * written. A large batch's staged path hits a unique violation, is rolled back, and is re-run with ON CONFLICT; a
 * small batch is one ON CONFLICT statement from the start. Either way the store's values win.
 */
import { createTestDatabase, type TestDatabase, waitFor } from '@tickstock/test-support';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMALL_BATCH_ROWS } from '../src/bars/upsert.js';
import { type OhlcvStore, openStore } from '../src/index.js';
import { minuteBars } from './support/bars.js';

describe('a concurrent writer inserting the same key', () => {
  let db: TestDatabase;
  let store: OhlcvStore;
  let other: pg.Client;
  beforeAll(async () => {
    db = await createTestDatabase('race');
    store = await openStore({ databaseUrl: db.url, env: {} });
    other = new pg.Client({ connectionString: db.url, application_name: 'live-writer' });
    await other.connect();
  });
  afterAll(async () => {
    await other?.end();
    await store?.close();
    await db?.drop();
  });

  it.each([
    ['a small batch (one ON CONFLICT statement)', 'LIVE', 3],
    ['a large batch (staged, then redone with ON CONFLICT)', 'BIG', SMALL_BATCH_ROWS + 1],
  ])('is absorbed in %s: the store’s values win', async (_name, symbol, count) => {
    await store.registerSymbol({ symbol });
    const bars = minuteBars(Date.UTC(2024, 5, 3, 13, 30), count);
    const contested = bars[1] as (typeof bars)[number];
    await other.query('BEGIN');
    await other.query(
      `INSERT INTO ohlcv_1min (symbol, "timestamp", open, high, low, close, volume) VALUES ($2, to_timestamp($1 / 1000.0), 1, 1, 1, 1, 1)`,
      [contested.timestamp, symbol],
    );
    const writing = store.upsertBars('1min', symbol, bars);
    // Wait until the store's INSERT is blocked on the live writer's uncommitted row, then let the live writer commit.
    const probe = new pg.Client({ connectionString: db.url });
    await probe.connect();
    try {
      await waitFor(
        async () =>
          (
            await probe.query(
              `SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO "ohlcv_1min"%'`,
              [db.name],
            )
          ).rowCount,
        { what: 'the store to wait on the live writer' },
      );
    } finally {
      await probe.end();
    }
    await other.query('COMMIT');
    const report = await writing;
    expect(report).toMatchObject({ received: count, inserted: count - 1, updated: 1, unchanged: 0, written: count, batches: 1 });
    expect(await store.getBars('1min', symbol)).toEqual(bars);
  });
});
