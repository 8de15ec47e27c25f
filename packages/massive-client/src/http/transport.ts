/**
 * The request pipeline: rate limiter → single attempt → retry policy → validation. A failed attempt waits for its
 * retry outside the limiter (holding no slot) and re-enters it with high priority; a 429 pauses the shared limiter
 * for every caller. The whole call is bounded by `maxTotalTimeMs`, counted from when its first attempt starts. An
 * attempt that cannot connect to the server at all is retried quickly inside its slot, then fails the call.
 */
import { redactText } from '@tickstock/market-time/redact';
import type { z } from 'zod';
import {
  MassiveAbortError,
  MassiveError,
  type MassiveHttpError,
  MassiveNetworkError,
  MassivePaginationError,
  MassiveRequestError,
  MassiveResponseError,
  MassiveTimeBudgetError,
} from '../errors.js';
import { stripSecretParams } from '../redact.js';
import { CallerAbort, raceAbort, sleep } from './abort.js';
import { type AttemptSuccess, connectFailureOf, sendOnce } from './attempt.js';
import { callHook, type HookRequestInfo, type MassiveClientHooks, retryVetoed } from './hooks.js';
import type { NotFoundCode } from './http-errors.js';
import type { RequestLimiter } from './rate-limit.js';
import { decideRetry, type ShouldRetry } from './retry-decision.js';
import { CONNECT_RETRIES, connectRetryDelay, retryDelay } from './retry-policy.js';
import type { Sender } from './send.js';

/**
 * Schemas that come with a decoder of an ASCII body's bytes (used instead of `JSON.parse` of its text, which it falls
 * back to by returning undefined): a bar page's rows are scanned straight into columns.
 */
export const textDecoders = new WeakMap<z.ZodType, (bytes: Uint8Array) => unknown>();

/** Per-call controls accepted by every endpoint method. */
export interface CallOptions {
  /** Aborts the call (queued, in flight or waiting to retry) with an `ABORTED` error. */
  signal?: AbortSignal;
  /** Retries for this call (default: the client's `maxRetries`). */
  maxRetries?: number;
  /** Per-attempt timeout for this call, in ms (default: the client's `timeoutMs`). */
  timeoutMs?: number;
  /** Bound on this call's total time, in ms (default: the client's `maxTotalTimeMs`). */
  maxTotalTimeMs?: number;
  /** Paginated calls: the most pages followed, empty ones included (default 10,000); past it, `PAGINATION_REFUSED`. */
  maxPages?: number;
  /** The retry decision for this call (default: the client's `shouldRetry`, else the default policy). */
  shouldRetry?: ShouldRetry;
}

/** Everything the transport needs, already resolved and validated. */
export interface TransportConfig {
  apiKey: string;
  baseUrl: URL;
  timeoutMs: number;
  maxRetries: number;
  retryBaseDelayMs: number;
  maxRetryDelayMs: number;
  maxTotalTimeMs: number;
  limiter: RequestLimiter;
  send: Sender;
  hooks: MassiveClientHooks;
  shouldRetry?: ShouldRetry | undefined;
  userAgent: string;
}

/** Query values; `undefined` entries are left out. */
export type Query = Record<string, string | number | boolean | undefined>;

/** What one successful request's answer was, for callers that want more than its data (no key anywhere in it). */
export interface ResponseMeta {
  /** The API's request id: the body's `request_id`, else the `X-Request-Id` header; quote it to Massive support. */
  requestId: string | undefined;
  /** The URL requested, without the key (the key travels in the `Authorization` header only). */
  url: string;
  /** The HTTP status (2xx). */
  status: number;
  /** Attempts made for this request (1 when it was not retried; quick reconnects count too). */
  attempts: number;
}

/** A validated response. */
export interface TransportResult<T> {
  data: T;
  /** The `X-Request-Id` header. */
  requestId: string | undefined;
  url: URL;
  /** The answer's metadata (`requestId` there prefers the body's `request_id`). */
  response: ResponseMeta;
}

function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(body)'}: ${issue.message}`);
}

/** `request_id` of a body that failed validation, when it still has a readable one. */
function bodyRequestId(body: unknown): string | undefined {
  const id = (body as { request_id?: unknown } | null)?.request_id;
  return typeof id === 'string' ? id : undefined;
}

/**
 * Whether the transport sends a retryable failure again itself. Not when nothing reached the API because it could
 * not be connected to (its quick retries were made in the slot already) nor when a shared rate limiter's Redis was
 * away (the limiter has already waited for it): both fail the call at once, still `retryable` for the caller.
 */
function retriedByClient(error: MassiveError): boolean {
  return error.code !== 'RATE_LIMITER_UNAVAILABLE' && connectFailureOf(error) !== 'unreachable';
}

/**
 * `scheduled`, or `timedOut()` once `deadline` passes with the task not yet started (a started attempt is bounded by
 * its own timeout). The late task's own rejection is dropped.
 */
function slotBefore<T>(scheduled: Promise<T>, deadline: number, isStarted: () => boolean, timedOut: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const check = (): void => {
      if (isStarted()) return;
      scheduled.catch(() => undefined);
      reject(timedOut());
    };
    const timer = setTimeout(check, Math.max(0, deadline - Date.now()));
    scheduled.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** Sends validated GET requests through the limiter with retries. One per client. */
export class Transport {
  readonly #config: TransportConfig;
  readonly #redact: (text: string) => string;

  constructor(config: TransportConfig) {
    this.#config = config;
    this.#redact = (text) => redactText(text, config.apiKey);
  }

  /** `text` with the key replaced by `[REDACTED]` wherever it occurs (as in every error and hook payload). */
  redact(text: string): string {
    return this.#redact(text);
  }

  /** The base URL's origin, e.g. `https://api.massive.com`. */
  get origin(): string {
    return this.#config.baseUrl.origin;
  }

  /** `path` (starting with `/`) under the base URL, with `query` appended. */
  url(path: string, query: Query = {}): URL {
    const base = this.#config.baseUrl;
    const url = new URL(base.pathname.replace(/\/+$/, '') + path, base.origin);
    for (const [name, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(name, String(value));
    stripSecretParams(url); // the key travels in the Authorization header only
    return url;
  }

  /**
   * The URL of the next page. Only the base URL's origin is followed (the key is sent to no other host); any
   * `apiKey` parameter is dropped, since the key travels in the `Authorization` header.
   */
  nextPageUrl(nextUrl: string, current: URL): URL {
    const request = this.#redact(`GET ${current.pathname}`);
    let url: URL;
    try {
      url = new URL(nextUrl, current);
    } catch {
      throw new MassivePaginationError(`${request} returned a next_url that is not a URL; not followed`, { request });
    }
    if (url.username || url.password) {
      // Never repeated anywhere: the URL itself carries credentials.
      throw new MassivePaginationError(`${request} returned a next_url with credentials in it (user info); not followed`, { request });
    }
    if (url.origin !== this.origin) {
      throw new MassivePaginationError(
        `${request} returned a next_url on another origin (${url.origin}, expected ${this.origin}); not followed, so the API key goes nowhere else`,
        { request },
      );
    }
    stripSecretParams(url);
    if (url.toString() === current.toString()) {
      throw new MassivePaginationError(`${request} returned its own URL as next_url; stopping to avoid a loop`, { request });
    }
    return url;
  }

  /**
   * The URL a saved page cursor stands for, checked as a `next_url` is: absolute, no credentials, on the base URL's
   * origin (the key goes nowhere else), and a path `samePath` accepts (the same request). Any `apiKey` parameter is
   * dropped. A refusal is `INVALID_REQUEST` (field `cursor`) and nothing is sent; the cursor itself is never repeated.
   */
  resumeUrl(cursor: unknown, samePath: (pathname: string) => boolean): URL {
    if (typeof cursor !== 'string' || cursor.length === 0) {
      throw new MassiveRequestError('cursor', `cursor must be a page's cursor (a non-empty string); got ${typeof cursor}`);
    }
    let url: URL;
    try {
      url = new URL(cursor);
    } catch {
      throw new MassiveRequestError('cursor', "cursor is not an absolute URL (a page cursor is the next page's URL); not followed");
    }
    if (url.username || url.password) {
      throw new MassiveRequestError('cursor', 'cursor has credentials in it (user info); not followed');
    }
    if (url.origin !== this.origin) {
      throw new MassiveRequestError(
        'cursor',
        `cursor is on another origin (${this.#redact(url.origin)}, expected ${this.origin}); not followed, so the API key goes nowhere else`,
      );
    }
    if (!samePath(url.pathname)) {
      throw new MassiveRequestError('cursor', 'cursor is for another request (its path does not match these parameters); not followed');
    }
    stripSecretParams(url);
    return url;
  }

  /**
   * Sends GET `url` (retrying per policy) and validates the JSON body with `schema` (a schema registered in
   * {@link textDecoders} decodes the body's bytes its own way first).
   */
  async get<S extends z.ZodType>(
    url: URL,
    schema: S,
    options: CallOptions & { notFound?: NotFoundCode } = {},
  ): Promise<TransportResult<z.output<S>>> {
    const request = this.#redact(`GET ${url.pathname}`);
    let shown: { url: string; path: string } | undefined;
    const info = (attempt: number): HookRequestInfo => {
      shown ??= { url: this.#redact(url.toString()), path: this.#redact(url.pathname) };
      return { method: 'GET', url: shown.url, path: shown.path, attempt };
    };
    const result = await this.#sendWithRetries(url, request, info, options, textDecoders.get(schema));
    const parsed = schema.safeParse(result.body);
    if (!parsed.success) {
      const issues = formatIssues(parsed.error).map(this.#redact);
      const shown = issues.slice(0, 5).join('; ') + (issues.length > 5 ? `; and ${issues.length - 5} more` : '');
      const error = new MassiveResponseError(`${request} returned a body that does not match the documented shape: ${shown}`, {
        status: result.status,
        requestId: bodyRequestId(result.body) ?? result.requestId,
        request,
        issues,
        retryable: false,
      });
      this.#reportFailure(error, info(1));
      throw error;
    }
    const response: ResponseMeta = {
      requestId: bodyRequestId(result.body) ?? result.requestId,
      url: info(result.attempts).url,
      status: result.status,
      attempts: result.attempts,
    };
    return { data: parsed.data, requestId: result.requestId, url, response };
  }

  async #sendWithRetries(
    url: URL,
    request: string,
    info: (attempt: number) => HookRequestInfo,
    options: CallOptions & { notFound?: NotFoundCode },
    parseBytes?: (bytes: Uint8Array) => unknown,
  ): Promise<AttemptSuccess & { attempts: number }> {
    const config = this.#config;
    const { signal } = options;
    const maxRetries = options.maxRetries ?? config.maxRetries;
    const timeoutMs = options.timeoutMs ?? config.timeoutMs;
    const maxTotalTimeMs = options.maxTotalTimeMs ?? config.maxTotalTimeMs;
    const headers = {
      Authorization: `Bearer ${config.apiKey}`,
      Accept: 'application/json',
      'User-Agent': config.userAgent,
    };
    let deadline: number | undefined;
    /** Attempts sent: quick connection retries inside one slot count too. */
    let attempt = 0;
    /** When the current round entered the limiter's queue, and whether its slot has come. */
    let queuedAt = Date.now();
    let started = false;

    const outOfSlotTime = (): MassiveTimeBudgetError =>
      new MassiveTimeBudgetError(`${request} used up its ${maxTotalTimeMs} ms total time waiting for a rate-limit slot`, { request });

    /** One slot of the limiter: an attempt, and quick retries of it while the server cannot be connected to. */
    const task = async (): Promise<AttemptSuccess> => {
      started = true;
      for (let quick = 0; ; quick++) {
        if (signal?.aborted) throw new CallerAbort();
        const startedAt = Date.now();
        deadline ??= startedAt + maxTotalTimeMs;
        if (startedAt >= deadline) throw outOfSlotTime();
        attempt++;
        if (config.hooks.request) callHook(config.hooks.request, { ...info(attempt), queuedMs: quick === 0 ? startedAt - queuedAt : 0 });
        try {
          return await sendOnce(
            {
              send: config.send,
              url,
              headers,
              timeoutMs: Math.max(1, Math.min(timeoutMs, deadline - startedAt)),
              signal,
              request,
              notFound: options.notFound ?? 'NOT_FOUND',
              redact: this.#redact,
              parseBytes,
            },
            config.hooks.response &&
              ((status, requestId) =>
                callHook(config.hooks.response, {
                  ...info(attempt),
                  status,
                  ok: status >= 200 && status < 300,
                  durationMs: Date.now() - startedAt,
                  requestId,
                })),
          );
        } catch (thrown) {
          // Nothing reached the server: try again shortly in this same slot (no budget spent), a couple of times.
          if (!(thrown instanceof MassiveError) || connectFailureOf(thrown) !== 'unreachable') throw thrown;
          const delayMs = connectRetryDelay(quick);
          if (quick >= Math.min(CONNECT_RETRIES, maxRetries) || attempt > maxRetries || Date.now() + delayMs >= deadline) throw thrown;
          callHook(config.hooks.retry, {
            ...info(attempt),
            nextAttempt: attempt + 1,
            delayMs,
            code: thrown.code,
            status: thrown.status,
            message: thrown.message,
          });
          await sleep(delayMs, signal);
        }
      }
    };

    for (let round = 1; ; round++) {
      queuedAt = Date.now();
      started = false;
      try {
        const scheduled = config.limiter.schedule(task, round === 1 ? 'normal' : 'high');
        // A retry's wait for its slot counts against the total time: stop waiting when it is used up (a slot that
        // comes later finds the time gone and sends nothing).
        const bounded = deadline === undefined ? scheduled : slotBefore(scheduled, deadline, () => started, outOfSlotTime);
        const success = await raceAbort(bounded, signal);
        return { ...success, attempts: Math.max(attempt, 1) };
      } catch (thrown) {
        // Attempts made: the sends, or the rounds when a limiter failed one before it could send.
        const tries = Math.max(attempt, round);
        if (thrown instanceof CallerAbort || signal?.aborted) {
          const error = new MassiveAbortError(`${request} was aborted by the caller`, { request, attempts: tries });
          this.#reportFailure(error, info(tries));
          throw error;
        }
        const failure =
          thrown instanceof MassiveError
            ? thrown
            : new MassiveNetworkError('NETWORK_ERROR', `${request} failed: ${this.#redact(String(thrown))}`, { request });
        let error = failure.withAttempts(tries);
        const retryAfterMs = (error as Partial<MassiveHttpError>).retryAfterMs;
        const delayMs = retryDelay(round - 1, retryAfterMs, config.retryBaseDelayMs, config.maxRetryDelayMs);
        if (error.code === 'API_RATE_LIMIT') {
          // Every caller sharing the limiter slows down, not just this one.
          config.limiter.pauseFor(delayMs);
          callHook(config.hooks.rateLimited, { ...info(tries), pauseMs: delayMs, retryAfterMs, requestId: error.requestId });
        }
        const outOfTime = deadline !== undefined && Date.now() + delayMs >= deadline;
        const retry =
          tries <= maxRetries &&
          !outOfTime &&
          decideRetry(
            { error, attempt: tries, delayMs, retryByDefault: failure.retryable && retriedByClient(failure) },
            options.shouldRetry ?? config.shouldRetry,
          );
        const retryEvent = {
          ...info(tries),
          nextAttempt: tries + 1,
          delayMs,
          code: error.code,
          status: error.status,
          message: error.message,
        };
        const vetoed = retry && retryVetoed(config.hooks.beforeRetry, retryEvent);
        if (!retry || vetoed) {
          const why = vetoed ? 'a beforeRetry hook vetoed the retry' : outOfTime ? `${maxTotalTimeMs} ms total time reached` : '';
          if (tries > 1 || vetoed)
            error = failure.withAttempts(tries, ` (gave up after ${tries} attempt${tries === 1 ? '' : 's'}${why ? `, ${why}` : ''})`);
          this.#reportFailure(error, info(tries));
          throw error;
        }
        callHook(config.hooks.retry, retryEvent);
        try {
          await sleep(delayMs, signal);
        } catch {
          const aborted = new MassiveAbortError(`${request} was aborted by the caller while waiting to retry`, {
            request,
            attempts: tries,
          });
          this.#reportFailure(aborted, info(tries));
          throw aborted;
        }
      }
    }
  }

  #reportFailure(error: MassiveError, info: HookRequestInfo): void {
    callHook(this.#config.hooks.error, {
      ...info,
      code: error.code,
      status: error.status,
      requestId: error.requestId,
      retryable: error.retryable,
      message: error.message,
    });
  }
}
