/** What is retried and how long to wait: pure functions, so the policy is testable on its own. */

/** HTTP statuses worth sending again: rate limited, client closed (499), and transient server errors. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 499, 500, 502, 503, 504]);

/** True when an answer with this status may succeed if sent again. 400/401/403/404 never are. */
export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

/**
 * A `Retry-After` header in milliseconds: delta-seconds (`120`, fractions tolerated) or an HTTP date relative to
 * `nowMs`. Undefined when absent or unreadable; never negative.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  if (!/^[A-Za-z]{3},/.test(text)) return undefined; // HTTP dates start with the day's name: "Wed, 21 Oct 2015 ..."
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/**
 * Capped exponential backoff with full jitter: a random delay in [0, min(cap, base * 2^retry)), where `retry` counts
 * from 0 for the first retry.
 */
export function backoffDelay(retry: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** retry);
  return Math.floor(random() * ceiling);
}

/** The wait before the next attempt: the server's `Retry-After` when it sent one (capped), else backoff. */
export function retryDelay(retry: number, retryAfterMs: number | undefined, baseMs: number, capMs: number, random?: () => number): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, capMs);
  return backoffDelay(retry, baseMs, capMs, random);
}

/**
 * How an attempt failed to reach the server at all, from the system error behind it:
 * - `bad-address`: the host does not exist (DNS answered "no such name": `ENOTFOUND`, `EAI_NONAME`, `EAI_FAIL`,
 *   `EAI_NODATA`) or `fetch` refuses the port (`bad port`). The base URL or DNS is wrong; sending again cannot help,
 *   so it is not retried.
 * - `unreachable`: no connection could be made (`ECONNREFUSED`, `EHOSTUNREACH`, `ENETUNREACH`, `ENETDOWN`,
 *   `EADDRNOTAVAIL`, `EAI_AGAIN`: no DNS server answered, the usual sign of no network, or the connect timeout
 *   `UND_ERR_CONNECT_TIMEOUT`). Nothing reached the API, so it gets {@link CONNECT_RETRIES} quick retries in the same
 *   rate-limit slot (they cost no budget) and then fails, rather than the full backoff for failures on the way.
 * Anything else (a reset or a cut connection mid-request, a timeout) is an ordinary retryable network error.
 */
export type ConnectFailure = 'bad-address' | 'unreachable';

const BAD_ADDRESS: ReadonlySet<string> = new Set(['ENOTFOUND', 'EAI_NONAME', 'EAI_FAIL', 'EAI_NODATA', 'bad port']);
const UNREACHABLE: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EADDRNOTAVAIL',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** The {@link ConnectFailure} for a system error code (or undici's `bad port` text); undefined for anything else. */
export function connectFailure(code: string | undefined): ConnectFailure | undefined {
  if (code === undefined) return undefined;
  if (BAD_ADDRESS.has(code)) return 'bad-address';
  if (UNREACHABLE.has(code)) return 'unreachable';
  return undefined;
}

/** Quick retries of an `unreachable` attempt, in the same rate-limit slot (never more than the call's `maxRetries`). */
export const CONNECT_RETRIES = 2;
/** Wait before quick retry `retry` (from 0) of an `unreachable` attempt: 250 ms, then 500 ms. */
export function connectRetryDelay(retry: number): number {
  return 250 * 2 ** retry;
}
