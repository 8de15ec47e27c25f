/** Reference data: ticker details, the ticker list, ticker types. Field names are the API's. */
import { z } from 'zod';
import { nextUrlSchema, requestIdSchema, responseStatusSchema } from './common.js';

/** A row of `GET /v3/reference/tickers`. Only `ticker` is required; `cik` and others may be absent. */
export const tickerSummarySchema = z.looseObject({
  ticker: z.string(),
  name: z.string().optional(),
  market: z.string().optional(),
  locale: z.string().optional(),
  primary_exchange: z.string().optional(),
  type: z.string().optional(),
  active: z.boolean().optional(),
  currency_name: z.string().optional(),
  currency_symbol: z.string().optional(),
  base_currency_name: z.string().optional(),
  base_currency_symbol: z.string().optional(),
  cik: z.string().optional(),
  composite_figi: z.string().optional(),
  share_class_figi: z.string().optional(),
  last_updated_utc: z.string().optional(),
  delisted_utc: z.string().optional(),
});

/** `results` of `GET /v3/reference/tickers/{ticker}` (an object, not an array). */
export const tickerDetailsSchema = tickerSummarySchema.extend({
  description: z.string().optional(),
  homepage_url: z.string().optional(),
  list_date: z.string().optional(),
  market_cap: z.number().optional(),
  phone_number: z.string().optional(),
  round_lot: z.number().optional(),
  sic_code: z.string().optional(),
  sic_description: z.string().optional(),
  ticker_root: z.string().optional(),
  ticker_suffix: z.string().optional(),
  total_employees: z.number().optional(),
  share_class_shares_outstanding: z.number().optional(),
  weighted_shares_outstanding: z.number().optional(),
  address: z.looseObject({}).optional(),
  branding: z.looseObject({}).optional(),
});

/** `GET /v3/reference/tickers/{ticker}`. */
export const tickerDetailsResponseSchema = z.looseObject({
  status: responseStatusSchema,
  request_id: requestIdSchema,
  results: tickerDetailsSchema,
});

/** `GET /v3/reference/tickers` (one page; `limit` ≤ 1000; the cursor in `next_url` carries every parameter). */
export const listTickersResponseSchema = z.looseObject({
  status: responseStatusSchema,
  request_id: requestIdSchema,
  count: z.number().optional(),
  next_url: nextUrlSchema,
  results: z.array(tickerSummarySchema).optional(),
});

/** A row of `GET /v3/reference/tickers/types`. */
export const tickerTypeSchema = z.looseObject({
  code: z.string(),
  description: z.string(),
  asset_class: z.string(),
  locale: z.string(),
});

/** `GET /v3/reference/tickers/types`. */
export const tickerTypesResponseSchema = z.looseObject({
  status: responseStatusSchema,
  request_id: requestIdSchema,
  count: z.number().optional(),
  results: z.array(tickerTypeSchema).optional(),
});

/** A ticker-list row, with the API's field names. */
export type TickerSummary = z.infer<typeof tickerSummarySchema>;
/** Ticker details, with the API's field names (`composite_figi`, `sic_code`, ...). */
export type TickerDetails = z.infer<typeof tickerDetailsSchema>;
/** A ticker-type code (`CS`, `ETF`, ...). */
export type TickerType = z.infer<typeof tickerTypeSchema>;
