/** Structured log lines for a job's life (the logger scrubs secrets from every line). */
import type { JobReporter, JobStartInfo } from '../engine/progress.js';
import type { JobOutcome, SymbolResult } from '../engine/types.js';
import type { Logger } from '../logging/logger.js';

export class LogReporter implements JobReporter {
  readonly name = 'log';
  constructor(private readonly logger: Logger) {}

  jobStarted(info: JobStartInfo): void {
    this.logger.info(
      { jobId: info.job.jobId, jobType: info.job.jobType, symbols: info.symbols.length, ranges: info.job.ranges },
      'job started',
    );
  }

  symbolFinished(r: SymbolResult): void {
    const fields = { symbol: r.symbol, records: r.recordsImported, ms: r.processingTimeMs };
    if (r.ok) this.logger.debug(fields, 'symbol loaded');
    else this.logger.warn({ ...fields, code: r.errorCode, error: r.errorMessage }, 'symbol failed');
  }

  jobFinished(o: JobOutcome): void {
    const level = o.status === 'completed' ? 'info' : o.status === 'failed' ? 'error' : 'warn';
    this.logger[level](
      {
        jobId: o.jobId,
        status: o.status,
        symbols: o.symbolsTotal,
        failed: o.failedSymbols.length,
        records: o.recordsImported,
        seconds: (o.completedAt.getTime() - o.startedAt.getTime()) / 1000,
        code: o.errorCode,
      },
      o.message,
    );
  }
}
