/**
 * The store's behaviour, run against every driver (real PostgreSQL 15 and PGlite): the same calls must leave the same
 * rows and return the same values. Files that call this are `*.tz.test.ts`, so it also runs under
 * TZ=America/Los_Angeles and TZ=Asia/Tokyo.
 */
import { type Bar, newYorkMidnightUtcMs, newYorkTimeToUtcMs } from '@tickstock/market-time';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { isStoreError, type OhlcvStore, type StoreError, type SymbolBar, type Timeframe } from '../../src/index.js';
import {
  barTableDdl,
  PROCESSING_PROGRESS_DDL,
  PROCESSING_RUNS_DDL,
  SYMBOL_PROCESSING_STATUS_DDL,
  SYMBOLS_DDL,
  TRACKED_SYMBOLS_DDL,
} from '../../src/schema/ddl.js';
import { TIMEFRAMES } from '../../src/timeframes.js';
import {
  APP_PROCESSING_RUNS_DDL,
  APP_SAVE_RUN_SQL,
  appHistorySql,
  createAppReference,
  GET_SYMBOL_DETAILS_COLUMNS,
  GET_SYMBOL_DETAILS_SQL,
  indexShape,
  tableShape,
} from './app-schema.js';
import type { TestBackend } from './backends.js';
import { dayBar, hourBar, isMonday, minuteBars, weekdays } from './bars.js';

async function expectStoreError(p: Promise<unknown>, code: string, ...fragments: string[]): Promise<Error> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(isStoreError(e), `expected a StoreError ${code}, got ${String(e)}`).toBe(true);
  const err = e as Error & { code: string };
  expect(err.code).toBe(code);
  for (const f of fragments) expect(err.message).toContain(f);
  return err;
}

const TABLE_LIST = `'symbols','ohlcv_1min','ohlcv_hourly','ohlcv_daily','ohlcv_weekly','ohlcv_monthly','processing_progress','symbol_processing_status','tracked_symbols','processing_runs','symbol_splits','split_checks','bar_load_cursors','schema_migrations'`;

async function columnsOf(b: TestBackend, tables: string): Promise<string[]> {
  const rows = await b.sql<{ c: string }>(
    `SELECT table_name || '.' || column_name || ':' || data_type || coalesce('(' || numeric_precision || ',' || numeric_scale || ')', '') AS c
       FROM information_schema.columns WHERE table_schema = current_schema() AND table_name IN (${tables}) ORDER BY 1`,
  );
  return rows.map((r) => r.c);
}

async function indexesOf(b: TestBackend, tables: string): Promise<string[]> {
  const rows = await b.sql<{ d: string }>(
    `SELECT indexdef AS d FROM pg_indexes WHERE schemaname = current_schema() AND tablename IN (${tables}) ORDER BY 1`,
  );
  return rows.map((r) => r.d);
}

/** The schema of an existing TickStock install, as the test plan describes it. */
const EXISTING_INSTALL_SQL = [
  `CREATE TABLE symbols (symbol VARCHAR(20) PRIMARY KEY, name VARCHAR(255), exchange VARCHAR(50), type VARCHAR(20),
     active BOOLEAN DEFAULT true, last_updated TIMESTAMP DEFAULT CURRENT_TIMESTAMP)`,
  `CREATE TABLE ohlcv_daily (symbol VARCHAR(20) NOT NULL REFERENCES symbols(symbol), date DATE NOT NULL,
     open NUMERIC(10,4) NOT NULL, high NUMERIC(10,4) NOT NULL, low NUMERIC(10,4) NOT NULL, close NUMERIC(10,4) NOT NULL,
     volume BIGINT, created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, PRIMARY KEY (symbol, date))`,
  `CREATE TABLE ohlcv_1min (symbol VARCHAR(20) NOT NULL REFERENCES symbols(symbol), "timestamp" TIMESTAMPTZ NOT NULL,
     open NUMERIC(10,4) NOT NULL, high NUMERIC(10,4) NOT NULL, low NUMERIC(10,4) NOT NULL, close NUMERIC(10,4) NOT NULL,
     volume BIGINT NOT NULL, PRIMARY KEY (symbol, "timestamp"))`,
  `CREATE TABLE ohlcv_hourly (symbol VARCHAR(20) NOT NULL REFERENCES symbols(symbol), "timestamp" TIMESTAMPTZ NOT NULL,
     open NUMERIC(10,4) NOT NULL, high NUMERIC(10,4) NOT NULL, low NUMERIC(10,4) NOT NULL, close NUMERIC(10,4) NOT NULL,
     volume BIGINT, PRIMARY KEY (symbol, "timestamp"))`,
  `CREATE TABLE ohlcv_weekly (symbol VARCHAR(20) NOT NULL REFERENCES symbols(symbol), week_start DATE NOT NULL,
     open NUMERIC(10,4) NOT NULL, high NUMERIC(10,4) NOT NULL, low NUMERIC(10,4) NOT NULL, close NUMERIC(10,4) NOT NULL,
     volume BIGINT, PRIMARY KEY (symbol, week_start))`,
  `CREATE TABLE ohlcv_monthly (symbol VARCHAR(20) NOT NULL REFERENCES symbols(symbol), month_start DATE NOT NULL,
     open NUMERIC(12,4) NOT NULL, high NUMERIC(12,4) NOT NULL, low NUMERIC(12,4) NOT NULL, close NUMERIC(12,4) NOT NULL,
     volume BIGINT, PRIMARY KEY (symbol, month_start))`,
];

/** The database's `NOW()` as the app's Python writes it into a TIMESTAMP column (its wall time in the session zone). */
async function dbNow(b: TestBackend): Promise<string> {
  const [r] = await b.sql<{ t: string }>('SELECT now()::timestamp::text AS t');
  return String(r?.t);
}

/** Registers the shared behaviour tests for one backend. */
export function storeBehaviour(createBackend: () => Promise<TestBackend>): void {
  // PGlite compiles its WASM module in every new process: hooks and tests get room for a busy machine.
  vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });
  describe('on a fresh database', () => {
    let b: TestBackend;
    let store: OhlcvStore;
    beforeAll(async () => {
      b = await createBackend();
      store = await b.open();
    });
    afterAll(async () => {
      await store?.close();
      await b?.dispose();
    });

    it('applies migrations 1-7 once; a second open applies none and changes nothing', async () => {
      expect(store.migrations?.applied).toEqual([1, 2, 3, 4, 5, 6, 7]);
      const before = await columnsOf(b, TABLE_LIST);
      const again = await b.open();
      expect(again.migrations?.applied).toEqual([]);
      expect(again.migrations?.version).toBe(7);
      expect(again.migrations?.notes).toEqual([]);
      await again.close();
      expect(await columnsOf(b, TABLE_LIST)).toEqual(before);
      const versions = await b.sql<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version');
      expect(versions.map((v) => v.version)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    });

    it("creates processing_runs exactly as the app's DDL (create_processing_runs_table.sql), with its two indexes", async () => {
      const reference = await createAppReference(b);
      try {
        const shape = await tableShape(b, 'processing_runs');
        expect(shape).toEqual(await tableShape(b, reference));
        expect(shape).toContain('run_id character varying(64) NOT NULL');
        expect(shape).toContain('started_at timestamp without time zone');
        expect(await indexShape(b, 'processing_runs')).toEqual(await indexShape(b, reference));
        expect(await indexShape(b, 'processing_runs')).toHaveLength(3);
      } finally {
        await b.sql(`DROP TABLE ${reference}`);
      }
    });

    it('mirrors tickstock_db.py TickStockDatabase.get_symbol_details: its exact SELECT works, timestamps are timestamps', async () => {
      await store.registerSymbol({
        symbol: 'DETAIL',
        name: 'Detail Corp',
        currencyName: 'usd',
        currencySymbol: '$',
        weightedSharesOutstanding: 16_334_371_000,
        lastUpdatedUtc: '2024-01-05T00:00:00Z',
        marketCap: 2_771_126_040_150.5,
      });
      // A later register without those values never erases them (COALESCE).
      await store.registerSymbol({ symbol: 'DETAIL', name: 'Detail Corporation', currencySymbol: null });
      const [row] = await b.sql<Record<string, unknown>>(GET_SYMBOL_DETAILS_SQL.replace(':symbol', '$1'), ['DETAIL']);
      expect(Object.keys(row ?? {})).toEqual(GET_SYMBOL_DETAILS_COLUMNS);
      expect(row).toMatchObject({ symbol: 'DETAIL', name: 'Detail Corporation', currency_symbol: '$', currency_name: 'usd' });
      expect(Number(row?.weighted_shares_outstanding)).toBe(16_334_371_000);
      const types = await b.sql<{ c: string; t: string }>(
        `SELECT column_name AS c, data_type AS t FROM information_schema.columns
          WHERE table_schema = current_schema() AND table_name = 'symbols' AND column_name IN ('last_updated_utc', 'last_updated') ORDER BY 1`,
      );
      // The app calls .isoformat() on both: they must be timestamps, not text.
      expect(types).toEqual([
        { c: 'last_updated', t: 'timestamp with time zone' },
        { c: 'last_updated_utc', t: 'timestamp with time zone' },
      ]);
      const [utc] = await b.sql<{ ms: number }>(
        `SELECT (extract(epoch FROM last_updated_utc) * 1000)::float8 AS ms FROM symbols WHERE symbol = 'DETAIL'`,
      );
      expect(Number(utc?.ms)).toBe(Date.UTC(2024, 0, 5));
      await expectStoreError(
        store.registerSymbol({ symbol: 'DETAIL', lastUpdatedUtc: 'yesterday-ish' }),
        'INVALID_ARGUMENT',
        'lastUpdatedUtc',
      );
    });

    it('creates lossless NUMERIC prices and volume, (symbol, time DESC) indexes and foreign keys to symbols', async () => {
      const cols = await columnsOf(b, `'ohlcv_daily'`);
      expect(cols).toEqual([
        'ohlcv_daily.close:numeric',
        'ohlcv_daily.created_at:timestamp with time zone',
        'ohlcv_daily.date:date',
        'ohlcv_daily.high:numeric',
        'ohlcv_daily.low:numeric',
        'ohlcv_daily.open:numeric',
        'ohlcv_daily.symbol:character varying',
        'ohlcv_daily.transactions:bigint(64,0)',
        'ohlcv_daily.updated_at:timestamp with time zone',
        'ohlcv_daily.volume:numeric',
        'ohlcv_daily.vwap:numeric',
      ]);
      const idx = (await indexesOf(b, `'ohlcv_1min','ohlcv_weekly'`)).filter((d) => d.includes('DESC'));
      expect(idx).toEqual([
        'CREATE INDEX ohlcv_1min_symbol_timestamp_desc_idx ON public.ohlcv_1min USING btree (symbol, "timestamp" DESC)',
        'CREATE INDEX ohlcv_weekly_symbol_week_start_desc_idx ON public.ohlcv_weekly USING btree (symbol, week_start DESC)',
      ]);
      const fks = await b.sql<{ t: string }>(
        `SELECT conrelid::regclass::text AS t FROM pg_constraint WHERE contype = 'f' AND confrelid = 'symbols'::regclass ORDER BY 1`,
      );
      expect(fks.map((f) => f.t)).toEqual(['ohlcv_1min', 'ohlcv_daily', 'ohlcv_hourly', 'ohlcv_monthly', 'ohlcv_weekly']);
    });

    it('discovers the fresh schema: time columns and optional columns', () => {
      expect(store.schema.bars.weekly).toMatchObject({ table: 'ohlcv_weekly', timeColumn: 'week_start', timeType: 'date', hasVwap: true });
      expect(store.schema.bars['1min']).toMatchObject({ timeColumn: 'timestamp', timeType: 'timestamptz', volumeIsInteger: false });
      expect(store.schema.symbols.symbolMaxLength).toBe(20);
    });

    it('writes daily bars and reads them back with their New York midnight timestamps', async () => {
      const bars: Bar[] = [
        {
          timestamp: Date.UTC(2024, 0, 2, 5),
          open: 187.15,
          high: 188.44,
          low: 183.885,
          close: 185.64,
          volume: 82_488_674,
          vwap: 185.9465,
          transactions: 1_008_871,
        },
        { timestamp: Date.UTC(2024, 0, 3, 5), open: 184.22, high: 185.88, low: 183.43, close: 184.25 },
      ];
      const r = await store.upsertBars('daily', 'AAPL', bars);
      expect(r).toMatchObject({ received: 2, inserted: 2, updated: 0, unchanged: 0, written: 2, rejected: 0, batches: 1 });
      expect(await store.getBars('daily', 'AAPL')).toEqual(bars);
      const rows = await b.sql<{ d: string }>(
        `SELECT to_char(date, 'YYYY-MM-DD') AS d FROM ohlcv_daily WHERE symbol = 'AAPL' ORDER BY date`,
      );
      expect(rows.map((x) => x.d)).toEqual(['2024-01-02', '2024-01-03']);
    });

    it('is idempotent: the same bars again are counted unchanged and leave the rows untouched', async () => {
      const bars = [dayBar('2024-02-01', 50), dayBar('2024-02-02', 51)];
      await store.upsertBars('daily', 'IDEM', bars);
      const before = await b.sql(`SELECT *, xmin::text AS x FROM ohlcv_daily WHERE symbol = 'IDEM' ORDER BY date`);
      const r = await store.upsertBars('daily', 'IDEM', bars);
      expect(r).toMatchObject({ received: 2, inserted: 0, updated: 0, unchanged: 2, written: 0 });
      expect(await b.sql(`SELECT *, xmin::text AS x FROM ohlcv_daily WHERE symbol = 'IDEM' ORDER BY date`)).toEqual(before);
    });

    it('replaces a revised bar and counts it updated', async () => {
      await store.upsertBars('daily', 'REV', [dayBar('2024-02-05', 10), dayBar('2024-02-06', 11)]);
      const revised = { ...dayBar('2024-02-06', 11), close: 11.5, volume: 2000 };
      const r = await store.upsertBars('daily', 'REV', [dayBar('2024-02-05', 10), revised]);
      expect(r).toMatchObject({ inserted: 0, updated: 1, unchanged: 1, written: 1 });
      const bars = await store.getBars('daily', 'REV');
      expect(bars[1]).toEqual({ timestamp: newYorkMidnightUtcMs('2024-02-06'), open: 10, high: 13, low: 9, close: 11.5, volume: 2000 });
    });

    it('keeps the last of duplicate bars within one call', async () => {
      const r = await store.upsertBars('daily', 'DUP', [dayBar('2024-03-01', 20), dayBar('2024-03-01', 21), dayBar('2024-03-04', 22)]);
      expect(r).toMatchObject({ received: 3, duplicates: 1, inserted: 2 });
      expect((await store.getBars('daily', 'DUP')).map((x) => x.close)).toEqual([21, 22]);
    });

    it('rejects invalid bars, counts them per reason, and writes only the valid ones', async () => {
      const t = newYorkMidnightUtcMs('2024-04-01');
      const ok = { timestamp: t, open: 10, high: 12, low: 9, close: 11, volume: 5 };
      const input: Bar[] = [
        ok,
        { ...ok, timestamp: Number.NaN },
        { ...ok, timestamp: t + 0.5 },
        { ...ok, low: 0 },
        { ...ok, close: Number.POSITIVE_INFINITY },
        { ...ok, high: 8.5 },
        { ...ok, open: 12.5 },
        { ...ok, close: 8 },
        { ...ok, volume: -1 },
        { ...ok, vwap: Number.NaN },
        { ...ok, transactions: 1.5 },
        { ...ok, timestamp: newYorkMidnightUtcMs('2024-04-02'), high: 13, low: 13.5, open: 13, close: 13 },
        null as unknown as Bar,
      ];
      const r = await store.upsertBars('daily', 'BAD', input);
      expect(r.received).toBe(13);
      expect(r.inserted).toBe(1);
      expect(r.rejected).toBe(12);
      expect(r.rejectedByReason).toEqual({
        invalid_timestamp: 2,
        non_positive_price: 2,
        high_below_low: 2,
        open_outside_range: 1,
        close_outside_range: 1,
        invalid_volume: 1,
        invalid_vwap: 1,
        invalid_transactions: 1,
        malformed_bar: 1,
      });
      expect(r.rejectedSamples[0]).toEqual({ index: 1, symbol: 'BAD', timestamp: Number.NaN, reason: 'invalid_timestamp' });
      const rows = await b.sql<{ n: string | number }>(`SELECT count(*) AS n FROM ohlcv_daily WHERE symbol = 'BAD'`);
      expect(Number(rows[0]?.n)).toBe(1);
    });

    it("rejects bars that do not start on their period's boundary instead of moving them", async () => {
      const monday = newYorkMidnightUtcMs('2024-04-08');
      const r1 = await store.upsertBars('weekly', 'ALIGN', [dayBar('2024-04-07'), { ...dayBar('2024-04-07'), timestamp: monday }]);
      expect(r1).toMatchObject({ inserted: 1, rejected: 1, rejectedByReason: { misaligned_period: 1 } });
      const r2 = await store.upsertBars('monthly', 'ALIGN', [dayBar('2024-04-01'), dayBar('2024-04-02')]);
      expect(r2).toMatchObject({ inserted: 1, rejectedByReason: { misaligned_period: 1 } });
      const r3 = await store.upsertBars('1min', 'ALIGN', [
        { ...hourBar('2024-04-08', 10), timestamp: Date.UTC(2024, 3, 8, 14, 0, 30) },
        hourBar('2024-04-08', 10),
      ]);
      expect(r3).toMatchObject({ inserted: 1, rejectedByReason: { misaligned_period: 1 } });
    });

    it('with onInvalid: throw, stops with INVALID_BARS naming the bar and writes nothing from its batch', async () => {
      const good = dayBar('2024-05-01');
      const err = await expectStoreError(
        store.upsertBars('daily', 'STRICT', [good, { ...good, timestamp: newYorkMidnightUtcMs('2024-05-02'), high: 1, low: 2 }], {
          onInvalid: 'throw',
        }),
        'INVALID_BARS',
        'STRICT',
        'input position 1',
        'high_below_low',
      );
      expect((err as Error & { report?: { written: number } }).report?.written).toBe(0);
      expect(await store.getBars('daily', 'STRICT')).toEqual([]);
    });

    it('writes 25,000 one-minute bars in 10,000-bar batches (one transaction each)', async () => {
      const start = Date.UTC(2024, 5, 3, 13, 30);
      const bars = minuteBars(start, 25_000);
      const r = await store.upsertBars('1min', 'BULK', bars, { batchSize: 10_000 });
      expect(r).toMatchObject({ received: 25_000, inserted: 25_000, batches: 3, rejected: 0 });
      const rows = await b.sql<{ n: string | number }>(`SELECT count(*) AS n FROM ohlcv_1min WHERE symbol = 'BULK'`);
      expect(Number(rows[0]?.n)).toBe(25_000);
      // Every value survives the batch buffer growing (512 rows at first, doubling up to the batch size).
      expect(await store.getBars('1min', 'BULK')).toEqual(bars);
      expect(await store.latestBarTime('1min', 'BULK')).toBe(start + 24_999 * 60_000);
      const again = await store.upsertBars('1min', 'BULK', bars, { batchSize: 10_000 });
      expect(again).toMatchObject({ inserted: 0, updated: 0, unchanged: 25_000, batches: 3 });
    });

    it('streams an AsyncIterable in bounded batches', async () => {
      const start = Date.UTC(2024, 5, 4, 13, 30);
      async function* source(): AsyncGenerator<Bar> {
        for (const bar of minuteBars(start, 2_500)) yield bar;
      }
      const r = await store.upsertBars('1min', 'STREAM', source(), { batchSize: 1_000 });
      expect(r).toMatchObject({ received: 2_500, inserted: 2_500, batches: 3 });
      expect(await store.getBars('1min', 'STREAM')).toEqual(minuteBars(start, 2_500));
    });

    it('writes many symbols in one call and registers the missing ones', async () => {
      const bars: SymbolBar[] = [
        { symbol: 'MANY1', ...hourBar('2024-06-03', 9) },
        { symbol: 'MANY2', ...hourBar('2024-06-03', 9) },
        { symbol: 'MANY1', ...hourBar('2024-06-03', 10) },
      ];
      const r = await store.upsertManyBars('hourly', bars);
      expect(r).toMatchObject({ received: 3, inserted: 3 });
      const syms = await b.sql<{ symbol: string }>(`SELECT symbol FROM symbols WHERE symbol LIKE 'MANY%' ORDER BY symbol`);
      expect(syms.map((s) => s.symbol)).toEqual(['MANY1', 'MANY2']);
    });

    it('keeps symbols with quotes, commas and braces intact in the one-statement path, and the values exact', async () => {
      const odd = ['Q"1', 'Q,2', 'Q{3}', 'NULL'];
      for (const symbol of odd) await store.registerSymbol({ symbol });
      const bars: SymbolBar[] = odd.map((symbol, i) => ({ symbol, ...dayBar('2024-03-04', 10 + i) }));
      bars.push({ symbol: 'Q"1', timestamp: Date.UTC(2024, 2, 5, 5), open: 1e-4, high: 123456789.1234, low: 1e-4, close: 2, volume: 0 });
      const r = await store.upsertManyBars('daily', bars);
      expect(r).toMatchObject({ received: 5, inserted: 5, batches: 1 });
      for (const symbol of odd)
        expect((await store.getBars('daily', symbol))[0]?.close).toBe(dayBar('2024-03-04', 10 + odd.indexOf(symbol)).close);
      expect((await store.getBars('daily', 'Q"1'))[1]).toEqual({
        timestamp: Date.UTC(2024, 2, 5, 5),
        open: 0.0001,
        high: 123456789.1234,
        low: 0.0001,
        close: 2,
        volume: 0,
      });
    });

    it('with registerMissingSymbols off, an unknown symbol fails with SYMBOL_NOT_REGISTERED and nothing is written', async () => {
      await expectStoreError(
        store.upsertBars('daily', 'NOPE', [dayBar('2024-01-02')], { registerMissingSymbols: false }),
        'SYMBOL_NOT_REGISTERED',
        'NOPE',
        'registerSymbol',
      );
      expect(await store.getBars('daily', 'NOPE')).toEqual([]);
    });

    it('registerSymbol never erases a known value with a missing one; a many-form merges duplicates', async () => {
      await store.registerSymbol({ symbol: 'MSFT', name: 'Microsoft Corp', exchange: 'XNAS', active: true, listDate: '1986-03-13' });
      const r = await store.registerSymbols([
        { symbol: 'MSFT', sector: 'Technology', name: null },
        { symbol: 'MSFT', industry: 'Software' },
        { symbol: 'GOOG', name: 'Alphabet Inc.' },
      ]);
      expect(r).toEqual({ registered: 2, ignoredFields: [] });
      const msft = await store.getSymbol('MSFT');
      expect(msft).toMatchObject({
        symbol: 'MSFT',
        name: 'Microsoft Corp',
        exchange: 'XNAS',
        active: true,
        sector: 'Technology',
        industry: 'Software',
        list_date: '1986-03-13',
      });
      await expectStoreError(store.registerSymbol({ symbol: 'WAY_TOO_LONG_SYMBOL_NAME' }), 'INVALID_SYMBOL', 'at most 20');
    });

    it('reads with inclusive from/to bounds (dates or ms), limit and order', async () => {
      const days = ['2024-07-01', '2024-07-02', '2024-07-03', '2024-07-05', '2024-07-08'];
      await store.upsertBars(
        'daily',
        'RANGE',
        days.map((d, i) => dayBar(d, 10 + i)),
      );
      const closes = (bars: Bar[]) => bars.map((x) => x.close);
      expect(closes(await store.getBars('daily', 'RANGE', { from: '2024-07-02', to: '2024-07-05' }))).toEqual([11, 12, 13]);
      expect(closes(await store.getBars('daily', 'RANGE', { from: newYorkTimeToUtcMs('2024-07-03', 16, 0) }))).toEqual([12, 13, 14]);
      expect(closes(await store.getBars('daily', 'RANGE', { order: 'desc', limit: 2 }))).toEqual([14, 13]);
      expect(await store.latestBarTime('daily', 'RANGE')).toBe(newYorkMidnightUtcMs('2024-07-08'));
      expect(await store.latestBarTime('daily', 'NONE')).toBeNull();
      const extent = await store.barExtent('daily', 'RANGE');
      expect({ first: extent?.first, last: extent?.last }).toEqual({
        first: newYorkMidnightUtcMs('2024-07-01'),
        last: newYorkMidnightUtcMs('2024-07-08'),
      });
      // Written just now (the fresh schema has updated_at): within a minute of this machine's clock.
      expect(Math.abs((extent?.lastWrittenAt ?? 0) - Date.now())).toBeLessThan(60_000);
      expect(await store.barExtent('daily', 'NONE')).toBeNull();
      await expectStoreError(store.getBars('daily', 'RANGE', { from: '2024-13-01' }), 'INVALID_ARGUMENT', '2024-13-01');
      await expectStoreError(store.getBars('yearly' as Timeframe, 'RANGE'), 'UNKNOWN_TIMEFRAME', 'yearly');
    });

    it('records run progress and per-symbol status', async () => {
      const runId = 'job_20241030_145623_abc123';
      const eta = Date.UTC(2024, 9, 30, 15, 0, 0, 250);
      await store.recordProgress({
        runId,
        phase: 'data_import',
        totalItems: 3,
        completedItems: 1,
        currentItem: 'AAPL',
        estimatedCompletion: eta,
      });
      await store.recordProgress({
        runId,
        phase: 'data_import',
        totalItems: 3,
        completedItems: 1,
        failedItems: 1,
        currentItem: 'MSFT',
        estimatedCompletion: eta,
      });
      await store.recordSymbolStatus({ runId, phase: 'data_import', symbol: 'AAPL', status: 'completed', processingTimeMs: 1234 });
      await store.recordSymbolStatus({
        runId,
        phase: 'data_import',
        symbol: 'XYZ',
        status: 'failed',
        errorMessage: 'SYMBOL_NOT_FOUND',
        retryCount: 2,
      });
      const [progress] = await store.getProgress(runId);
      expect(progress).toMatchObject({
        runId,
        phase: 'data_import',
        totalItems: 3,
        completedItems: 1,
        failedItems: 1,
        percentComplete: 66.67,
        currentItem: 'MSFT',
        estimatedCompletion: eta,
      });
      const statuses = await store.getSymbolStatuses(runId);
      expect(statuses.map(({ updatedAt, ...s }) => s)).toEqual([
        { runId, phase: 'data_import', symbol: 'AAPL', status: 'completed', errorMessage: null, retryCount: 0, processingTimeMs: 1234 },
        {
          runId,
          phase: 'data_import',
          symbol: 'XYZ',
          status: 'failed',
          errorMessage: 'SYMBOL_NOT_FOUND',
          retryCount: 2,
          processingTimeMs: null,
        },
      ]);
    });

    it('records many symbol statuses in one statement: exact rows, the last update of a symbol wins, an invalid one writes nothing', async () => {
      const runId = 'job_20241031_final_states';
      // Counts INSERT statements on the table: the bulk form must be one, whatever the number of rows.
      await b.sql('CREATE TABLE status_statements (n INTEGER NOT NULL)');
      await b.sql('INSERT INTO status_statements VALUES (0)');
      await b.sql(`CREATE FUNCTION count_status_statement() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN UPDATE status_statements SET n = n + 1; RETURN NULL; END $$`);
      await b.sql(`CREATE TRIGGER count_status_statement AFTER INSERT ON symbol_processing_status
        FOR EACH STATEMENT EXECUTE FUNCTION count_status_statement()`);
      const statements = async () => Number((await b.sql<{ n: number }>('SELECT n FROM status_statements'))[0]?.n);
      try {
        await store.recordSymbolStatus({ runId, phase: 'data_import', symbol: 'AAPL', status: 'processing' });
        expect(await statements()).toBe(1);
        await store.recordSymbolStatuses([
          { runId, phase: 'data_import', symbol: 'AAPL', status: 'completed', processingTimeMs: 1234.4 },
          { runId, phase: 'data_import', symbol: 'MSFT', status: 'failed', errorMessage: 'first try', retryCount: 1 },
          { runId, phase: 'data_import', symbol: 'XYZ', status: 'interrupted' },
          { runId, phase: 'data_import', symbol: 'MSFT', status: 'failed', errorMessage: 'STORAGE_FAILED: disk full', retryCount: 3 },
          { runId, phase: 'splits', symbol: 'AAPL', status: 'skipped', errorMessage: null, retryCount: 0, processingTimeMs: null },
        ]);
        expect(await statements()).toBe(2);
        const rows = [
          { runId, phase: 'data_import', symbol: 'AAPL', status: 'completed', errorMessage: null, retryCount: 0, processingTimeMs: 1234 },
          {
            runId,
            phase: 'data_import',
            symbol: 'MSFT',
            status: 'failed',
            errorMessage: 'STORAGE_FAILED: disk full',
            retryCount: 3,
            processingTimeMs: null,
          },
          { runId, phase: 'data_import', symbol: 'XYZ', status: 'interrupted', errorMessage: null, retryCount: 0, processingTimeMs: null },
          { runId, phase: 'splits', symbol: 'AAPL', status: 'skipped', errorMessage: null, retryCount: 0, processingTimeMs: null },
        ];
        expect((await store.getSymbolStatuses(runId)).map(({ updatedAt, ...s }) => s)).toEqual(rows);
        // An invalid update anywhere in the list fails the call naming its index; the valid ones are not written either.
        await expectStoreError(
          store.recordSymbolStatuses([
            { runId, phase: 'data_import', symbol: 'NEW', status: 'completed' },
            { runId, phase: 'data_import', symbol: 'BAD', status: 'failed', retryCount: -1 },
          ]),
          'INVALID_ARGUMENT',
        ).then((e) =>
          expect(e.message).toBe(
            'symbol status at index 1 (symbol "BAD"): retryCount must be a non-negative whole number, got -1; nothing was written',
          ),
        );
        await expectStoreError(
          store.recordSymbolStatuses([{ runId, phase: 'data_import', symbol: 'NEW', status: 'completed' }, null as never]),
          'INVALID_ARGUMENT',
        ).then((e) => expect(e.message).toBe('symbol status at index 1: must be an object, got null; nothing was written'));
        await expectStoreError(
          store.recordSymbolStatuses([{ runId, phase: '', symbol: 'NEW', status: 'completed' }]),
          'INVALID_ARGUMENT',
        ).then((e) =>
          expect(e.message).toBe('symbol status at index 0 (symbol "NEW"): phase must be a non-empty string; nothing was written'),
        );
        // An empty list sends nothing.
        await store.recordSymbolStatuses([]);
        expect(await statements()).toBe(2);
        expect((await store.getSymbolStatuses(runId)).map(({ updatedAt, ...s }) => s)).toEqual(rows);
      } finally {
        await b.sql('DROP TRIGGER count_status_statement ON symbol_processing_status');
        await b.sql('DROP FUNCTION count_status_statement()');
        await b.sql('DROP TABLE status_statements');
      }
    });

    it("saves a run into the app's columns and metadata, reads it back; a second save replaces it", async () => {
      const startedAt = Date.UTC(2025, 5, 11, 21, 30, 0, 125);
      const run = {
        runId: 'import_20250611_abc',
        phase: 'data_import',
        status: 'running',
        params: { universes: ['sp500'], lookbackDays: { day: 365 }, nested: { fullReload: false } },
        recordsImported: 0,
        message: null,
        retryCount: 0,
        startedAt,
        completedAt: null,
      };
      await store.saveRun(run);
      const first = await store.getRun(run.runId);
      expect(first && { ...first, updatedAt: 0 }).toEqual({
        ...run,
        kind: 'data_import',
        triggerType: null,
        errorMessage: null,
        symbolsTotal: 0,
        symbolsProcessed: 0,
        symbolsFailed: 0,
        durationSeconds: null,
        updatedAt: 0,
      });
      await store.saveRun({
        ...run,
        status: 'success',
        phase: 'completed',
        kind: 'data_import',
        triggerType: 'manual',
        recordsImported: 7_500,
        retryCount: 1,
        symbolsTotal: 3,
        symbolsProcessed: 2,
        symbolsFailed: 1,
        message: 'completed: 2 of 3 symbols loaded',
        errorMessage: 'completed: 2 of 3 symbols loaded',
        completedAt: startedAt + 90_000,
      });
      expect(await store.getRun(run.runId)).toMatchObject({
        status: 'success',
        phase: 'completed',
        kind: 'data_import',
        triggerType: 'manual',
        recordsImported: 7_500,
        retryCount: 1,
        symbolsTotal: 3,
        symbolsProcessed: 2,
        symbolsFailed: 1,
        durationSeconds: 90,
        params: run.params,
        completedAt: startedAt + 90_000,
      });
      const [raw] = await b.sql<Record<string, unknown>>(
        `SELECT trigger_type, status, phase, duration_seconds, symbols_total, symbols_processed, symbols_failed, indicators_total,
                error_message, metadata::text AS metadata FROM processing_runs WHERE run_id = $1`,
        [run.runId],
      );
      expect({ ...raw, metadata: JSON.parse(String(raw?.metadata)) }).toEqual({
        trigger_type: 'manual',
        status: 'success',
        phase: 'completed',
        duration_seconds: 90,
        symbols_total: 3,
        symbols_processed: 2,
        symbols_failed: 1,
        indicators_total: 0,
        error_message: 'completed: 2 of 3 symbols loaded',
        metadata: {
          kind: 'data_import',
          params: run.params,
          records_imported: 7_500,
          retry_count: 1,
          message: 'completed: 2 of 3 symbols loaded',
        },
      });
      expect(await store.getRun('no-such-run')).toBeNull();
      await expectStoreError(store.saveRun({ ...run, status: '' }), 'INVALID_ARGUMENT', 'status');
    });

    it("lists runs newest first (all, or one kind since an instant) and settles a kind's runs, never the app's own rows", async () => {
      const t0 = Date.now() - 3_600_000;
      const base = { params: {}, recordsImported: 0, message: null, retryCount: 0, completedAt: null };
      await store.saveRun({ ...base, runId: 'list_a', phase: 'data_import', status: 'running', startedAt: t0 });
      await store.saveRun({ ...base, runId: 'list_b', phase: 'data_import', status: 'running', startedAt: t0 + 60_000 });
      // A row the app wrote itself (_save_processing_run): its metadata has no kind.
      await b.sql(
        `INSERT INTO processing_runs (run_id, trigger_type, status, phase, started_at, symbols_total, metadata)
         VALUES ('app_run', 'automatic', 'running', 'data_import', now(), 500, '{"import": {"universes": ["sp500"]}}')`,
      );
      const mine = await store.listRuns({ kind: 'data_import', since: t0 - 1 });
      expect(mine.map((r) => r.runId)).toEqual(['list_b', 'list_a']);
      const all = await store.listRuns({ since: t0 - 1 });
      expect(all.map((r) => r.runId)).toEqual(['app_run', 'list_b', 'list_a']);
      expect(all[0]).toMatchObject({ kind: null, triggerType: 'automatic', symbolsTotal: 500 });
      expect((await store.listRuns({ kind: 'data_import', since: t0 + 1 })).map((r) => r.runId)).toEqual(['list_b']);
      const settled = await store.settleRuns({ kind: 'data_import', status: 'running', to: 'failed', toPhase: 'error', message: 'gone' });
      expect(settled).toEqual(['list_a', 'list_b']);
      expect(await store.getRun('list_a')).toMatchObject({ status: 'failed', phase: 'error', errorMessage: 'gone', message: 'gone' });
      expect((await store.getRun('list_a'))?.completedAt).not.toBeNull();
      expect((await store.getRun('list_a'))?.durationSeconds).toBeGreaterThanOrEqual(3_600);
      expect(await store.getRun('app_run')).toMatchObject({ status: 'running', phase: 'data_import' });
      await b.sql(`DELETE FROM processing_runs WHERE run_id IN ('list_a', 'list_b', 'app_run')`);
      await expectStoreError(store.listRuns({ limit: 0 }), 'INVALID_ARGUMENT', 'limit');
    });

    it('tracks symbols and their backfill state', async () => {
      await store.trackSymbols([
        { symbol: 'AAPL', assetClass: 'stock' },
        { symbol: 'X:BTCUSD', assetClass: 'crypto', active: false },
      ]);
      await store.setBackfillStatus('AAPL', 'failed', 'API_RATE_LIMIT');
      expect(await store.listTrackedSymbols()).toEqual([
        {
          symbol: 'AAPL',
          assetClass: 'stock',
          active: true,
          backfillStatus: 'failed',
          backfillError: 'API_RATE_LIMIT',
          lastBackfill: null,
        },
      ]);
      await store.setBackfillStatus('AAPL', 'completed');
      const [aapl] = await store.listTrackedSymbols();
      expect(aapl?.backfillStatus).toBe('completed');
      expect(typeof aapl?.lastBackfill).toBe('number');
      expect((await store.listTrackedSymbols({ includeInactive: true })).map((t) => t.symbol)).toEqual(['AAPL', 'X:BTCUSD']);
    });
  });

  describe('proof of every row written: rows a trigger drops are counted missing, never unchanged', () => {
    let b: TestBackend;
    let store: OhlcvStore;
    beforeAll(async () => {
      b = await createBackend();
      store = await b.open();
      await b.sql(`CREATE FUNCTION drop_mondays() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF extract(isodow FROM NEW.date) = 1 THEN RETURN NULL; END IF; RETURN NEW; END $$`);
      await b.sql('CREATE FUNCTION skip_updates() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$');
    });
    afterAll(async () => {
      await store?.close();
      await b?.dispose();
    });

    /** Runs `fn` with a trigger on ohlcv_daily, dropped afterwards. */
    async function withTrigger<T>(definition: string, fn: () => Promise<T>): Promise<T> {
      await b.sql(`CREATE TRIGGER proof_trigger ${definition}`);
      try {
        return await fn();
      } finally {
        await b.sql('DROP TRIGGER proof_trigger ON ohlcv_daily');
      }
    }
    const DROP_MONDAYS = 'BEFORE INSERT ON ohlcv_daily FOR EACH ROW EXECUTE FUNCTION drop_mondays()';
    const SKIP_UPDATES = 'BEFORE UPDATE ON ohlcv_daily FOR EACH ROW EXECUTE FUNCTION skip_updates()';
    const stored = async (symbol: string) =>
      (
        await b.sql<{ d: string }>(`SELECT to_char(date, 'YYYY-MM-DD') AS d FROM ohlcv_daily WHERE symbol = $1 ORDER BY date`, [symbol])
      ).map((r) => r.d);
    const notStored = (missing: number, sent: number) =>
      `${missing} of ${sent} daily bars sent to "ohlcv_daily" are not in it after the write (a trigger or rule on the table dropped or changed them, or another writer changed them meanwhile); the other ${sent - missing} are stored`;

    // 250 weekdays from Tuesday 2024-01-02: 50 of them Mondays.
    const days = weekdays('2024-01-02', 250);
    const bars = days.map((d, i) => dayBar(d, 100 + i / 4));
    const kept = days.filter((d) => !isMonday(d));

    it.each([
      ['three one-statement batches (a registered symbol, batches of 100)', 'DROPA', true, 100, 3],
      ['one staged COPY batch (a symbol the batch registers)', 'DROPB', false, 10_000, 1],
    ])('a BEFORE INSERT trigger dropping Mondays: %s', async (_name, symbol, register, batchSize, batches) => {
      expect(days.filter(isMonday).length).toBe(50);
      if (register) await store.registerSymbol({ symbol });
      const e = await withTrigger(DROP_MONDAYS, () =>
        expectStoreError(store.upsertBars('daily', symbol, bars, { batchSize }), 'ROWS_NOT_STORED'),
      );
      expect(e.message).toBe(notStored(50, 250));
      expect(e).toMatchObject({ table: 'ohlcv_daily', retryable: false });
      // Reported only after every batch was written: the last batch's rows are stored too.
      expect((e as StoreError).report).toMatchObject({
        received: 250,
        inserted: 200,
        updated: 0,
        unchanged: 0,
        missing: 50,
        written: 200,
        batches,
      });
      expect(await stored(symbol)).toEqual(kept);
    });

    it('a BEFORE INSERT trigger dropping Mondays, through upsertManyBars: the missing rows of every symbol', async () => {
      const week = weekdays('2024-01-08', 10); // two Mondays
      const many: SymbolBar[] = ['MANYA', 'MANYB', 'MANYC'].flatMap((symbol) => week.map((d) => ({ symbol, ...dayBar(d, 40) })));
      const e = await withTrigger(DROP_MONDAYS, () => expectStoreError(store.upsertManyBars('daily', many), 'ROWS_NOT_STORED'));
      expect(e.message).toBe(notStored(6, 30));
      expect((e as StoreError).report).toMatchObject({ received: 30, inserted: 24, unchanged: 0, missing: 6, written: 24, batches: 1 });
      for (const symbol of ['MANYA', 'MANYB', 'MANYC']) expect(await stored(symbol)).toEqual(week.filter((d) => !isMonday(d)));
    });

    it.each([
      ['the one-statement path (a symbol this store has written)', false],
      ['the staged path (a store that has not seen the symbol)', true],
    ])(
      'a BEFORE UPDATE trigger returning NULL skips revised bars: they are missing, the identical ones unchanged (%s)',
      async (_name, fresh) => {
        const symbol = fresh ? 'SKIPB' : 'SKIPA';
        const original = weekdays('2024-03-04', 20).map((d, i) => dayBar(d, 50 + i));
        await store.upsertBars('daily', symbol, original);
        const revised = original.map((bar, i) => (i % 4 === 0 ? { ...bar, close: bar.close + 0.5, high: bar.high + 0.5 } : bar));
        const writer = fresh ? await b.open() : store;
        try {
          const e = await withTrigger(SKIP_UPDATES, () => expectStoreError(writer.upsertBars('daily', symbol, revised), 'ROWS_NOT_STORED'));
          expect(e.message).toBe(notStored(5, 20));
          expect((e as StoreError).report).toMatchObject({ received: 20, inserted: 0, updated: 0, unchanged: 15, missing: 5, written: 0 });
        } finally {
          if (fresh) await writer.close();
        }
        expect(await store.getBars('daily', symbol)).toEqual(original);
      },
    );

    it.each([
      ['three one-statement batches', false],
      ['a store that has not seen the symbol: a staged batch, then two one-statement ones', true],
    ])('an identical re-upsert is verified unchanged: unchanged = rows, missing 0, no error (%s)', async (_name, fresh) => {
      const symbol = fresh ? 'SAMEB' : 'SAMEA';
      await store.upsertBars('daily', symbol, bars);
      const writer = fresh ? await b.open() : store;
      try {
        expect(await writer.upsertBars('daily', symbol, bars, { batchSize: 100 })).toMatchObject({
          received: 250,
          inserted: 0,
          updated: 0,
          unchanged: 250,
          missing: 0,
          written: 0,
          batches: 3,
        });
      } finally {
        if (fresh) await writer.close();
      }
    });
  });

  describe('stock splits: recorded once, pending until readjusted, and reloaded ranges cleared of rows no longer served', () => {
    let b: TestBackend;
    let store: OhlcvStore;
    beforeAll(async () => {
      b = await createBackend();
      store = await b.open();
    });
    afterAll(async () => {
      await store?.close();
      await b?.dispose();
    });

    it('records each split once, lists the pending ones, and closes them with the rows rewritten', async () => {
      const nvda = { symbol: 'NVDA', executionDate: '2024-06-10', splitFrom: 1, splitTo: 10, splitId: 'E1', readjustNeeded: true };
      const wmt = { symbol: 'WMT', executionDate: '2024-02-26', splitFrom: 1, splitTo: 3, readjustNeeded: false };
      expect(await store.recordSplits([nvda, wmt])).toEqual([nvda, wmt]);
      expect(await store.recordSplits([nvda])).toEqual([]);
      expect(
        (await store.listSplits({ pending: true })).map((s) => [s.symbol, s.executionDate, s.splitFrom, s.splitTo, s.splitId]),
      ).toEqual([['NVDA', '2024-06-10', 1, 10, 'E1']]);
      expect(await store.markReadjusted('NVDA', 1_276)).toBe(1);
      expect(await store.markReadjusted('NVDA', 5)).toBe(0);
      const all = await store.listSplits({ symbols: ['NVDA', 'WMT'] });
      expect(all.map((s) => [s.symbol, s.readjustNeeded, s.readjustedAt !== null, s.rowsRewritten])).toEqual([
        ['NVDA', true, true, 1_276],
        ['WMT', false, false, null],
      ]);
      await expectStoreError(
        store.recordSplits([{ ...nvda, executionDate: '2024-6-10' }]),
        'INVALID_ARGUMENT',
        'execution date must be YYYY-MM-DD',
      );
      await expectStoreError(
        store.recordSplits([{ ...nvda, splitTo: 0 }]),
        'INVALID_ARGUMENT',
        'split_to must be a positive number, got 0',
      );
    });

    it('keeps one load cursor per symbol, timeframe and range: saved, moved forward, read back and cleared', async () => {
      const key = { symbol: 'CUR', timeframe: '1min' as const, from: '2020-01-02', to: '2024-12-31' };
      expect(await store.getLoadCursor(key)).toBeNull();
      await store.saveLoadCursor({
        ...key,
        cursor: 'https://api.massive.com/v2/aggs/ticker/CUR/range/1/minute/x?cursor=p2',
        pages: 1,
        bars: 50_000,
      });
      await store.saveLoadCursor({
        ...key,
        cursor: 'https://api.massive.com/v2/aggs/ticker/CUR/range/1/minute/x?cursor=p4',
        pages: 3,
        bars: 150_000,
      });
      // Another range of the same symbol and timeframe has a cursor of its own.
      const other = { ...key, from: '2025-01-02', to: '2025-01-31' };
      await store.saveLoadCursor({ ...other, cursor: 'c-other', pages: 1, bars: 7 });
      const saved = await store.getLoadCursor(key);
      expect(saved && { ...saved, updatedAt: 0 }).toEqual({
        ...key,
        cursor: 'https://api.massive.com/v2/aggs/ticker/CUR/range/1/minute/x?cursor=p4',
        pages: 3,
        bars: 150_000,
        updatedAt: 0,
      });
      expect(Math.abs((saved?.updatedAt ?? 0) - Date.now())).toBeLessThan(600_000);
      expect(await store.clearLoadCursor(key)).toBe(true);
      expect(await store.clearLoadCursor(key)).toBe(false);
      expect(await store.getLoadCursor(key)).toBeNull();
      expect((await store.getLoadCursor(other))?.cursor).toBe('c-other');
      await expectStoreError(
        store.saveLoadCursor({ ...key, cursor: '', pages: 1, bars: 0 }),
        'INVALID_ARGUMENT',
        'the cursor must be 1 to 4096 characters',
      );
      await expectStoreError(
        store.saveLoadCursor({ ...key, cursor: 'c', pages: 0, bars: 0 }),
        'INVALID_ARGUMENT',
        'pages must be a whole number of at least 1, got 0',
      );
      await expectStoreError(
        store.getLoadCursor({ ...key, from: '2024-13-01' }),
        'INVALID_ARGUMENT',
        'from must be YYYY-MM-DD, got "2024-13-01"',
      );
      await expectStoreError(
        store.getLoadCursor({ ...key, from: '2025-01-01', to: '2024-01-01' }),
        'INVALID_ARGUMENT',
        'from 2025-01-01 is after to 2024-01-01',
      );
    });

    it('keeps how far splits were checked, never moving it back', async () => {
      expect(await store.lastSplitCheck()).toBeNull();
      await store.recordSplitCheck('2025-06-20');
      await store.recordSplitCheck('2025-06-01');
      expect((await store.lastSplitCheck())?.checkedThrough).toBe('2025-06-20');
    });

    it('deletes the rows of a reloaded range the API no longer serves, and says when the earlier bars were written', async () => {
      await store.registerSymbol({ symbol: 'SPLT' });
      const day = (d: string) => ({ timestamp: Date.parse(`${d}T04:00:00Z`), open: 1, high: 2, low: 0.5, close: 1.5, volume: 10 });
      await store.upsertBars('daily', 'SPLT', [day('2025-06-09'), day('2025-06-10'), day('2025-06-11'), day('2025-06-12')]);
      const hour = (h: number) => ({
        timestamp: Date.parse('2025-06-10T13:00:00Z') + h * 3_600_000,
        open: 1,
        high: 2,
        low: 0.5,
        close: 1.5,
      });
      await store.upsertBars('hourly', 'SPLT', [hour(0), hour(1), hour(2)]);
      const beforeSplit = Date.parse('2025-06-11T04:00:00Z');
      const written = await store.earliestWriteBefore('daily', 'SPLT', beforeSplit);
      expect(written).toBeGreaterThan(Date.now() - 600_000);
      expect(await store.earliestWriteBefore('daily', 'SPLT', Date.parse('2025-06-09T04:00:00Z'))).toBeNull();
      // Dates 06-10..06-11 reloaded, 06-10 no longer served: only it goes (06-09 and 06-12 are outside the range).
      expect(await store.deleteBarsNotIn('daily', 'SPLT', { from: '2025-06-10', to: '2025-06-11' }, [day('2025-06-11').timestamp])).toBe(1);
      expect((await store.getBars('daily', 'SPLT')).map((x) => new Date(x.timestamp).toISOString().slice(0, 10))).toEqual([
        '2025-06-09',
        '2025-06-11',
        '2025-06-12',
      ]);
      const range = { from: hour(0).timestamp, to: hour(2).timestamp };
      expect(await store.deleteBarsNotIn('hourly', 'SPLT', range, [hour(0).timestamp, hour(2).timestamp])).toBe(1);
      expect((await store.getBars('hourly', 'SPLT')).map((x) => x.timestamp)).toEqual([hour(0).timestamp, hour(2).timestamp]);
    });
  });

  describe('time mapping (never the machine time zone)', () => {
    let b: TestBackend;
    let store: OhlcvStore;
    beforeAll(async () => {
      b = await createBackend();
      store = await b.open();
    });
    afterAll(async () => {
      await store?.close();
      await b?.dispose();
    });

    const dates = async (table: string, col: string, symbol: string) =>
      (await b.sql<{ d: string }>(`SELECT to_char(${col}, 'YYYY-MM-DD') AS d FROM ${table} WHERE symbol = $1 ORDER BY 1`, [symbol])).map(
        (r) => r.d,
      );

    it('keys day bars around the March and November DST changes on their New York date', async () => {
      // 2024-03-08 00:00 EST = 05:00Z; 2024-03-11 00:00 EDT = 04:00Z; 2024-11-01 00:00 EDT = 04:00Z; 2024-11-04 00:00 EST = 05:00Z
      const stamps = [Date.UTC(2024, 2, 8, 5), Date.UTC(2024, 2, 11, 4), Date.UTC(2024, 10, 1, 4), Date.UTC(2024, 10, 4, 5)];
      await store.upsertBars(
        'daily',
        'DST',
        stamps.map((timestamp) => ({ timestamp, open: 1, high: 1, low: 1, close: 1 })),
      );
      expect(await dates('ohlcv_daily', 'date', 'DST')).toEqual(['2024-03-08', '2024-03-11', '2024-11-01', '2024-11-04']);
      expect((await store.getBars('daily', 'DST')).map((x) => x.timestamp)).toEqual(stamps);
    });

    it('keys a grouped-daily bar stamped 16:00 New York on its trading date', async () => {
      await store.upsertBars('daily', 'GRP', [{ timestamp: newYorkTimeToUtcMs('2024-03-11', 16, 0), open: 2, high: 2, low: 2, close: 2 }]);
      expect(await dates('ohlcv_daily', 'date', 'GRP')).toEqual(['2024-03-11']);
    });

    it('keys weeks on the Sunday and months on the 1st across DST changes', async () => {
      // Sunday 2024-03-10 starts 00:00 EST (05:00Z), before the 02:00 jump; Sunday 2024-11-03 starts 00:00 EDT (04:00Z).
      await store.upsertBars('weekly', 'DSTW', [
        { timestamp: Date.UTC(2024, 2, 10, 5), open: 1, high: 1, low: 1, close: 1 },
        { timestamp: Date.UTC(2024, 10, 3, 4), open: 1, high: 1, low: 1, close: 1 },
      ]);
      expect(await dates('ohlcv_weekly', 'week_start', 'DSTW')).toEqual(['2024-03-10', '2024-11-03']);
      await store.upsertBars('monthly', 'DSTM', [
        { timestamp: Date.UTC(2024, 2, 1, 5), open: 1, high: 1, low: 1, close: 1 },
        { timestamp: Date.UTC(2024, 10, 1, 4), open: 1, high: 1, low: 1, close: 1 },
      ]);
      expect(await dates('ohlcv_monthly', 'month_start', 'DSTM')).toEqual(['2024-03-01', '2024-11-01']);
      expect((await store.getBars('weekly', 'DSTW')).map((x) => x.timestamp)).toEqual([Date.UTC(2024, 2, 10, 5), Date.UTC(2024, 10, 3, 4)]);
    });

    it('keeps the UTC instant of hourly bars through the spring-forward night', async () => {
      const stamps = [Date.UTC(2024, 2, 10, 6), Date.UTC(2024, 2, 10, 7), Date.UTC(2024, 2, 10, 8)]; // 01:00 EST, 03:00 EDT, 04:00 EDT
      await store.upsertBars(
        'hourly',
        'DSTH',
        stamps.map((timestamp) => ({ timestamp, open: 1, high: 1, low: 1, close: 1 })),
      );
      const utc = await b.sql<{ t: string }>(
        `SELECT to_char("timestamp" AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS t FROM ohlcv_hourly WHERE symbol = 'DSTH' ORDER BY 1`,
      );
      expect(utc.map((r) => r.t)).toEqual(['2024-03-10 06:00', '2024-03-10 07:00', '2024-03-10 08:00']);
      expect((await store.getBars('hourly', 'DSTH')).map((x) => x.timestamp)).toEqual(stamps);
    });

    it('keys forex day bars on the UTC date (they align to UTC days) and crypto day bars on the New York date', async () => {
      await store.upsertBars('daily', 'C:EURUSD', [
        { timestamp: Date.UTC(2024, 2, 8), open: 1.09, high: 1.095, low: 1.085, close: 1.0937 },
        { timestamp: Date.UTC(2024, 2, 11), open: 1.09, high: 1.095, low: 1.085, close: 1.0925 },
      ]);
      expect(await dates('ohlcv_daily', 'date', 'C:EURUSD')).toEqual(['2024-03-08', '2024-03-11']);
      expect((await store.getBars('daily', 'C:EURUSD')).map((x) => x.timestamp)).toEqual([Date.UTC(2024, 2, 8), Date.UTC(2024, 2, 11)]);
      await store.upsertBars('daily', 'X:BTCUSD', [
        { timestamp: newYorkMidnightUtcMs('2024-03-09'), open: 1, high: 1, low: 1, close: 1, volume: 0.25 },
        { timestamp: newYorkMidnightUtcMs('2024-03-10'), open: 1, high: 1, low: 1, close: 1, volume: 1.5 },
      ]);
      expect(await dates('ohlcv_daily', 'date', 'X:BTCUSD')).toEqual(['2024-03-09', '2024-03-10']);
      expect((await store.getBars('daily', 'X:BTCUSD')).map((x) => [x.timestamp, x.volume])).toEqual([
        [newYorkMidnightUtcMs('2024-03-09'), 0.25],
        [newYorkMidnightUtcMs('2024-03-10'), 1.5],
      ]);
    });
  });

  describe('stats and gaps against the trading calendar', () => {
    let b: TestBackend;
    let store: OhlcvStore;
    beforeAll(async () => {
      b = await createBackend();
      store = await b.open({ timeframes: ['hourly', 'daily', 'weekly', 'monthly'] });
    });
    afterAll(async () => {
      await store?.close();
      await b?.dispose();
    });

    it('finds missing trading days of a daily series (Good Friday and weekends are not gaps)', async () => {
      const holes = new Set(['2024-03-06', '2024-03-13', '2024-03-14', '2024-03-15', '2024-03-28', '2024-04-01']);
      const { nyseCalendar } = await import('@tickstock/market-time');
      const days = nyseCalendar.tradingDays('2024-03-01', '2024-04-12').filter((d) => !holes.has(d));
      await store.upsertBars(
        'daily',
        'HOLES',
        days.map((d) => dayBar(d)),
      );
      await b.sql(`UPDATE ohlcv_daily SET high = low - 1 WHERE symbol = 'HOLES' AND date = '2024-03-07'`);
      const stats = await store.symbolStats('HOLES', 'daily');
      expect(stats).toEqual({
        symbol: 'HOLES',
        timeframe: 'daily',
        records: 24,
        firstDate: '2024-03-01',
        lastDate: '2024-04-12',
        firstTimestamp: newYorkMidnightUtcMs('2024-03-01'),
        lastTimestamp: newYorkMidnightUtcMs('2024-04-12'),
        validRecords: 23,
        validationRate: 23 / 24,
        calendar: 'nyse',
        expectedPeriods: 30,
        missingPeriods: 6,
        gaps: [
          { from: '2024-03-06', to: '2024-03-06', missing: 1 },
          { from: '2024-03-13', to: '2024-03-15', missing: 3 },
          { from: '2024-03-28', to: '2024-04-01', missing: 2 },
        ],
      });
      const wider = await store.symbolStats('HOLES', 'daily', { from: '2024-02-28', to: '2024-04-15' });
      expect(wider.gaps[0]).toEqual({ from: '2024-02-28', to: '2024-02-29', missing: 2 });
      expect(wider.gaps.at(-1)).toEqual({ from: '2024-04-15', to: '2024-04-15', missing: 1 });
    });

    it('finds missing Sunday weeks and missing months', async () => {
      const weeks: string[] = [];
      for (let t = Date.UTC(2024, 0, 7); t <= Date.UTC(2024, 2, 31); t += 7 * 86_400_000)
        weeks.push(new Date(t).toISOString().slice(0, 10));
      await store.upsertBars(
        'weekly',
        'WK',
        weeks.filter((w) => w !== '2024-02-04' && w !== '2024-02-11').map((w) => dayBar(w)),
      );
      const w = await store.symbolStats('WK', 'weekly');
      expect(w).toMatchObject({
        records: 11,
        expectedPeriods: 13,
        missingPeriods: 2,
        gaps: [{ from: '2024-02-04', to: '2024-02-11', missing: 2 }],
      });
      const months = ['01', '02', '03', '04', '06', '07', '08', '09', '10', '11', '12'].map((m) => `2023-${m}-01`);
      await store.upsertBars(
        'monthly',
        'MO',
        months.map((m) => dayBar(m)),
      );
      const m = await store.symbolStats('MO', 'monthly');
      expect(m).toMatchObject({
        records: 11,
        firstDate: '2023-01-01',
        lastDate: '2023-12-01',
        expectedPeriods: 12,
        gaps: [{ from: '2023-05-01', to: '2023-05-01', missing: 1 }],
      });
    });

    it('finds trading days without any hourly bar (pre-market and after-hours bars count for their New York date)', async () => {
      const bars = ['2024-07-01', '2024-07-02', '2024-07-03', '2024-07-08'].flatMap((d) => [hourBar(d, 4), hourBar(d, 19)]);
      await store.upsertBars('hourly', 'HR', bars);
      const s = await store.symbolStats('HR', 'hourly');
      expect(s).toMatchObject({
        records: 8,
        firstDate: '2024-07-01',
        lastDate: '2024-07-08',
        firstTimestamp: Date.UTC(2024, 6, 1, 8),
        lastTimestamp: Date.UTC(2024, 6, 8, 23),
        expectedPeriods: 5,
        gaps: [{ from: '2024-07-05', to: '2024-07-05', missing: 1 }],
      });
    });

    it('measures crypto series against every calendar day', async () => {
      const days = ['2024-03-01', '2024-03-02', '2024-03-05', '2024-03-06'];
      await store.upsertBars(
        'daily',
        'X:ETHUSD',
        days.map((d) => dayBar(d)),
      );
      const s = await store.symbolStats('X:ETHUSD', 'daily');
      expect(s).toMatchObject({ calendar: 'crypto', expectedPeriods: 6, gaps: [{ from: '2024-03-03', to: '2024-03-04', missing: 2 }] });
    });

    it('measures forex series against the forex calendar (UTC days, Sunday evening included, Saturday not)', async () => {
      await store.upsertBars('daily', 'C:GBPUSD', [
        { timestamp: Date.UTC(2024, 2, 8), open: 1.27, high: 1.28, low: 1.26, close: 1.27512, volume: 10, transactions: 10 },
        { timestamp: Date.UTC(2024, 2, 11), open: 1.28, high: 1.29, low: 1.27, close: 1.28105, volume: 10, transactions: 10 },
      ]);
      const s = await store.symbolStats('C:GBPUSD', 'daily');
      expect(s).toMatchObject({ calendar: 'forex', expectedPeriods: 3, gaps: [{ from: '2024-03-10', to: '2024-03-10', missing: 1 }] });
    });

    it('reports an empty series with null dates and no gaps', async () => {
      expect(await store.symbolStats('EMPTY', 'daily')).toMatchObject({ records: 0, firstDate: null, validationRate: null, gaps: [] });
    });
  });

  describe('on an existing TickStock install', () => {
    let b: TestBackend;
    beforeAll(async () => {
      b = await createBackend();
      for (const sql of EXISTING_INSTALL_SQL) await b.sql(sql);
    });
    afterAll(async () => {
      await b?.dispose();
    });

    it('adds the missing tables and the columns symbols lacks, leaves bar tables untouched, and writes within their precision', async () => {
      const existing = `'ohlcv_1min','ohlcv_hourly','ohlcv_daily','ohlcv_weekly','ohlcv_monthly'`;
      const colsBefore = await columnsOf(b, existing);
      const idxBefore = await indexesOf(b, `${existing},'symbols'`);
      const symbolsBefore = await tableShape(b, 'symbols');
      const store = await b.open();
      try {
        expect(store.migrations?.applied).toEqual([1, 2, 3, 4, 5, 6, 7]);
        expect(await columnsOf(b, existing)).toEqual(colsBefore);
        expect(await indexesOf(b, `${existing},'symbols'`)).toEqual(idxBefore);
        // symbols keeps every column as it was (never retyped) and gains the ones the store writes and the app selects.
        const symbolsAfter = await tableShape(b, 'symbols');
        expect(symbolsAfter.filter((c) => symbolsBefore.includes(c))).toEqual(symbolsBefore);
        expect(symbolsAfter.filter((c) => !symbolsBefore.includes(c))).toEqual(
          [
            'cik text',
            'composite_figi text',
            'currency_name text',
            'currency_symbol text',
            'industry text',
            'issuer text',
            'list_date date',
            'locale text',
            'market text',
            'market_cap numeric',
            'sector text',
            'share_class_figi text',
            'sic_code text',
            'sic_description text',
            'underlying_index text',
            'weighted_shares_outstanding numeric',
            'last_updated_utc timestamp with time zone',
          ].sort(),
        );
        expect(store.migrations?.notes).toContain('added column symbols.last_updated_utc TIMESTAMPTZ');
        const [details] = await b.sql<Record<string, unknown>>(GET_SYMBOL_DETAILS_SQL.replace(':symbol', '$1'), ['NONE']);
        expect(details).toBeUndefined(); // the app's SELECT runs (no row yet)
        const created = await b.sql<{ t: string }>(
          `SELECT table_name AS t FROM information_schema.tables WHERE table_schema = current_schema() AND table_name IN ('processing_progress','processing_runs','symbol_processing_status','tracked_symbols') ORDER BY 1`,
        );
        expect(created.map((r) => r.t)).toEqual(['processing_progress', 'processing_runs', 'symbol_processing_status', 'tracked_symbols']);
        expect(store.schema.bars.daily).toMatchObject({ hasCreatedAt: true, hasUpdatedAt: false, hasVwap: false, volumeIsInteger: true });
        expect(store.schema.bars.hourly).toMatchObject({ hasCreatedAt: false, volumeIsInteger: true, volumeRequired: false });
        expect(store.schema.bars['1min']).toMatchObject({ volumeRequired: true });

        const reg = await store.registerSymbol({ symbol: 'AAPL', name: 'Apple Inc.', sector: 'Technology', exchange: 'XNAS' });
        expect(reg.ignoredFields).toEqual([]);
        const bar = {
          timestamp: newYorkMidnightUtcMs('2024-03-11'),
          open: 123.456789,
          high: 124.00005,
          low: 122.99994,
          close: 123.5,
          volume: 1234.5,
          vwap: 123.4,
        };
        expect(await store.upsertBars('daily', 'AAPL', [bar])).toMatchObject({ inserted: 1 });
        const rows = await b.sql(
          `SELECT to_char(date, 'YYYY-MM-DD') AS date, open::text, high::text, low::text, close::text, volume::text, created_at IS NOT NULL AS stamped FROM ohlcv_daily`,
        );
        expect(rows).toEqual([
          { date: '2024-03-11', open: '123.4568', high: '124.0001', low: '122.9999', close: '123.5000', volume: '1235', stamped: true },
        ]);
        expect(await store.upsertBars('daily', 'AAPL', [bar])).toMatchObject({ inserted: 0, updated: 0, unchanged: 1 });
        expect(await store.getBars('daily', 'AAPL')).toEqual([
          { timestamp: bar.timestamp, open: 123.4568, high: 124.0001, low: 122.9999, close: 123.5, volume: 1235 },
        ]);

        await store.upsertBars('1min', 'I:SPX', [
          { timestamp: Date.UTC(2024, 2, 11, 14, 30), open: 5100, high: 5101, low: 5099, close: 5100.5 },
        ]);
        const spx = await b.sql(`SELECT volume::text FROM ohlcv_1min WHERE symbol = 'I:SPX'`);
        expect(spx).toEqual([{ volume: '0' }]);
        expect(await store.upsertBars('weekly', 'AAPL', [dayBar('2024-03-10')])).toMatchObject({ inserted: 1 });
        expect(await store.upsertBars('monthly', 'AAPL', [dayBar('2024-03-01')])).toMatchObject({ inserted: 1 });
      } finally {
        await store.close();
      }
    });
  });

  describe('schema problems fail fast, naming the table and column', () => {
    let b: TestBackend;
    beforeAll(async () => {
      b = await createBackend();
      await b.sql(`CREATE TABLE symbols (symbol VARCHAR(20) PRIMARY KEY)`);
      await b.sql(
        `CREATE TABLE ohlcv_daily (symbol VARCHAR(20), date DATE, open NUMERIC, high NUMERIC, low NUMERIC, close NUMERIC, volume BIGINT, PRIMARY KEY (symbol, date))`,
      );
      await b.sql(
        `CREATE TABLE ohlcv_weekly (symbol VARCHAR(20), week_ending DATE, open NUMERIC, high NUMERIC, low NUMERIC, close NUMERIC, volume BIGINT, PRIMARY KEY (symbol, week_ending))`,
      );
      await b.sql(
        `CREATE TABLE ohlcv_monthly (symbol VARCHAR(20), month_start DATE, open NUMERIC, high NUMERIC, low NUMERIC, close NUMERIC, volume BIGINT)`,
      );
    });
    afterAll(async () => {
      await b?.dispose();
    });

    it('a missing table, told not to migrate a database the store never migrated: MIGRATION_REQUIRED', async () => {
      const e = await expectStoreError(
        b.open({ migrate: false, timeframes: ['daily', 'hourly'] }),
        'MIGRATION_REQUIRED',
        '"ohlcv_hourly"',
        'hourly',
        'run `tickstock migrate` as the schema owner',
      );
      expect((e as Error & { table?: string }).table).toBe('ohlcv_hourly');
    });

    it('the outdated week_ending instead of week_start', async () => {
      const e = await expectStoreError(
        b.open({ migrate: false, timeframes: ['weekly'] }),
        'SCHEMA_MISSING_COLUMN',
        '"ohlcv_weekly"',
        '"week_start"',
        'week_ending',
      );
      expect(e).toMatchObject({ table: 'ohlcv_weekly', column: 'week_start' });
    });

    it('a table without a key on (symbol, time)', async () => {
      await expectStoreError(b.open({ migrate: false, timeframes: ['monthly'] }), 'SCHEMA_MISSING_KEY', '"ohlcv_monthly"', 'month_start');
    });

    it('opens with only the usable timeframes, and refuses the others', async () => {
      const store = await b.open({ migrate: false, timeframes: ['daily'] });
      try {
        expect(store.migrations).toBeNull();
        await expectStoreError(store.upsertBars('weekly', 'AAPL', [dayBar('2024-03-10')]), 'SCHEMA_MISSING_TABLE', 'ohlcv_weekly');
        expect(await store.upsertBars('daily', 'AAPL', [dayBar('2024-03-11')])).toMatchObject({ inserted: 1 });
      } finally {
        await store.close();
      }
    });
  });

  describe("where the app's processing_runs came first (the app creates it at every start)", () => {
    let b: TestBackend;
    beforeAll(async () => {
      b = await createBackend();
      for (const sql of APP_PROCESSING_RUNS_DDL) await b.sql(sql);
      // A run the app recorded itself (processing_event_subscriber.py _save_processing_run).
      await b.sql(APP_SAVE_RUN_SQL, ['app_daily_1', 'automatic', 'running', 'scheduled', await dbNow(b), 500, '{}']);
    });
    afterAll(async () => {
      await b?.dispose();
    });

    it('migrates without touching its definition; our runs go in its columns and its history query returns them', async () => {
      const reference = await createAppReference(b);
      const store = await b.open();
      try {
        expect(store.migrations?.applied).toEqual([1, 2, 3, 4, 5, 6, 7]);
        expect(await tableShape(b, 'processing_runs')).toEqual(await tableShape(b, reference));
        expect(await indexShape(b, 'processing_runs')).toEqual(await indexShape(b, reference));
        const startedAt = Date.now() - 120_000;
        const run = {
          runId: 'import_app_first',
          phase: 'data_import',
          kind: 'data_import',
          status: 'running',
          triggerType: 'manual',
          params: { universes: ['dow30'] },
          recordsImported: 0,
          message: 'loading 30 symbols',
          retryCount: 0,
          symbolsTotal: 30,
          startedAt,
          completedAt: null,
        };
        await store.saveRun(run);
        await store.saveRun({
          ...run,
          status: 'success',
          phase: 'completed',
          recordsImported: 900,
          symbolsProcessed: 30,
          message: 'completed: 30 of 30 symbols loaded',
          completedAt: startedAt + 61_400,
        });
        // Mirrors processing_event_subscriber.py get_processing_history (days=7, limit=20), run as the app runs it.
        const history = await b.sql<Record<string, unknown>>(appHistorySql(7, 20));
        expect(history.map((r) => r.run_id)).toEqual(['app_daily_1', 'import_app_first']);
        const ours = history.find((r) => r.run_id === 'import_app_first');
        expect(ours).toMatchObject({
          trigger_type: 'manual',
          status: 'success',
          phase: 'completed',
          duration_seconds: 61,
          symbols_total: 30,
          symbols_processed: 30,
          symbols_failed: 0,
          error_message: null,
        });
        expect(Object.keys(ours ?? {})).toEqual([
          'run_id',
          'trigger_type',
          'status',
          'phase',
          'start_time',
          'end_time',
          'duration_seconds',
          'symbols_total',
          'symbols_processed',
          'symbols_failed',
          'error_message',
        ]);
        expect(await store.getRun('import_app_first')).toMatchObject({
          kind: 'data_import',
          recordsImported: 900,
          params: { universes: ['dow30'] },
        });
        // The app's own row is read, never taken for ours.
        expect(await store.getRun('app_daily_1')).toMatchObject({ kind: null, status: 'running', phase: 'scheduled', symbolsTotal: 500 });
        expect(await store.settleRuns({ kind: 'data_import', status: 'running', to: 'failed', message: 'x' })).toEqual([]);
        // The app keeps writing its rows as before.
        await b.sql(APP_SAVE_RUN_SQL, ['app_daily_2', 'manual', 'running', 'scheduled', await dbNow(b), 10, '{}']);
        expect((await b.sql(appHistorySql(7, 20))).length).toBe(3);
      } finally {
        await store.close();
        await b.sql(`DROP TABLE ${reference}`);
      }
    });
  });

  describe('where our first processing_runs (migration 4) holds runs', () => {
    let b: TestBackend;
    beforeAll(async () => {
      b = await createBackend();
      // An install made by the previous release: migrations 1-4 applied and recorded, a finished and a dead run.
      await b.sql(SYMBOLS_DDL);
      for (const tf of TIMEFRAMES) await b.sql(barTableDdl(tf));
      for (const sql of [PROCESSING_PROGRESS_DDL, SYMBOL_PROCESSING_STATUS_DDL, TRACKED_SYMBOLS_DDL, PROCESSING_RUNS_DDL]) await b.sql(sql);
      await b.sql(
        'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())',
      );
      await b.sql(`INSERT INTO schema_migrations (version, name) VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd')`);
      await b.sql(
        `INSERT INTO symbol_processing_status (run_id, phase, symbol, status) VALUES
           ('import_old_done', 'data_import', 'AAPL', 'completed'), ('import_old_done', 'data_import', 'MSFT', 'completed')`,
      );
      await b.sql(
        `INSERT INTO processing_runs (run_id, phase, status, params, records_imported, message, retry_count, started_at, completed_at)
         VALUES ('import_old_done', 'data_import', 'completed', '{"origin": "schedule", "symbols_total": 2}', 40, 'completed: 2 of 2', 0, now() - interval '2 hours', now() - interval '1 hour'),
                ('import_old_dead', 'data_import', 'running', '{"origin": "api"}', 5, 'loading 2 symbols', 0, now() - interval '30 minutes', NULL)`,
      );
    });
    afterAll(async () => {
      await b?.dispose();
    });

    it("adds the app's columns (never dropping or retyping ours); old rows stay readable and settleable; new writes fill both", async () => {
      const before = await tableShape(b, 'processing_runs');
      const store = await b.open();
      try {
        expect(store.migrations?.applied).toEqual([5, 6, 7]);
        const after = await tableShape(b, 'processing_runs');
        expect(after.filter((c) => before.includes(c))).toEqual(before);
        expect(after.filter((c) => !before.includes(c))).toEqual(
          [
            'trigger_type character varying(32)',
            'duration_seconds integer',
            'symbols_total integer DEFAULT 0',
            'symbols_processed integer DEFAULT 0',
            'symbols_failed integer DEFAULT 0',
            'indicators_total integer DEFAULT 0',
            'indicators_processed integer DEFAULT 0',
            'indicators_failed integer DEFAULT 0',
            'error_message text',
            'metadata jsonb',
            'created_at timestamp without time zone DEFAULT now()',
          ].sort(),
        );
        expect((await indexShape(b, 'processing_runs')).filter((d) => d.includes('idx_T'))).toHaveLength(2);
        expect(store.migrations?.notes).toContain("described 2 earlier runs in the app's columns");
        // Described as new runs are: the app's words and columns, metadata; its own columns kept as they were.
        expect(await store.getRun('import_old_done')).toMatchObject({
          kind: 'data_import',
          status: 'success',
          phase: 'completed',
          triggerType: 'automatic',
          durationSeconds: 3600,
          symbolsTotal: 2,
          symbolsProcessed: 2,
          symbolsFailed: 0,
          errorMessage: null,
          params: { origin: 'schedule', symbols_total: 2 },
          recordsImported: 40,
          message: 'completed: 2 of 2',
        });
        const [kept] = await b.sql<Record<string, unknown>>(
          `SELECT params::text AS params, records_imported::int AS records, message FROM processing_runs WHERE run_id = 'import_old_done'`,
        );
        expect(kept).toEqual({ params: '{"origin": "schedule", "symbols_total": 2}', records: 40, message: 'completed: 2 of 2' });
        expect(
          await store.settleRuns({ kind: 'data_import', status: 'running', to: 'failed', toPhase: 'error', message: 'interrupted' }),
        ).toEqual(['import_old_dead']);
        expect(await store.getRun('import_old_dead')).toMatchObject({
          status: 'failed',
          phase: 'error',
          message: 'interrupted',
          errorMessage: 'interrupted',
        });
        await store.saveRun({
          runId: 'import_new',
          phase: 'data_import',
          status: 'running',
          triggerType: 'automatic',
          params: { universes: ['tracked'] },
          recordsImported: 12,
          message: 'loading',
          retryCount: 2,
          startedAt: Date.now(),
          completedAt: null,
        });
        const [legacy] = await b.sql<Record<string, unknown>>(
          `SELECT params::text AS params, records_imported::int AS records, retry_count, message, metadata->>'kind' AS kind, trigger_type FROM processing_runs WHERE run_id = 'import_new'`,
        );
        expect({ ...legacy, params: JSON.parse(String(legacy?.params)) }).toEqual({
          params: { universes: ['tracked'] },
          records: 12,
          retry_count: 2,
          message: 'loading',
          kind: 'data_import',
          trigger_type: 'automatic',
        });
        // The app's history query and its own insert work on this table now.
        expect((await b.sql(appHistorySql(7, 20))).map((r) => r.run_id)).toEqual(['import_new', 'import_old_dead', 'import_old_done']);
        await b.sql(APP_SAVE_RUN_SQL, ['app_daily_1', 'automatic', 'running', 'scheduled', await dbNow(b), 500, '{}']);
        expect(await store.listRuns({ kind: 'data_import', limit: 10 })).toHaveLength(3);
      } finally {
        await store.close();
      }
    });
  });

  describe('a symbols table with narrower types than ours (as legacy app writers made it)', () => {
    let b: TestBackend;
    beforeAll(async () => {
      b = await createBackend();
      await b.sql(
        `CREATE TABLE symbols (symbol VARCHAR(10) PRIMARY KEY, name VARCHAR(12), currency_name VARCHAR(3), market_cap BIGINT,
           weighted_shares_outstanding BIGINT, last_updated_utc TIMESTAMP, last_updated TIMESTAMP DEFAULT CURRENT_TIMESTAMP)`,
      );
    });
    afterAll(async () => {
      await b?.dispose();
    });

    it('keeps its types; a long detail is cut to fit and a fractional number rounded for an integer column, never failing the load', async () => {
      const store = await b.open();
      try {
        await store.registerSymbol({
          symbol: 'AAPL',
          name: 'Apple Inc. Common Stock',
          currencyName: 'usd dollars',
          marketCap: 2_771_126_040_150.6,
          weightedSharesOutstanding: 15_204_137_000,
          lastUpdatedUtc: Date.UTC(2024, 0, 5, 12),
        });
        const [row] = await b.sql<Record<string, unknown>>(
          `SELECT name, currency_name, market_cap::text AS cap, weighted_shares_outstanding::text AS shares, to_char(last_updated_utc, 'YYYY-MM-DD HH24:MI') AS utc
             FROM symbols WHERE symbol = 'AAPL'`,
        );
        expect(row).toEqual({
          name: 'Apple Inc. C',
          currency_name: 'usd',
          cap: '2771126040151',
          shares: '15204137000',
          utc: '2024-01-05 12:00',
        });
        expect(await tableShape(b, 'symbols')).toContain('market_cap bigint');
      } finally {
        await store.close();
      }
    });
  });

  describe('migrate fails at once, naming every table and column, when an existing table cannot take our writes', () => {
    let b: TestBackend;
    beforeEach(async () => {
      b = await createBackend();
    });
    afterEach(async () => {
      await b?.dispose();
    });

    it('incompatible types and a NOT NULL column the store never writes: nothing is altered', async () => {
      await b.sql(`CREATE TABLE symbols (symbol VARCHAR(20) PRIMARY KEY, name TEXT, last_updated_utc TEXT)`);
      await b.sql(
        `CREATE TABLE processing_runs (run_id VARCHAR(64) PRIMARY KEY, status VARCHAR(32), phase VARCHAR(64), started_at TEXT, owner TEXT NOT NULL)`,
      );
      const before = [...(await tableShape(b, 'symbols')), ...(await tableShape(b, 'processing_runs'))];
      const e = await expectStoreError(
        b.open(),
        'SCHEMA_UNSUPPORTED_TYPE',
        '"processing_runs"."started_at" has type text; expected timestamp or timestamptz',
        '"processing_runs"."owner" is NOT NULL without a default',
        '"symbols"."last_updated_utc" has type text; expected timestamp or timestamptz',
      );
      expect(e).toMatchObject({ table: 'symbols', column: 'last_updated_utc' });
      expect([...(await tableShape(b, 'symbols')), ...(await tableShape(b, 'processing_runs'))]).toEqual(before);
    });

    it('a processing_runs without a key on run_id, or with a run_id too short for our run ids', async () => {
      await b.sql(`CREATE TABLE processing_runs (run_id VARCHAR(64), status VARCHAR(32), phase VARCHAR(64))`);
      await expectStoreError(b.open(), 'SCHEMA_MISSING_KEY', '"processing_runs" has no primary key or unique index on (run_id)');
      await b.sql('DROP TABLE processing_runs');
      await b.sql(`CREATE TABLE processing_runs (run_id VARCHAR(16) PRIMARY KEY)`);
      await expectStoreError(b.open(), 'SCHEMA_UNSUPPORTED_TYPE', '"processing_runs"."run_id" holds at most 16 characters');
    });
  });
}
