/** Progress rows for a run: `processing_progress` (one per run and phase) and `symbol_processing_status` (per symbol). */
import type { Queryable } from '../drivers/driver.js';
import { StoreError } from '../errors.js';

/** A run's progress in one phase. */
export interface ProgressUpdate {
  runId: string;
  /** e.g. `data_import`. */
  phase: string;
  totalItems: number;
  completedItems: number;
  failedItems?: number;
  currentItem?: string | null;
  /** Expected completion, Unix ms. */
  estimatedCompletion?: number | null;
}

/** A `processing_progress` row as stored. */
export interface ProgressRow extends Required<ProgressUpdate> {
  /** (completed + failed) / total, in percent with two decimals (0 when total is 0). */
  percentComplete: number;
  updatedAt: number;
}

/** How one symbol fared in a run's phase: `interrupted` when a cancel, shutdown or job-fatal error stopped it (neither completed nor failed). */
export type SymbolProcessingState = 'pending' | 'processing' | 'completed' | 'failed' | 'interrupted' | 'skipped';

/** One symbol's status in a run's phase. */
export interface SymbolStatusUpdate {
  runId: string;
  phase: string;
  symbol: string;
  status: SymbolProcessingState;
  errorMessage?: string | null;
  retryCount?: number;
  processingTimeMs?: number | null;
}

/** A `symbol_processing_status` row as stored. */
export interface SymbolStatusRow extends Required<SymbolStatusUpdate> {
  updatedAt: number;
}

function count(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new StoreError('INVALID_ARGUMENT', `${name} must be a non-negative whole number, got ${JSON.stringify(v)}`);
  }
  return v;
}

function text(name: string, v: unknown): string {
  if (typeof v !== 'string' || v.length === 0) throw new StoreError('INVALID_ARGUMENT', `${name} must be a non-empty string`);
  return v;
}

/** Upserts a run's progress row for one phase. */
export async function writeProgress(db: Queryable, p: ProgressUpdate): Promise<void> {
  const total = count('totalItems', p.totalItems);
  const completed = count('completedItems', p.completedItems);
  const failed = count('failedItems', p.failedItems ?? 0);
  const percent = total === 0 ? 0 : Math.min(100, Math.round(((completed + failed) / total) * 10_000) / 100);
  const eta = p.estimatedCompletion ?? null;
  if (eta !== null && !Number.isFinite(eta)) throw new StoreError('INVALID_ARGUMENT', 'estimatedCompletion must be Unix ms or null');
  await db.query(
    `INSERT INTO processing_progress (run_id, phase, total_items, completed_items, failed_items, percent_complete, current_item, estimated_completion, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $8::bigint IS NULL THEN NULL ELSE 'epoch'::timestamptz + $8::bigint * INTERVAL '1 millisecond' END, now())
     ON CONFLICT (run_id, phase) DO UPDATE SET total_items = EXCLUDED.total_items, completed_items = EXCLUDED.completed_items,
       failed_items = EXCLUDED.failed_items, percent_complete = EXCLUDED.percent_complete, current_item = EXCLUDED.current_item,
       estimated_completion = EXCLUDED.estimated_completion, updated_at = now()`,
    [
      text('runId', p.runId),
      text('phase', p.phase),
      total,
      completed,
      failed,
      percent,
      p.currentItem ?? null,
      eta === null ? null : Math.round(eta),
    ],
  );
}

/** A symbol status as the seven values written: run_id, phase, symbol, status, error_message, retry_count, processing_time_ms. */
type StatusValues = [string, string, string, string, string | null, number, number | null];

/** Validates one status update; the values to write. */
function statusValues(s: SymbolStatusUpdate): StatusValues {
  const retry = count('retryCount', s.retryCount ?? 0);
  const ms = s.processingTimeMs ?? null;
  if (ms !== null && (!Number.isFinite(ms) || ms < 0))
    throw new StoreError('INVALID_ARGUMENT', 'processingTimeMs must be a non-negative number or null');
  return [
    text('runId', s.runId),
    text('phase', s.phase),
    text('symbol', s.symbol),
    text('status', s.status),
    s.errorMessage ?? null,
    retry,
    ms === null ? null : Math.round(ms),
  ];
}

const STATUS_CONFLICT = `ON CONFLICT (run_id, phase, symbol) DO UPDATE SET status = EXCLUDED.status, error_message = EXCLUDED.error_message,
       retry_count = EXCLUDED.retry_count, processing_time_ms = EXCLUDED.processing_time_ms, updated_at = now()`;

/** Upserts one symbol's status in a run's phase. */
export async function writeSymbolStatus(db: Queryable, s: SymbolStatusUpdate): Promise<void> {
  await db.query(
    `INSERT INTO symbol_processing_status (run_id, phase, symbol, status, error_message, retry_count, processing_time_ms, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, now())
     ${STATUS_CONFLICT}`,
    statusValues(s),
  );
}

/**
 * Upserts many symbols' statuses in one statement (seven array parameters, `unnest`): a job's final state of every
 * symbol at once. Every update is checked first (an invalid one fails the call naming its index, and nothing is
 * written); several updates of one run, phase and symbol leave the last, as one call each in order would. An empty
 * list writes nothing and sends nothing.
 */
export async function writeSymbolStatuses(db: Queryable, updates: readonly SymbolStatusUpdate[]): Promise<void> {
  if (!Array.isArray(updates)) throw new StoreError('INVALID_ARGUMENT', 'symbol statuses must be an array');
  const last = new Map<string, StatusValues>();
  for (const [i, s] of updates.entries()) {
    let values: StatusValues;
    try {
      if (typeof s !== 'object' || s === null) throw new StoreError('INVALID_ARGUMENT', `must be an object, got ${String(s)}`);
      values = statusValues(s);
    } catch (e) {
      if (!(e instanceof StoreError)) throw e;
      const which = typeof s?.symbol === 'string' ? ` (symbol ${JSON.stringify(s.symbol)})` : '';
      throw new StoreError('INVALID_ARGUMENT', `symbol status at index ${i}${which}: ${e.message}; nothing was written`, {
        table: 'symbol_processing_status',
      });
    }
    const key = JSON.stringify(values.slice(0, 3));
    last.delete(key); // re-inserted: rows keep the order of their last update
    last.set(key, values);
  }
  if (last.size === 0) return;
  const rows = [...last.values()];
  await db.query(
    `INSERT INTO symbol_processing_status (run_id, phase, symbol, status, error_message, retry_count, processing_time_ms, updated_at)
     SELECT run_id, phase, symbol, status, error_message, retry_count, processing_time_ms, now()
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::bigint[])
         AS s(run_id, phase, symbol, status, error_message, retry_count, processing_time_ms)
     ${STATUS_CONFLICT}`,
    [0, 1, 2, 3, 4, 5, 6].map((i) => rows.map((r) => r[i])),
  );
}

/** Every phase's progress row of a run. */
export async function readProgress(db: Queryable, runId: string): Promise<ProgressRow[]> {
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT run_id, phase, total_items, completed_items, failed_items, percent_complete, current_item,
            (extract(epoch FROM estimated_completion) * 1000)::float8 AS eta, (extract(epoch FROM updated_at) * 1000)::float8 AS updated
       FROM processing_progress WHERE run_id = $1 ORDER BY phase`,
    [runId],
  );
  return rows.map((r) => ({
    runId: String(r.run_id),
    phase: String(r.phase),
    totalItems: Number(r.total_items),
    completedItems: Number(r.completed_items),
    failedItems: Number(r.failed_items),
    percentComplete: Number(r.percent_complete),
    currentItem: r.current_item === null ? null : String(r.current_item),
    estimatedCompletion: r.eta === null ? null : Number(r.eta),
    updatedAt: Number(r.updated),
  }));
}

/** Every symbol status of a run (optionally one phase), by symbol. */
export async function readSymbolStatuses(db: Queryable, runId: string, phase?: string): Promise<SymbolStatusRow[]> {
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT run_id, phase, symbol, status, error_message, retry_count, processing_time_ms, (extract(epoch FROM updated_at) * 1000)::float8 AS updated
       FROM symbol_processing_status WHERE run_id = $1 AND ($2::text IS NULL OR phase = $2::text) ORDER BY phase, symbol`,
    [runId, phase ?? null],
  );
  return rows.map((r) => ({
    runId: String(r.run_id),
    phase: String(r.phase),
    symbol: String(r.symbol),
    status: String(r.status) as SymbolProcessingState,
    errorMessage: r.error_message === null ? null : String(r.error_message),
    retryCount: Number(r.retry_count),
    processingTimeMs: r.processing_time_ms === null ? null : Number(r.processing_time_ms),
    updatedAt: Number(r.updated),
  }));
}
