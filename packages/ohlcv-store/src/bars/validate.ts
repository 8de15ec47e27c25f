/** Checks a bar before it is written. An invalid bar is rejected with one reason, counted, and never written. */
import type { Bar, BarColumns } from '@tickstock/market-time';

/** Why a bar was rejected. */
export const REJECT_REASONS = [
  'malformed_bar',
  'invalid_symbol',
  'invalid_timestamp',
  'non_positive_price',
  'high_below_low',
  'open_outside_range',
  'close_outside_range',
  'invalid_volume',
  'invalid_vwap',
  'invalid_transactions',
  'misaligned_period',
] as const;

/** One of {@link REJECT_REASONS}. */
export type RejectReason = (typeof REJECT_REASONS)[number];

/** Human-readable meaning of each reason, for messages and the README. */
export const REJECT_REASON_TEXT: Record<RejectReason, string> = {
  malformed_bar: 'not a bar object',
  invalid_symbol: 'symbol is empty, too long, or has characters other than printable ASCII (no spaces, no backslash)',
  invalid_timestamp: 'timestamp is not a finite whole number of Unix milliseconds',
  non_positive_price: 'open, high, low or close is missing, not finite, or not positive',
  high_below_low: 'high is below low',
  open_outside_range: 'open is outside [low, high]',
  close_outside_range: 'close is outside [low, high]',
  invalid_volume: 'volume is negative or not finite',
  invalid_vwap: 'vwap is not a finite positive number',
  invalid_transactions: 'transactions is not a non-negative whole number',
  misaligned_period: "the bar does not start on its timeframe's boundary (minute, hour, Sunday, 1st of the month)",
};

/** Printable ASCII except space and backslash (COPY text format's escape character). */
const SYMBOL_RE = /^[\x21-\x5b\x5d-\x7e]+$/;

/** True when `symbol` can be stored (no characters that COPY text format or the key would mangle). */
export function isValidSymbol(symbol: unknown, maxLength: number | null): symbol is string {
  return typeof symbol === 'string' && SYMBOL_RE.test(symbol) && (maxLength === null || symbol.length <= maxLength);
}

function positive(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x) && x > 0;
}

/** The reason `bar` must not be written (time alignment is checked separately), or null when its values are valid. */
export function validateBarValues(bar: Bar): RejectReason | null {
  if (typeof bar !== 'object' || bar === null) return 'malformed_bar';
  const { timestamp, open, high, low, close, volume, vwap, transactions } = bar;
  if (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp)) return 'invalid_timestamp';
  if (!positive(open) || !positive(high) || !positive(low) || !positive(close)) return 'non_positive_price';
  if (high < low) return 'high_below_low';
  if (open < low || open > high) return 'open_outside_range';
  if (close < low || close > high) return 'close_outside_range';
  if (volume != null && (typeof volume !== 'number' || !Number.isFinite(volume) || volume < 0)) return 'invalid_volume';
  if (vwap != null && !positive(vwap)) return 'invalid_vwap';
  if (transactions != null && (typeof transactions !== 'number' || !Number.isSafeInteger(transactions) || transactions < 0)) {
    return 'invalid_transactions';
  }
  return null;
}

/**
 * {@link validateBarValues} of row `i` of `cols`, without building the bar: the same checks in the same order, with
 * NaN in `volume`, `vwap` or `transactions` meaning absent (as columns write it).
 */
export function validateColumnValues(cols: BarColumns, i: number): RejectReason | null {
  const timestamp = cols.timestamp[i] as number;
  if (!Number.isSafeInteger(timestamp)) return 'invalid_timestamp';
  const open = cols.open[i] as number;
  const high = cols.high[i] as number;
  const low = cols.low[i] as number;
  const close = cols.close[i] as number;
  if (!positive(open) || !positive(high) || !positive(low) || !positive(close)) return 'non_positive_price';
  if (high < low) return 'high_below_low';
  if (open < low || open > high) return 'open_outside_range';
  if (close < low || close > high) return 'close_outside_range';
  const volume = cols.volume[i] as number;
  if (!Number.isNaN(volume) && (!Number.isFinite(volume) || volume < 0)) return 'invalid_volume';
  const vwap = cols.vwap[i] as number;
  if (!Number.isNaN(vwap) && !positive(vwap)) return 'invalid_vwap';
  const transactions = cols.transactions[i] as number;
  if (!Number.isNaN(transactions) && (!Number.isSafeInteger(transactions) || transactions < 0)) return 'invalid_transactions';
  return null;
}
