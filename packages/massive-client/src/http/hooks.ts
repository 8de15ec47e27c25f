/**
 * Hooks for logging and metrics. Every payload is built from redacted values: URLs carry no key, the
 * `Authorization` header is never included, and error texts are redacted. A hook that throws is ignored.
 */
import type { MassiveErrorCode } from '../errors.js';

/** Fields common to every hook payload. */
export interface HookRequestInfo {
  /** Always `GET` today. */
  method: string;
  /** Full URL, redacted. */
  url: string;
  /** Path of the URL (no query), e.g. `/v3/reference/tickers/AAPL`. */
  path: string;
  /** 1 for the first attempt, 2 for the first retry, ... */
  attempt: number;
}

/** An attempt is about to be sent (it has left the rate limiter's queue). */
export interface RequestEvent extends HookRequestInfo {
  /** Milliseconds the attempt waited in the rate limiter's queue. */
  queuedMs: number;
}

/** An HTTP answer arrived for an attempt (any status). */
export interface ResponseEvent extends HookRequestInfo {
  status: number;
  /** True for a 2xx answer. */
  ok: boolean;
  /** From sending to the end of the body. */
  durationMs: number;
  requestId: string | undefined;
}

/** An attempt failed and will be retried after `delayMs`. */
export interface RetryEvent extends HookRequestInfo {
  /** The attempt that will be sent next. */
  nextAttempt: number;
  delayMs: number;
  code: MassiveErrorCode;
  status: number | undefined;
  /** The failure, redacted. */
  message: string;
}

/** A 429 arrived: the shared limiter is paused for `pauseMs`. */
export interface RateLimitedEvent extends HookRequestInfo {
  pauseMs: number;
  /** What the server's `Retry-After` asked for, if it sent one. */
  retryAfterMs: number | undefined;
  requestId: string | undefined;
}

/** A call failed for good (after any retries). */
export interface CallErrorEvent extends HookRequestInfo {
  code: MassiveErrorCode;
  status: number | undefined;
  requestId: string | undefined;
  retryable: boolean;
  /** The failure, redacted. */
  message: string;
}

/** Optional callbacks, each called synchronously with a redacted payload. */
export interface MassiveClientHooks {
  request?: (event: RequestEvent) => void;
  response?: (event: ResponseEvent) => void;
  /**
   * A retry was decided: return `false` to veto it (the call then fails with this error, its message saying so).
   * Anything else, or a throw, lets it go ahead. Called before `retry`.
   */
  beforeRetry?: (event: RetryEvent) => boolean | undefined;
  retry?: (event: RetryEvent) => void;
  rateLimited?: (event: RateLimitedEvent) => void;
  error?: (event: CallErrorEvent) => void;
}

/** True when the `beforeRetry` hook vetoed the retry (answered `false`); a throw is no veto. */
export function retryVetoed(hook: MassiveClientHooks['beforeRetry'], event: RetryEvent): boolean {
  if (!hook) return false;
  try {
    return hook(event) === false;
  } catch {
    return false;
  }
}

/** Calls a hook, ignoring anything it throws (a metrics bug must not break a data load). */
export function callHook<E>(hook: ((event: E) => void) | undefined, event: E): void {
  if (!hook) return;
  try {
    hook(event);
  } catch {
    // hooks are observers; their failures are theirs
  }
}
