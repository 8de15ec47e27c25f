/** Reference endpoints: ticker details, the ticker list, ticker types. */
import type { WithResponse } from '../api-promise.js';
import { MassiveRequestError } from '../errors.js';
import type { CallOptions, Query, Transport } from '../http/transport.js';
import { type Page, type Pages, pagesOf } from '../pages.js';
import {
  listTickersResponseSchema,
  type TickerDetails,
  type TickerSummary,
  type TickerType,
  tickerDetailsResponseSchema,
  tickerTypesResponseSchema,
} from '../schemas/tickers.js';
import { type DateInput, toCivilDate, validateInteger, validateTicker } from '../validate.js';
import { callOptions } from './bars.js';

/** Options of `getTickerDetails`. */
export interface TickerDetailsOptions extends CallOptions {
  /** Details as of this date (default: today). */
  date?: DateInput;
}

/** Details of one ticker. An unknown ticker fails with `SYMBOL_NOT_FOUND`. */
export async function getTickerDetails(
  transport: Transport,
  ticker: string,
  options: TickerDetailsOptions = {},
): Promise<WithResponse<TickerDetails>> {
  const symbol = validateTicker(ticker);
  const date = options.date === undefined ? undefined : toCivilDate('date', options.date);
  const url = transport.url(`/v3/reference/tickers/${symbol}`, { date });
  const { data, response } = await transport.get(url, tickerDetailsResponseSchema, {
    ...callOptions(options),
    notFound: 'SYMBOL_NOT_FOUND',
  });
  return { data: data.results, response };
}

/** Filters of `listTickers` (all optional). */
export interface ListTickersParams extends CallOptions {
  /** Exact ticker. */
  ticker?: string;
  /** Ticker type code: `CS`, `ETF`, ... (see `getTickerTypes`). */
  type?: string;
  /** `stocks`, `crypto`, `fx`, `otc`, `indices`. */
  market?: 'stocks' | 'crypto' | 'fx' | 'otc' | 'indices';
  /** Primary exchange MIC, e.g. `XNAS`. */
  exchange?: string;
  cusip?: string;
  cik?: string;
  /** Tickers as of this date. */
  date?: DateInput;
  /** Search ticker and name. */
  search?: string;
  /** Default true (the API's default). */
  active?: boolean;
  /** Order by this field, e.g. `ticker`. */
  sort?: string;
  order?: 'asc' | 'desc';
  /** Rows per page, 1–1000. Default 1000. */
  limit?: number;
}

const TEXT_FILTERS = ['type', 'exchange', 'cusip', 'cik', 'search', 'sort', 'market'] as const;

/** Options of `listTickerPages` and `listSplitPages`. */
export interface PagesResumeOptions {
  /** Resume from a saved page's `cursor` (an absolute URL on the client's origin, for the same endpoint). */
  cursor?: string;
}

/** Every ticker matching the filters, page by page (lazily), in the API's order. */
export function listTickerPages(
  transport: Transport,
  params: ListTickersParams = {},
  options: PagesResumeOptions = {},
): Pages<Page<TickerSummary>> {
  const query: Query = {};
  if (params.ticker !== undefined) query.ticker = validateTicker(params.ticker);
  for (const name of TEXT_FILTERS) {
    const value = params[name];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value.length === 0 || value.length > 200) {
      throw new MassiveRequestError(name, `${name} must be a non-empty string of at most 200 characters; got ${JSON.stringify(value)}`);
    }
    query[name] = value;
  }
  if (params.order !== undefined && params.order !== 'asc' && params.order !== 'desc') {
    throw new MassiveRequestError('order', `order must be 'asc' or 'desc'; got ${JSON.stringify(params.order)}`);
  }
  query.order = params.order;
  if (params.active !== undefined && typeof params.active !== 'boolean') {
    throw new MassiveRequestError('active', `active must be true or false; got ${JSON.stringify(params.active)}`);
  }
  query.active = params.active;
  if (params.date !== undefined) query.date = toCivilDate('date', params.date);
  query.limit = validateInteger('limit', params.limit ?? 1000, 1, 1000);
  const url = transport.url('/v3/reference/tickers', query);
  const first = options.cursor === undefined ? url : transport.resumeUrl(options.cursor, (path) => path === url.pathname);
  return pagesOf(
    transport,
    first,
    listTickersResponseSchema,
    (body) => (body.results as TickerSummary[] | undefined) ?? [],
    callOptions(params),
  );
}

/** Options of `getTickerTypes`. */
export interface TickerTypesOptions extends CallOptions {
  assetClass?: 'stocks' | 'options' | 'crypto' | 'fx' | 'indices';
  locale?: 'us' | 'global';
}

/** The ticker-type codes (`CS`, `ETF`, `PFD`, ...). */
export async function getTickerTypes(transport: Transport, options: TickerTypesOptions = {}): Promise<WithResponse<TickerType[]>> {
  const url = transport.url('/v3/reference/tickers/types', { asset_class: options.assetClass, locale: options.locale });
  const { data, response } = await transport.get(url, tickerTypesResponseSchema, callOptions(options));
  return { data: data.results ?? [], response };
}
