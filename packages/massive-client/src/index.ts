/**
 * `@tickstock/massive-client`: a typed client for the Massive (ex-Polygon.io) market-data REST API, with rate
 * limiting, retries, lazy pagination, runtime validation and typed errors. Time, calendars, sessions and `Bar` are
 * `@tickstock/market-time`'s.
 * @packageDocumentation
 */

export { ApiPromise, type WithResponse } from './api-promise.js';
export { type TickerBar, toBar, toTickerBar } from './bars.js';
export { MassiveClient, type PaginateOptions } from './client.js';
export type {
  BarPagesOptions,
  DailyOpenCloseOptions,
  GroupedDailyOptions,
  GroupedMarket,
  ListBarsParams,
  PreviousCloseOptions,
} from './endpoints/bars.js';
export { BarPage, GROUPED_MARKETS, groupedMarketOfTicker, MAX_BARS_LIMIT } from './endpoints/bars.js';
export {
  DIVIDEND_SORTS,
  DIVIDEND_TYPES,
  type DividendSort,
  type DividendType,
  dividendsQuery,
  type ListDividendsParams,
  MAX_DIVIDENDS_LIMIT,
} from './endpoints/dividends.js';
export type { ListTickersParams, PagesResumeOptions, TickerDetailsOptions, TickerTypesOptions } from './endpoints/reference.js';
export { type ListSplitsParams, MAX_SPLITS_LIMIT, splitsQuery } from './endpoints/splits.js';
export {
  isMassiveError,
  MASSIVE_ERROR_CODES,
  MassiveAbortError,
  MassiveConfigurationError,
  MassiveError,
  type MassiveErrorCode,
  type MassiveErrorOptions,
  MassiveHttpError,
  MassiveNetworkError,
  MassivePaginationError,
  MassiveRateLimiterError,
  MassiveRequestError,
  MassiveResponseError,
  MassiveTimeBudgetError,
} from './errors.js';
export {
  type ClusteredRateLimiter,
  type ClusteredRateLimiterOptions,
  type ClusteredRedisOptions,
  CONCURRENCY_RETRY_MS,
  clusteredLimiterId,
  clusteredLimiterKeys,
  createClusteredRateLimiter,
  DEFAULT_REDIS_CONNECT_TIMEOUT_MS,
  DEFAULT_REDIS_OUTAGE_TIMEOUT_MS,
} from './http/clustered-rate-limit.js';
export type {
  CallErrorEvent,
  HookRequestInfo,
  MassiveClientHooks,
  RateLimitedEvent,
  RequestEvent,
  ResponseEvent,
  RetryEvent,
} from './http/hooks.js';
export {
  type BottleneckLike,
  bottleneckSettings,
  createRateLimiter,
  type LimiterPriority,
  type LimiterSettings,
  limiterFromBottleneck,
  limiterSettings,
  RATE_LIMIT_PRESETS,
  RATE_SAFETY_MARGIN,
  type RateLimitOption,
  type RateLimitPreset,
  type RateLimitSettings,
  type RequestLimiter,
} from './http/rate-limit.js';
export type { RetryQuestion, ShouldRetry } from './http/retry-decision.js';
export {
  backoffDelay,
  CONNECT_RETRIES,
  type ConnectFailure,
  connectFailure,
  isRetryableStatus,
  parseRetryAfter,
  RETRYABLE_STATUSES,
} from './http/retry-policy.js';
export type { FetchLike } from './http/send.js';
export type { CallOptions, Query, ResponseMeta } from './http/transport.js';
export { DEFAULTS, type MassiveClientOptions, timeoutMsFromEnv } from './options.js';
export { Page, type PageInit, Pages, type RowSource } from './pages.js';
export {
  type AggsResponse,
  aggsResponseSchema,
  cursorPageSchema,
  type DailyOpenClose,
  type Dividend,
  dailyOpenCloseSchema,
  dividendSchema,
  type ErrorBody,
  errorBodySchema,
  type GroupedDailyResponse,
  groupedDailyResponseSchema,
  listDividendsResponseSchema,
  listSplitsResponseSchema,
  listTickersResponseSchema,
  type MarketHoliday,
  type MarketStatus,
  marketHolidaySchema,
  marketHolidaysResponseSchema,
  marketStatusSchema,
  previousCloseResponseSchema,
  type RawBar,
  type RawTickerBar,
  rawBarSchema,
  rawBarsSchema,
  rawTickerBarSchema,
  type Split,
  splitSchema,
  type TickerDetails,
  type TickerSummary,
  type TickerType,
  tickerDetailsResponseSchema,
  tickerDetailsSchema,
  tickerSummarySchema,
  tickerTypeSchema,
  tickerTypesResponseSchema,
} from './schemas/index.js';
export { type DateInput, validateTicker } from './validate.js';
