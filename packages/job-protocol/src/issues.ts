/** Turns zod issues into {@link ProtocolIssue}s with a specific code and a message naming the field and the value. */
import type * as z from 'zod';
import type { ProtocolErrorCode, ProtocolIssue } from './errors.js';
import { MAX_SYMBOL_LENGTH, MAX_SYMBOLS_PER_JOB, MAX_YEARS, TIMEFRAMES, UNIVERSE_TYPES } from './schemas/common.js';
import { DATA_LOAD_JOB_TYPES } from './schemas/jobs.js';

/** At most this many issues are listed; the rest are summarised in one more. */
export const MAX_LISTED_ISSUES = 20;

type Path = readonly PropertyKey[];

/** `symbols[3]`, `data.confidence`, or `` for the whole message. */
export function formatPath(path: Path): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}

/** A short, safe rendering of a value for an error message (JSON, cut at 60 characters). */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  let s: string;
  try {
    s = JSON.stringify(value) ?? String(value);
  } catch {
    s = String(value);
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function valueAt(input: unknown, path: Path): unknown {
  let v: unknown = input;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p as string];
  }
  return v;
}

function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** Maps one zod issue to a protocol issue. */
function mapIssue(issue: z.core.$ZodIssue, input: unknown): ProtocolIssue {
  const path = formatPath(issue.path);
  const top = issue.path[0];
  const value = valueAt(input, issue.path);
  const shown = describeValue(value);
  const at = (code: ProtocolErrorCode, message: string): ProtocolIssue => ({ code, path, message });

  if ((value === undefined || (value === null && top === 'job_id')) && issue.path.length > 0) {
    if (top === 'job_id') return at('JOB_ID_MISSING', 'job_id is required');
    if (top === 'symbols' && issue.path.length === 1) return at('SYMBOLS_MISSING', 'symbols is required for this job_type');
    return at('FIELD_MISSING', `${path} is required`);
  }
  if (issue.code === 'invalid_type' || issue.code === 'invalid_union') {
    if (top === 'job_id') return at('JOB_ID_INVALID', `job_id must be a string, got ${jsonTypeOf(value)} ${shown}`);
    const expected = issue.code === 'invalid_type' ? issue.expected : 'another type';
    return at(
      'WRONG_TYPE',
      `${path || 'message'} must be ${expected === 'array' || expected === 'object' ? 'an' : 'a'} ${expected}, got ${jsonTypeOf(value)} ${shown}`,
    );
  }

  switch (top) {
    case 'job_id':
      return at('JOB_ID_INVALID', `${shown} is not a valid job_id: 1-128 printable characters without spaces`);
    case 'job_type':
      return at('JOB_TYPE_UNKNOWN', `${shown} is not a known job_type; expected one of ${DATA_LOAD_JOB_TYPES.join(', ')}`);
    case 'symbols':
      if (issue.path.length === 1 && issue.code === 'too_big') {
        const n = Array.isArray(value) ? value.length : 0;
        return at('TOO_MANY_SYMBOLS', `${n} symbols; a job may name at most ${MAX_SYMBOLS_PER_JOB}`);
      }
      return at(
        'SYMBOL_INVALID',
        `${shown} is not a valid ticker: letters, digits, '.' and '-', an optional prefix such as 'X:', at most ${MAX_SYMBOL_LENGTH} characters`,
      );
    case 'years':
      return at('YEARS_OUT_OF_RANGE', `years ${shown} is out of range: it must be above 0 and at most ${MAX_YEARS}`);
    case 'timeframes':
      if (issue.path.length === 1) return at('TIMEFRAMES_EMPTY', 'timeframes is empty: name at least one, or leave it out for the default');
      return at('TIMEFRAME_UNKNOWN', `${shown} is not a timeframe; expected one of ${TIMEFRAMES.join(', ')}`);
    case 'timespan':
      return at('TIMEFRAME_UNKNOWN', `timespan ${shown} is not a timeframe; expected one of ${TIMEFRAMES.join(', ')} (or minute)`);
    case 'csv_file':
      return at('CSV_FILE_INVALID', `csv_file ${shown} is not a plain .csv file name (no directories, no '..')`);
    case 'universe_type':
      return at('UNIVERSE_TYPE_UNKNOWN', `universe_type ${shown} is not known; expected one of ${UNIVERSE_TYPES.join(', ')}`);
    default:
      return at('FIELD_INVALID', `${path || 'message'} ${shown} is invalid: ${issue.message}`);
  }
}

/** Protocol issues for a failed zod parse of `input`, at most {@link MAX_LISTED_ISSUES} plus a summary. */
export function issuesFromZod(error: z.ZodError, input: unknown): ProtocolIssue[] {
  const all = error.issues.map((i) => mapIssue(i, input));
  if (all.length <= MAX_LISTED_ISSUES) return all;
  const listed = all.slice(0, MAX_LISTED_ISSUES);
  const first = listed[0] as ProtocolIssue;
  listed.push({ code: first.code, path: '', message: `and ${all.length - MAX_LISTED_ISSUES} more issues` });
  return listed;
}
