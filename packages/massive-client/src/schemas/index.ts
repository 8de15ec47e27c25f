/**
 * Raw wire schemas (zod 4) for every response the client reads, lenient exactly where the API is. Exported so other
 * code (the simulator's tests, for one) can validate bodies against the same rules.
 */
export * from './aggs.js';
export * from './common.js';
export * from './errors.js';
export * from './market.js';
export * from './pages.js';
export * from './splits.js';
export * from './tickers.js';
