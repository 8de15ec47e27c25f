/** How the engine reads errors from the client and the store: a stable code and a safe message. */
import type { WriteCounts } from './types.js';

/** Codes after which no later call in the job can succeed: the job stops at once. */
const JOB_FATAL_CODES: ReadonlySet<string> = new Set(['API_KEY_INVALID']);

/**
 * What an error means for the work that hit it, read from the error itself (one place for every decision):
 * `retryable` is the error's own flag (the client and the store set it on every error they throw: a truncated body
 * or a 503 is, a schema mismatch or a constraint violation is not; anything without the flag is not), and `fatal`
 * says no later call of the job can succeed (a refused API key).
 */
export interface ErrorDecision {
  code: string;
  message: string;
  retryable: boolean;
  fatal: boolean;
}

export function decide(error: unknown, fallbackCode = 'INTERNAL'): ErrorDecision {
  const code = errorCode(error, fallbackCode);
  const flag = error && typeof error === 'object' ? (error as { retryable?: unknown }).retryable : undefined;
  return { code, message: errorMessage(error), retryable: flag === true, fatal: JOB_FATAL_CODES.has(code) };
}

/** Rethrows `error` as {@link FatalJobError} when no later call of the job can succeed. */
export function throwIfFatal(error: unknown): void {
  const d = decide(error);
  if (d.fatal) throw new FatalJobError(d.code, d.message, { cause: error });
}

const KNOWN_CODE = /^[A-Z][A-Z0-9_]{2,40}$/;

/** The error's `code` when it carries a well-formed one, else a code from its kind. */
export function errorCode(error: unknown, fallback = 'INTERNAL'): string {
  if (error && typeof error === 'object') {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && KNOWN_CODE.test(code)) return code;
    const name = (error as { name?: unknown }).name;
    if (name === 'AbortError') return 'ABORTED';
  }
  return fallback;
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Thrown inside a job when an error makes every later call fail too (e.g. a bad API key). */
export class FatalJobError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FatalJobError';
    this.code = code;
  }
}

/**
 * Thrown by a durable executor when this process gives its part of a job back (graceful shutdown) so another
 * replica continues it: the job is not settled here and no final status is written.
 */
export class JobHandedOff extends Error {
  constructor(
    readonly jobId: string,
    message = `job ${jobId} handed back to the queue for another worker to continue`,
  ) {
    super(message);
    this.name = 'JobHandedOff';
  }
}

/**
 * Thrown when a coordinator finds that another has taken its job over (its lease is gone, e.g. it was frozen past
 * its queue lock): it stops coordinating and writes nothing more; the other settles the job.
 */
export class JobFenced extends JobHandedOff {
  constructor(jobId: string) {
    super(jobId, `job ${jobId} is coordinated by another worker now (this worker's lease on it was lost): stopped here without writing`);
    this.name = 'JobFenced';
  }
}

/**
 * A write that failed part-way or fell short (the store found fewer rows than it sent): the code, and what was
 * stored all the same, so the symbol's result counts exactly what is in the tables.
 */
export class WriteFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly counts: WriteCounts,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'WriteFailure';
  }
}
