/**
 * The store's one error tree. Every error the store throws is a {@link StoreError} with a `code`. Messages never
 * contain a password or a connection string's credentials: they pass through {@link redactSecrets} first.
 */

import type { UpsertReport } from './bars/report.js';

/** Every `code` a {@link StoreError} can carry. */
export const STORE_ERROR_CODES = [
  'CONFIGURATION',
  'CONNECTION_FAILED',
  'MIGRATION_FAILED',
  'SCHEMA_MISSING_TABLE',
  'SCHEMA_MISSING_COLUMN',
  'SCHEMA_MISSING_KEY',
  'SCHEMA_UNSUPPORTED_TYPE',
  'UNKNOWN_TIMEFRAME',
  'INVALID_ARGUMENT',
  'INVALID_SYMBOL',
  'INVALID_BARS',
  'SYMBOL_NOT_REGISTERED',
  'STORAGE_FAILED',
  'STORE_CLOSED',
] as const;

/** A {@link StoreError}'s `code`. */
export type StoreErrorCode = (typeof STORE_ERROR_CODES)[number];

/** Optional context of a {@link StoreError}. */
export interface StoreErrorOptions {
  /** The table involved, when there is one. */
  table?: string;
  /** The column involved, when there is one. */
  column?: string;
  /** True when the same call may succeed if made again later (lost connection, lock timeout, ...). */
  retryable?: boolean;
  /** The underlying error (its message redacted). */
  cause?: unknown;
  /** For a failed write: what had been committed before the failure (earlier batches stay written). */
  report?: UpsertReport;
}

const RETRYABLE_BY_DEFAULT: ReadonlySet<StoreErrorCode> = new Set<StoreErrorCode>(['CONNECTION_FAILED', 'STORAGE_FAILED']);

/** Base class of every error thrown by `@tickstock/ohlcv-store`. */
export class StoreError extends Error {
  /** What went wrong, as a stable code. */
  readonly code: StoreErrorCode;
  /** The table involved, when there is one. */
  readonly table: string | undefined;
  /** The column involved, when there is one. */
  readonly column: string | undefined;
  /** True when the same call may succeed if made again later. */
  readonly retryable: boolean;
  /** For a failed write: what had been committed before the failure (earlier batches stay written). */
  readonly report: UpsertReport | undefined;

  constructor(code: StoreErrorCode, message: string, options: StoreErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StoreError';
    this.code = code;
    this.table = options.table;
    this.column = options.column;
    this.retryable = options.retryable ?? RETRYABLE_BY_DEFAULT.has(code);
    this.report = options.report;
  }
}

/** True when `e` is a {@link StoreError}, optionally with the given code. */
export function isStoreError(e: unknown, code?: StoreErrorCode): e is StoreError {
  return e instanceof StoreError && (code === undefined || e.code === code);
}

/** What replaces a secret in text the store emits. */
export const REDACTED = '[REDACTED]';

/**
 * Removes credentials from `text`: the password part of any `scheme://user:password@host` URL, any
 * `password=...` key/value, and every literal occurrence of each given secret.
 */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 1) out = out.split(s).join(REDACTED);
  out = out.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)[^@\s/]*@/gi, `$1${REDACTED}@`);
  out = out.replace(/(\bpassword\s*=\s*)('[^']*'|"[^"]*"|[^\s&;]+)/gi, `$1${REDACTED}`);
  return out;
}

/** Postgres SQLSTATE classes that mean "the connection or server went away": worth retrying. */
function isTransientSqlState(code: unknown): boolean {
  return (
    typeof code === 'string' && (code.startsWith('08') || code === '40001' || code === '40P01' || code === '57P01' || code === '55P03')
  );
}

/** The message of an unknown thrown value, redacted. */
export function describeCause(e: unknown, secrets: readonly (string | undefined)[] = []): string {
  const raw = e instanceof Error ? e.message : String(e);
  return redactSecrets(raw, secrets);
}

/** A cause stripped of anything that could hold a secret: name, redacted message, SQLSTATE code and detail. */
export function safeCause(e: unknown, secrets: readonly (string | undefined)[] = []): Error {
  const out = new Error(describeCause(e, secrets));
  if (e instanceof Error) out.name = e.name;
  const o = e as { code?: unknown; detail?: unknown; constraint?: unknown };
  if (typeof o?.code === 'string') Object.assign(out, { code: o.code });
  if (typeof o?.detail === 'string') Object.assign(out, { detail: redactSecrets(o.detail, secrets) });
  if (typeof o?.constraint === 'string') Object.assign(out, { constraint: o.constraint });
  return out;
}

/** Wraps a database failure as STORAGE_FAILED (retryable when the SQLSTATE says the failure was transient). */
export function storageFailed(what: string, e: unknown, secrets: readonly (string | undefined)[] = [], table?: string): StoreError {
  if (e instanceof StoreError) return e;
  const code = (e as { code?: unknown })?.code;
  return new StoreError('STORAGE_FAILED', `${what} failed: ${describeCause(e, secrets)}`, {
    retryable: isTransientSqlState(code) || code === 'ECONNRESET' || code === 'ECONNREFUSED',
    cause: safeCause(e, secrets),
    ...(table === undefined ? {} : { table }),
  });
}
