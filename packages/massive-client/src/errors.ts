/**
 * The client's one error tree. Every error the client throws is a {@link MassiveError} with a `code`; subclasses
 * separate what went wrong: configuration, a refused request, an HTTP answer, the network, the shared rate limiter's
 * Redis, a response that did not validate, or an abort. Messages never contain the API key (the client redacts before
 * it builds them).
 */

/** Every `code` a {@link MassiveError} can carry. */
export const MASSIVE_ERROR_CODES = [
  'CONFIGURATION',
  'INVALID_REQUEST',
  'API_RATE_LIMIT',
  'API_KEY_INVALID',
  'NOT_ENTITLED',
  'SYMBOL_NOT_FOUND',
  'NOT_FOUND',
  'BAD_REQUEST',
  'SERVER_ERROR',
  'NETWORK_TIMEOUT',
  'NETWORK_ERROR',
  'INVALID_RESPONSE',
  'PAGINATION_REFUSED',
  'ABORTED',
  'RATE_LIMITER_UNAVAILABLE',
  'TOTAL_TIME_EXCEEDED',
] as const;

/** A {@link MassiveError}'s `code`: what the caller should do differs per code (see the package README). */
export type MassiveErrorCode = (typeof MASSIVE_ERROR_CODES)[number];

/** Fields shared by every {@link MassiveError}. */
export interface MassiveErrorOptions {
  /** HTTP status, when an HTTP answer was received. */
  status?: number;
  /** The API's request id (from the body's `request_id` or the `X-Request-Id` header). */
  requestId?: string;
  /** The API's own error text (`error` or `message` of the body), redacted. */
  apiMessage?: string;
  /** True when the same request may succeed if sent again later. Defaults per code. */
  retryable?: boolean;
  /** HTTP method and path (no query, no host) of the request, e.g. `GET /v3/reference/tickers/AAPL`. */
  request?: string;
  /** How many attempts were made before this error was thrown. */
  attempts?: number;
  /** The underlying error (never holds the API key). */
  cause?: unknown;
}

const RETRYABLE_BY_DEFAULT: ReadonlySet<MassiveErrorCode> = new Set([
  'API_RATE_LIMIT',
  'SERVER_ERROR',
  'NETWORK_TIMEOUT',
  'NETWORK_ERROR',
  'RATE_LIMITER_UNAVAILABLE',
] as MassiveErrorCode[]);

/** Base class of every error thrown by `@tickstock/massive-client`. */
export class MassiveError extends Error {
  /** What went wrong, as a stable code. */
  readonly code: MassiveErrorCode;
  /** HTTP status, when an HTTP answer was received. */
  readonly status: number | undefined;
  /** The API's request id, when known: quote it to Massive support. */
  readonly requestId: string | undefined;
  /** The API's own error text, when it sent one. */
  readonly apiMessage: string | undefined;
  /** True when sending the same request again later may succeed. */
  readonly retryable: boolean;
  /** Method and path of the request, e.g. `GET /v2/aggs/ticker/AAPL/range/1/day/2024-01-02/2024-01-05`. */
  readonly request: string | undefined;
  /** Attempts made before giving up (1 when it was not retried). */
  readonly attempts: number | undefined;

  constructor(code: MassiveErrorCode, message: string, options: MassiveErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MassiveError';
    this.code = code;
    this.status = options.status;
    this.requestId = options.requestId;
    this.apiMessage = options.apiMessage;
    this.retryable = options.retryable ?? RETRYABLE_BY_DEFAULT.has(code);
    this.request = options.request;
    this.attempts = options.attempts;
  }

  /**
   * This error as the client finally throws it: a copy of the same class with `attempts` set and, when given, `note`
   * appended to the message. Errors are never changed once built, so one that a hook or a caller already holds stays
   * as it was.
   */
  withAttempts(attempts: number, note = ''): this {
    const copy = Object.create(Object.getPrototypeOf(this)) as this;
    Object.defineProperties(copy, Object.getOwnPropertyDescriptors(this));
    Object.defineProperty(copy, 'attempts', { value: attempts, enumerable: true, writable: false, configurable: true });
    if (note) {
      const message = `${this.message}${note}`;
      Object.defineProperty(copy, 'message', { value: message, enumerable: false, writable: true, configurable: true });
      if (typeof this.stack === 'string' && this.stack.includes(this.message))
        Object.defineProperty(copy, 'stack', {
          value: this.stack.replace(this.message, message),
          enumerable: false,
          writable: true,
          configurable: true,
        });
    }
    return copy;
  }

  /** A plain object for logs: code, message and the fields above (no stack, no cause). */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      status: this.status,
      requestId: this.requestId,
      apiMessage: this.apiMessage,
      retryable: this.retryable,
      request: this.request,
      attempts: this.attempts,
    };
  }
}

/** `CONFIGURATION`: the client cannot be built as configured (e.g. no API key). */
export class MassiveConfigurationError extends MassiveError {
  constructor(message: string) {
    super('CONFIGURATION', message, { retryable: false });
    this.name = 'MassiveConfigurationError';
  }
}

/** `INVALID_REQUEST`: an argument was refused before any request was sent. `field` names it. */
export class MassiveRequestError extends MassiveError {
  /** The argument that was refused, e.g. `ticker` or `from`. */
  readonly field: string;
  constructor(field: string, message: string) {
    super('INVALID_REQUEST', message, { retryable: false });
    this.name = 'MassiveRequestError';
    this.field = field;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), field: this.field };
  }
}

/** An HTTP answer with an error status: `API_RATE_LIMIT`, `API_KEY_INVALID`, `NOT_ENTITLED`, `SYMBOL_NOT_FOUND`, ... */
export class MassiveHttpError extends MassiveError {
  /** Delay the server asked for (`Retry-After`), in milliseconds, uncapped. */
  readonly retryAfterMs: number | undefined;
  constructor(code: MassiveErrorCode, message: string, options: MassiveErrorOptions & { retryAfterMs?: number }) {
    super(code, message, options);
    this.name = 'MassiveHttpError';
    this.retryAfterMs = options.retryAfterMs;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), retryAfterMs: this.retryAfterMs };
  }
}

/** `NETWORK_ERROR` or `NETWORK_TIMEOUT`: no (complete) HTTP answer arrived. */
export class MassiveNetworkError extends MassiveError {
  constructor(code: 'NETWORK_ERROR' | 'NETWORK_TIMEOUT', message: string, options: MassiveErrorOptions = {}) {
    super(code, message, options);
    this.name = 'MassiveNetworkError';
  }
}

/**
 * `TOTAL_TIME_EXCEEDED`: the request's total time (`maxTotalTimeMs`) ran out while it waited for a rate-limit slot, so
 * nothing more was sent: the budget's queue, not the network, was the wait. Not retryable by the client (its time is
 * spent); a caller with a longer budget may send it again.
 */
export class MassiveTimeBudgetError extends MassiveError {
  constructor(message: string, options: Omit<MassiveErrorOptions, 'retryable'> = {}) {
    super('TOTAL_TIME_EXCEEDED', message, { ...options, retryable: false });
    this.name = 'MassiveTimeBudgetError';
  }
}

/** `INVALID_RESPONSE`: a 2xx answer that is not what the API documents (kept apart from HTTP errors). */
export class MassiveResponseError extends MassiveError {
  /** Where the body failed validation, e.g. `results[3].t: expected number`. */
  readonly issues: string[];
  constructor(message: string, options: MassiveErrorOptions & { issues?: string[] } = {}) {
    super('INVALID_RESPONSE', message, options);
    this.name = 'MassiveResponseError';
    this.issues = options.issues ?? [];
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), issues: this.issues };
  }
}

/**
 * `PAGINATION_REFUSED`: a `next_url` the client will not follow (another origin, credentials in the URL, a cursor seen
 * before on this call) or a call past its page cap. Never retryable: the same pages would lead to the same place.
 */
export class MassivePaginationError extends MassiveError {
  constructor(message: string, options: Omit<MassiveErrorOptions, 'retryable'> = {}) {
    super('PAGINATION_REFUSED', message, { ...options, retryable: false });
    this.name = 'MassivePaginationError';
  }
}

/** `ABORTED`: the caller's `signal` aborted the call. */
export class MassiveAbortError extends MassiveError {
  constructor(message: string, options: MassiveErrorOptions = {}) {
    super('ABORTED', message, { ...options, retryable: false });
    this.name = 'MassiveAbortError';
  }
}

/**
 * `RATE_LIMITER_UNAVAILABLE`: a shared rate limiter (`createClusteredRateLimiter`) could not admit the request because
 * its Redis did not answer in time (never reached, or lost for longer than the limiter waits). Nothing was sent to the
 * API. Retryable (a later call may find Redis back), but the client does not retry it itself: the limiter has already
 * waited for Redis. `address` is the Redis `host:port` (never its password).
 */
export class MassiveRateLimiterError extends MassiveError {
  /** The Redis the limiter uses, as `host:port` (or a socket path). */
  readonly address: string;
  constructor(message: string, options: MassiveErrorOptions & { address: string }) {
    super('RATE_LIMITER_UNAVAILABLE', message, { retryable: true, ...options });
    this.name = 'MassiveRateLimiterError';
    this.address = options.address;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), address: this.address };
  }
}

/** True when `e` is a {@link MassiveError}, optionally with the given code. */
export function isMassiveError(e: unknown, code?: MassiveErrorCode): e is MassiveError {
  return e instanceof MassiveError && (code === undefined || e.code === code);
}
