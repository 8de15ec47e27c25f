/**
 * A daily import's row in `processing_runs`: written before the run starts (so its status is readable at once),
 * updated as symbols finish (records imported), and settled with the final status. Retries update the same row.
 */
import type { OhlcvStore, RunRow } from '@tickstock/ohlcv-store';
import type { JobReporter, ProgressSnapshot } from '../engine/progress.js';
import type { JobOutcome, SymbolResult, Timeframe, TimeframeRange } from '../engine/types.js';
import { TIMEFRAMES } from '../engine/types.js';
import type { SecretScrubber } from '../logging/secrets.js';
import type { ImportSpec } from './request.js';

/** Statuses of an import run. */
export type ImportRunStatus = 'running' | 'completed' | 'failed' | 'cancelled';

/** Where a run came from. */
export type ImportOrigin = 'api' | 'schedule' | 'cli';

/** What `processing_runs.params` holds for an import (snake_case: the app may read it). */
export interface ImportRunParams {
  universes: string[];
  symbols: string[];
  timeframes: Timeframe[];
  lookback_days: Partial<Record<Timeframe, number>>;
  full_reload: boolean;
  continue_on_error: boolean;
  success_threshold: number;
  requested_by: string | null;
  origin: ImportOrigin;
  ranges: TimeframeRange[];
  symbols_total: number;
}

export function runParams(spec: ImportSpec, ranges: TimeframeRange[], origin: ImportOrigin, symbolsTotal: number): ImportRunParams {
  return {
    universes: spec.universes,
    symbols: spec.symbols,
    timeframes: spec.timeframes,
    lookback_days: spec.lookbackDays,
    full_reload: spec.fullReload,
    continue_on_error: spec.continueOnError,
    success_threshold: spec.successThreshold,
    requested_by: spec.requestedBy ?? null,
    origin,
    ranges,
    symbols_total: symbolsTotal,
  };
}

/** The spec a stored run was started with (for retries); tolerant of fields a newer version may add. */
export function specFromParams(params: Record<string, unknown>): ImportSpec {
  const p = params as Partial<ImportRunParams>;
  const timeframes = TIMEFRAMES.filter((t) => Array.isArray(p.timeframes) && p.timeframes.includes(t));
  return {
    universes: Array.isArray(p.universes) ? p.universes.map(String) : [],
    symbols: Array.isArray(p.symbols) ? p.symbols.map(String) : [],
    timeframes,
    lookbackDays: typeof p.lookback_days === 'object' && p.lookback_days ? p.lookback_days : {},
    fullReload: p.full_reload === true,
    continueOnError: p.continue_on_error !== false,
    successThreshold: typeof p.success_threshold === 'number' ? p.success_threshold : 0.8,
    requestedBy: typeof p.requested_by === 'string' ? p.requested_by : undefined,
  };
}

/** How a finished attempt settles the run's row. */
export type RunSettler = (outcome: JobOutcome) => { status: ImportRunStatus; message: string };

const settleAsIs: RunSettler = (o) => ({ status: o.status === 'completed_with_errors' ? 'completed' : o.status, message: o.message });

/** Keeps one run's row current. Records already in the row (earlier attempts, before a retry) are added to. */
export class ImportRunRecorder implements JobReporter {
  readonly name = 'import-run';
  private row: RunRow;
  private readonly baseRecords: number;

  constructor(
    private readonly store: OhlcvStore,
    private readonly scrubber: SecretScrubber,
    row: Omit<RunRow, 'updatedAt'>,
    private readonly settle: RunSettler = settleAsIs,
  ) {
    this.row = { ...row, updatedAt: row.startedAt };
    this.baseRecords = row.recordsImported;
  }

  /** Writes the row as `running` (before the run starts, so its status can be read at once). */
  async begin(): Promise<void> {
    this.row = { ...this.row, status: 'running', completedAt: null };
    await this.store.saveRun(this.row);
  }

  async symbolFinished(_r: SymbolResult, s: ProgressSnapshot): Promise<void> {
    this.row = { ...this.row, recordsImported: this.baseRecords + s.recordsImported };
    await this.store.saveRun(this.row);
  }

  async jobFinished(o: JobOutcome): Promise<void> {
    const { status, message } = this.settle(o);
    this.row = {
      ...this.row,
      status,
      message: this.scrubber.scrub(message),
      recordsImported: this.baseRecords + o.recordsImported,
      completedAt: o.completedAt.getTime(),
    };
    await this.store.saveRun(this.row);
  }

  /** Marks the run failed when it could not run at all (e.g. its symbols could not be resolved). */
  async fail(message: string, at: number): Promise<void> {
    this.row = { ...this.row, status: 'failed', message: this.scrubber.scrub(message), completedAt: at };
    await this.store.saveRun(this.row);
  }
}
