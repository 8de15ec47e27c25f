/**
 * `processing_runs`: one row per run (a daily import, ...). The table is the app's
 * (`scripts/database/create_processing_runs_table.sql`; its processing history reads it): a run's own data goes into
 * the app's columns (`trigger_type, status, phase, started_at, completed_at, duration_seconds, symbols_total,
 * symbols_processed, symbols_failed, error_message`) and everything else into `metadata`
 * (`{kind, params, records_imported, retry_count, message}`). Installs that still have the store's first shape of the
 * table (migration 4: `params, records_imported, message, retry_count` columns) get those written too. Only columns
 * that exist are written or read, so the same calls work on the app's table, on the first shape with the app's
 * columns added, and on a fresh install.
 *
 * Time columns may be TIMESTAMP (the app's) or TIMESTAMPTZ (the first shape): instants are written as timestamptz and
 * read back through `::timestamptz`, which converts in the session's time zone both ways, as the app's own `NOW()`
 * writes and its `started_at >= NOW() - INTERVAL ...` reads do.
 */
import type { Queryable } from '../drivers/driver.js';
import { StoreError } from '../errors.js';
import type { RunsTableSchema } from '../schema/discover.js';
import { ident, identList } from '../sql.js';

/** A run as written. `status` and `phase` are the caller's vocabulary (the app's: `running`, `success`, `failed`). */
export interface RunRecord {
  runId: string;
  /** e.g. `data_import` while running; the app ends its own runs in `completed` or `error`. */
  phase: string;
  status: string;
  /**
   * What kind of run this is, kept in `metadata.kind`: how {@link settleRuns} and {@link listRuns} find a caller's
   * runs whatever their phase. Default: `phase`.
   */
  kind?: string | null;
  /** `trigger_type`: the app's words are `manual` and `automatic`. */
  triggerType?: string | null;
  /** What the run was asked to do (stored in `metadata.params`; must be JSON-serialisable). */
  params: Record<string, unknown>;
  recordsImported: number;
  /** What the run says about itself (kept in `metadata.message`). */
  message: string | null;
  /** `error_message`: what went wrong, or null for a clean run. */
  errorMessage?: string | null;
  retryCount: number;
  symbolsTotal?: number;
  /** Symbols done successfully (the app counts failures apart, in `symbols_failed`). */
  symbolsProcessed?: number;
  symbolsFailed?: number;
  /** Unix ms. */
  startedAt: number;
  /** Unix ms, or null while running (`duration_seconds` is derived from both). */
  completedAt: number | null;
}

/** A `processing_runs` row as stored. */
export interface RunRow extends RunRecord {
  /** `metadata.kind`; for rows written before `metadata` existed, their phase; null for rows someone else wrote. */
  kind: string | null;
  triggerType: string | null;
  errorMessage: string | null;
  symbolsTotal: number;
  symbolsProcessed: number;
  symbolsFailed: number;
  /** `duration_seconds`, or null. */
  durationSeconds: number | null;
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

function missingTable(): StoreError {
  return new StoreError(
    'SCHEMA_MISSING_TABLE',
    'table "processing_runs" does not exist in the current schema (open the store with migrate: true to create it)',
    { table: 'processing_runs' },
  );
}

const at = (n: number) => `'epoch'::timestamptz + $${n}::bigint * INTERVAL '1 millisecond'`;
const jsonType = (t: string | undefined): 'json' | 'jsonb' => (t === 'json' ? 'json' : 'jsonb');

/** Columns a run write may fill, in write order (`run_id` first: the conflict target). */
const RUN_COLUMN_NAMES = [
  'run_id',
  'phase',
  'status',
  'trigger_type',
  'started_at',
  'completed_at',
  'duration_seconds',
  'symbols_total',
  'symbols_processed',
  'symbols_failed',
  'error_message',
  'metadata',
  // The store's first shape of the table, where it still exists.
  'params',
  'records_imported',
  'message',
  'retry_count',
] as const;
type RunColumnName = (typeof RUN_COLUMN_NAMES)[number];

interface PreparedRun {
  runId: string;
  phase: string;
  status: string;
  triggerType: string | null;
  startedAt: number;
  completedAt: number | null;
  durationSeconds: number | null;
  symbolsTotal: number;
  symbolsProcessed: number;
  symbolsFailed: number;
  errorMessage: string | null;
  metadata: string;
  params: string;
  recordsImported: number;
  message: string | null;
  retryCount: number;
}

/** The value of one column. */
function columnValue(column: RunColumnName, r: PreparedRun): unknown {
  switch (column) {
    case 'run_id':
      return r.runId;
    case 'phase':
      return r.phase;
    case 'status':
      return r.status;
    case 'trigger_type':
      return r.triggerType;
    case 'started_at':
      return r.startedAt;
    case 'completed_at':
      return r.completedAt;
    case 'duration_seconds':
      return r.durationSeconds;
    case 'symbols_total':
      return r.symbolsTotal;
    case 'symbols_processed':
      return r.symbolsProcessed;
    case 'symbols_failed':
      return r.symbolsFailed;
    case 'error_message':
      return r.errorMessage;
    case 'metadata':
      return r.metadata;
    case 'params':
      return r.params;
    case 'records_imported':
      return r.recordsImported;
    case 'message':
      return r.message;
    case 'retry_count':
      return r.retryCount;
  }
}

/** The SQL that turns placeholder `n` into a column's value (instants from Unix ms, JSON from text). */
function columnSql(column: RunColumnName, n: number, json: 'json' | 'jsonb'): string {
  if (column === 'started_at') return at(n);
  if (column === 'completed_at') return `CASE WHEN $${n}::bigint IS NULL THEN NULL ELSE ${at(n)} END`;
  if (column === 'metadata' || column === 'params') return `$${n}::text::${json}`;
  return `$${n}`;
}

/** The upsert of a run for one discovered table, built once. */
const upserts = new WeakMap<RunsTableSchema, { columns: readonly RunColumnName[]; sql: string }>();

function runUpsert(schema: RunsTableSchema): { columns: readonly RunColumnName[]; sql: string } {
  const cached = upserts.get(schema);
  if (cached) return cached;
  const columns = RUN_COLUMN_NAMES.filter((c) => c in schema.types);
  for (const required of ['run_id', 'phase', 'status']) {
    if (!columns.some((c) => c === required)) {
      throw new StoreError('SCHEMA_MISSING_COLUMN', `table "processing_runs" has no column "${required}" (run migrate)`, {
        table: 'processing_runs',
        column: required,
      });
    }
  }
  const values = columns.map((c, i) => columnSql(c, i + 1, jsonType(schema.types[c])));
  const sets = columns.filter((c) => c !== 'run_id').map((c) => `${ident(c)} = EXCLUDED.${ident(c)}`);
  const stamp = 'updated_at' in schema.types;
  if (stamp) sets.push('updated_at = now()');
  const sql = `INSERT INTO processing_runs (${identList(columns)}${stamp ? ', updated_at' : ''}) VALUES (${values.join(', ')}${stamp ? ', now()' : ''})
     ON CONFLICT (run_id) DO UPDATE SET ${sets.join(', ')}`;
  const built = { columns, sql };
  upserts.set(schema, built);
  return built;
}

/** Upserts a run's row (every field replaced). */
export async function writeRun(db: Queryable, schema: RunsTableSchema | null, r: RunRecord): Promise<void> {
  if (!schema) throw missingTable();
  for (const [name, v] of [
    ['runId', r.runId],
    ['phase', r.phase],
    ['status', r.status],
  ] as const) {
    if (typeof v !== 'string' || v.length === 0) throw new StoreError('INVALID_ARGUMENT', `${name} must be a non-empty string`);
  }
  const startedAt = instant('startedAt', r.startedAt);
  const completedAt = r.completedAt === null || r.completedAt === undefined ? null : instant('completedAt', r.completedAt);
  const recordsImported = whole('recordsImported', r.recordsImported);
  const retryCount = whole('retryCount', r.retryCount);
  let params: string;
  try {
    params = JSON.stringify(r.params ?? {});
  } catch (e) {
    throw new StoreError('INVALID_ARGUMENT', `params of run ${r.runId} are not JSON-serialisable: ${(e as Error).message}`);
  }
  const kind = r.kind === undefined ? r.phase : r.kind;
  const metadata = `{"kind":${JSON.stringify(kind)},"params":${params},"records_imported":${recordsImported},"retry_count":${retryCount},"message":${JSON.stringify(r.message ?? null)}}`;
  const prepared: PreparedRun = {
    runId: r.runId,
    phase: r.phase,
    status: r.status,
    triggerType: r.triggerType ?? null,
    startedAt,
    completedAt,
    durationSeconds: completedAt === null ? null : Math.max(0, Math.round((completedAt - startedAt) / 1000)),
    symbolsTotal: whole('symbolsTotal', r.symbolsTotal ?? 0),
    symbolsProcessed: whole('symbolsProcessed', r.symbolsProcessed ?? 0),
    symbolsFailed: whole('symbolsFailed', r.symbolsFailed ?? 0),
    errorMessage: r.errorMessage ?? null,
    metadata,
    params,
    recordsImported,
    message: r.message ?? null,
    retryCount,
  };
  const { columns, sql } = runUpsert(schema);
  await db.query(
    sql,
    columns.map((c) => columnValue(c, prepared)),
  );
}

/** The SELECT list of a run: every column this install has, NULL for the others. */
function runSelect(schema: RunsTableSchema): string {
  const has = (c: string) => c in schema.types;
  const text = (c: string) => (has(c) ? `${ident(c)}::text` : 'NULL::text');
  const num = (c: string) => (has(c) ? `${ident(c)}::float8` : 'NULL::float8');
  const ms = (c: string) => (has(c) ? `(extract(epoch FROM ${ident(c)}::timestamptz) * 1000)::float8` : 'NULL::float8');
  return [
    'run_id::text AS run_id',
    `${text('phase')} AS phase`,
    `${text('status')} AS status`,
    `${text('trigger_type')} AS trigger_type`,
    `${text('metadata')} AS metadata`,
    `${text('params')} AS params`,
    `${num('records_imported')} AS records_imported`,
    `${text('message')} AS message`,
    `${num('retry_count')} AS retry_count`,
    `${text('error_message')} AS error_message`,
    `${num('symbols_total')} AS symbols_total`,
    `${num('symbols_processed')} AS symbols_processed`,
    `${num('symbols_failed')} AS symbols_failed`,
    `${num('duration_seconds')} AS duration_seconds`,
    `${ms('started_at')} AS started`,
    `${ms('completed_at')} AS completed`,
    `${ms('updated_at')} AS updated`,
  ].join(', ');
}

function parseObject(text: unknown): Record<string, unknown> | null {
  if (typeof text !== 'string') return null;
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const numberOr = (v: unknown, fallback: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
const countOf = (v: unknown): number => (v === null || v === undefined ? 0 : numberOr(Number(v), 0));

function toRunRow(r: Record<string, unknown>): RunRow {
  const meta = parseObject(r.metadata);
  const phase = r.phase === null ? '' : String(r.phase);
  const ours = meta !== null && typeof meta.kind === 'string';
  // metadata first; the first shape's columns for rows written before metadata (or settled since).
  const fromMeta = (key: string): unknown => (ours && key in meta ? meta[key] : undefined);
  const stored = fromMeta('params');
  const params =
    stored && typeof stored === 'object' && !Array.isArray(stored) ? (stored as Record<string, unknown>) : (parseObject(r.params) ?? {});
  const message = fromMeta('message') ?? r.message;
  return {
    runId: String(r.run_id),
    phase,
    status: r.status === null ? '' : String(r.status),
    // Rows written before `metadata` existed are the store's own (the first shape had no other writer).
    kind: ours ? String(meta.kind) : r.metadata === null ? phase || null : null,
    triggerType: r.trigger_type === null ? null : String(r.trigger_type),
    params,
    recordsImported: numberOr(fromMeta('records_imported'), countOf(r.records_imported)),
    message: message === null || message === undefined ? null : String(message),
    errorMessage: r.error_message === null ? null : String(r.error_message),
    retryCount: numberOr(fromMeta('retry_count'), countOf(r.retry_count)),
    symbolsTotal: countOf(r.symbols_total),
    symbolsProcessed: countOf(r.symbols_processed),
    symbolsFailed: countOf(r.symbols_failed),
    durationSeconds: r.duration_seconds === null ? null : Number(r.duration_seconds),
    startedAt: r.started === null ? 0 : Number(r.started),
    completedAt: r.completed === null ? null : Number(r.completed),
    updatedAt: r.updated === null ? 0 : Number(r.updated),
  };
}

/** A run's row, or null when there is none. */
export async function readRun(db: Queryable, schema: RunsTableSchema | null, runId: string): Promise<RunRow | null> {
  if (!schema) return null;
  const { rows } = await db.query<Record<string, unknown>>(`SELECT ${runSelect(schema)} FROM processing_runs WHERE run_id = $1`, [runId]);
  const r = rows[0];
  return r ? toRunRow(r) : null;
}

/** The WHERE condition "a run of kind `$n`": `metadata.kind`, or the phase of rows written before `metadata` existed. */
function kindCondition(schema: RunsTableSchema, n: number): string {
  return 'metadata' in schema.types
    ? `(metadata->>'kind' = $${n}::text OR (metadata IS NULL AND phase = $${n}::text))`
    : `phase = $${n}::text`;
}

/** Which runs {@link listRuns} returns. */
export interface ListRuns {
  /** Only runs of this kind (`metadata.kind`); default every row, whoever wrote it. */
  kind?: string;
  /** Only runs started at or after this instant (Unix ms). */
  since?: number;
  /** At most this many (default 100, at most 10,000). */
  limit?: number;
}

/** Runs, newest first (by `started_at`). */
export async function listRuns(db: Queryable, schema: RunsTableSchema | null, options: ListRuns = {}): Promise<RunRow[]> {
  if (!schema) return [];
  const limit = options.limit ?? 100;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 10_000) {
    throw new StoreError('INVALID_ARGUMENT', `limit must be a whole number from 1 to 10000, got ${JSON.stringify(limit)}`);
  }
  const params: unknown[] = [limit];
  const where: string[] = [];
  if (options.kind !== undefined) {
    params.push(options.kind);
    where.push(kindCondition(schema, params.length));
  }
  if (options.since !== undefined) {
    params.push(instant('since', options.since));
    where.push(`started_at >= ${at(params.length)}`);
  }
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT ${runSelect(schema)} FROM processing_runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY started_at DESC NULLS LAST, run_id DESC LIMIT $1`,
    params,
  );
  return rows.map(toRunRow);
}

/**
 * What {@link settleRuns} changes: runs of a kind still in `status` move to `to` (and `toPhase`, when given) with
 * `message`, completed now.
 */
export interface SettleRuns {
  /** The runs' kind (`metadata.kind`, or the phase of rows written before `metadata` existed). */
  kind?: string;
  /** Older name of `kind`. */
  phase?: string;
  status: string;
  to: string;
  /** The phase the settled runs end in (e.g. the app's `error`); unchanged when not given. */
  toPhase?: string;
  message: string;
}

/** Moves every run of a kind from one status to another (e.g. abandoned `running` runs to `failed`); their ids. */
export async function settleRuns(db: Queryable, schema: RunsTableSchema | null, s: SettleRuns): Promise<string[]> {
  const kind = s.kind ?? s.phase;
  for (const [name, v] of Object.entries({
    kind,
    status: s.status,
    to: s.to,
    message: s.message,
    ...(s.toPhase === undefined ? {} : { toPhase: s.toPhase }),
  })) {
    if (typeof v !== 'string' || v.length === 0) throw new StoreError('INVALID_ARGUMENT', `${name} must be a non-empty string`);
  }
  if (!schema) return [];
  const has = (c: string) => c in schema.types;
  const params: unknown[] = [kind, s.status, s.to, s.message];
  const sets = ['status = $3::text'];
  if (has('completed_at')) sets.push('completed_at = now()');
  if (has('updated_at')) sets.push('updated_at = now()');
  if (has('error_message')) sets.push('error_message = $4::text');
  if (has('message')) sets.push('message = $4::text');
  if (has('metadata')) {
    sets.push(
      `metadata = (COALESCE(metadata::jsonb, jsonb_build_object('kind', $1::text)) || jsonb_build_object('message', $4::text))::${jsonType(schema.types.metadata)}`,
    );
  }
  if (has('duration_seconds') && has('started_at')) {
    sets.push('duration_seconds = GREATEST(0, round(extract(epoch FROM now() - started_at::timestamptz)))::integer');
  }
  if (s.toPhase !== undefined && has('phase')) {
    params.push(s.toPhase);
    sets.push(`phase = $${params.length}::text`);
  }
  const { rows } = await db.query<{ run_id: string }>(
    `UPDATE processing_runs SET ${sets.join(', ')} WHERE status = $2::text AND ${kindCondition(schema, 1)} RETURNING run_id`,
    params,
  );
  return rows.map((r) => String(r.run_id)).sort();
}
