/** The status of an import run as the processing API answers it, read from the database (any worker can answer). */
import type { OhlcvStore } from '@tickstock/ohlcv-store';
import { DATA_IMPORT_PHASE } from '../reporters/db-progress.js';
import { IMPORT_RUN_KIND, type ImportOrigin, importRunStatus, RUN_ROW_STATUS, triggerTypeOf } from './run-record.js';

/** `GET /api/processing/import/status/{run_id}`. */
export interface ImportStatusView {
  run_id: string;
  status: string;
  phase: typeof DATA_IMPORT_PHASE;
  progress: {
    /** (loaded + failed) / total, 0-100 with two decimals. */
    percentage: number;
    /** Symbols finished, loaded or failed. */
    symbols_completed: number;
    symbols_total: number;
    current_symbol: string | null;
    /** ISO time, while running and once a symbol has finished. */
    estimated_completion: string | null;
  };
  stats: {
    records_imported: number;
    failed_symbols: string[];
    avg_symbol_time_ms: number;
  };
  message: string | null;
  retry_count: number;
  started_at: string;
  completed_at: string | null;
}

export async function readImportStatus(store: OhlcvStore, runId: string): Promise<ImportStatusView | null> {
  const run = await store.getRun(runId);
  if (!run || run.kind !== IMPORT_RUN_KIND) return null;
  const progress = (await store.getProgress(runId)).find((p) => p.phase === DATA_IMPORT_PHASE);
  const statuses = await store.getSymbolStatuses(runId, DATA_IMPORT_PHASE);
  const finished = statuses.filter((s) => s.status === 'completed' || s.status === 'failed');
  const times = finished.map((s) => s.processingTimeMs).filter((t): t is number => t !== null);
  const status = importRunStatus(run.status);
  const running = status === 'running';
  const total = progress?.totalItems ?? (Number(run.params.symbols_total) || run.symbolsTotal);
  return {
    run_id: run.runId,
    status,
    phase: DATA_IMPORT_PHASE,
    progress: {
      percentage: progress?.percentComplete ?? 0,
      symbols_completed: progress ? progress.completedItems + progress.failedItems : 0,
      symbols_total: total,
      current_symbol: running ? (progress?.currentItem ?? null) : null,
      estimated_completion: running && progress?.estimatedCompletion ? new Date(progress.estimatedCompletion).toISOString() : null,
    },
    stats: {
      records_imported: run.recordsImported,
      failed_symbols: statuses.filter((s) => s.status === 'failed').map((s) => s.symbol),
      avg_symbol_time_ms: times.length ? Math.round(times.reduce((a, b) => a + b, 0) / times.length) : 0,
    },
    message: run.message,
    retry_count: run.retryCount,
    started_at: new Date(run.startedAt).toISOString(),
    completed_at: run.completedAt === null ? null : new Date(run.completedAt).toISOString(),
  };
}

/** Where an import run is in progress, as far as this worker can tell (see `ImportCoordinator.current`). */
export interface RunningImport {
  runId: string;
  /** The worker running it (host-pid), when known. */
  owner: string | null;
  /** True when it runs in this process. */
  here: boolean;
}

/**
 * `GET /api/processing/status`, in the shape the app's `TickStockPLAPIClient.get_status` reads: `is_running, run_id,
 * current_phase, progress, symbols_processed, symbols_total, start_time, estimated_completion` (the other fields are
 * for people and other clients). Idle, `run_id` is the latest import run's (the app's "Retry Failed Imports" retries it).
 */
export interface ProcessingStatusView {
  success: true;
  is_running: boolean;
  run_id: string | null;
  /** `data_import` while a run is in progress, else `idle`. */
  current_phase: 'data_import' | 'idle';
  /**
   * Whole percent of the run's symbols finished, loaded or failed: floor(100 × (loaded + failed) / total); 100 once
   * the run completed; a failed or cancelled run keeps what it reached; 0 without a run.
   */
  progress: number;
  /** Symbols loaded (the app counts failures apart, in `symbols_failed`). */
  symbols_processed: number;
  symbols_failed: number;
  symbols_total: number;
  /** Symbols finished, loaded or failed (what `progress` counts; the app's page calls it `symbols_completed`). */
  symbols_completed: number;
  current_symbol: string | null;
  start_time: string | null;
  end_time: string | null;
  estimated_completion: string | null;
  /** The run's status in `processing_runs` (the app's words: `running`, `success`, `failed`, `cancelled`), or null. */
  status: string | null;
  message: string | null;
  /** The worker running it (host-pid), when it runs. */
  worker: string | null;
}

const iso = (ms: number | null | undefined): string | null => (ms ? new Date(ms).toISOString() : null);

export async function readProcessingStatus(store: OhlcvStore, running: RunningImport | null): Promise<ProcessingStatusView> {
  const run = running ? await store.getRun(running.runId) : ((await store.listRuns({ kind: IMPORT_RUN_KIND, limit: 1 }))[0] ?? null);
  const runId = running?.runId ?? run?.runId ?? null;
  const row = runId ? (await store.getProgress(runId)).find((p) => p.phase === DATA_IMPORT_PHASE) : undefined;
  const status = running ? 'running' : run ? importRunStatus(run.status) : null;
  const total = row?.totalItems ?? run?.symbolsTotal ?? 0;
  const loaded = row?.completedItems ?? run?.symbolsProcessed ?? 0;
  const failed = row?.failedItems ?? run?.symbolsFailed ?? 0;
  const progress = status === 'completed' ? 100 : total > 0 ? Math.min(100, Math.floor((100 * (loaded + failed)) / total)) : 0;
  return {
    success: true,
    is_running: running !== null,
    run_id: runId,
    current_phase: running ? 'data_import' : 'idle',
    progress,
    symbols_processed: loaded,
    symbols_failed: failed,
    symbols_total: total,
    symbols_completed: loaded + failed,
    current_symbol: running ? (row?.currentItem ?? null) : null,
    start_time: iso(run?.startedAt),
    end_time: running ? null : iso(run?.completedAt),
    estimated_completion: running ? iso(row?.estimatedCompletion) : null,
    status: status === null ? null : RUN_ROW_STATUS[status],
    message: run?.message ?? null,
    worker: running?.owner ?? null,
  };
}

/** One run of `GET /api/processing/history`, as the app's `get_history` reads it (numbers are numbers). */
export interface HistoryRunView {
  run_id: string;
  /** `automatic` (scheduled) or `manual`. */
  trigger_type: string;
  /** The app's words: `running`, `success`, `failed`, `cancelled`. */
  status: string;
  phase: string;
  start_time: string | null;
  end_time: string | null;
  duration_seconds: number | null;
  symbols_total: number;
  symbols_processed: number;
  symbols_failed: number;
  patterns_detected: number;
  indicators_calculated: number;
  error_message: string | null;
  /** Bars written (import runs; 0 for runs the app wrote). */
  records_imported: number;
  retry_count: number;
}

/**
 * Rows of `processing_runs` started in the last `days` days, newest first: every row, as the app's own history query
 * reads the table (its runs and ours). Import runs written before the table followed the app (status `completed`, no
 * trigger type) are shown in the app's words.
 */
export async function readProcessingHistory(store: OhlcvStore, days: number, limit: number, now = Date.now()): Promise<HistoryRunView[]> {
  const runs = await store.listRuns({ since: now - days * 86_400_000, limit });
  return runs.map((r) => {
    const ours = r.kind === IMPORT_RUN_KIND;
    return {
      run_id: r.runId,
      trigger_type: r.triggerType ?? (ours ? triggerTypeOf(r.params.origin as ImportOrigin | undefined) : 'automatic'),
      status: ours ? RUN_ROW_STATUS[importRunStatus(r.status)] : r.status,
      phase: r.phase,
      start_time: iso(r.startedAt),
      end_time: iso(r.completedAt),
      duration_seconds:
        r.durationSeconds ?? (r.completedAt && r.startedAt ? Math.max(0, Math.round((r.completedAt - r.startedAt) / 1000)) : null),
      symbols_total: r.symbolsTotal || (ours ? Number(r.params.symbols_total) || 0 : 0),
      symbols_processed: r.symbolsProcessed,
      symbols_failed: r.symbolsFailed,
      patterns_detected: 0,
      indicators_calculated: 0,
      error_message: r.errorMessage,
      records_imported: r.recordsImported,
      retry_count: r.retryCount,
    };
  });
}
