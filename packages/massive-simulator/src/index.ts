/**
 * `@tickstock/massive-simulator`: a deterministic stand-in for the Massive REST API, for tests, benchmarks
 * and offline demos. Its prices are synthetic (a seeded random walk): never use them as market data.
 * @packageDocumentation
 */
export { SIMULATED_TIMESPANS, type SimulatedBarsRequest, type SimulatedTimespan, SimulatorRequestError } from './bar-request.js';
export type { SimulatedDividendRow } from './dividends.js';
export {
  FAULT_KINDS,
  type FaultKind,
  type FaultOptions,
  type LatencyOptions,
  SIMULATOR_DEFAULTS,
  type SimulatedTickerInfo,
  type SimulatorOptions,
  type SimulatorRateLimit,
} from './options.js';
export {
  isReservedUnknownTicker,
  type SimulatedBar,
  type SimulatedBarsOptions,
  simulatedBars,
  simulatedPageCount,
  simulatedSplits,
  simulatedTradingDays,
  simulatedWireBars,
} from './pure.js';
export { DEFAULT_TICKERS } from './reference.js';
export { type RunningSimulator, startSimulator } from './server.js';
export type { GenerationOptions, SimulatedSplit } from './source.js';
export { type SimulatedSplitRow, splitShares } from './splits.js';
export type { SimulatorStats } from './stats.js';
export type { WireBar } from './wire.js';
