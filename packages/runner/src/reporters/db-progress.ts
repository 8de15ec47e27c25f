/** Writes a job's progress to `processing_progress` and `symbol_processing_status` (phase `data_import`). */
import type { OhlcvStore } from '@tickstock/ohlcv-store';
import type { JobReporter, JobStartInfo, ProgressSnapshot } from '../engine/progress.js';
import type { JobOutcome, SymbolResult } from '../engine/types.js';
import type { SecretScrubber } from '../logging/secrets.js';

export const DATA_IMPORT_PHASE = 'data_import';

export class DbProgressReporter implements JobReporter {
  readonly name = 'db-progress';

  constructor(
    private readonly store: OhlcvStore,
    private readonly scrubber: SecretScrubber,
    private readonly retryCount = 0,
  ) {}

  private progress(s: ProgressSnapshot) {
    return this.store.recordProgress({
      runId: s.jobId,
      phase: DATA_IMPORT_PHASE,
      totalItems: s.symbolsTotal,
      completedItems: s.successful,
      failedItems: s.failed,
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
      retryCount: this.retryCount,
    });
  }

  async symbolFinished(r: SymbolResult, s: ProgressSnapshot): Promise<void> {
    await this.store.recordSymbolStatus({
      runId: s.jobId,
      phase: DATA_IMPORT_PHASE,
      symbol: r.symbol,
      status: r.ok ? 'completed' : 'failed',
      errorMessage: r.ok ? null : this.scrubber.scrub(`${r.errorCode}: ${r.errorMessage ?? ''}`),
      retryCount: this.retryCount,
      processingTimeMs: r.processingTimeMs,
    });
    await this.progress(s);
  }

  async jobFinished(_o: JobOutcome, s: ProgressSnapshot): Promise<void> {
    await this.progress(s);
  }
}
