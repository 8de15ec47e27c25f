/**
 * One progress tracker per job. It owns the counts and fans every change out to the job's reporters (Redis
 * status and events, progress tables, the CLI's progress bar, metrics), so they can never disagree.
 * A reporter that throws is logged and skipped: reporting never fails a load.
 */
import type { FinalJobStatus } from '@tickstock/job-protocol';
import { describeRequests, type JobPlan } from '../planning/request-plan.js';
import type { JobOutcome, LoadJob, SymbolResult } from './types.js';

export interface ProgressSnapshot {
  jobId: string;
  jobType: string;
  status: 'running' | FinalJobStatus;
  symbolsTotal: number;
  processed: number;
  successful: number;
  failed: number;
  /** Symbols a cancel, shutdown or fatal error stopped: not in `processed`, neither successful nor failed. */
  interrupted: number;
  currentSymbol: string | null;
  successfulSymbols: readonly string[];
  failedSymbols: readonly string[];
  interruptedSymbols: readonly string[];
  /** Bars written by every symbol so far, interrupted ones included (their bars are kept). */
  recordsImported: number;
  /**
   * Integer 0-100: floor(100 × processed / total), processed = successful + failed. 100 once the job completed; a
   * failed or cancelled job keeps what it reached (0 when it had no symbols).
   */
  percent: number;
  startedAt: Date;
  estimatedCompletion: Date | null;
  avgSymbolMs: number;
  message: string;
}

export interface JobStartInfo {
  job: LoadJob;
  symbols: readonly string[];
  /** The job's request plan (how many API requests it will send, and how), when it has symbols. */
  plan?: JobPlan | undefined;
}

export interface NoteOptions {
  /** Written at once, not throttled. */
  urgent?: boolean;
}

export interface JobReporter {
  readonly name: string;
  jobStarted?(info: JobStartInfo, snapshot: ProgressSnapshot): void | Promise<void>;
  symbolStarted?(symbol: string, snapshot: ProgressSnapshot): void | Promise<void>;
  symbolFinished?(result: SymbolResult, snapshot: ProgressSnapshot): void | Promise<void>;
  /** A symbol stopped before it finished (cancel, shutdown, fatal error): its partial result. */
  symbolInterrupted?(result: SymbolResult, snapshot: ProgressSnapshot): void | Promise<void>;
  /** A note on the job's progress outside any symbol (e.g. the grouped-daily pass): the snapshot's message. */
  jobNote?(snapshot: ProgressSnapshot, options: NoteOptions): void | Promise<void>;
  jobFinished?(outcome: JobOutcome, snapshot: ProgressSnapshot): void | Promise<void>;
  /**
   * The job left this process unsettled (handed back to the queue on shutdown, or taken over by another
   * coordinator): no `jobFinished` follows here. Counters of running jobs go down.
   */
  jobAbandoned?(snapshot: ProgressSnapshot): void | Promise<void>;
}

export type ReporterErrorHandler = (reporter: string, error: unknown) => void;

export class ProgressTracker {
  private readonly successful: string[] = [];
  private readonly failed: string[] = [];
  private readonly interrupted: string[] = [];
  private readonly inFlight = new Set<string>();
  private records = 0;
  private totalMs = 0;
  private total = 0;
  private status: ProgressSnapshot['status'] = 'running';
  private message = 'starting';
  private begun = false;
  readonly startedAt: Date;

  constructor(
    private readonly job: LoadJob,
    private readonly reporters: readonly JobReporter[],
    private readonly onReporterError: ReporterErrorHandler = () => {},
    private readonly now: () => number = Date.now,
  ) {
    this.startedAt = new Date(this.now());
  }

  snapshot(): ProgressSnapshot {
    const processed = this.successful.length + this.failed.length;
    const avg = processed ? this.totalMs / processed : 0;
    const elapsed = this.now() - this.startedAt.getTime();
    const remaining = this.total - processed;
    const rate = processed && elapsed > 0 ? elapsed / processed : 0;
    return {
      jobId: this.job.jobId,
      jobType: this.job.jobType,
      status: this.status,
      symbolsTotal: this.total,
      processed,
      successful: this.successful.length,
      failed: this.failed.length,
      interrupted: this.interrupted.length,
      currentSymbol: [...this.inFlight].at(-1) ?? null,
      successfulSymbols: this.successful,
      failedSymbols: this.failed,
      interruptedSymbols: this.interrupted,
      recordsImported: this.records,
      percent:
        this.status === 'completed' || this.status === 'completed_with_errors'
          ? 100
          : this.total
            ? Math.min(100, Math.floor((processed / this.total) * 100))
            : 0,
      startedAt: this.startedAt,
      estimatedCompletion: this.status === 'running' && processed && remaining > 0 ? new Date(this.now() + rate * remaining) : null,
      avgSymbolMs: Math.round(avg),
      message: this.message,
    };
  }

  private async emit(call: (r: JobReporter) => void | Promise<void> | undefined): Promise<void> {
    for (const r of this.reporters) {
      try {
        await call(r);
      } catch (error) {
        this.onReporterError(r.name, error);
      }
    }
  }

  async started(symbols: readonly string[], plan?: JobPlan): Promise<void> {
    this.begun = true;
    this.total = symbols.length;
    this.message =
      `loading ${symbols.length} symbol${symbols.length === 1 ? '' : 's'}` + (plan ? `: ${describeRequests(plan.requests)} planned` : '');
    const snap = this.snapshot();
    await this.emit((r) => r.jobStarted?.({ job: this.job, symbols, plan }, snap));
  }

  /**
   * Reports `message` as the job's progress (throttled by each reporter as it sees fit; an `urgent` note is written
   * at once: it may be the last word for a while, e.g. "waiting for the database").
   */
  async note(message: string, options: NoteOptions = {}): Promise<void> {
    this.message = message;
    const snap = this.snapshot();
    await this.emit((r) => r.jobNote?.(snap, options));
  }

  async symbolStarted(symbol: string): Promise<void> {
    this.inFlight.add(symbol);
    const snap = this.snapshot();
    await this.emit((r) => r.symbolStarted?.(symbol, snap));
  }

  async symbolFinished(result: SymbolResult): Promise<void> {
    this.inFlight.delete(result.symbol);
    this.records += result.recordsImported;
    if (result.interrupted && !result.ok) {
      // Stopped by a cancel, shutdown or fatal error: neither loaded nor failed; the final status says how many.
      this.interrupted.push(result.symbol);
      const snap = this.snapshot();
      await this.emit((r) => r.symbolInterrupted?.(result, snap));
      return;
    }
    (result.ok ? this.successful : this.failed).push(result.symbol);
    this.totalMs += result.processingTimeMs;
    this.message = result.ok ? `Loaded ${result.symbol}` : `Failed ${result.symbol}: ${result.errorCode}`;
    const snap = this.snapshot();
    await this.emit((r) => r.symbolFinished?.(result, snap));
  }

  /** Symbols that started and have not reported (yet). */
  unfinishedSymbols(): string[] {
    return [...this.inFlight];
  }

  /** The job leaves this process without being settled here (see {@link JobReporter.jobAbandoned}). */
  async abandoned(): Promise<void> {
    if (!this.begun) return;
    this.inFlight.clear();
    const snap = this.snapshot();
    await this.emit((r) => r.jobAbandoned?.(snap));
  }

  async finished(outcome: JobOutcome): Promise<void> {
    this.status = outcome.status;
    this.message = outcome.message;
    this.inFlight.clear();
    const snap = this.snapshot();
    await this.emit((r) => r.jobFinished?.(outcome, snap));
  }
}
