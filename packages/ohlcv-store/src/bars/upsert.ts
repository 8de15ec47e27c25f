/**
 * The bulk write path: validate each bar, format it as a COPY text line, and flush bounded batches. Each batch is one
 * transaction: COPY into the staging table, register unknown symbols (optional), INSERT ... SELECT ... ON CONFLICT.
 * Duplicates inside a batch are removed first (the last bar for a symbol and key wins); across batches the later
 * batch simply overwrites, so the result is the same. A batch that wrote fewer rows than it sent accounts for the
 * others: rows stored with exactly their values are unchanged (read back in a staged batch's transaction; counted by a
 * small batch's own statement, and read back after it only when the counts do not add up), the rest missing; a call
 * that ends with missing rows throws ROWS_NOT_STORED once every batch is written.
 */

import { type Bar, type BarColumns, isBarColumns } from '@tickstock/market-time';
import type { Driver, Queryable } from '../drivers/driver.js';
import { StoreError, storageFailed } from '../errors.js';
import type { BarTableSchema } from '../schema/discover.js';
import { timeframeSpec } from '../timeframes.js';
import { emptyReport, type UpsertReport } from './report.js';
import { barKey, type DateRule, dateRuleForSymbol } from './time-keys.js';
import { registerBareSymbolsSql, STAGE_COLUMNS, type StageStatements, stageDdl, stageStatements, stageTable } from './upsert-sql.js';
import { isValidSymbol, REJECT_REASON_TEXT, type RejectReason, validateBarValues, validateColumnValues } from './validate.js';

/** A bar together with its ticker, for the many-symbol form. */
export interface SymbolBar extends Bar {
  symbol: string;
}

/** What happens to invalid bars. */
export type InvalidBarPolicy = 'skip' | 'throw';

/** Options of one write call (defaults come from the store's options). */
export interface UpsertOptions {
  /** Rows per transaction (and the most rows held in memory). */
  batchSize?: number;
  /** `skip` (default): count and report invalid bars, write the rest. `throw`: stop with INVALID_BARS at the first one. */
  onInvalid?: InvalidBarPolicy;
  /** Insert a bare `symbols` row for symbols not registered yet, so the foreign keys hold. */
  registerMissingSymbols?: boolean;
}

/** Options of `upsertBarPages`: those of every upsert, and the hook a resumable paged load saves its cursor in. */
export interface UpsertPagesOptions extends UpsertOptions {
  /** Called in order once every row of page `index` (0-based) is committed. */
  onPageStored?: (index: number) => Promise<void> | void;
}

/** Settings the writer needs from the store. */
export interface WriterContext {
  driver: Driver;
  schema: BarTableSchema;
  symbolMaxLength: number | null;
  /** Symbols known to be in `symbols` (shared across calls, filled as batches commit). */
  knownSymbols: Set<string>;
  secrets: readonly string[];
  batchSize: number;
  onInvalid: InvalidBarPolicy;
  registerMissingSymbols: boolean;
}

const MAX_SAMPLES = 20;
/**
 * Batches of at most this many rows are written by one statement with array parameters (one round trip) instead of
 * the staged COPY path (six: begin, stage, copy, update, insert, commit). Round trips dominate small batches, such as
 * the few hundred daily bars of one symbol; COPY wins for large ones.
 */
export const SMALL_BATCH_ROWS = 2000;
const UNIQUE_VIOLATION = '23505';
/** COPY data is sent in chunks of this many lines (one CopyData message each), not line by line. */
const LINES_PER_CHUNK = 1000;
const NULL = '\\N';

/** Values per queued row in the batch buffer. */
/** A text value as a double-quoted element of a PostgreSQL array literal. */
function arrayElement(text: string): string {
  return `"${text.replace(/["\\]/g, '\\$&')}"`;
}

const FIELDS = 7;
/** Rows the batch buffer holds before its first growth. */
const INITIAL_ROWS = 512;

/** COPY text of an optional value (NaN marks "none": validation has rejected real NaNs). */
function num(x: number): string {
  return Number.isNaN(x) ? NULL : String(x);
}

/** What one batch did: rows inserted and updated, and rows of the batch stored with exactly the values sent. */
interface Counts {
  inserted: number;
  updated: number;
  /** Rows of the batch found stored as sent (read back only when fewer were written than sent; else all of them). */
  present: number;
}

/** Runs a `verify` statement: how many sent rows are stored with exactly their values. */
async function countPresent(db: Queryable, sql: string, params: readonly unknown[], prepare: boolean): Promise<number> {
  const { rows } = await db.query<{ present: number | string }>(sql, params, prepare ? { prepare: true } : undefined);
  return Number(rows[0]?.present ?? 0);
}

/** A batch ready to write: COPY text for the staged path, or column arrays for a small batch. */
type Rows =
  | { kind: 'copy'; chunks: string[]; rows: number; min: number | string; max: number | string }
  | { kind: 'arrays'; params: string[]; rows: number };

/** Accumulates bars and writes them batch by batch. */
export class BarWriter {
  private readonly spec;
  private readonly statements: StageStatements;
  private readonly ddl: string;
  private readonly table: string;
  readonly report: UpsertReport;
  private inFlight: Promise<unknown> | undefined;
  /** The queued batch: row i is symbols[i], keys[i], and values[i * 7 ...] (open, high, low, close, volume, vwap, transactions; NaN = none). */
  private n = 0;
  private symbols: string[] = [];
  private keys: (number | string)[] = [];
  private values: Float64Array;
  private batchSymbols = new Set<string>();
  private lastRuleSymbol = '';
  private lastRule: DateRule = 'new-york';
  /** The last symbol {@link pushColumnsRow} found valid (a page is one symbol: checked once, not per row). */
  private lastValidSymbol: string | undefined;

  constructor(private readonly ctx: WriterContext) {
    this.spec = timeframeSpec(ctx.schema.timeframe);
    this.statements = stageStatements(ctx.schema);
    const kind = ctx.schema.timeType === 'date' ? 'date' : 'instant';
    this.ddl = stageDdl(kind);
    this.table = stageTable(kind);
    this.report = emptyReport(ctx.schema.timeframe);
    // Starts small and doubles as rows arrive: most writes are one symbol's few hundred bars, and a full batch-size
    // buffer per call (560 KB at 10,000 rows) was most of the worker's allocation.
    this.values = new Float64Array(Math.min(ctx.batchSize, INITIAL_ROWS) * FIELDS);
  }

  private rule(symbol: string): DateRule {
    if (symbol !== this.lastRuleSymbol) {
      this.lastRuleSymbol = symbol;
      this.lastRule = dateRuleForSymbol(symbol);
    }
    return this.lastRule;
  }

  private reject(symbol: string, bar: Bar, reason: RejectReason): void {
    this.rejectAt(symbol, typeof bar === 'object' && bar !== null ? bar.timestamp : undefined, reason);
  }

  private rejectAt(symbol: string, timestamp: number | undefined, reason: RejectReason): void {
    const r = this.report;
    const index = r.received - 1;
    r.rejected++;
    r.rejectedByReason[reason] = (r.rejectedByReason[reason] ?? 0) + 1;
    if (r.rejectedSamples.length < MAX_SAMPLES) r.rejectedSamples.push({ index, symbol, timestamp, reason });
    if (this.ctx.onInvalid === 'throw') {
      throw new StoreError(
        'INVALID_BARS',
        `invalid ${this.ctx.schema.timeframe} bar for ${symbol} at input position ${index} (timestamp ${String(timestamp)}): ${reason}: ${REJECT_REASON_TEXT[reason]}`,
        { table: this.ctx.schema.table },
      );
    }
  }

  /** Validates and queues one bar; true when the batch is full and should be flushed. */
  push(symbol: string, bar: Bar): boolean {
    this.report.received++;
    if (!isValidSymbol(symbol, this.ctx.symbolMaxLength)) {
      this.reject(String(symbol), bar, 'invalid_symbol');
      return false;
    }
    const reason = validateBarValues(bar);
    if (reason) {
      this.reject(symbol, bar, reason);
      return false;
    }
    const key = barKey(this.spec, bar.timestamp, this.rule(symbol));
    if (key === null) {
      this.reject(symbol, bar, 'misaligned_period');
      return false;
    }
    const i = this.slot();
    const v = this.values;
    const o = i * FIELDS;
    v[o] = bar.open;
    v[o + 1] = bar.high;
    v[o + 2] = bar.low;
    v[o + 3] = bar.close;
    v[o + 4] = bar.volume ?? Number.NaN;
    v[o + 5] = bar.vwap ?? Number.NaN;
    v[o + 6] = bar.transactions ?? Number.NaN;
    return this.queued(i, symbol, key);
  }

  /**
   * Validates and queues row `row` of `cols` exactly as {@link push} would the same bar, copying its values straight
   * from the columns (no `Bar` is built); true when the batch is full and should be flushed.
   */
  pushColumnsRow(symbol: string, cols: BarColumns, row: number): boolean {
    this.report.received++;
    if (symbol !== this.lastValidSymbol) {
      if (!isValidSymbol(symbol, this.ctx.symbolMaxLength)) {
        this.rejectAt(String(symbol), cols.timestamp[row], 'invalid_symbol');
        return false;
      }
      this.lastValidSymbol = symbol;
    }
    const reason = validateColumnValues(cols, row);
    if (reason) {
      this.rejectAt(symbol, cols.timestamp[row], reason);
      return false;
    }
    const key = barKey(this.spec, cols.timestamp[row] as number, this.rule(symbol));
    if (key === null) {
      this.rejectAt(symbol, cols.timestamp[row], 'misaligned_period');
      return false;
    }
    const i = this.slot();
    const v = this.values;
    const o = i * FIELDS;
    v[o] = cols.open[row] as number;
    v[o + 1] = cols.high[row] as number;
    v[o + 2] = cols.low[row] as number;
    v[o + 3] = cols.close[row] as number;
    v[o + 4] = cols.volume[row] as number;
    v[o + 5] = cols.vwap[row] as number;
    v[o + 6] = cols.transactions[row] as number;
    return this.queued(i, symbol, key);
  }

  /** The index of the next queued row, the buffer grown to hold it. */
  private slot(): number {
    const i = this.n++;
    if ((i + 1) * FIELDS > this.values.length) {
      const grown = new Float64Array(Math.min(this.values.length * 2, Math.max(this.ctx.batchSize, i + 1) * FIELDS));
      grown.set(this.values);
      this.values = grown;
    }
    return i;
  }

  /** Records row `i`'s symbol and key; true when the batch is full. */
  private queued(i: number, symbol: string, key: number | string): boolean {
    this.symbols[i] = symbol;
    this.keys[i] = key;
    this.batchSymbols.add(symbol);
    return this.n >= this.ctx.batchSize;
  }

  /** Which queued rows to write: all, or (with duplicates) only the last row per symbol and key. */
  private survivors(): Uint8Array | null {
    const last = new Map<string, Map<number | string, number>>();
    for (let i = 0; i < this.n; i++) {
      const sym = this.symbols[i] as string;
      let perSymbol = last.get(sym);
      if (!perSymbol) {
        perSymbol = new Map();
        last.set(sym, perSymbol);
      }
      perSymbol.set(this.keys[i] as number | string, i);
    }
    let distinct = 0;
    for (const m of last.values()) distinct += m.size;
    if (distinct === this.n) return null;
    const keep = new Uint8Array(this.n);
    for (const m of last.values()) for (const i of m.values()) keep[i] = 1;
    return keep;
  }

  /** COPY text of the queued rows, LINES_PER_CHUNK lines per string (built with join: flat strings, no ropes). */
  private format(keep: Uint8Array | null): { chunks: string[]; rows: number; min: number | string; max: number | string } {
    const chunks: string[] = [];
    const v = this.values;
    let parts: string[] = [];
    let lines = 0;
    let rows = 0;
    let min = this.keys[0] as number | string;
    let max = min;
    for (let i = 0; i < this.n; i++) {
      if (keep && keep[i] === 0) continue;
      const o = i * FIELDS;
      const key = this.keys[i] as number | string;
      if (key < min) min = key;
      if (key > max) max = key;
      parts.push(
        this.symbols[i] as string,
        '\t',
        String(key),
        '\t',
        String(v[o]),
        '\t',
        String(v[o + 1]),
        '\t',
        String(v[o + 2]),
        '\t',
        String(v[o + 3]),
        '\t',
        num(v[o + 4] as number),
        '\t',
        num(v[o + 5] as number),
        '\t',
        num(v[o + 6] as number),
        '\n',
      );
      rows++;
      if (++lines === LINES_PER_CHUNK) {
        chunks.push(parts.join(''));
        parts = [];
        lines = 0;
      }
    }
    if (lines > 0) chunks.push(parts.join(''));
    return { chunks, rows, min, max };
  }

  /**
   * Starts writing the queued rows in one transaction, after the previous batch has finished. The write runs while
   * the caller builds the next batch (at most two batches are held in memory); {@link finish} waits for the last one.
   */
  async flush(): Promise<void> {
    if (this.n === 0) return;
    const keep = this.survivors();
    const symbols = [...this.batchSymbols];
    // Unknown symbols are registered inside the staged transaction, so only batches of known symbols go the short way.
    const small = this.n <= SMALL_BATCH_ROWS && !(this.ctx.registerMissingSymbols && symbols.some((s) => !this.ctx.knownSymbols.has(s)));
    const rows: Rows = small ? { kind: 'arrays', ...this.arrays(keep) } : { kind: 'copy', ...this.format(keep) };
    const duplicates = this.n - rows.rows;
    this.n = 0;
    this.symbols = [];
    this.keys = [];
    this.batchSymbols = new Set();
    await this.settle();
    this.inFlight = this.write(rows, duplicates, symbols).then(
      () => undefined,
      (e: unknown) => e,
    );
  }

  /**
   * The queued rows as nine PostgreSQL array literals in {@link STAGE_COLUMNS} order (NULL where a value is absent),
   * written directly: numbers need no quoting, symbols are quoted once per run of equal ones. (Handing pg nine
   * JavaScript arrays makes it quote and escape every element, which cost more CPU than the statement itself.)
   */
  private arrays(keep: Uint8Array | null): { params: string[]; rows: number } {
    const cols: string[][] = Array.from({ length: STAGE_COLUMNS.length }, () => []);
    const v = this.values;
    let rows = 0;
    let lastSymbol: string | undefined;
    let quoted = '';
    for (let i = 0; i < this.n; i++) {
      if (keep && keep[i] === 0) continue;
      const o = i * FIELDS;
      const symbol = this.symbols[i] as string;
      if (symbol !== lastSymbol) {
        lastSymbol = symbol;
        quoted = arrayElement(symbol);
      }
      (cols[0] as string[]).push(quoted);
      const key = this.keys[i] as number | string;
      (cols[1] as string[]).push(typeof key === 'number' ? String(key) : arrayElement(key));
      for (let f = 0; f < FIELDS; f++) {
        const x = v[o + f] as number;
        (cols[2 + f] as string[]).push(Number.isNaN(x) ? 'NULL' : String(x));
      }
      rows++;
    }
    return { params: cols.map((c) => `{${c.join(',')}}`), rows };
  }

  /** Waits for the batch in flight; throws its failure. */
  async settle(): Promise<void> {
    const pending = this.inFlight;
    this.inFlight = undefined;
    const failure = pending ? await pending : undefined;
    if (failure !== undefined) throw failure;
  }

  /** Writes what is queued and waits for every batch. */
  async finish(): Promise<UpsertReport> {
    await this.flush();
    await this.settle();
    return this.report;
  }

  /**
   * One batch in one transaction: stage, register unknown symbols, then update changed rows and insert new ones; when
   * they wrote fewer rows than were staged, count the staged rows stored with exactly their values (same transaction).
   */
  private batch(chunks: string[], unknown: string[], range: unknown[], safe: boolean, sent: number): Promise<Counts> {
    return this.ctx.driver.transaction(async (tx) => {
      await tx.query(this.ddl);
      await tx.copyFrom(this.table, STAGE_COLUMNS, chunks);
      for (let i = 0; i < unknown.length; i += 1000) {
        const some = unknown.slice(i, i + 1000);
        await tx.query(registerBareSymbolsSql(some.length), some);
      }
      let inserted: number;
      let updated: number;
      if (safe) {
        const { rows } = await tx.query<{ inserted: number | string; affected: number | string }>(this.statements.upsert);
        inserted = Number(rows[0]?.inserted ?? 0);
        updated = Number(rows[0]?.affected ?? 0) - inserted;
      } else {
        updated = (await tx.query(this.statements.update, range)).rowCount;
        inserted = (await tx.query(this.statements.insertNew, range)).rowCount;
      }
      const present = inserted + updated < sent ? await countPresent(tx, this.statements.verify, range, false) : sent;
      return { inserted, updated, present };
    });
  }

  /**
   * A small batch in one statement (atomic by itself; safe under concurrent writers, like the fallback). When it wrote
   * fewer rows than it sent, the same statement also counts the sent rows that were already stored as sent (the ones
   * it left alone); only when written and identical rows do not add up to the rows sent does a second statement, with
   * the same parameters, count the rows stored as sent after the write.
   */
  private async single(params: string[], sent: number): Promise<Counts> {
    const { driver } = this.ctx;
    const { upsertArrays, verifyArrays } = this.statements;
    const { rows } = await driver.query<{ inserted: number | string; affected: number | string; identical: number | string | null }>(
      upsertArrays,
      [...params, sent],
      { prepare: true },
    );
    const inserted = Number(rows[0]?.inserted ?? 0);
    const updated = Number(rows[0]?.affected ?? 0) - inserted;
    const identical = Number(rows[0]?.identical ?? 0);
    const accounted = inserted + updated === sent || inserted + updated + identical === sent;
    const present = accounted ? sent : await countPresent(driver, verifyArrays, params, true);
    return { inserted, updated, present };
  }

  private async write(batch: Rows, duplicates: number, symbols: string[]): Promise<void> {
    const rows = batch.rows;
    const unknown = this.ctx.registerMissingSymbols ? symbols.filter((s) => !this.ctx.knownSymbols.has(s)) : [];
    let counts: Counts;
    try {
      if (batch.kind === 'arrays') counts = await this.single(batch.params, rows);
      else {
        const range = [symbols, batch.min, batch.max];
        try {
          counts = await this.batch(batch.chunks, unknown, range, false, rows);
        } catch (e) {
          // Another writer inserted one of these keys after our existence check: redo the batch with ON CONFLICT.
          if ((e as { code?: unknown })?.code !== UNIQUE_VIOLATION) throw e;
          counts = await this.batch(batch.chunks, unknown, range, true, rows);
        }
      }
    } catch (e) {
      throw this.failure(e, symbols);
    }
    for (const s of unknown) this.ctx.knownSymbols.add(s);
    const written = counts.inserted + counts.updated;
    // Rows the database reports written are taken at its word; of the others, only those read back identical are
    // unchanged, and the rest are missing.
    const unchanged = Math.max(0, counts.present - written);
    const r = this.report;
    r.batches++;
    r.duplicates += duplicates;
    r.inserted += counts.inserted;
    r.updated += counts.updated;
    r.written += written;
    r.unchanged += unchanged;
    r.missing += Math.max(0, rows - written - unchanged);
  }

  private failure(e: unknown, symbols: string[]): StoreError {
    const { schema, secrets } = this.ctx;
    const report = { ...this.report };
    const err = e as { code?: unknown; detail?: unknown };
    if (err?.code === '23503' && typeof err.detail === 'string' && err.detail.includes('"symbols"')) {
      const m = /\(symbol\)=\(([^)]*)\)/.exec(err.detail);
      const which = m?.[1] ?? symbols.join(', ');
      return new StoreError(
        'SYMBOL_NOT_REGISTERED',
        `cannot write ${schema.timeframe} bars for ${which}: not in table "symbols" (call registerSymbol() first, or enable registerMissingSymbols); the batch was rolled back`,
        { table: schema.table, column: 'symbol', report, retryable: false },
      );
    }
    const wrapped = storageFailed(`writing a batch of ${schema.timeframe} bars into "${schema.table}"`, e, secrets, schema.table);
    return new StoreError(wrapped.code, `${wrapped.message} (the batch was rolled back; ${report.batches} earlier batches committed)`, {
      table: schema.table,
      retryable: wrapped.retryable,
      cause: wrapped.cause,
      report,
    });
  }
}

/** Consumes `source` through a writer; on any failure waits for the batch in flight and reports what was committed. */
function drain<T>(
  ctx: WriterContext,
  source: Iterable<T> | AsyncIterable<T>,
  push: (w: BarWriter, item: T) => boolean,
): Promise<UpsertReport> {
  return drainWith(ctx, async (w) => {
    if (Symbol.asyncIterator in source) {
      for await (const item of source) if (push(w, item)) await w.flush();
    } else {
      for (const item of source) if (push(w, item)) await w.flush();
    }
  });
}

/**
 * Consumes arrays of bars or columns (a client's pages): one await per page, a plain loop inside it (columns are
 * copied row by row into the batch buffer, no `Bar` built); the only other awaits are
 * the batch flushes.
 */
function drainChunks<T>(
  ctx: WriterContext,
  source: Iterable<readonly T[] | BarColumns> | AsyncIterable<readonly T[] | BarColumns>,
  push: (w: BarWriter, item: T) => boolean,
  pushRow: (w: BarWriter, cols: BarColumns, row: number) => boolean,
  onPageStored?: (index: number) => Promise<void> | void,
): Promise<UpsertReport> {
  return drainWith(ctx, async (w) => {
    // With `onPageStored`: once a page's rows are all handed to the writer, its last batch is written and, when that
    // commits, the hook runs, while the next page is being fetched. It is awaited before the next page's rows go in,
    // and when the source fails (a page's cursor is saved even if the request after it is what failed).
    let checkpoint: Promise<void> | undefined;
    let index = 0;
    const each = async (chunk: readonly T[] | BarColumns): Promise<void> => {
      if (checkpoint) {
        const previous = checkpoint;
        checkpoint = undefined;
        await previous;
      }
      if (Array.isArray(chunk)) {
        for (let i = 0; i < chunk.length; i++) if (push(w, chunk[i] as T)) await w.flush();
      } else if (isBarColumns(chunk)) {
        for (let i = 0; i < chunk.length; i++) if (pushRow(w, chunk, i)) await w.flush();
      } else {
        throw new TypeError(
          `upsertBarPages takes arrays of bars; got ${chunk === null ? 'null' : typeof chunk} (a page is an array of bars or BarColumns)`,
        );
      }
      if (!onPageStored) return;
      await w.flush();
      const page = index++;
      checkpoint = w.settle().then(() => onPageStored(page));
      // Awaited before the next page, at the end, or on failure; never left unhandled meanwhile.
      checkpoint.catch(() => undefined);
    };
    try {
      if (Symbol.asyncIterator in source) {
        for await (const chunk of source) await each(chunk);
      } else {
        for (const chunk of source) await each(chunk);
      }
    } catch (e) {
      // A batch that failed before this error came earlier in the input: its error is the one to report.
      if (checkpoint) await checkpoint;
      throw e;
    }
    if (checkpoint) await checkpoint;
  });
}

async function drainWith(ctx: WriterContext, feed: (w: BarWriter) => Promise<void>): Promise<UpsertReport> {
  const w = new BarWriter(ctx);
  let report: UpsertReport;
  try {
    await feed(w);
    report = await w.finish();
  } catch (e) {
    let first = e;
    try {
      await w.settle();
    } catch (earlier) {
      first = earlier; // the batch in flight failed first: it came earlier in the input
    }
    const r = w.report;
    if (first instanceof StoreError && first.code === 'INVALID_BARS') {
      throw new StoreError(
        'INVALID_BARS',
        `${first.message}; nothing from its batch was written${r.batches > 0 ? `, ${r.written + r.unchanged} rows from ${r.batches} earlier batches were` : ''}`,
        { table: first.table, report: { ...r }, retryable: false },
      );
    }
    throw first;
  }
  if (report.missing > 0) throw rowsNotStored(ctx.schema, report);
  return report;
}

/** The error of a write that ended with rows not in the table as sent (after every batch was written). */
function rowsNotStored(schema: BarTableSchema, report: UpsertReport): StoreError {
  const sent = report.written + report.unchanged + report.missing;
  return new StoreError(
    'ROWS_NOT_STORED',
    `${report.missing} of ${sent} ${schema.timeframe} bars sent to "${schema.table}" are not in it after the write ` +
      `(a trigger or rule on the table dropped or changed them, or another writer changed them meanwhile); the other ${sent - report.missing} are stored`,
    { table: schema.table, report: { ...report }, retryable: false },
  );
}

/** Writes every bar of `source` for one symbol. */
export function writeSymbolBars(ctx: WriterContext, symbol: string, source: Iterable<Bar> | AsyncIterable<Bar>): Promise<UpsertReport> {
  return drain(ctx, source, (w, bar) => w.push(symbol, bar));
}

/** What `upsertBarPages` takes per page: an array of bars, or the same bars as columns (a client page's `columns`). */
export type BarPageRows = readonly Bar[] | BarColumns;

/** Writes every bar of `pages` (arrays of bars or columns, e.g. a client's pages) for one symbol, in order. */
export function writeSymbolBarPages(
  ctx: WriterContext,
  symbol: string,
  pages: Iterable<BarPageRows> | AsyncIterable<BarPageRows>,
  onPageStored?: (index: number) => Promise<void> | void,
): Promise<UpsertReport> {
  return drainChunks(
    ctx,
    pages,
    (w, bar: Bar) => w.push(symbol, bar),
    (w, cols, row) => w.pushColumnsRow(symbol, cols, row),
    onPageStored,
  );
}

/** Writes bars of many symbols, each carrying its `symbol`. */
export function writeManyBars(ctx: WriterContext, source: Iterable<SymbolBar> | AsyncIterable<SymbolBar>): Promise<UpsertReport> {
  return drain(ctx, source, (w, bar) => w.push(bar?.symbol, bar));
}
