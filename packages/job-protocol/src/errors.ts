/** The package's one error tree: every failure has a `code` from {@link PROTOCOL_ERROR_CODES}. */

/**
 * Error codes, each with what it means. Message codes describe bad input; the last group describes I/O.
 * The same codes appear in `failed` job statuses (`error_message`) and in error events (`category`).
 */
export const PROTOCOL_ERROR_CODES = {
  INVALID_JSON: 'the message is not valid JSON',
  NOT_AN_OBJECT: 'the message is JSON but not an object',
  JOB_ID_MISSING: 'job_id is missing',
  JOB_ID_INVALID: 'job_id is not a string of 1-128 printable characters without spaces',
  JOB_TYPE_MISSING: 'job_type is missing',
  JOB_TYPE_UNKNOWN: 'job_type is not one of the known job types',
  WRONG_TYPE: 'a field has the wrong JSON type',
  FIELD_MISSING: 'a required field is missing',
  SYMBOLS_MISSING: 'the job names no symbols (and no CSV universe file where that is allowed)',
  SYMBOL_INVALID: 'a symbol is not a valid ticker',
  TOO_MANY_SYMBOLS: 'more than 10,000 symbols',
  YEARS_OUT_OF_RANGE: 'years is not above 0 and at most 50',
  TIMEFRAMES_EMPTY: 'timeframes is an empty list',
  TIMEFRAME_UNKNOWN: 'a timeframe is not one of 1min, hour, day, week, month',
  CSV_FILE_INVALID: 'csv_file is not a plain .csv file name',
  UNIVERSE_TYPE_UNKNOWN: 'universe_type is not one of SP500, NASDAQ100, ETF',
  FIELD_INVALID: 'a field has a value outside its allowed set or range',
  CONTROL_INVALID: 'a control message is neither a valid cancel nor a valid cancel_all',
  STREAM_ENTRY_INVALID: 'a stream entry carries no job field',
  HANDLER_FAILED: 'the job or control callback threw',
  REDIS_FAILED: 'a Redis command failed',
  INVALID_OPTION: 'an option passed to this package is out of range',
  LEASE_LOST:
    "another worker took the job over (the job lease's epoch moved past this worker's): this worker writes nothing more for the job",
  STATUS_FINAL: 'the job status is already final (completed, failed, cancelled or completed_with_errors): it is not written over',
} as const;

/** A code of {@link PROTOCOL_ERROR_CODES}. */
export type ProtocolErrorCode = keyof typeof PROTOCOL_ERROR_CODES;

/**
 * Codes whose operation may succeed when simply tried again later (a Redis command that failed, e.g. on a dropped
 * connection). Every other code is final: the same input or the same state gives the same refusal.
 */
export const RETRYABLE_PROTOCOL_ERROR_CODES: ReadonlySet<ProtocolErrorCode> = new Set<ProtocolErrorCode>(['REDIS_FAILED']);

/** One thing wrong with a message: its code, where (`symbols[3]`, `years`; empty for the whole message) and a clear message. */
export interface ProtocolIssue {
  code: ProtocolErrorCode;
  path: string;
  message: string;
}

/** Thrown by the throwing variants (`normalizeDataLoadJob`, `submitJob`, publishers) and by I/O helpers on failure. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  readonly code: ProtocolErrorCode;
  /** Every issue found; the first one gives `code` and the message. */
  readonly issues: readonly ProtocolIssue[];
  /** The job the problem concerns, when it is known. */
  readonly jobId: string | undefined;
  /**
   * True when doing the same thing again later may succeed (by default: {@link RETRYABLE_PROTOCOL_ERROR_CODES});
   * false for `LEASE_LOST`, `STATUS_FINAL` and every message code.
   */
  readonly retryable: boolean;

  constructor(
    code: ProtocolErrorCode,
    message: string,
    options: { issues?: readonly ProtocolIssue[]; jobId?: string; cause?: unknown; retryable?: boolean } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.issues = options.issues ?? [{ code, path: '', message }];
    this.jobId = options.jobId;
    this.retryable = options.retryable ?? RETRYABLE_PROTOCOL_ERROR_CODES.has(code);
  }

  /** An error from a list of issues: code of the first, message listing all. */
  static fromIssues(issues: readonly ProtocolIssue[], jobId?: string): ProtocolError {
    const first = issues[0] ?? { code: 'FIELD_INVALID' as const, path: '', message: 'invalid message' };
    return new ProtocolError(first.code, formatIssues(issues), { issues, ...(jobId === undefined ? {} : { jobId }) });
  }
}

/** One line per issue: `CODE at path: message`. */
export function formatIssues(issues: readonly ProtocolIssue[]): string {
  return issues.map((i) => `${i.code}${i.path ? ` at ${i.path}` : ''}: ${i.message}`).join('; ');
}

/** Result of every `parse...` function: never throws. */
export type ParseResult<T> = { ok: true; value: T } | { ok: false; errors: ProtocolIssue[] };
