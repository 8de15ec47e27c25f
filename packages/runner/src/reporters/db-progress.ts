/**
 * Writes a job's progress to `processing_progress` and `symbol_processing_status` (phase `data_import`).
 *
 * The tables stay true through a database outage: a write the database could not take is kept (the newest per
 * symbol) and made as soon as it answers again, and when the job settles every symbol's final state and the job's
 * progress are written together, waiting for the database (up to the outage limit) if it is away. A coordinator
 * that lost its job's lease writes nothing more (see ../worker/job-fence.ts).
 */
import type { OhlcvStore, SymbolStatusUpdate } from '@tickstock/ohlcv-store';
import type { JobReporter, JobStartInfo, ProgressSnapshot } from '../engine/progress.js';
import { isStoreOutage, type StoreOutage } from '../engine/store-outage.js';
import type { JobFence, JobOutcome, SymbolResult } from '../engine/types.js';
import type { SecretScrubber } from '../logging/secrets.js';

export const DATA_IMPORT_PHASE = 'data_import';

/** Counts of a run's symbols that a retry does not touch: its progress row adds them to the retry's own. */
export interface ProgressBaseline {
  total: number;
  completed: number;
  failed: number;
}

export interface DbProgressOptions {
  /** `retry_count` written for each symbol (a number for all, or per symbol). Default 0. */
  retryCount?: number | ((symbol: string) => number);
  /** For retries: the rest of the run, so `processing_progress` keeps describing the whole run. */
  baseline?: ProgressBaseline;
  /** The database's availability: writes it could not take are made again when it answers. */
  outage?: StoreOutage | undefined;
  /** The coordinator's lease on the job: once lost, nothing more is written. */
  fence?: JobFence | undefined;
}

export class DbProgressReporter implements JobReporter {
  readonly name = 'db-progress';
  private readonly retryCount: (symbol: string) => number;
  /** Symbol rows the database could not take yet (the newest per symbol). */
  private readonly pending = new Map<string, SymbolStatusUpdate>();
  /** The write in flight, if any: the next one starts after it ({@link flush}). */
  private inFlight: Promise<void> = Promise.resolve();
  private progressPending = false;

  constructor(
    private readonly store: OhlcvStore,
    private readonly scrubber: SecretScrubber,
    private readonly options: DbProgressOptions = {},
  ) {
    const r = options.retryCount ?? 0;
    this.retryCount = typeof r === 'number' ? () => r : r;
  }

  private progressRow(s: ProgressSnapshot) {
    const base = this.options.baseline;
    return {
      runId: s.jobId,
      phase: DATA_IMPORT_PHASE,
      totalItems: base ? base.total : s.symbolsTotal,
      completedItems: (base?.completed ?? 0) + s.successful,
      failedItems: (base?.failed ?? 0) + s.failed,
      currentItem: s.currentSymbol,
      estimatedCompletion: s.estimatedCompletion?.getTime() ?? null,
    };
  }

  private symbolRow(r: SymbolResult, jobId: string): SymbolStatusUpdate {
    if (r.interrupted && !r.ok) {
      // Stopped by a cancel, shutdown or fatal error: `interrupted`, never `failed`.
      return {
        runId: jobId,
        phase: DATA_IMPORT_PHASE,
        symbol: r.symbol,
        status: 'interrupted',
        errorMessage: this.scrubber.scrub(r.errorMessage ?? 'stopped before it finished'),
        retryCount: this.retryCount(r.symbol),
        processingTimeMs: r.processingTimeMs,
      };
    }
    return {
      runId: jobId,
      phase: DATA_IMPORT_PHASE,
      symbol: r.symbol,
      status: r.ok ? 'completed' : 'failed',
      errorMessage: r.ok ? null : this.scrubber.scrub(`${r.errorCode}: ${r.errorMessage ?? ''}`),
      retryCount: this.retryCount(r.symbol),
      processingTimeMs: r.processingTimeMs,
    };
  }

  /** False once the coordinator lost the job's lease. */
  private async mayWrite(): Promise<boolean> {
    return this.options.fence ? this.options.fence.holds() : true;
  }

  /**
   * Writes `rows` and the progress row (and whatever an outage held back). During an outage the rows are kept for
   * later instead, and the error is not rethrown: the next write, or the job's end, makes them.
   */
  private async write(rows: readonly SymbolStatusUpdate[], s: ProgressSnapshot | undefined): Promise<void> {
    for (const row of rows) this.pending.set(row.symbol, row);
    if (s) this.progressPending = true;
    if (this.options.outage?.since !== undefined) return; // away: kept until it answers
    if (!(await this.mayWrite())) return;
    try {
      await this.flush(s);
    } catch (error) {
      if (!this.options.outage || !isStoreOutage(error)) throw error;
      this.options.outage.reportDown(error);
    }
  }

  /**
   * Writes what is pending, after any write still in flight: one at a time, in order. Two writes racing on two pool
   * connections could commit out of order, so a symbol's `processing` row sent when it started could land after the
   * final row the job's end wrote, and stay there.
   */
  private flush(s: ProgressSnapshot | undefined): Promise<void> {
    const run = this.inFlight.then(() => this.flushNow(s));
    this.inFlight = run.catch(() => undefined);
    return run;
  }

  private async flushNow(s: ProgressSnapshot | undefined): Promise<void> {
    if (this.pending.size > 0) {
      const rows = [...this.pending.values()];
      await this.store.recordSymbolStatuses(rows);
      for (const row of rows) if (this.pending.get(row.symbol) === row) this.pending.delete(row.symbol);
    }
    if (this.progressPending && s) {
      await this.store.recordProgress(this.progressRow(s));
      this.progressPending = false;
    }
  }

  async jobStarted(_info: JobStartInfo, s: ProgressSnapshot): Promise<void> {
    await this.write([], s);
  }

  async symbolStarted(symbol: string, s: ProgressSnapshot): Promise<void> {
    const row: SymbolStatusUpdate = {
      runId: s.jobId,
      phase: DATA_IMPORT_PHASE,
      symbol,
      status: 'processing',
      retryCount: this.retryCount(symbol),
    };
    await this.write([row], undefined);
  }

  async symbolFinished(r: SymbolResult, s: ProgressSnapshot): Promise<void> {
    await this.write([this.symbolRow(r, s.jobId)], s);
  }

  /** Closes the row of a symbol a cancel, shutdown or fatal error stopped: `interrupted`, never `failed`. */
  async symbolInterrupted(r: SymbolResult, s: ProgressSnapshot): Promise<void> {
    await this.write([this.symbolRow(r, s.jobId)], undefined);
  }

  /**
   * The job's final state, whole: every symbol's final row and the progress row, written in the step that settles
   * the job (before its final status goes out), waiting for the database if it is away.
   */
  async jobFinished(o: JobOutcome, s: ProgressSnapshot): Promise<void> {
    for (const r of o.results) this.pending.set(r.symbol, this.symbolRow(r, s.jobId));
    this.progressPending = true;
    if (!(await this.mayWrite())) return;
    const outage = this.options.outage;
    await (outage ? outage.retry(() => this.flush(s)) : this.flush(s));
  }
}
