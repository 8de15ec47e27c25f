/** The status of an import run as the processing API answers it, read from the database (any worker can answer). */
import type { OhlcvStore } from '@tickstock/ohlcv-store';
import { DATA_IMPORT_PHASE } from '../reporters/db-progress.js';

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
  if (!run || run.phase !== DATA_IMPORT_PHASE) return null;
  const progress = (await store.getProgress(runId)).find((p) => p.phase === DATA_IMPORT_PHASE);
  const statuses = await store.getSymbolStatuses(runId, DATA_IMPORT_PHASE);
  const finished = statuses.filter((s) => s.status === 'completed' || s.status === 'failed');
  const times = finished.map((s) => s.processingTimeMs).filter((t): t is number => t !== null);
  const running = run.status === 'running';
  const total = progress?.totalItems ?? (Number(run.params.symbols_total) || 0);
  return {
    run_id: run.runId,
    status: run.status,
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
