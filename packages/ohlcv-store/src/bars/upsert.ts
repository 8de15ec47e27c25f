/**
 * The bulk write path: validate each bar, format it as a COPY text line, and flush bounded batches. Each batch is one
 * transaction: COPY into the staging table, register unknown symbols (optional), INSERT ... SELECT ... ON CONFLICT.
 * Duplicates inside a batch are removed first (the last bar for a symbol and key wins); across batches the later
 * batch simply overwrites, so the result is the same.
 */
import type { Driver } from '../drivers/driver.js';
import { StoreError, storageFailed } from '../errors.js';
import type { Bar } from '../massive.js';
import type { BarTableSchema } from '../schema/discover.js';
import { timeframeSpec } from '../timeframes.js';
import { emptyReport, type UpsertReport } from './report.js';
import { barKey, type DateRule, dateRuleForSymbol } from './time-keys.js';
import { registerBareSymbolsSql, STAGE_COLUMNS, stageDdl, stageTable, upsertFromStageSql } from './upsert-sql.js';
import { isValidSymbol, REJECT_REASON_TEXT, type RejectReason, validateBarValues } from './validate.js';

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
const NULL = '\\N';

function num(x: number | undefined | null): string {
  return x == null ? NULL : String(x);
}

/** Accumulates bars and writes them batch by batch. */
export class BarWriter {
  private readonly spec;
  private readonly upsertSql: string;
  private readonly ddl: string;
  private readonly table: string;
  readonly report: UpsertReport;
  private lines: string[] = [];
  private keys: string[] = [];
  private batchSymbols = new Set<string>();
  private lastRuleSymbol = '';
  private lastRule: DateRule = 'new-york';

  constructor(private readonly ctx: WriterContext) {
    this.spec = timeframeSpec(ctx.schema.timeframe);
    this.upsertSql = upsertFromStageSql(ctx.schema);
    const kind = ctx.schema.timeType === 'date' ? 'date' : 'instant';
    this.ddl = stageDdl(kind);
    this.table = stageTable(kind);
    this.report = emptyReport(ctx.schema.timeframe);
  }

  private rule(symbol: string): DateRule {
    if (symbol !== this.lastRuleSymbol) {
      this.lastRuleSymbol = symbol;
      this.lastRule = dateRuleForSymbol(symbol);
    }
    return this.lastRule;
  }

  private reject(symbol: string, bar: Bar, reason: RejectReason): void {
    const r = this.report;
    const index = r.received - 1;
    r.rejected++;
    r.rejectedByReason[reason] = (r.rejectedByReason[reason] ?? 0) + 1;
    const timestamp = typeof bar === 'object' && bar !== null ? bar.timestamp : undefined;
    if (r.rejectedSamples.length < MAX_SAMPLES) r.rejectedSamples.push({ index, symbol, timestamp, reason });
    if (this.ctx.onInvalid === 'throw') {
      throw new StoreError(
        'INVALID_BARS',
        `invalid ${this.ctx.schema.timeframe} bar for ${symbol} at input position ${index} (timestamp ${String(timestamp)}): ${reason}: ${REJECT_REASON_TEXT[reason]}; ` +
          `nothing from the current batch was written${r.batches > 0 ? `, ${r.written + r.unchanged} rows from ${r.batches} earlier batches were` : ''}`,
        { table: this.ctx.schema.table, report: { ...r } },
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
    this.keys.push(`${symbol}\t${key}`);
    this.lines.push(
      `${symbol}\t${key}\t${bar.open}\t${bar.high}\t${bar.low}\t${bar.close}\t${num(bar.volume)}\t${num(bar.vwap)}\t${num(bar.transactions)}\n`,
    );
    this.batchSymbols.add(symbol);
    return this.lines.length >= this.ctx.batchSize;
  }

  /** Writes the queued rows in one transaction. */
  async flush(): Promise<void> {
    if (this.lines.length === 0) return;
    let lines = this.lines;
    const keys = this.keys;
    const symbols = [...this.batchSymbols];
    this.lines = [];
    this.keys = [];
    this.batchSymbols = new Set();
    const last = new Map<string, number>();
    for (let i = 0; i < keys.length; i++) last.set(keys[i] as string, i);
    if (last.size < keys.length) {
      this.report.duplicates += keys.length - last.size;
      lines = lines.filter((_, i) => last.get(keys[i] as string) === i);
    }
    const unknown = this.ctx.registerMissingSymbols ? symbols.filter((s) => !this.ctx.knownSymbols.has(s)) : [];
    const { driver } = this.ctx;
    let counts: { inserted: number; affected: number };
    try {
      counts = await driver.transaction(async (tx) => {
        await tx.query(this.ddl);
        await tx.copyFrom(this.table, STAGE_COLUMNS, lines);
        for (let i = 0; i < unknown.length; i += 1000) {
          const chunk = unknown.slice(i, i + 1000);
          await tx.query(registerBareSymbolsSql(chunk.length), chunk);
        }
        const { rows } = await tx.query<{ inserted: number | string; affected: number | string }>(this.upsertSql);
        return { inserted: Number(rows[0]?.inserted ?? 0), affected: Number(rows[0]?.affected ?? 0) };
      });
    } catch (e) {
      throw this.failure(e, symbols);
    }
    for (const s of unknown) this.ctx.knownSymbols.add(s);
    const r = this.report;
    r.batches++;
    r.inserted += counts.inserted;
    r.updated += counts.affected - counts.inserted;
    r.written += counts.affected;
    r.unchanged += lines.length - counts.affected;
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

/** Writes every bar of `source` for one symbol. */
export async function writeSymbolBars(
  ctx: WriterContext,
  symbol: string,
  source: Iterable<Bar> | AsyncIterable<Bar>,
): Promise<UpsertReport> {
  const w = new BarWriter(ctx);
  if (Symbol.asyncIterator in source) {
    for await (const bar of source) if (w.push(symbol, bar)) await w.flush();
  } else {
    for (const bar of source) if (w.push(symbol, bar)) await w.flush();
  }
  await w.flush();
  return w.report;
}

/** Writes bars of many symbols, each carrying its `symbol`. */
export async function writeManyBars(ctx: WriterContext, source: Iterable<SymbolBar> | AsyncIterable<SymbolBar>): Promise<UpsertReport> {
  const w = new BarWriter(ctx);
  if (Symbol.asyncIterator in source) {
    for await (const bar of source) if (w.push(bar?.symbol, bar)) await w.flush();
  } else {
    for (const bar of source) if (w.push(bar?.symbol, bar)) await w.flush();
  }
  await w.flush();
  return w.report;
}
