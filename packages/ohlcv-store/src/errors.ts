/**
 * The store's one error tree. Every error the store throws is a {@link StoreError} with a `code`. Messages never
 * contain a password or a connection string's credentials: they pass through `redactText` (`@tickstock/market-time/redact`) first.
 */

import { redactText } from '@tickstock/market-time/redact';
import type { UpsertReport } from './bars/report.js';
import { tlsFailureMessage } from './pg-tls.js';
import { POOLER_ADVICE, poolerRefusal } from './pooler-errors.js';

/** Every `code` a {@link StoreError} can carry. */
export const STORE_ERROR_CODES = [
  'CONFIGURATION',
  'CONNECTION_FAILED',
  'TLS_FAILED',
  'MIGRATION_FAILED',
  'MIGRATION_REQUIRED',
  'PRIVILEGES_MISSING',
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
  'STORE_UNAVAILABLE',
  'PREPARED_STATEMENTS_REFUSED',
  'POOL_MODE_UNSUPPORTED',
  'ROWS_NOT_STORED',
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

const RETRYABLE_BY_DEFAULT: ReadonlySet<StoreErrorCode> = new Set<StoreErrorCode>([
  'CONNECTION_FAILED',
  'STORAGE_FAILED',
  'STORE_UNAVAILABLE',
]);

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

/**
 * True when `e` says the database is unavailable rather than that the data or the call was wrong: a
 * `STORE_UNAVAILABLE` error (connection lost, refused, server shutting down, too many connections, read-only) or a
 * `CONNECTION_FAILED` one (the store could not be opened). Such a call may succeed unchanged once the database is back.
 */
export function isStoreUnavailable(e: unknown): boolean {
  return e instanceof StoreError && (e.code === 'STORE_UNAVAILABLE' || e.code === 'CONNECTION_FAILED');
}

/**
 * SQLSTATEs that mean "the database cannot serve this session now", not "this statement is wrong": class 08
 * (connection exceptions) is matched by prefix; 57P01 admin_shutdown (also `pg_terminate_backend` and an immediate
 * shutdown), 57P02 crash_shutdown, 57P03 cannot_connect_now (starting up, shutting down, in recovery), 53300
 * too_many_connections (server or role limit), 25006 read_only_sql_transaction (a standby, or a primary set
 * read-only, e.g. during a failover).
 */
const UNAVAILABLE_SQLSTATES: ReadonlySet<string> = new Set(['57P01', '57P02', '57P03', '53300', '25006']);

/** SQLSTATEs of a statement that lost a race and may succeed if run again: serialization failure, deadlock, lock not available. */
const RETRYABLE_SQLSTATES: ReadonlySet<string> = new Set(['40001', '40P01', '55P03']);

/** Node.js socket and DNS error codes of a connection that could not be made or was lost. */
const UNAVAILABLE_SOCKET_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/**
 * Messages node-postgres 8.23 (pg 8.23.1, pg-pool 3.14) gives connection failures that carry no code: the server
 * closed the socket (`pg/lib/client.js`), a query on a client whose connection already failed (same file), the
 * client's own connect timeout (same file), the pool's connect timeout (`pg-pool/index.js`, two forms).
 */
const UNAVAILABLE_MESSAGES: ReadonlySet<string> = new Set([
  'Connection terminated unexpectedly',
  'Client has encountered a connection error and is not queryable',
  'timeout expired',
  'Connection terminated due to connection timeout',
  'timeout exceeded when trying to connect',
]);

/**
 * True when a thrown value (a node-postgres, socket or PGlite error; its `cause` chain and an AggregateError's
 * `errors` are looked at too) is of the connection kind: the database is unavailable, the statement itself was fine.
 */
export function isConnectionFailure(e: unknown, depth = 0): boolean {
  if (e === null || typeof e !== 'object' || depth > 4) return false;
  // A pooler refusing statement-mode transactions answers with class 08, but no reconnect will ever fix it.
  if (depth === 0 && poolerRefusal(e) !== undefined) return false;
  const o = e as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof o.code === 'string') {
    if (o.code.startsWith('08') || UNAVAILABLE_SQLSTATES.has(o.code) || UNAVAILABLE_SOCKET_CODES.has(o.code)) return true;
  } else if (typeof o.message === 'string' && UNAVAILABLE_MESSAGES.has(o.message)) return true;
  if (Array.isArray(o.errors) && o.errors.some((x) => isConnectionFailure(x, depth + 1))) return true;
  return o.cause !== undefined && isConnectionFailure(o.cause, depth + 1);
}

/** The message of an unknown thrown value, redacted. */
export function describeCause(e: unknown, secrets: readonly (string | undefined)[] = []): string {
  let raw = e instanceof Error ? e.message : String(e);
  // Node reports a connection refused on every address of a host as an AggregateError with no message of its own.
  if (raw === '' && e instanceof AggregateError) raw = e.errors.map((x) => (x instanceof Error ? x.message : String(x))).join('; ');
  return redactText(raw, ...secrets);
}

/** A cause stripped of anything that could hold a secret: name, redacted message, SQLSTATE code and detail. */
export function safeCause(e: unknown, secrets: readonly (string | undefined)[] = []): Error {
  const out = new Error(describeCause(e, secrets));
  if (e instanceof Error) out.name = e.name;
  const o = e as { code?: unknown; detail?: unknown; constraint?: unknown };
  if (typeof o?.code === 'string') Object.assign(out, { code: o.code });
  if (typeof o?.detail === 'string') Object.assign(out, { detail: redactText(o.detail, ...secrets) });
  if (typeof o?.constraint === 'string') Object.assign(out, { constraint: o.constraint });
  return out;
}

/**
 * Wraps a database failure: `TLS_FAILED` (not retryable) when a new connection failed its TLS handshake (a
 * certificate the client does not trust, a host name it does not name, a server without TLS);
 * `PREPARED_STATEMENTS_REFUSED` or `POOL_MODE_UNSUPPORTED` when a connection pooler refused the statement
 * (./pooler-errors.ts; not retryable: a setting must change); `STORE_UNAVAILABLE` (retryable) when it is of the
 * connection kind ({@link isConnectionFailure}); else `STORAGE_FAILED`, retryable only for a serialization failure, a
 * deadlock or a lock not available. A {@link StoreError} is returned as it is.
 */
export function storageFailed(what: string, e: unknown, secrets: readonly (string | undefined)[] = [], table?: string): StoreError {
  if (e instanceof StoreError) return e;
  const context = table === undefined ? {} : { table };
  const tls = tlsFailureMessage(e);
  if (tls !== undefined) {
    return new StoreError('TLS_FAILED', `${what} failed: ${redactText(tls, ...secrets)}`, {
      retryable: false,
      cause: safeCause(e, secrets),
      ...context,
    });
  }
  const refusal = poolerRefusal(e);
  if (refusal !== undefined) {
    return new StoreError(refusal, `${what} failed: ${POOLER_ADVICE[refusal]} (${describeCause(e, secrets)})`, {
      retryable: false,
      cause: safeCause(e, secrets),
      ...context,
    });
  }
  if (isConnectionFailure(e)) {
    return new StoreError('STORE_UNAVAILABLE', `${what} failed: the database is unavailable: ${describeCause(e, secrets)}`, {
      retryable: true,
      cause: safeCause(e, secrets),
      ...context,
    });
  }
  const code = (e as { code?: unknown })?.code;
  return new StoreError('STORAGE_FAILED', `${what} failed: ${describeCause(e, secrets)}`, {
    retryable: typeof code === 'string' && RETRYABLE_SQLSTATES.has(code),
    cause: safeCause(e, secrets),
    ...context,
  });
}
