/** Parsing and normalising data-load jobs into one {@link DataLoadRequest}. */
import { type DateRange, dataLoadRanges } from './date-range.js';
import { ProtocolError, type ProtocolIssue } from './errors.js';
import { describeValue, issuesFromZod } from './issues.js';
import { MAX_MESSAGE_LENGTH, readJsonObject, sniffJobId } from './json.js';
import { JOB_ID_PATTERN, TIMEFRAMES, type Timeframe, type UniverseType } from './schemas/common.js';
import { DATA_LOAD_JOB_TYPES, type DataLoadJob, type DataLoadJobType, dataLoadJobSchema } from './schemas/jobs.js';

/** What a job loads: symbols it names, a CSV universe file (legacy), or a named universe. */
export type DataLoadTarget =
  | { kind: 'symbols'; symbols: string[] }
  | { kind: 'csv_file'; csvFile: string; universeType: string | null }
  | { kind: 'universe'; universeType: UniverseType };

/** One data-load job, whatever its `job_type`, with defaults applied and date ranges computed. */
export interface DataLoadRequest {
  jobId: string;
  jobType: DataLoadJobType;
  target: DataLoadTarget;
  /** Distinct, in the order 1min, hour, day, week, month. */
  timeframes: Timeframe[];
  years: number;
  /** The New York date of `now`: the end of every range. */
  today: string;
  /** Days back each timeframe reaches (for `data_import_started.lookback_days`). */
  lookbackDays: Partial<Record<Timeframe, number>>;
  /** Inclusive New York date range of each timeframe in {@link timeframes}. */
  ranges: Partial<Record<Timeframe, DateRange>>;
  requestedBy: string | null;
  runAnalysisAfterImport: boolean;
  /** The app's `source` label, if any. */
  source: string | null;
  universeKey: string | null;
  /** The app's `timestamp`, as sent (naive local time). */
  submittedAt: string | null;
  /** The job as received, extra fields included. */
  raw: DataLoadJob;
}

/** Options of {@link parseDataLoadJob}. */
export interface NormalizeOptions {
  /** The instant "today" is taken from (Unix ms or a Date). Default: now. */
  now?: number | Date;
}

/** Result of {@link parseDataLoadJob}: never throws. `jobId` is set on failure whenever a usable job_id could be read. */
export type DataLoadParseResult = { ok: true; request: DataLoadRequest } | { ok: false; jobId?: string; errors: ProtocolIssue[] };

/** `years` when the job names none (the seed handler's default). */
export const DEFAULT_YEARS = 1;
/** Timeframes of the legacy `csv_universe_load` (no `timeframes` field). */
export const LEGACY_CSV_TIMEFRAMES: readonly Timeframe[] = ['hour', 'day', 'week', 'month'];
/** Default timeframes of `multi_timeframe_load`. */
export const MULTI_TIMEFRAME_DEFAULT: readonly Timeframe[] = ['hour', 'day'];
/** Default timeframes of `universe_seed`. */
export const UNIVERSE_SEED_DEFAULT: readonly Timeframe[] = ['day'];

/**
 * True when a parsed JSON value is not meant as a job at all: an object with neither `job_id` nor `job_type`, such as
 * `{"test": "health_check"}`. Such messages are ignored without noise.
 */
export function isForeignJobMessage(value: Record<string, unknown>): boolean {
  return !('job_id' in value) && !('job_type' in value);
}

/** The job_id of a message when it is a usable one, for reporting failures against it. */
export function readableJobId(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const id = (value as Record<string, unknown>)['job_id'];
  return typeof id === 'string' && JOB_ID_PATTERN.test(id) ? id : undefined;
}

function envelopeIssues(obj: Record<string, unknown>): ProtocolIssue[] {
  const issues: ProtocolIssue[] = [];
  const id = obj['job_id'];
  if (id === undefined || id === null) issues.push({ code: 'JOB_ID_MISSING', path: 'job_id', message: 'job_id is required' });
  else if (typeof id !== 'string')
    issues.push({
      code: 'JOB_ID_INVALID',
      path: 'job_id',
      message: `job_id must be a string, got ${id === null ? 'null' : typeof id} ${describeValue(id)}`,
    });
  else if (!JOB_ID_PATTERN.test(id))
    issues.push({
      code: 'JOB_ID_INVALID',
      path: 'job_id',
      message: `${describeValue(id)} is not a valid job_id: 1-128 printable characters without spaces`,
    });
  const type = obj['job_type'];
  if (type === undefined || type === null) issues.push({ code: 'JOB_TYPE_MISSING', path: 'job_type', message: 'job_type is required' });
  else if (typeof type !== 'string' || !(DATA_LOAD_JOB_TYPES as readonly string[]).includes(type))
    issues.push({
      code: 'JOB_TYPE_UNKNOWN',
      path: 'job_type',
      message: `${describeValue(type)} is not a known job_type; expected one of ${DATA_LOAD_JOB_TYPES.join(', ')}`,
    });
  return issues;
}

function normalizeSymbols(symbols: readonly string[]): string[] {
  return [...new Set(symbols.map((s) => s.trim().toUpperCase()))];
}

function orderTimeframes(list: readonly string[]): Timeframe[] {
  const wanted = new Set(list.map((t) => (t === 'minute' ? '1min' : t)));
  return TIMEFRAMES.filter((t) => wanted.has(t));
}

function toBoolean(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') return ['true', '1', 'yes'].includes(v.trim().toLowerCase());
  return false;
}

function nowMs(now: number | Date | undefined): number {
  if (now === undefined) return Date.now();
  return typeof now === 'number' ? now : now.getTime();
}

function buildRequest(job: DataLoadJob, now: number): { request?: DataLoadRequest; issues: ProtocolIssue[] } {
  let target: DataLoadTarget;
  let timeframes: Timeframe[];
  switch (job.job_type) {
    case 'csv_universe_load': {
      const symbols = normalizeSymbols(job.symbols ?? []);
      if (symbols.length > 0) target = { kind: 'symbols', symbols };
      else if (job.csv_file) target = { kind: 'csv_file', csvFile: job.csv_file, universeType: job.universe_type ?? null };
      else
        return {
          issues: [{ code: 'SYMBOLS_MISSING', path: 'symbols', message: 'csv_universe_load needs a non-empty symbols list or a csv_file' }],
        };
      timeframes = orderTimeframes(job.timeframes ?? LEGACY_CSV_TIMEFRAMES);
      break;
    }
    case 'historical_load':
    case 'multi_timeframe_load': {
      const symbols = normalizeSymbols(job.symbols);
      if (symbols.length === 0)
        return { issues: [{ code: 'SYMBOLS_MISSING', path: 'symbols', message: `${job.job_type} needs a non-empty symbols list` }] };
      target = { kind: 'symbols', symbols };
      timeframes =
        job.job_type === 'historical_load'
          ? orderTimeframes([job.timespan ?? 'day'])
          : orderTimeframes(job.timeframes ?? MULTI_TIMEFRAME_DEFAULT);
      break;
    }
    case 'universe_seed':
      target = { kind: 'universe', universeType: job.universe_type };
      timeframes = orderTimeframes(job.timeframes ?? UNIVERSE_SEED_DEFAULT);
      break;
  }
  const years = job.years ?? DEFAULT_YEARS;
  const { today, lookbackDays, ranges } = dataLoadRanges(timeframes, years, now);
  const timestamp = job.timestamp;
  return {
    issues: [],
    request: {
      jobId: job.job_id,
      jobType: job.job_type,
      target,
      timeframes,
      years,
      today,
      lookbackDays,
      ranges,
      requestedBy: job.requested_by ?? null,
      runAnalysisAfterImport: toBoolean(job.run_analysis_after_import),
      source: job.source ?? null,
      universeKey: job.universe_key ?? null,
      submittedAt: timestamp === undefined || timestamp === null ? null : String(timestamp),
      raw: job,
    },
  };
}

/**
 * Parses a data-load job (JSON text or an already-parsed value), validates it and normalises it into a
 * {@link DataLoadRequest}. Never throws: every problem comes back as a listed issue with a code and the field.
 */
export function parseDataLoadJob(input: unknown, options: NormalizeOptions = {}): DataLoadParseResult {
  const read = readJsonObject(input);
  if (!read.ok) {
    // Too long to parse: a job_id stated at its head still names the job, so it can get its failed status.
    const text = typeof input === 'string' ? input : input instanceof Uint8Array ? Buffer.from(input).toString('utf8') : '';
    const sniffed = text.length > MAX_MESSAGE_LENGTH ? sniffJobId(text, JOB_ID_PATTERN) : undefined;
    return sniffed === undefined ? { ok: false, errors: read.errors } : { ok: false, jobId: sniffed, errors: read.errors };
  }
  const obj = read.value;
  const jobId = readableJobId(obj);
  const fail = (errors: ProtocolIssue[]): DataLoadParseResult =>
    jobId === undefined ? { ok: false, errors } : { ok: false, jobId, errors };

  const envelope = envelopeIssues(obj);
  if (envelope.some((i) => i.path === 'job_type')) return fail(envelope);
  const parsed = dataLoadJobSchema.safeParse(obj);
  if (!parsed.success) return fail(issuesFromZod(parsed.error, obj));
  // Keep the job exactly as received (extra fields included); the schema only proved its shape.
  const built = buildRequest(obj as DataLoadJob, nowMs(options.now));
  if (!built.request) return fail(built.issues);
  return { ok: true, request: built.request };
}

/** Like {@link parseDataLoadJob}, but throws a {@link ProtocolError} listing every issue. */
export function normalizeDataLoadJob(input: unknown, options: NormalizeOptions = {}): DataLoadRequest {
  const r = parseDataLoadJob(input, options);
  if (r.ok) return r.request;
  throw ProtocolError.fromIssues(r.errors, r.jobId);
}
