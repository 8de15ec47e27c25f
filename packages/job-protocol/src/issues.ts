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

/**
 * A short, safe rendering of a value for an error message (JSON, cut at 60 characters). Never throws: a value
 * JSON cannot render (a bigint, a cycle, nesting deeper than the call stack) falls back to `String()`, and where
 * that overflows too (an array nested 10,000 deep) to a placeholder naming its type.
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value); // JSON would show null
  let s: string;
  try {
    s = JSON.stringify(value) ?? String(value);
  } catch {
    try {
      s = String(value);
    } catch {
      s = `[${Array.isArray(value) ? 'an array' : typeof value} too deeply nested to show]`;
    }
  }
  if (s.length <= 60) return s;
  // Cut at 57 UTF-16 units, never inside a surrogate pair (half an emoji would be a lone surrogate).
  const cut = /[\ud800-\udbff]/.test(s.charAt(56)) ? 56 : 57;
  return `${s.slice(0, cut)}...`;
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

/** `null`, or the JSON type and the value: `string "AAPL"`, `number 5`. */
function gotValue(value: unknown): string {
  return value === null ? 'null' : `${jsonTypeOf(value)} ${describeValue(value)}`;
}

/** `a string`, `an array`, `a boolean or a string`; the types a field accepts, read from the zod issue. */
function expectedTypes(issue: z.core.$ZodIssue): string {
  const types =
    issue.code === 'invalid_type'
      ? [issue.expected]
      : issue.code === 'invalid_union'
        ? issue.errors.flatMap((branch) => branch.flatMap((i) => (i.code === 'invalid_type' && i.path.length === 0 ? [i.expected] : [])))
        : [];
  if (types.length === 0) return 'of another type';
  return [...new Set(types)].map((t) => `${/^[aeiou]/.test(t) ? 'an' : 'a'} ${t}`).join(' or ');
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
    if (top === 'job_id') return at('JOB_ID_INVALID', `job_id must be a string, got ${gotValue(value)}`);
    return at('WRONG_TYPE', `${path || 'message'} must be ${expectedTypes(issue)}, got ${gotValue(value)}`);
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
  // A value of the wrong type gets that one issue: zod also runs length checks on anything with a length (`""`
  // against `min(1)` of an array), which would add a misleading second issue at the same path.
  const isTypeIssue = (i: z.core.$ZodIssue) => i.code === 'invalid_type' || i.code === 'invalid_union';
  const mistyped = new Set(error.issues.filter(isTypeIssue).map((i) => formatPath(i.path)));
  const all = error.issues.filter((i) => isTypeIssue(i) || !mistyped.has(formatPath(i.path))).map((i) => mapIssue(i, input));
  if (all.length <= MAX_LISTED_ISSUES) return all;
  const listed = all.slice(0, MAX_LISTED_ISSUES);
  const first = listed[0] as ProtocolIssue;
  listed.push({ code: first.code, path: '', message: `and ${all.length - MAX_LISTED_ISSUES} more issues` });
  return listed;
}
