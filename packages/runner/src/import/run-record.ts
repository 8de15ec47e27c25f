/**
 * A daily import's row in `processing_runs` (the app's table): written before the run starts (so its status is
 * readable at once), updated as symbols finish, and settled with the final status. Retries update the same row.
 *
 * The row speaks the app's language, since the app's processing history shows it (its page paints only `success`
 * green): `status` is `running`, then `success` (our `completed`, with or without failed symbols: `symbols_failed`
 * and `error_message` tell), `failed` or `cancelled`; `phase` is `data_import` while running (and when cancelled: where
 * it stopped), then `completed` or `error` as the app's own runs end; `trigger_type` is `automatic` for scheduled
 * runs and `manual` for the API and the CLI; `symbols_processed` counts the symbols loaded, `symbols_failed` the
 * failed ones. Our own data (`kind: data_import`, params, records imported, retry count, message) is in `metadata`.
 */

import type { Timeframe } from '@tickstock/market-time';
import { TIMEFRAMES } from '@tickstock/market-time';
import type { OhlcvStore, RunRecord } from '@tickstock/ohlcv-store';
import type { JobReporter, ProgressSnapshot } from '../engine/progress.js';
import type { JobOutcome, SymbolResult, TimeframeRange } from '../engine/types.js';
import type { SecretScrubber } from '../logging/secrets.js';
import { DATA_IMPORT_PHASE, type ProgressBaseline } from '../reporters/db-progress.js';
import type { ImportSpec } from './request.js';

/** Statuses of an import run. */
export type ImportRunStatus = 'running' | 'completed' | 'failed' | 'cancelled';

/** Where a run came from. */
export type ImportOrigin = 'api' | 'schedule' | 'cli';

/** `processing_runs.metadata.kind` of import runs: how their rows are told from the app's own. */
export const IMPORT_RUN_KIND = DATA_IMPORT_PHASE;

/** `processing_runs.status` of each import status (the app's words). */
export const RUN_ROW_STATUS: Readonly<Record<ImportRunStatus, string>> = {
  running: 'running',
  completed: 'success',
  failed: 'failed',
  cancelled: 'cancelled',
};

/** `processing_runs.phase` a run is in (while running) or ends in. */
export const RUN_ROW_PHASE: Readonly<Record<ImportRunStatus, string>> = {
  running: DATA_IMPORT_PHASE,
  completed: 'completed',
  failed: 'error',
  cancelled: DATA_IMPORT_PHASE,
};

/** An import run's status from its row's (`success`, and the `completed` rows written before it, are `completed`). */
export function importRunStatus(rowStatus: string): ImportRunStatus {
  if (rowStatus === 'success' || rowStatus === 'completed') return 'completed';
  if (rowStatus === 'failed' || rowStatus === 'cancelled' || rowStatus === 'running') return rowStatus;
  return 'failed';
}

/** `trigger_type` of a run: `automatic` when the schedule started it, else `manual`. */
export function triggerTypeOf(origin: ImportOrigin | undefined): 'automatic' | 'manual' {
  return origin === 'schedule' ? 'automatic' : 'manual';
}

/** What `processing_runs.metadata.params` holds for an import (snake_case: the app may read it). */
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

/**
 * Keeps one run's row current. Records already in the row (earlier attempts, before a retry) are added to; a retry's
 * `baseline` holds the run's symbols it does not touch, so the row's counts keep describing the whole run.
 */
export class ImportRunRecorder implements JobReporter {
  readonly name = 'import-run';
  private row: RunRecord;
  private readonly baseRecords: number;

  constructor(
    private readonly store: OhlcvStore,
    private readonly scrubber: SecretScrubber,
    row: RunRecord,
    private readonly settle: RunSettler = settleAsIs,
    private readonly baseline?: ProgressBaseline,
  ) {
    this.row = { ...row, kind: IMPORT_RUN_KIND };
    this.baseRecords = row.recordsImported;
  }

  private counts(successful: number, failed: number): Pick<RunRecord, 'symbolsTotal' | 'symbolsProcessed' | 'symbolsFailed'> {
    return {
      symbolsTotal: this.baseline ? this.baseline.total : (this.row.symbolsTotal ?? 0),
      symbolsProcessed: (this.baseline?.completed ?? 0) + successful,
      symbolsFailed: (this.baseline?.failed ?? 0) + failed,
    };
  }

  /** Writes the row as `running` (before the run starts, so its status can be read at once). */
  async begin(): Promise<void> {
    this.row = {
      ...this.row,
      ...this.counts(0, 0),
      status: RUN_ROW_STATUS.running,
      phase: RUN_ROW_PHASE.running,
      errorMessage: null,
      completedAt: null,
    };
    await this.store.saveRun(this.row);
  }

  async symbolFinished(_r: SymbolResult, s: ProgressSnapshot): Promise<void> {
    this.row = { ...this.row, ...this.counts(s.successful, s.failed), recordsImported: this.baseRecords + s.recordsImported };
    await this.store.saveRun(this.row);
  }

  async jobFinished(o: JobOutcome): Promise<void> {
    const { status, message } = this.settle(o);
    const scrubbed = this.scrubber.scrub(message);
    const counts = this.counts(o.successfulSymbols.length, o.failedSymbols.length);
    const clean = status === 'completed' && counts.symbolsFailed === 0 && !o.hasErrors;
    this.row = {
      ...this.row,
      ...counts,
      status: RUN_ROW_STATUS[status],
      phase: RUN_ROW_PHASE[status],
      message: scrubbed,
      errorMessage: clean ? null : scrubbed,
      recordsImported: this.baseRecords + o.recordsImported,
      completedAt: o.completedAt.getTime(),
    };
    await this.store.saveRun(this.row);
  }

  /** Marks the run failed when it could not run at all (e.g. its symbols could not be resolved). */
  async fail(message: string, at: number): Promise<void> {
    const scrubbed = this.scrubber.scrub(message);
    this.row = {
      ...this.row,
      status: RUN_ROW_STATUS.failed,
      phase: RUN_ROW_PHASE.failed,
      message: scrubbed,
      errorMessage: scrubbed,
      completedAt: at,
    };
    await this.store.saveRun(this.row);
  }
}
