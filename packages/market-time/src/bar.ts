/** The one OHLCV bar shape every TickStock package passes around. */

/**
 * One OHLCV bar. `timestamp` is the Unix ms of the start of the bar's window (for grouped-daily and previous-close
 * bars: 16:00 New York, the end of the session). Fields the source left out stay absent: indices have no volume,
 * `otc` appears only when true.
 */
export interface Bar {
  /** Unix ms of the start of the bar's window. */
  timestamp: number;
  /** First trade price of the window. */
  open: number;
  /** Highest trade price of the window. */
  high: number;
  /** Lowest trade price of the window. */
  low: number;
  /** Last trade price of the window. */
  close: number;
  /** Traded volume; fractional for crypto. Absent for indices. */
  volume?: number;
  /** Volume-weighted average price. */
  vwap?: number;
  /** Number of trades. */
  transactions?: number;
  /** True for an OTC ticker's bar. */
  otc?: boolean;
}
