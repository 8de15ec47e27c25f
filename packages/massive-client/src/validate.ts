/** Checks every argument before a request is built, so nothing a caller passes can change the URL. */

import {
  type CivilDate,
  isCivilDate,
  isTimespan,
  newYorkDate,
  newYorkMidnightUtcMs,
  TIMESPANS,
  type Timespan,
} from '@tickstock/market-time';
import { MassiveRequestError } from './errors.js';

/** Longest ticker accepted (the `symbols.symbol` column is VARCHAR(20)). */
export const MAX_TICKER_LENGTH = 20;

const TICKER_CHARS = /^[A-Za-z0-9.:_^=+-]+$/;

/** OCC option tickers (`O:` + root + YYMMDD + C/P + strike×1000 in 8 digits) run to 23 characters: the one exception. */
const OPTION_TICKER = /^O:[A-Z0-9]{1,6}\d{6}[CP]\d{8}$/;

/** Describes the first character of `s` that could not appear in a ticker, for error messages. */
function describeBadChar(s: string): string {
  for (const ch of s) {
    if (!/[A-Za-z0-9.:_^=+-]/.test(ch)) {
      const code = ch.codePointAt(0) ?? 0;
      if (code < 0x20 || code === 0x7f) return `a control character (U+${code.toString(16).padStart(4, '0').toUpperCase()})`;
      if (/\s/.test(ch)) return 'whitespace';
      return `'${ch}'`;
    }
  }
  return 'an unexpected character';
}

/**
 * Returns `ticker` when it is safe to put in a URL path, else throws `INVALID_REQUEST`. Refused: empty, longer than
 * 20 (except a well-formed OCC option ticker such as `O:RDFN211119C00025000`, up to 23), `/`, `..`, `?`, `#`, `%`,
 * whitespace, control characters and anything outside letters, digits and `. : _ ^ = + -`.
 * Accepted: `AAPL`, `BRK.B`, `X:BTCUSD`, `C:EURUSD`, `I:NDX`, `O:SPY251219C00650000`.
 */
export function validateTicker(ticker: unknown, field = 'ticker'): string {
  if (typeof ticker !== 'string') throw new MassiveRequestError(field, `${field} must be a string, got ${typeof ticker}`);
  if (ticker.length === 0) throw new MassiveRequestError(field, `${field} must not be empty`);
  const shown = JSON.stringify(ticker.length > 40 ? `${ticker.slice(0, 40)}…` : ticker);
  if (ticker.length > MAX_TICKER_LENGTH && !OPTION_TICKER.test(ticker)) {
    throw new MassiveRequestError(field, `${field} ${shown} is ${ticker.length} characters long; at most ${MAX_TICKER_LENGTH} are allowed`);
  }
  if (ticker.includes('..')) throw new MassiveRequestError(field, `${field} ${shown} must not contain '..'`);
  if (!TICKER_CHARS.test(ticker)) {
    throw new MassiveRequestError(
      field,
      `${field} ${shown} must not contain ${describeBadChar(ticker)}; use letters, digits and . : _ ^ = + -`,
    );
  }
  return ticker;
}

/** Returns `timespan` when it is one of {@link TIMESPANS}, else throws `INVALID_REQUEST`. */
export function validateTimespan(timespan: unknown): Timespan {
  if (!isTimespan(timespan)) {
    throw new MassiveRequestError('timespan', `timespan must be one of ${TIMESPANS.join(', ')}; got ${JSON.stringify(timespan)}`);
  }
  return timespan;
}

/** Returns `value` when it is a whole number in [min, max], else throws `INVALID_REQUEST` naming `field`. */
export function validateInteger(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new MassiveRequestError(field, `${field} must be a whole number from ${min} to ${max}; got ${JSON.stringify(value)}`);
  }
  return value;
}

/** A date bound: `'YYYY-MM-DD'` (a New York calendar date), a `Date`, or Unix milliseconds. */
export type DateInput = CivilDate | Date | number;

/** A date bound as the API takes it, plus the instant it stands for (to compare bounds). */
export interface ApiDate {
  /** The URL segment: `YYYY-MM-DD` or Unix ms. */
  segment: string;
  /** Unix ms: New York midnight for a calendar date, the instant otherwise. */
  ms: number;
}

/** Validates a date bound; throws `INVALID_REQUEST` naming `field` and the value when it is not a real date. */
export function toApiDate(field: string, value: unknown): ApiDate {
  if (typeof value === 'string') {
    if (!isCivilDate(value))
      throw new MassiveRequestError(field, `${field} must be a real date in YYYY-MM-DD form; got ${JSON.stringify(value)}`);
    return { segment: value, ms: newYorkMidnightUtcMs(value) };
  }
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isNaN(ms)) throw new MassiveRequestError(field, `${field} is an invalid Date`);
    if (ms < 0) throw new MassiveRequestError(field, `${field} must not be before 1970; got ${value.toISOString()}`);
    return { segment: String(ms), ms };
  }
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new MassiveRequestError(field, `${field} must be Unix milliseconds (a whole number ≥ 0); got ${String(value)}`);
    }
    return { segment: String(value), ms: value };
  }
  throw new MassiveRequestError(field, `${field} must be 'YYYY-MM-DD', a Date or Unix milliseconds; got ${typeof value}`);
}

/** A single calendar date for date-keyed endpoints: `'YYYY-MM-DD'`, or a `Date`/Unix ms read as its New York date. */
export function toCivilDate(field: string, value: unknown): CivilDate {
  const date = toApiDate(field, value);
  return typeof value === 'string' ? value : newYorkDate(date.ms);
}
