/** `processing_runs`: one row per run (a daily import, ...): what it was asked to do, its state and its totals. */
import type { Queryable } from '../drivers/driver.js';
import { StoreError } from '../errors.js';

/** A run as written. `status` and `params` are the caller's vocabulary (e.g. `running`, `completed`, `failed`). */
export interface RunRecord {
  runId: string;
  /** e.g. `data_import`. */
  phase: string;
  status: string;
  /** What the run was asked to do (stored as JSONB; must be JSON-serialisable). */
  params: Record<string, unknown>;
  recordsImported: number;
  message: string | null;
  retryCount: number;
  /** Unix ms. */
  startedAt: number;
  /** Unix ms, or null while running. */
  completedAt: number | null;
}

/** A `processing_runs` row as stored. */
export interface RunRow extends RunRecord {
  updatedAt: number;
}

function whole(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new StoreError('INVALID_ARGUMENT', `${name} must be a non-negative whole number, got ${JSON.stringify(v)}`);
  }
  return v;
}

function instant(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new StoreError('INVALID_ARGUMENT', `${name} must be Unix ms`);
  return Math.round(v);
}

const ms = (p: string) => `'epoch'::timestamptz + ${p}::bigint * INTERVAL '1 millisecond'`;

/** Upserts a run's row (every field replaced). */
export async function writeRun(db: Queryable, r: RunRecord): Promise<void> {
  for (const [name, v] of [
    ['runId', r.runId],
    ['phase', r.phase],
    ['status', r.status],
  ] as const) {
    if (typeof v !== 'string' || v.length === 0) throw new StoreError('INVALID_ARGUMENT', `${name} must be a non-empty string`);
  }
  let params: string;
  try {
    params = JSON.stringify(r.params ?? {});
  } catch (e) {
    throw new StoreError('INVALID_ARGUMENT', `params of run ${r.runId} are not JSON-serialisable: ${(e as Error).message}`);
  }
  await db.query(
    `INSERT INTO processing_runs (run_id, phase, status, params, records_imported, message, retry_count, started_at, completed_at, updated_at)
     VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, ${ms('$8')}, CASE WHEN $9::bigint IS NULL THEN NULL ELSE ${ms('$9')} END, now())
     ON CONFLICT (run_id) DO UPDATE SET phase = EXCLUDED.phase, status = EXCLUDED.status, params = EXCLUDED.params,
       records_imported = EXCLUDED.records_imported, message = EXCLUDED.message, retry_count = EXCLUDED.retry_count,
       started_at = EXCLUDED.started_at, completed_at = EXCLUDED.completed_at, updated_at = now()`,
    [
      r.runId,
      r.phase,
      r.status,
      params,
      whole('recordsImported', r.recordsImported),
      r.message ?? null,
      whole('retryCount', r.retryCount),
      instant('startedAt', r.startedAt),
      r.completedAt === null ? null : instant('completedAt', r.completedAt),
    ],
  );
}

/** A run's row, or null when there is none. */
export async function readRun(db: Queryable, runId: string): Promise<RunRow | null> {
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT run_id, phase, status, params::text AS params, records_imported, message, retry_count,
            (extract(epoch FROM started_at) * 1000)::float8 AS started, (extract(epoch FROM completed_at) * 1000)::float8 AS completed,
            (extract(epoch FROM updated_at) * 1000)::float8 AS updated
       FROM processing_runs WHERE run_id = $1`,
    [runId],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    runId: String(r.run_id),
    phase: String(r.phase),
    status: String(r.status),
    params: JSON.parse(String(r.params)) as Record<string, unknown>,
    recordsImported: Number(r.records_imported),
    message: r.message === null ? null : String(r.message),
    retryCount: Number(r.retry_count),
    startedAt: Number(r.started),
    completedAt: r.completed === null ? null : Number(r.completed),
    updatedAt: Number(r.updated),
  };
}

/** What {@link settleRuns} changes: runs of `phase` still in `status` move to `to` with `message`, completed now. */
export interface SettleRuns {
  phase: string;
  status: string;
  to: string;
  message: string;
}

/** Moves every run of a phase from one status to another (e.g. abandoned `running` runs to `failed`); their ids. */
export async function settleRuns(db: Queryable, s: SettleRuns): Promise<string[]> {
  for (const [name, v] of Object.entries(s)) {
    if (typeof v !== 'string' || v.length === 0) throw new StoreError('INVALID_ARGUMENT', `${name} must be a non-empty string`);
  }
  const { rows } = await db.query<{ run_id: string }>(
    `UPDATE processing_runs SET status = $3, message = $4, completed_at = now(), updated_at = now()
      WHERE phase = $1 AND status = $2 RETURNING run_id`,
    [s.phase, s.status, s.to, s.message],
  );
  return rows.map((r) => String(r.run_id)).sort();
}
