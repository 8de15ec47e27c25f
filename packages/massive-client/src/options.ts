/** The client's options, their defaults (all in one place) and their environment fallbacks. */
import { MassiveConfigurationError } from './errors.js';
import type { MassiveClientHooks } from './http/hooks.js';
import type { RateLimitOption } from './http/rate-limit.js';
import type { ShouldRetry } from './http/retry-decision.js';
import { type FetchLike, type Sender, sendByDefault, sendWithFetch } from './http/send.js';

/** Options of `new MassiveClient(options)`. Every one is optional. */
export interface MassiveClientOptions {
  /** API key, sent as `Authorization: Bearer`. Default: `MASSIVE_API_KEY`. Required one way or the other. */
  apiKey?: string;
  /** API root. Default: `MASSIVE_API_BASE_URL`, else `https://api.massive.com`. May carry a path prefix. */
  baseUrl?: string;
  /** Per-attempt timeout in ms (sending to the end of the body). Default: `MASSIVE_API_TIMEOUT` seconds × 1000, else 30000. */
  timeoutMs?: number;
  /** Retries after the first attempt for retryable failures. Default 5. */
  maxRetries?: number;
  /** Backoff base: the n-th retry waits a random time below `retryBaseDelayMs × 2^(n-1)`. Default 500. */
  retryBaseDelayMs?: number;
  /** Cap on any one wait before a retry, including a server's `Retry-After`. Default 60000. */
  maxRetryDelayMs?: number;
  /** Bound on one call's total time (attempts and waits), from its first attempt's start. Default 300000. */
  maxTotalTimeMs?: number;
  /** `'unlimited'` (default), `'free'`, custom settings, or a limiter / bottleneck instance shared between clients. */
  rateLimit?: RateLimitOption;
  /**
   * A `fetch` to send every request with (tests, a custom transport). Default: Node's own HTTP client, undici's
   * `request()`, through its global dispatcher (so `setGlobalDispatcher` proxies apply); or the global `fetch` when
   * something has replaced it (msw, a polyfill). See "Design" in the README.
   */
  fetch?: FetchLike;
  /** Callbacks for logging and metrics; payloads never contain the key. `beforeRetry` may veto a retry. */
  hooks?: MassiveClientHooks;
  /** Replaces the default retry decision (see `ShouldRetry`); `maxRetries` and `maxTotalTimeMs` still bound it. */
  shouldRetry?: ShouldRetry;
  /** `User-Agent` header. Default `tickstock-massive-client`. */
  userAgent?: string;
  /** Where the fallbacks are read. Default `process.env`. */
  env?: Record<string, string | undefined>;
}

/** The defaults, in one place. */
export const DEFAULTS = {
  baseUrl: 'https://api.massive.com',
  timeoutMs: 30_000,
  maxRetries: 5,
  retryBaseDelayMs: 500,
  maxRetryDelayMs: 60_000,
  maxTotalTimeMs: 300_000,
  rateLimit: 'unlimited',
  userAgent: 'tickstock-massive-client',
} as const;

/** Environment variables the client reads. */
export const ENV = {
  apiKey: 'MASSIVE_API_KEY',
  baseUrl: 'MASSIVE_API_BASE_URL',
  timeoutSeconds: 'MASSIVE_API_TIMEOUT',
} as const;

/** Options after defaults and fallbacks, validated. */
export interface ResolvedOptions {
  apiKey: string;
  baseUrl: URL;
  timeoutMs: number;
  maxRetries: number;
  retryBaseDelayMs: number;
  maxRetryDelayMs: number;
  maxTotalTimeMs: number;
  rateLimit: RateLimitOption;
  /** How each request is sent: with the `fetch` option, else by default (see `send.ts`). */
  send: Sender;
  hooks: MassiveClientHooks;
  shouldRetry: ShouldRetry | undefined;
  userAgent: string;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function positiveNumber(name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new MassiveConfigurationError(`${name} must be a positive number of milliseconds, got ${String(value)}`);
  }
  return value;
}

function wholeNumber(name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new MassiveConfigurationError(`${name} must be a whole number ≥ 0, got ${String(value)}`);
  }
  return value;
}

function parseBaseUrl(value: string, source: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new MassiveConfigurationError(`${source} must be an absolute http(s) URL, got ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new MassiveConfigurationError(`${source} must use http or https, got ${url.protocol}`);
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new MassiveConfigurationError(`${source} must not carry credentials, a query or a fragment`);
  }
  return url;
}

/**
 * `MASSIVE_API_TIMEOUT` (seconds) of `env` in ms; undefined when unset. Throws `CONFIGURATION` naming the variable
 * when it is not a positive number. The runner's configuration reads it with this too.
 */
export function timeoutMsFromEnv(env: Readonly<Record<string, string | undefined>>): number | undefined {
  const text = nonEmpty(env[ENV.timeoutSeconds]);
  if (text === undefined) return undefined;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new MassiveConfigurationError(`${ENV.timeoutSeconds} must be a positive number of seconds, got ${JSON.stringify(text)}`);
  }
  return seconds * 1000;
}

/** Applies fallbacks and defaults; throws `CONFIGURATION` naming the option or variable that is wrong. */
export function resolveOptions(options: MassiveClientOptions = {}): ResolvedOptions {
  const env = options.env ?? process.env;
  const apiKey = nonEmpty(options.apiKey) ?? nonEmpty(env[ENV.apiKey]);
  if (apiKey === undefined) {
    throw new MassiveConfigurationError(`no Massive API key: set the ${ENV.apiKey} environment variable or pass the apiKey option`);
  }
  const baseUrlOption = nonEmpty(options.baseUrl);
  const baseUrl =
    baseUrlOption !== undefined
      ? parseBaseUrl(baseUrlOption, 'baseUrl')
      : parseBaseUrl(nonEmpty(env[ENV.baseUrl]) ?? DEFAULTS.baseUrl, nonEmpty(env[ENV.baseUrl]) ? ENV.baseUrl : 'the default base URL');
  if (options.fetch !== undefined && typeof options.fetch !== 'function') {
    throw new MassiveConfigurationError(`fetch must be a function (a fetch to send requests with); got ${typeof options.fetch}`);
  }
  return {
    apiKey,
    baseUrl,
    timeoutMs: positiveNumber('timeoutMs', options.timeoutMs ?? timeoutMsFromEnv(env) ?? DEFAULTS.timeoutMs),
    maxRetries: wholeNumber('maxRetries', options.maxRetries ?? DEFAULTS.maxRetries),
    retryBaseDelayMs: positiveNumber('retryBaseDelayMs', options.retryBaseDelayMs ?? DEFAULTS.retryBaseDelayMs),
    maxRetryDelayMs: positiveNumber('maxRetryDelayMs', options.maxRetryDelayMs ?? DEFAULTS.maxRetryDelayMs),
    maxTotalTimeMs: positiveNumber('maxTotalTimeMs', options.maxTotalTimeMs ?? DEFAULTS.maxTotalTimeMs),
    rateLimit: options.rateLimit ?? DEFAULTS.rateLimit,
    send: options.fetch ? sendWithFetch(options.fetch) : sendByDefault,
    hooks: options.hooks ?? {},
    shouldRetry: options.shouldRetry,
    userAgent: nonEmpty(options.userAgent) ?? DEFAULTS.userAgent,
  };
}
