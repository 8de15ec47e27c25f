/** Writes a job's progress to `processing_progress` and `symbol_processing_status` (phase `data_import`). */
import type { OhlcvStore } from '@tickstock/ohlcv-store';
import type { JobReporter, JobStartInfo, ProgressSnapshot } from '../engine/progress.js';
import type { JobOutcome, SymbolResult } from '../engine/types.js';
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
}

export class DbProgressReporter implements JobReporter {
  readonly name = 'db-progress';
  private readonly retryCount: (symbol: string) => number;

  constructor(
    private readonly store: OhlcvStore,
    private readonly scrubber: SecretScrubber,
    private readonly options: DbProgressOptions = {},
  ) {
    const r = options.retryCount ?? 0;
    this.retryCount = typeof r === 'number' ? () => r : r;
  }

  private progress(s: ProgressSnapshot) {
    const base = this.options.baseline;
    return this.store.recordProgress({
      runId: s.jobId,
      phase: DATA_IMPORT_PHASE,
      totalItems: base ? base.total : s.symbolsTotal,
      completedItems: (base?.completed ?? 0) + s.successful,
      failedItems: (base?.failed ?? 0) + s.failed,
      currentItem: s.currentSymbol,
      estimatedCompletion: s.estimatedCompletion?.getTime() ?? null,
    });
  }

  async jobStarted(_info: JobStartInfo, s: ProgressSnapshot): Promise<void> {
    await this.progress(s);
  }

  async symbolStarted(symbol: string, s: ProgressSnapshot): Promise<void> {
    await this.store.recordSymbolStatus({
      runId: s.jobId,
      phase: DATA_IMPORT_PHASE,
      symbol,
      status: 'processing',
      retryCount: this.retryCount(symbol),
    });
  }

  async symbolFinished(r: SymbolResult, s: ProgressSnapshot): Promise<void> {
    await this.store.recordSymbolStatus({
      runId: s.jobId,
      phase: DATA_IMPORT_PHASE,
      symbol: r.symbol,
      status: r.ok ? 'completed' : 'failed',
      errorMessage: r.ok ? null : this.scrubber.scrub(`${r.errorCode}: ${r.errorMessage ?? ''}`),
      retryCount: this.retryCount(r.symbol),
      processingTimeMs: r.processingTimeMs,
    });
    await this.progress(s);
  }

  /** Closes the row of a symbol a cancel, shutdown or fatal error stopped: `interrupted`, never `failed`. */
  async symbolInterrupted(r: SymbolResult, s: ProgressSnapshot): Promise<void> {
    await this.store.recordSymbolStatus({
      runId: s.jobId,
      phase: DATA_IMPORT_PHASE,
      symbol: r.symbol,
      status: 'interrupted',
      errorMessage: this.scrubber.scrub(r.errorMessage ?? 'stopped before it finished'),
      retryCount: this.retryCount(r.symbol),
      processingTimeMs: r.processingTimeMs,
    });
  }

  async jobFinished(_o: JobOutcome, s: ProgressSnapshot): Promise<void> {
    await this.progress(s);
  }
}
