/** The store: one object per database, composing migrations, discovery, writes, reads, stats and progress. */

import type { Bar, CivilDate } from '@tickstock/market-time';
import { deleteBarsNotIn } from './bars/delete.js';
import { type BarExtent, type GetBarsOptions, readBarExtent, readBars, readEarliestWriteBefore, readLatestBarTime } from './bars/read.js';
import type { UpsertReport } from './bars/report.js';
import {
  type BarPageRows,
  type SymbolBar,
  type UpsertOptions,
  type UpsertPagesOptions,
  type WriterContext,
  writeManyBars,
  writeSymbolBarPages,
  writeSymbolBars,
} from './bars/upsert.js';
import { openConnection } from './connection.js';
import type { Driver } from './drivers/driver.js';
import { StoreError, storageFailed } from './errors.js';
import { DEFAULTS, type OpenStoreOptions } from './options.js';
import { deleteLoadCursor, type LoadCursor, type LoadCursorKey, readLoadCursor, writeLoadCursor } from './progress/load-cursors.js';
import {
  type ProgressRow,
  type ProgressUpdate,
  readProgress,
  readSymbolStatuses,
  type SymbolStatusRow,
  type SymbolStatusUpdate,
  writeProgress,
  writeSymbolStatus,
  writeSymbolStatuses,
} from './progress/progress.js';
import { type ListRuns, listRuns, type RunRecord, type RunRow, readRun, type SettleRuns, settleRuns, writeRun } from './progress/runs.js';
import { type BarTableSchema, discoverSchema, type StoreSchema } from './schema/discover.js';
import type { MigrationReport } from './schema/migrate.js';
import { prepareSchema } from './schema/open-schema.js';
import { readSymbolStats, type SymbolStats, type SymbolStatsOptions } from './stats/symbol-stats.js';
import { type RegisterSymbolsResult, readSymbol, registerSymbols, type SymbolMeta } from './symbols/register.js';
import {
  type NewSplit,
  type ReadSplits,
  readSplitCheck,
  readSplits,
  type SplitCheck,
  type StoredSplit,
  writeReadjusted,
  writeSplitCheck,
  writeSplits,
} from './symbols/splits.js';
import {
  type BackfillStatus,
  readTracked,
  type TrackedAssetClass,
  type TrackedSymbol,
  writeBackfillStatus,
  writeTracked,
} from './symbols/tracked.js';
import { type Timeframe, timeframeSpec } from './timeframes.js';

/** OHLCV storage on PostgreSQL (TimescaleDB where installed) or embedded PGlite. Create with {@link openStore}. */
export class OhlcvStore {
  private closed = false;
  private readonly knownSymbols = new Set<string>();

  /** @internal Use {@link openStore}. */
  constructor(
    private readonly driver: Driver,
    private schemaState: StoreSchema,
    private readonly settings: Required<Pick<OpenStoreOptions, 'batchSize' | 'onInvalid' | 'registerMissingSymbols' | 'timeframes'>>,
    private readonly secrets: string[],
    /** What migrations did when the store was opened (null when opened with `migrate: false`). */
    readonly migrations: MigrationReport | null,
  ) {}

  /** `postgres` or `pglite`. */
  get kind(): Driver['kind'] {
    return this.driver.kind;
  }

  /** Where the data is, without credentials (e.g. `postgres://tickstock@db:5432/tickstock`, `embedded:/path`). */
  get target(): string {
    return this.driver.target;
  }

  /** The schema discovered on open (tables, time columns, optional columns present). */
  get schema(): StoreSchema {
    return this.schemaState;
  }

  /** Reads the schema again (after another process altered it). */
  async refreshSchema(): Promise<StoreSchema> {
    this.assertOpen();
    this.schemaState = await discoverSchema(this.driver, this.settings.timeframes);
    return this.schemaState;
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError('STORE_CLOSED', `the store for ${this.driver.target} is closed`);
  }

  private table(timeframe: Timeframe): BarTableSchema {
    this.assertOpen();
    const spec = timeframeSpec(timeframe);
    const t = this.schemaState.bars[timeframe];
    if (!t) {
      throw new StoreError(
        'SCHEMA_MISSING_TABLE',
        `timeframe ${timeframe} (table "${spec.table}") was not opened: add it to openStore({ timeframes })`,
        { table: spec.table },
      );
    }
    return t;
  }

  private writer(timeframe: Timeframe, options: UpsertOptions): WriterContext {
    const batchSize = options.batchSize ?? this.settings.batchSize;
    if (!Number.isSafeInteger(batchSize) || batchSize < 1)
      throw new StoreError('INVALID_ARGUMENT', `batchSize must be a positive whole number, got ${batchSize}`);
    return {
      driver: this.driver,
      schema: this.table(timeframe),
      symbolMaxLength: this.schemaState.symbols.symbolMaxLength,
      knownSymbols: this.knownSymbols,
      secrets: this.secrets,
      batchSize,
      onInvalid: options.onInvalid ?? this.settings.onInvalid,
      registerMissingSymbols: options.registerMissingSymbols ?? this.settings.registerMissingSymbols,
    };
  }

  private async run<T>(what: string, fn: () => Promise<T>, table?: string): Promise<T> {
    this.assertOpen();
    try {
      return await fn();
    } catch (e) {
      throw storageFailed(what, e, this.secrets, table);
    }
  }

  /**
   * Upserts one symbol's bars (an array, any iterable, or an AsyncIterable streamed in bounded batches). Idempotent:
   * the same bars twice leave the same rows; a revised bar replaces the stored values. Invalid bars are rejected and
   * counted per reason, never written.
   */
  async upsertBars(
    timeframe: Timeframe,
    symbol: string,
    bars: Iterable<Bar> | AsyncIterable<Bar>,
    options: UpsertOptions = {},
  ): Promise<UpsertReport> {
    return writeSymbolBars(this.writer(timeframe, options), symbol, bars);
  }

  /**
   * Upserts one symbol's bars given page by page, in order: each page an array of bars or the same bars as
   * `BarColumns` (a client's pages: `for await (const page of pages)` hands over `page.columns`, copied straight into
   * the write buffer with no `Bar` built, or `page.bars`); same guarantees, validation and report as
   * {@link upsertBars}, with one await per page instead of one per bar. Positions in `rejectedSamples` and errors
   * count across the pages.
   *
   * `onPageStored(index)` is called, in order, once every row of array `index` (0-based) is committed: where a paged
   * load saves its cursor ({@link saveLoadCursor}). A page's last batch is written while the next page is fetched;
   * a failure of the callback fails the call like a failed batch.
   */
  async upsertBarPages(
    timeframe: Timeframe,
    symbol: string,
    pages: Iterable<BarPageRows> | AsyncIterable<BarPageRows>,
    options: UpsertPagesOptions = {},
  ): Promise<UpsertReport> {
    return writeSymbolBarPages(this.writer(timeframe, options), symbol, pages, options.onPageStored);
  }

  /** Upserts bars of many symbols, each bar carrying its `symbol`; same guarantees as {@link upsertBars}. */
  async upsertManyBars(
    timeframe: Timeframe,
    bars: Iterable<SymbolBar> | AsyncIterable<SymbolBar>,
    options: UpsertOptions = {},
  ): Promise<UpsertReport> {
    return writeManyBars(this.writer(timeframe, options), bars);
  }

  /** Bars of one symbol, oldest first unless `order: 'desc'`; `timestamp` is the bar's start in Unix ms. */
  async getBars(timeframe: Timeframe, symbol: string, options: GetBarsOptions = {}): Promise<Bar[]> {
    const t = this.table(timeframe);
    return this.run(`reading ${timeframe} bars of ${symbol}`, () => readBars(this.driver, t, symbol, options), t.table);
  }

  /** Start (Unix ms) of the latest stored bar of a symbol, or null: where an incremental load resumes. */
  async latestBarTime(timeframe: Timeframe, symbol: string): Promise<number | null> {
    const t = this.table(timeframe);
    return this.run(`reading the latest ${timeframe} bar of ${symbol}`, () => readLatestBarTime(this.driver, t, symbol), t.table);
  }

  /**
   * The first and last stored bar of a symbol and when the last was written (null without an `updated_at` column):
   * what an incremental load needs to resume, overlap a possibly unfinished last bar, and spot a history to backfill.
   */
  async barExtent(timeframe: Timeframe, symbol: string): Promise<BarExtent | null> {
    const t = this.table(timeframe);
    return this.run(`reading the stored span of ${timeframe} bars of ${symbol}`, () => readBarExtent(this.driver, t, symbol), t.table);
  }

  /**
   * When the earliest-written of a symbol's bars starting before `beforeMs` was written (Unix ms); null when none is
   * stored or the table has no `updated_at`. Tells whether stored bars predate a split.
   */
  async earliestWriteBefore(timeframe: Timeframe, symbol: string, beforeMs: number): Promise<number | null> {
    const t = this.table(timeframe);
    return this.run(
      `reading when ${timeframe} bars of ${symbol} were written`,
      () => readEarliestWriteBefore(this.driver, t, symbol, beforeMs),
      t.table,
    );
  }

  /**
   * Deletes a symbol's rows from `from` to `to` (inclusive; Unix ms or `YYYY-MM-DD`) whose bar start is not in `keep`:
   * after a reload of that range, the rows the API no longer serves. Returns how many were deleted.
   */
  async deleteBarsNotIn(
    timeframe: Timeframe,
    symbol: string,
    range: { from: number | CivilDate; to: number | CivilDate },
    keep: Iterable<number>,
  ): Promise<number> {
    const t = this.table(timeframe);
    return this.run(
      `deleting ${timeframe} bars of ${symbol} the API no longer serves`,
      () => deleteBarsNotIn(this.driver, t, symbol, range.from, range.to, keep),
      t.table,
    );
  }

  /** Record count, first/last date, validation rate, and gaps against the trading calendar. */
  async symbolStats(symbol: string, timeframe: Timeframe, options: SymbolStatsOptions = {}): Promise<SymbolStats> {
    const t = this.table(timeframe);
    return this.run(`computing ${timeframe} stats of ${symbol}`, () => readSymbolStats(this.driver, t, symbol, options), t.table);
  }

  /** Records splits not recorded yet (by symbol and execution date); returns the new ones. */
  async recordSplits(splits: readonly NewSplit[]): Promise<NewSplit[]> {
    return this.run('recording splits', () => writeSplits(this.driver, splits), 'symbol_splits');
  }

  /** Recorded splits (of some symbols, or only those whose readjustment is still to do). */
  async listSplits(filter: ReadSplits = {}): Promise<StoredSplit[]> {
    return this.run('reading splits', () => readSplits(this.driver, filter), 'symbol_splits');
  }

  /** Marks a symbol's pending splits readjusted (its history was reloaded whole); returns how many. */
  async markReadjusted(symbol: string, rowsRewritten: number): Promise<number> {
    return this.run(
      `marking the splits of ${symbol} readjusted`,
      () => writeReadjusted(this.driver, symbol, rowsRewritten),
      'symbol_splits',
    );
  }

  /**
   * Saves where a paged load of one range stopped: the next page's cursor, after this page's bars are stored. A load
   * that is interrupted resumes from it ({@link getLoadCursor}); {@link clearLoadCursor} when the range is done.
   */
  async saveLoadCursor(cursor: Omit<LoadCursor, 'updatedAt'>): Promise<void> {
    return this.run(`saving the load cursor of ${cursor.symbol}`, () => writeLoadCursor(this.driver, cursor), 'bar_load_cursors');
  }

  /** The saved cursor of a range's unfinished paged load, or null. */
  async getLoadCursor(key: LoadCursorKey): Promise<LoadCursor | null> {
    return this.run(`reading the load cursor of ${key.symbol}`, () => readLoadCursor(this.driver, key), 'bar_load_cursors');
  }

  /** Deletes a range's cursor (its load is done, or the cursor is unusable); returns whether one was there. */
  async clearLoadCursor(key: LoadCursorKey): Promise<boolean> {
    return this.run(`clearing the load cursor of ${key.symbol}`, () => deleteLoadCursor(this.driver, key), 'bar_load_cursors');
  }

  /** The last splits check, or null before the first. */
  async lastSplitCheck(): Promise<SplitCheck | null> {
    return this.run('reading the last splits check', () => readSplitCheck(this.driver), 'split_checks');
  }

  /** Records a finished splits check through a New York date. */
  async recordSplitCheck(through: CivilDate): Promise<void> {
    return this.run('recording the splits check', () => writeSplitCheck(this.driver, through), 'split_checks');
  }

  /** Upserts one symbol's details; a value not given never erases a stored one. */
  async registerSymbol(meta: SymbolMeta): Promise<RegisterSymbolsResult> {
    return this.registerSymbols([meta]);
  }

  /** Upserts many symbols' details in few statements. */
  async registerSymbols(metas: readonly SymbolMeta[]): Promise<RegisterSymbolsResult> {
    const result = await this.run('registering symbols', () => registerSymbols(this.driver, this.schemaState.symbols, metas), 'symbols');
    for (const m of metas) this.knownSymbols.add(m.symbol);
    return result;
  }

  /** The stored `symbols` row of a ticker (column names as in the table), or null. */
  async getSymbol(symbol: string): Promise<Record<string, unknown> | null> {
    return this.run(`reading symbol ${symbol}`, () => readSymbol(this.driver, symbol), 'symbols');
  }

  /** Upserts a run's progress in one phase (`processing_progress`). */
  async recordProgress(update: ProgressUpdate): Promise<void> {
    return this.run('writing processing_progress', () => writeProgress(this.driver, update), 'processing_progress');
  }

  /** Upserts one symbol's status in a run's phase (`symbol_processing_status`). */
  async recordSymbolStatus(update: SymbolStatusUpdate): Promise<void> {
    return this.run('writing symbol_processing_status', () => writeSymbolStatus(this.driver, update), 'symbol_processing_status');
  }

  /**
   * Upserts many symbols' statuses in ONE statement (e.g. a job's final state of every symbol): each update is
   * checked as {@link recordSymbolStatus} checks it, and an invalid one fails the call naming its index with nothing
   * written; updates of the same run, phase and symbol leave the last. An empty list is a no-op.
   */
  async recordSymbolStatuses(updates: readonly SymbolStatusUpdate[]): Promise<void> {
    return this.run('writing symbol_processing_status', () => writeSymbolStatuses(this.driver, updates), 'symbol_processing_status');
  }

  /** A run's progress rows, one per phase. */
  async getProgress(runId: string): Promise<ProgressRow[]> {
    return this.run('reading processing_progress', () => readProgress(this.driver, runId), 'processing_progress');
  }

  /** A run's per-symbol statuses (optionally of one phase). */
  async getSymbolStatuses(runId: string, phase?: string): Promise<SymbolStatusRow[]> {
    return this.run('reading symbol_processing_status', () => readSymbolStatuses(this.driver, runId, phase), 'symbol_processing_status');
  }

  /**
   * Upserts a run's row in `processing_runs` (the app's table): its state and totals in the app's columns, the rest
   * (`kind`, params, records imported, retry count, message) in `metadata`.
   */
  async saveRun(run: RunRecord): Promise<void> {
    return this.run('writing processing_runs', () => writeRun(this.driver, this.schemaState.runs, run), 'processing_runs');
  }

  /** A run's row from `processing_runs`, or null. */
  async getRun(runId: string): Promise<RunRow | null> {
    return this.run('reading processing_runs', () => readRun(this.driver, this.schemaState.runs, runId), 'processing_runs');
  }

  /** Rows of `processing_runs`, newest first: all of them, or a kind's, since an instant. */
  async listRuns(options: ListRuns = {}): Promise<RunRow[]> {
    return this.run('reading processing_runs', () => listRuns(this.driver, this.schemaState.runs, options), 'processing_runs');
  }

  /**
   * Moves every run of a kind still in one status to another, e.g. runs left `running` by a worker that died to
   * `failed`; returns their ids. Call it only while holding whatever guarantees no such run is really in progress.
   */
  async settleRuns(settle: SettleRuns): Promise<string[]> {
    return this.run('updating processing_runs', () => settleRuns(this.driver, this.schemaState.runs, settle), 'processing_runs');
  }

  /** Adds symbols to `tracked_symbols` (or updates their asset class and active flag). */
  async trackSymbols(items: readonly { symbol: string; assetClass: TrackedAssetClass; active?: boolean }[]): Promise<void> {
    return this.run('writing tracked_symbols', () => writeTracked(this.driver, items), 'tracked_symbols');
  }

  /** Records how a tracked symbol's backfill went. */
  async setBackfillStatus(symbol: string, status: BackfillStatus, error: string | null = null): Promise<void> {
    return this.run('writing tracked_symbols', () => writeBackfillStatus(this.driver, symbol, status, error), 'tracked_symbols');
  }

  /** Tracked symbols (active ones unless `includeInactive`). */
  async listTrackedSymbols(options: { includeInactive?: boolean } = {}): Promise<TrackedSymbol[]> {
    return this.run('reading tracked_symbols', () => readTracked(this.driver, options), 'tracked_symbols');
  }

  /** Checks the database answers (`SELECT 1`); resolves to the round trip in ms, or throws a `StoreError`. */
  async ping(): Promise<number> {
    const started = performance.now();
    await this.run('checking the database', () => this.driver.query('SELECT 1'));
    return performance.now() - started;
  }

  /** Closes connections the store opened (a borrowed pool or PGlite instance stays open). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.driver.close();
  }
}

/**
 * Opens a store: connects (options, else `DATABASE_URL`, else `DB_HOST`/`DB_PORT`/`DB_NAME`/`DB_USER`/`DB_PASSWORD`,
 * else an embedded PGlite database), runs pending migrations (or, with `migrate: false`, checks none is pending), checks
 * the role's privileges, and discovers the schema once.
 */
export async function openStore(options: OpenStoreOptions = {}): Promise<OhlcvStore> {
  const timeframes = options.timeframes ?? DEFAULTS.timeframes;
  for (const tf of timeframes) timeframeSpec(tf);
  const batchSize = options.batchSize ?? DEFAULTS.batchSize;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1)
    throw new StoreError('CONFIGURATION', `batchSize must be a positive whole number, got ${batchSize}`);
  const { driver, secrets } = await openConnection(options);
  try {
    const { migrations, schema } = await prepareSchema(driver, {
      migrate: options.migrate ?? DEFAULTS.migrate,
      timescale: options.timescale ?? DEFAULTS.timescale,
      timeframes,
      secrets,
    });
    return new OhlcvStore(
      driver,
      schema,
      {
        batchSize,
        onInvalid: options.onInvalid ?? DEFAULTS.onInvalid,
        registerMissingSymbols: options.registerMissingSymbols ?? DEFAULTS.registerMissingSymbols,
        timeframes,
      },
      secrets,
      migrations,
    );
  } catch (e) {
    await driver.close().catch(() => {});
    throw e;
  }
}
