/**
 * Reports a job where the TickStock app reads it: the status key (JobStatusWriter: the JSON key, the app's own
 * `job:status:{id}` when it created one, the status channel), the import lifecycle events on the channels each of the
 * app's subscribers reads them from (`EventPublisher.importEvent`), and an error event on `tickstock:errors` for
 * every failed symbol and failed job. Interrupted symbols are counted as interrupted, never as failed. Every text
 * passes through the secret scrubber first.
 */

import type { RedisClient } from '@tickstock/job-protocol';
import { type EventPublisher, type JobLease, JobStatusWriter, type JobStatusWriterOptions, ProtocolError } from '@tickstock/job-protocol';
import type { JobReporter, JobStartInfo, NoteOptions, ProgressSnapshot } from '../engine/progress.js';
import { describeRejected } from '../engine/rejected-bars.js';
import type { JobOutcome, SymbolResult } from '../engine/types.js';
import type { SecretScrubber } from '../logging/secrets.js';

export interface RedisStatusReporterOptions {
  redis: RedisClient;
  events: EventPublisher;
  scrubber: SecretScrubber;
  /** Universe names for `data_import_started` (e.g. the CSV file or universe key). */
  universeNames: string[];
  /** Passed to JobStatusWriter (throttling, pre-write wait, extra fields). */
  writer?: Partial<Omit<JobStatusWriterOptions, 'jobId' | 'jobType'>>;
  /** Minimum ms between `job_progress_update` events (the final one always goes). Default 1000. */
  progressEventIntervalMs?: number;
  /**
   * The coordinator's lease on the job. With it every status write is fenced (refused once another coordinator took
   * the job over; never backwards; nothing after a final status), `data_import_started` and `data_import_completed`
   * go out once per job whoever coordinates it, and nothing at all is published once the lease is lost.
   */
  lease?: JobLease | undefined;
  /** Called once when a write finds the lease lost: the coordinator stops. */
  onLeaseLost?: (() => void) | undefined;
  now?: () => number;
}

const isCode = (e: unknown, code: string) => e instanceof ProtocolError && e.code === code;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export class RedisStatusReporter implements JobReporter {
  readonly name = 'redis-status';
  private writer: JobStatusWriter | undefined;
  private lastProgressEvent = Number.NEGATIVE_INFINITY;
  private readonly now: () => number;

  constructor(private readonly options: RedisStatusReporterOptions) {
    this.now = options.now ?? Date.now;
  }

  private lost = false;

  private leaseLost(): void {
    if (this.lost) return;
    this.lost = true;
    this.options.onLeaseLost?.();
  }

  /** False once the lease is lost (checked in Redis when there is one): nothing more is published. */
  private async mayPublish(): Promise<boolean> {
    const lease = this.options.lease;
    if (this.lost) return false;
    if (!lease) return true;
    if (await lease.holds()) return true;
    this.leaseLost();
    return false;
  }

  /** Runs a status write; a lost lease stops the reporter (and the coordinator) instead of failing. */
  private async status<T>(write: () => Promise<T>): Promise<T | undefined> {
    if (this.lost) return undefined;
    try {
      return await write();
    } catch (e) {
      if (isCode(e, 'LEASE_LOST')) {
        this.leaseLost();
        return undefined;
      }
      throw e;
    }
  }

  /** True when this coordinator is the first to publish `event` for the job (always, without a lease). */
  private async firstTime(event: string): Promise<boolean> {
    const lease = this.options.lease;
    if (this.lost) return false;
    if (!lease) return true;
    const claim = await lease.claimOnce(event);
    if (claim === 'lost') this.leaseLost();
    return claim === 'claimed';
  }

  private statusFields(s: ProgressSnapshot) {
    return {
      total_symbols: s.symbolsTotal,
      processed_symbols: s.processed,
      current_symbol: s.currentSymbol,
      successful_symbols: [...s.successfulSymbols],
      failed_symbols: [...s.failedSymbols],
      ...(s.interrupted ? { interrupted_symbols: [...s.interruptedSymbols] } : {}),
      symbols_loaded: s.successful,
      ohlcv_records_loaded: s.recordsImported,
      progress: s.percent,
      message: this.options.scrubber.scrub(s.message),
    };
  }

  private progressPayload(s: ProgressSnapshot) {
    return {
      run_id: s.jobId,
      phase: 'data_import',
      total_symbols: s.symbolsTotal,
      completed: s.successful,
      failed: s.failed,
      processed: s.processed,
      remaining: Math.max(0, s.symbolsTotal - s.processed - s.interrupted),
      percentage: s.percent,
      interrupted: s.interrupted,
      current_symbol: s.currentSymbol,
      estimated_completion: iso(s.estimatedCompletion),
      avg_processing_time_ms: s.avgSymbolMs,
    };
  }

  async jobStarted(info: JobStartInfo, s: ProgressSnapshot): Promise<void> {
    this.writer = new JobStatusWriter(this.options.redis, {
      ...this.options.writer,
      jobId: info.job.jobId,
      jobType: info.job.jobType,
      totalSymbols: info.symbols.length,
      ...(this.options.lease ? { lease: this.options.lease } : {}),
    });
    const writer = this.writer;
    await this.status(() => writer.start(this.statusFields(s)));
    if (!(await this.firstTime('data_import_started'))) return;
    const lookback: Record<string, number> = {};
    for (const r of info.job.ranges) {
      // Days back from the range's end, as asked (`lookback_days: 10` is a range from today - 10 to today).
      lookback[r.timeframe] = Math.round((Date.parse(`${r.to}T00:00:00Z`) - Date.parse(`${r.from}T00:00:00Z`)) / 86_400_000);
    }
    const requests = info.plan?.requests;
    await this.options.events.importEvent('data_import_started', {
      run_id: info.job.jobId,
      universe_names: this.options.universeNames,
      total_symbols: info.symbols.length,
      timeframes: info.job.ranges.map((r) => r.timeframe),
      lookback_days: lookback,
      ...(requests
        ? {
            planned_requests: {
              total: requests.total,
              details: requests.details,
              grouped_daily: requests.grouped,
              per_ticker: requests.perTicker,
              ...(requests.splits ? { splits_check: requests.splits } : {}),
            },
          }
        : {}),
    });
  }

  async jobNote(s: ProgressSnapshot, options: NoteOptions = {}): Promise<void> {
    const force = options.urgent === true;
    await this.status(async () => this.writer?.update({ message: this.options.scrubber.scrub(s.message) }, { force }));
  }

  async symbolFinished(r: SymbolResult, s: ProgressSnapshot): Promise<void> {
    await this.status(async () => this.writer?.update(this.statusFields(s)));
    if (!(await this.mayPublish())) return;
    await this.options.events.importEvent('symbol_processing_complete', {
      run_id: s.jobId,
      symbol: r.symbol,
      success: r.ok,
      timeframes_processed: r.timeframes.filter((t) => !t.error).map((t) => t.timeframe),
      records_imported: r.recordsImported,
      processing_time_ms: r.processingTimeMs,
    });
    if (r.readjusted) {
      const splits = r.readjusted.splits;
      const latest = splits.reduce((a, x) => (x.executionDate > a.executionDate ? x : a));
      await this.options.events.importEvent('symbol_history_readjusted', {
        run_id: s.jobId,
        symbol: r.symbol,
        execution_date: latest.executionDate,
        ratio: splits.reduce((k, x) => (k * x.splitTo) / x.splitFrom, 1),
        splits: splits.map((x) => ({ execution_date: x.executionDate, split_from: x.splitFrom, split_to: x.splitTo })),
        rows_rewritten: r.readjusted.rowsRewritten,
      });
    }
    if (!r.ok && r.errorCode !== 'ABORTED') {
      await this.options.events.error({
        severity: 'warning',
        code: r.errorCode,
        component: 'data_load',
        message: this.options.scrubber.scrub(`${r.symbol}: ${r.errorMessage ?? r.errorCode}`),
        context: { job_id: s.jobId, symbol: r.symbol, code: r.errorCode },
      });
    }
    const t = this.now();
    if (t - this.lastProgressEvent >= (this.options.progressEventIntervalMs ?? 1000) || s.processed === s.symbolsTotal) {
      this.lastProgressEvent = t;
      await this.options.events.importEvent('job_progress_update', this.progressPayload(s));
    }
  }

  async jobFinished(o: JobOutcome, s: ProgressSnapshot): Promise<void> {
    const scrub = (x: string) => this.options.scrubber.scrub(x);
    if (!(await this.mayPublish())) return;
    await this.options.events.importEvent('job_progress_update', this.progressPayload(s));
    const writer =
      this.writer ??
      new JobStatusWriter(this.options.redis, {
        ...this.options.writer,
        jobId: o.jobId,
        jobType: s.jobType,
        totalSymbols: o.symbolsTotal,
        ...(this.options.lease ? { lease: this.options.lease } : {}),
      });
    let final: Awaited<ReturnType<JobStatusWriter['finish']>> | undefined;
    try {
      final = await this.status(() =>
        writer.finish(o.status, {
          ...this.statusFields(s),
          interrupted_symbols: [...o.interruptedSymbols],
          has_errors: o.hasErrors,
          ...(o.rejectedBars ? { rejected_bars: o.rejectedBars.total } : {}),
          ...(o.duplicateBars ? { duplicate_bars: o.duplicateBars.total } : {}),
          message: scrub(o.message),
          error_message: o.errorMessage ? scrub(o.errorMessage) : o.hasErrors ? scrub(o.message) : null,
        }),
      );
    } catch (e) {
      // Another coordinator already settled the job: its final status stands, and its events went out.
      if (isCode(e, 'STATUS_FINAL')) return;
      throw e;
    }
    if (!final || !(await this.firstTime('data_import_completed'))) return;
    const duration = (o.completedAt.getTime() - o.startedAt.getTime()) / 1000;
    await this.options.events.importEvent('data_import_completed', {
      run_id: o.jobId,
      duration_seconds: Math.round(duration * 1000) / 1000,
      total_symbols: o.symbolsTotal,
      successful_symbols: o.successfulSymbols.length,
      failed_symbols: o.failedSymbols.length,
      success_count: o.successfulSymbols.length,
      failure_count: o.failedSymbols.length,
      interrupted_symbols: o.interruptedSymbols.length,
      total_records_imported: o.recordsImported,
      success_rate: o.symbolsTotal ? Math.round((o.successfulSymbols.length / o.symbolsTotal) * 10_000) / 100 : 0,
      status: final.status,
      has_errors: o.hasErrors,
    });
    if (o.rejectedBars) {
      // One per job, with the counts: bars the API served that were not stored are never silent.
      await this.options.events.error({
        severity: 'warning',
        code: 'BARS_REJECTED',
        component: 'data_load',
        message: scrub(`job ${o.jobId}: ${describeRejected(o.rejectedBars)}`),
        context: {
          job_id: o.jobId,
          rejected: o.rejectedBars.total,
          by_reason: o.rejectedBars.byReason,
          by_symbol: o.rejectedBars.bySymbol,
        },
      });
    }
    if (o.status === 'failed') {
      await this.options.events.error({
        severity: 'error',
        code: o.errorCode,
        component: 'data_load',
        message: scrub(`job ${o.jobId}: ${o.message}`),
        context: { job_id: o.jobId, code: o.errorCode ?? null },
      });
    }
  }
}
