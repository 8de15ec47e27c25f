/** Counts jobs, symbols and bars into the worker's Prometheus metrics. */
import type { JobReporter } from '../engine/progress.js';
import type { JobOutcome, SymbolResult } from '../engine/types.js';
import type { RunnerMetrics } from '../metrics.js';

export class MetricsReporter implements JobReporter {
  readonly name = 'metrics';
  constructor(private readonly metrics: RunnerMetrics) {}

  jobStarted(): void {
    this.metrics.jobsRunning.inc();
  }

  symbolFinished(r: SymbolResult): void {
    this.metrics.symbols.inc({ result: r.ok ? 'ok' : 'failed' });
    for (const t of r.timeframes) {
      if (t.written) this.metrics.bars.inc({ timeframe: t.timeframe, outcome: 'written' }, t.written);
      if (t.unchanged) this.metrics.bars.inc({ timeframe: t.timeframe, outcome: 'unchanged' }, t.unchanged);
      if (t.rejected) this.metrics.bars.inc({ timeframe: t.timeframe, outcome: 'rejected' }, t.rejected);
    }
  }

  symbolInterrupted(): void {
    this.metrics.symbols.inc({ result: 'interrupted' });
  }

  jobAbandoned(): void {
    this.metrics.jobsRunning.dec();
  }

  jobFinished(o: JobOutcome): void {
    this.metrics.jobsRunning.dec();
    this.metrics.jobs.inc({ status: o.status });
  }
}
