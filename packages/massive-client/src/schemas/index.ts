/**
 * Raw wire schemas (zod 4) for every response the client reads, lenient exactly where the API is. Exported so other
 * code (the simulator's tests, for one) can validate bodies against the same rules.
 */
export {
  type AggsResponse,
  aggsResponseSchema,
  type DailyOpenClose,
  dailyOpenCloseSchema,
  type GroupedDailyResponse,
  groupedDailyResponseSchema,
  previousCloseResponseSchema,
  type RawBar,
  type RawTickerBar,
  rawBarSchema,
  rawBarsSchema,
  rawTickerBarSchema,
} from './aggs.js';
export { nextUrlSchema, requestIdSchema, responseStatusSchema } from './common.js';
export { type Dividend, dividendSchema, listDividendsResponseSchema } from './dividends.js';
export { type ErrorBody, errorBodySchema } from './errors.js';
export { type MarketHoliday, type MarketStatus, marketHolidaySchema, marketHolidaysResponseSchema, marketStatusSchema } from './market.js';
export { cursorPageSchema } from './pages.js';
export { listSplitsResponseSchema, type Split, splitSchema } from './splits.js';
export {
  listTickersResponseSchema,
  type TickerDetails,
  type TickerSummary,
  type TickerType,
  tickerDetailsResponseSchema,
  tickerDetailsSchema,
  tickerSummarySchema,
  tickerTypeSchema,
  tickerTypesResponseSchema,
} from './tickers.js';
