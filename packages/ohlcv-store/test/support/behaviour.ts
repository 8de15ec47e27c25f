/**
 * The store's behaviour, run against every driver (real PostgreSQL 15 and PGlite): the same calls must leave the same
 * rows and return the same values. Files that call this are `*.tz.test.ts`, so it also runs under
 * TZ=America/Los_Angeles and TZ=Asia/Tokyo.
 */
import { type Bar, newYorkMidnightUtcMs, newYorkTimeToUtcMs } from '@tickstock/massive-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isStoreError, type OhlcvStore, type SymbolBar, type Timeframe } from '../../src/index.js';
import type { TestBackend } from './backends.js';
import { dayBar, hourBar, minuteBars } from './bars.js';

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

const TABLE_LIST = `'symbols','ohlcv_1min','ohlcv_hourly','ohlcv_daily','ohlcv_weekly','ohlcv_monthly','processing_progress','symbol_processing_status','tracked_symbols','processing_runs','schema_migrations'`;

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

    it('applies migrations 1-4 once; a second open applies none and changes nothing', async () => {
      expect(store.migrations?.applied).toEqual([1, 2, 3, 4]);
      const before = await columnsOf(b, TABLE_LIST);
      const again = await b.open();
      expect(again.migrations?.applied).toEqual([]);
      expect(again.migrations?.version).toBe(4);
      await again.close();
      expect(await columnsOf(b, TABLE_LIST)).toEqual(before);
      const versions = await b.sql<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version');
      expect(versions.map((v) => v.version)).toEqual([1, 2, 3, 4]);
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

    it('saves a run and reads it back; a second save replaces it', async () => {
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
      expect(first && { ...first, updatedAt: 0 }).toEqual({ ...run, updatedAt: 0 });
      await store.saveRun({ ...run, status: 'completed', recordsImported: 7_500, retryCount: 1, completedAt: startedAt + 90_000 });
      expect(await store.getRun(run.runId)).toMatchObject({
        status: 'completed',
        recordsImported: 7_500,
        retryCount: 1,
        completedAt: startedAt + 90_000,
      });
      expect(await store.getRun('no-such-run')).toBeNull();
      await expectStoreError(store.saveRun({ ...run, status: '' }), 'INVALID_ARGUMENT', 'status');
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
      const { nyseCalendar } = await import('@tickstock/massive-client/calendar');
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

    it('adds only the missing tables, leaves existing ones untouched, and writes within their precision', async () => {
      const existing = `'symbols','ohlcv_1min','ohlcv_hourly','ohlcv_daily','ohlcv_weekly','ohlcv_monthly'`;
      const colsBefore = await columnsOf(b, existing);
      const idxBefore = await indexesOf(b, existing);
      const store = await b.open();
      try {
        expect(store.migrations?.applied).toEqual([1, 2, 3, 4]);
        expect(await columnsOf(b, existing)).toEqual(colsBefore);
        expect(await indexesOf(b, existing)).toEqual(idxBefore);
        const created = await b.sql<{ t: string }>(
          `SELECT table_name AS t FROM information_schema.tables WHERE table_schema = current_schema() AND table_name IN ('processing_progress','processing_runs','symbol_processing_status','tracked_symbols') ORDER BY 1`,
        );
        expect(created.map((r) => r.t)).toEqual(['processing_progress', 'processing_runs', 'symbol_processing_status', 'tracked_symbols']);
        expect(store.schema.bars.daily).toMatchObject({ hasCreatedAt: true, hasUpdatedAt: false, hasVwap: false, volumeIsInteger: true });
        expect(store.schema.bars.hourly).toMatchObject({ hasCreatedAt: false, volumeIsInteger: true, volumeRequired: false });
        expect(store.schema.bars['1min']).toMatchObject({ volumeRequired: true });

        const reg = await store.registerSymbol({ symbol: 'AAPL', name: 'Apple Inc.', sector: 'Technology', exchange: 'XNAS' });
        expect(reg.ignoredFields).toEqual(['sector']);
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

    it('a missing table', async () => {
      const e = await expectStoreError(
        b.open({ migrate: false, timeframes: ['daily', 'hourly'] }),
        'SCHEMA_MISSING_TABLE',
        '"ohlcv_hourly"',
        'hourly',
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
}
