/** Job status (CONTRACT.md §3, "Out: job status"): the JSON-string key, the `job:{id}` hash and the channel. */
import * as z from 'zod';
import { countSchema, isoDateTimeSchema } from './common.js';

/**
 * Statuses the worker writes: `running`, then one final status. The app's pages end a job only on `completed`,
 * `failed` and `cancelled`: a partly failed job is `completed` with `has_errors: true` unless the writer is asked for
 * the seeds' `completed_with_errors` (see {@link PartialJobStatus}).
 */
export const WORKER_JOB_STATUSES = ['running', 'completed', 'completed_with_errors', 'failed', 'cancelled'] as const;
/** Final statuses: nothing is written after one of these. */
export const FINAL_JOB_STATUSES = ['completed', 'completed_with_errors', 'failed', 'cancelled'] as const;
/** How a job that loaded some symbols and failed others ends: `completed` + `has_errors` (the app's word) or the seeds'. */
export const PARTIAL_JOB_STATUSES = ['completed', 'completed_with_errors'] as const;
export type PartialJobStatus = (typeof PARTIAL_JOB_STATUSES)[number];
/** Every status a status key may hold: the app pre-writes `submitted` (as a hash) before the worker starts. */
export const JOB_STATUSES = ['submitted', ...WORKER_JOB_STATUSES] as const;

export type JobStatusValue = (typeof JOB_STATUSES)[number];
export type WorkerJobStatus = (typeof WORKER_JOB_STATUSES)[number];
export type FinalJobStatus = (typeof FINAL_JOB_STATUSES)[number];

/**
 * The status JSON the worker writes to `tickstock.jobs.status:{id}` and publishes on `tickstock.jobs.status`.
 * Every field is present; extra fields (`run_analysis_after_import`, `universe_key`, ...) are allowed.
 */
export const jobStatusSchema = z.looseObject({
  job_id: z.string().min(1),
  job_type: z.string(),
  status: z.enum(JOB_STATUSES),
  progress: z.number().int().min(0).max(100).describe('Integer percent, 0-100'),
  message: z.string(),
  total_symbols: countSchema,
  processed_symbols: countSchema,
  current_symbol: z.string().nullable(),
  successful_symbols: z.array(z.string()),
  failed_symbols: z.array(z.string()),
  error_message: z.string().nullable(),
  symbols_loaded: countSchema,
  ohlcv_records_loaded: countSchema,
  started_at: isoDateTimeSchema.nullable(),
  timestamp: isoDateTimeSchema,
  completed_at: isoDateTimeSchema.nullable().describe('Always an ISO string or null'),
  has_errors: z
    .boolean()
    .optional()
    .describe('On final statuses: true when any symbol failed or any bar was rejected (a partly failed job is completed with has_errors)'),
  interrupted_symbols: z
    .array(z.string())
    .optional()
    .describe('Symbols a cancel, shutdown or job-fatal error stopped before they finished: neither loaded nor failed'),
});

/** A job status as JSON. */
export type JobStatus = z.infer<typeof jobStatusSchema>;

/**
 * The hash form: `job:{id}` (the worker's mirror) and the app's pre-written `tickstock.jobs.status:{id}` hash
 * (`status: "submitted"`, `progress: "0"`, `message`, `submitted_at`, ...). Every value is a string: numbers in
 * decimal, lists as JSON, null as the empty string.
 */
export const jobStatusHashSchema = z.record(z.string(), z.string()).and(z.looseObject({ status: z.enum(JOB_STATUSES) }));

/** A job status in hash form. */
export type JobStatusHash = Record<string, string>;
