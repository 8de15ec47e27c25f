/** Parsers for every message other than data-load jobs. None of them throws. */
import type * as z from 'zod';
import type { ParseResult, ProtocolIssue } from './errors.js';
import { describeValue, issuesFromZod } from './issues.js';
import { readJsonObject } from './json.js';
import {
  type CancelAllMessage,
  type CancelJobMessage,
  type ControlMessage,
  cancelAllMessageSchema,
  cancelJobMessageSchema,
  type MonitoringControl,
  monitoringControlSchema,
} from './schemas/control.js';
import {
  type BacktestingProgress,
  type BacktestingResults,
  backtestingProgressSchema,
  backtestingResultsSchema,
  type DashboardEvent,
  dashboardEventSchema,
  type ErrorEvent,
  errorEventSchema,
  type HealthStatus,
  healthStatusSchema,
  type MonitoringEvent,
  monitoringEventSchema,
  type PatternEvent,
  patternEventSchema,
} from './schemas/events.js';
import { JOB_STATUSES, type JobStatus, type JobStatusValue, jobStatusSchema } from './schemas/status.js';

/**
 * Parses `input` (JSON text, a Buffer or a parsed value) with a zod schema. The value returned is the input object
 * itself, extra fields included (schemas only check shapes; they never rewrite a message).
 */
export function parseMessage<S extends z.ZodType>(schema: S, input: unknown): ParseResult<z.infer<S>> {
  const read = readJsonObject(input);
  if (!read.ok) return read;
  const parsed = schema.safeParse(read.value);
  if (!parsed.success) return { ok: false, errors: issuesFromZod(parsed.error, read.value) };
  return { ok: true, value: read.value as z.infer<S> };
}

/** True when a control-channel object is not a control message at all (neither `action` nor `command`). */
export function isForeignControlMessage(value: Record<string, unknown>): boolean {
  return !('action' in value) && !('command' in value);
}

/** Parses a control message: `{"job_id", "action": "cancel", ...}` or `{"command": "cancel_all", "reason"}`. */
export function parseControlMessage(input: unknown): ParseResult<ControlMessage> {
  const read = readJsonObject(input);
  if (!read.ok) return read;
  const obj = read.value;
  const invalid = (message: string, path = ''): ParseResult<ControlMessage> => ({
    ok: false,
    errors: [{ code: 'CONTROL_INVALID', path, message }],
  });
  if ('command' in obj) {
    if (obj['command'] !== 'cancel_all')
      return invalid(`command ${describeValue(obj['command'])} is not known; expected cancel_all`, 'command');
    return withControlCode(parseMessage(cancelAllMessageSchema, obj)) as ParseResult<CancelAllMessage>;
  }
  if ('action' in obj) {
    if (obj['action'] !== 'cancel') return invalid(`action ${describeValue(obj['action'])} is not known; expected cancel`, 'action');
    return withControlCode(parseMessage(cancelJobMessageSchema, obj)) as ParseResult<CancelJobMessage>;
  }
  return invalid('a control message needs "action": "cancel" (with job_id) or "command": "cancel_all"');
}

function withControlCode<T>(r: ParseResult<T>): ParseResult<T> {
  if (r.ok) return r;
  return {
    ok: false,
    errors: r.errors.map(
      (e): ProtocolIssue => ({ ...e, code: e.code === 'JOB_ID_MISSING' || e.code === 'JOB_ID_INVALID' ? e.code : 'CONTROL_INVALID' }),
    ),
  };
}

/** Parses the status JSON (the string key's value, or a message on `tickstock.jobs.status`). */
export function parseJobStatus(input: unknown): ParseResult<JobStatus> {
  return parseMessage(jobStatusSchema, input);
}

/** Parses a monitoring event on `tickstock:monitoring`. */
export function parseMonitoringEvent(input: unknown): ParseResult<MonitoringEvent> {
  return parseMessage(monitoringEventSchema, input);
}

/** Parses a monitoring dashboard event (`METRIC_UPDATE`, `HEALTH_CHECK`, `SYSTEM_STATUS`) on `tickstock:monitoring`. */
export function parseDashboardEvent(input: unknown): ParseResult<DashboardEvent> {
  return parseMessage(dashboardEventSchema, input);
}

/** Parses a request on `tickstock:monitoring:control` (`{"action": "FORCE_HEALTH_CHECK", ...}`). */
export function parseMonitoringControl(input: unknown): ParseResult<MonitoringControl> {
  return parseMessage(monitoringControlSchema, input);
}

/** Parses an error event on `tickstock:errors`. */
export function parseErrorEvent(input: unknown): ParseResult<ErrorEvent> {
  return parseMessage(errorEventSchema, input);
}

/** Parses a `pattern_detected` event on `tickstock.events.patterns`. */
export function parsePatternEvent(input: unknown): ParseResult<PatternEvent> {
  return parseMessage(patternEventSchema, input);
}

/** Parses a backtesting progress message. */
export function parseBacktestingProgress(input: unknown): ParseResult<BacktestingProgress> {
  return parseMessage(backtestingProgressSchema, input);
}

/** Parses a backtesting results message. */
export function parseBacktestingResults(input: unknown): ParseResult<BacktestingResults> {
  return parseMessage(backtestingResultsSchema, input);
}

/** Parses a health status message. */
export function parseHealthStatus(input: unknown): ParseResult<HealthStatus> {
  return parseMessage(healthStatusSchema, input);
}

// ---- the hash form of a job status ----------------------------------------------------------------------------

/** A status read back from any form: the fields that were there, typed where known. */
export type JobStatusSnapshot = Partial<JobStatus> & { status: JobStatusValue } & Record<string, unknown>;

const NUMBER_FIELDS = new Set(['progress', 'total_symbols', 'processed_symbols', 'symbols_loaded', 'ohlcv_records_loaded']);
const LIST_FIELDS = new Set(['successful_symbols', 'failed_symbols', 'interrupted_symbols']);
const NULLABLE_FIELDS = new Set(['current_symbol', 'error_message', 'started_at', 'completed_at']);

/** The hash form of a status: every value a string (numbers in decimal, lists and objects as JSON, null as ""). */
export function jobStatusToHash(status: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(status)) {
    if (v === undefined) continue;
    if (v === null) out[k] = '';
    else if (typeof v === 'string') out[k] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
    else out[k] = JSON.stringify(v);
  }
  return out;
}

/**
 * Reads the hash form (the worker's `job:{id}` mirror, or the app's pre-written status hash) back into typed
 * fields: counts as numbers, symbol lists as arrays, "" as null. Unknown fields stay strings.
 */
export function parseJobStatusHash(fields: Record<string, string>): ParseResult<JobStatusSnapshot> {
  const status = fields['status'];
  if (status === undefined || !(JOB_STATUSES as readonly string[]).includes(status))
    return {
      ok: false,
      errors: [
        {
          code: 'FIELD_INVALID',
          path: 'status',
          message: `status ${describeValue(status ?? null)} is not one of ${JOB_STATUSES.join(', ')}`,
        },
      ],
    };
  const out: Record<string, unknown> = {};
  const errors: ProtocolIssue[] = [];
  for (const [k, v] of Object.entries(fields)) {
    if (NUMBER_FIELDS.has(k)) {
      const n = Number(v);
      if (v.trim() === '' || !Number.isFinite(n))
        errors.push({ code: 'WRONG_TYPE', path: k, message: `${k} ${describeValue(v)} is not a number` });
      else out[k] = n;
    } else if (LIST_FIELDS.has(k)) {
      try {
        const list: unknown = v === '' ? [] : JSON.parse(v);
        if (!Array.isArray(list)) throw new Error('not a list');
        out[k] = list.map(String);
      } catch {
        errors.push({ code: 'WRONG_TYPE', path: k, message: `${k} ${JSON.stringify(v.slice(0, 60))} is not a JSON list` });
      }
    } else if (NULLABLE_FIELDS.has(k)) out[k] = v === '' ? null : v;
    else out[k] = v;
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: out as JobStatusSnapshot };
}
