/** Aggregates endpoints: custom bars (paginated), previous close, grouped daily, daily open/close. */

import {
  allocateBarColumns,
  assetClassOfTicker,
  type Bar,
  type BarColumns,
  barsFromColumns,
  columnsFromBars,
  headOfColumns,
  type Timespan,
} from '@tickstock/market-time';
import type { WithResponse } from '../api-promise.js';
import { type TickerBar, toTickerBar } from '../bars.js';
import { barsPageSchema } from '../decode-bars.js';
import { MassiveRequestError } from '../errors.js';
import type { CallOptions, Transport } from '../http/transport.js';
import { Page, type PageBody, type PageInit, type Pages, pagesOf, type RowSource } from '../pages.js';
import { type DailyOpenClose, dailyOpenCloseSchema, groupedDailyResponseSchema, previousCloseResponseSchema } from '../schemas/aggs.js';
import { type DateInput, toApiDate, toCivilDate, validateInteger, validateTicker, validateTimespan } from '../validate.js';

/** Largest `limit` the aggregates endpoint takes (base bars per page). */
export const MAX_BARS_LIMIT = 50_000;

/** Parameters of `listBars` / `getBars`. */
export interface ListBarsParams extends CallOptions {
  /** `AAPL`, `BRK.B`, `X:BTCUSD`, `C:EURUSD`, `I:NDX`, ... */
  ticker: string;
  /** Bar size multiplier (5 with `minute` makes 5-minute bars). Default 1. */
  multiplier?: number;
  timespan: Timespan;
  /** First bar's window start, inclusive: `'YYYY-MM-DD'` (New York date), a `Date` or Unix ms. */
  from: DateInput;
  /** Last bar's window start, inclusive; same forms as `from`. */
  to: DateInput;
  /** Split-adjusted prices. Default true. */
  adjusted?: boolean;
  /** Order of bars by timestamp. Default `asc`. */
  sort?: 'asc' | 'desc';
  /** Base bars per page, 1–50000. Default 50000 (fewest pages). */
  limit?: number;
  /**
   * Stop quietly after this many bars: the page that reaches it is trimmed and no further page is fetched (`limit`
   * stays the page size). Unlike `maxPages`, a bound that throws `PAGINATION_REFUSED` when pages remain, reaching
   * `maxBars` is not an error. Default: no cap.
   */
  maxBars?: number;
}

/** Options of `listBarPages`. */
export interface BarPagesOptions {
  /**
   * Resume from a saved page's `cursor`: the pages after that page, exactly. It must be an absolute URL on the
   * client's origin for the same ticker, multiplier and timespan as `params`; anything else is `INVALID_REQUEST`
   * (field `cursor`) and nothing is sent. `maxBars` and `maxPages` count from the cursor on.
   */
  cursor?: string;
}

/** A bar page's rows as decoded: its columns, built into `Bar`s only when `data` or `bars` is read. */
class ColumnRows implements RowSource<Bar> {
  constructor(readonly columns: BarColumns) {}

  get length(): number {
    return this.columns.length;
  }

  head(n: number): ColumnRows {
    return new ColumnRows(headOfColumns(this.columns, n));
  }

  build(): Bar[] {
    return barsFromColumns(this.columns);
  }
}

/**
 * One page of bars: `columns` (as decoded), `bars` (the same rows as `Bar` objects, the same array as `data`),
 * `cursor`, `hasNextPage()`, `nextPage()`, `response`.
 */
export class BarPage extends Page<Bar> {
  #columns: BarColumns | undefined;

  /** Built by the pager. */
  constructor(init: PageInit<Bar>) {
    super(init);
    this.#columns = init.data instanceof ColumnRows ? init.data.columns : undefined;
  }

  /**
   * The page's bars as typed columns, in the API's order (after a row cap, only those within it): what the page was
   * decoded into, with no object per bar. The cheapest way to consume a large page (see `BarColumns`).
   */
  get columns(): BarColumns {
    this.#columns ??= columnsFromBars(this.data);
    return this.#columns;
  }

  /**
   * The page's bars, in the API's order (the same array as `data`): built from `columns` on first access, then kept.
   * Reading only `columns` never builds them.
   */
  get bars(): Bar[] {
    return this.data;
  }
}

/** Validates the parameters and builds the first page's URL; throws `INVALID_REQUEST` before any request. */
export function barsUrl(transport: Transport, params: ListBarsParams): URL {
  return barsRequest(transport, params).url;
}

/** The first page's URL, and the path every page of the same request starts with (for resuming from a cursor). */
function barsRequest(transport: Transport, params: ListBarsParams): { url: URL; pathPrefix: string } {
  if (params === null || typeof params !== 'object') throw new MassiveRequestError('params', 'listBars needs a parameters object');
  const ticker = validateTicker(params.ticker);
  const multiplier = validateInteger('multiplier', params.multiplier ?? 1, 1, 1_000_000);
  const timespan = validateTimespan(params.timespan);
  const from = toApiDate('from', params.from);
  const to = toApiDate('to', params.to);
  if (from.ms > to.ms) throw new MassiveRequestError('from', `from (${from.segment}) is after to (${to.segment})`);
  const sort = params.sort ?? 'asc';
  if (sort !== 'asc' && sort !== 'desc') throw new MassiveRequestError('sort', `sort must be 'asc' or 'desc'; got ${JSON.stringify(sort)}`);
  const adjusted = params.adjusted ?? true;
  if (typeof adjusted !== 'boolean')
    throw new MassiveRequestError('adjusted', `adjusted must be true or false; got ${JSON.stringify(adjusted)}`);
  const limit = validateInteger('limit', params.limit ?? MAX_BARS_LIMIT, 1, MAX_BARS_LIMIT);
  const range = `/v2/aggs/ticker/${ticker}/range/${multiplier}/${timespan}/`;
  // Later pages' next_url keep ticker, multiplier and timespan but move from/to (the real API writes Unix ms there).
  const pathPrefix = transport.url(range).pathname;
  return { url: transport.url(`${range}${from.segment}/${to.segment}`, { adjusted, sort, limit }), pathPrefix };
}

/**
 * Bars of one ticker, page by page (lazily: a page is fetched when the previous one has been handed out and the next
 * is asked for), in the API's order, each page decoded in one pass. Arguments are checked at the call, so a bad
 * ticker throws there and nothing is sent.
 */
export function listBarPages(transport: Transport, params: ListBarsParams, options: BarPagesOptions = {}): Pages<BarPage> {
  const { url, pathPrefix } = barsRequest(transport, params);
  if (options === null || typeof options !== 'object') throw new MassiveRequestError('options', 'listBarPages options must be an object');
  const first = options.cursor === undefined ? url : transport.resumeUrl(options.cursor, (path) => path.startsWith(pathPrefix));
  return pagesOf<Bar, BarPage>(transport, first, barsPageSchema, barsOfBody, {
    ...callOptions(params),
    notFound: 'SYMBOL_NOT_FOUND',
    maxRows: params.maxBars,
    maxRowsName: 'maxBars',
    make: (init) => new BarPage(init),
  });
}

function barsOfBody(body: PageBody): RowSource<Bar> {
  // `barsPageSchema` decodes `results` to columns.
  return new ColumnRows((body as { results?: BarColumns | undefined }).results ?? allocateBarColumns(0));
}

/** Per-call options picked out of a parameters object. */
export function callOptions(params: CallOptions): CallOptions {
  const { signal, maxRetries, timeoutMs, maxTotalTimeMs, maxPages, shouldRetry } = params;
  return { signal, maxRetries, timeoutMs, maxTotalTimeMs, maxPages, shouldRetry };
}

/** Options of `getPreviousClose`. */
export interface PreviousCloseOptions extends CallOptions {
  adjusted?: boolean;
}

/** The previous trading day's bar (`t` = 16:00 New York), or null when the API has none. */
export async function getPreviousClose(
  transport: Transport,
  ticker: string,
  options: PreviousCloseOptions = {},
): Promise<WithResponse<TickerBar | null>> {
  const symbol = validateTicker(ticker);
  const url = transport.url(`/v2/aggs/ticker/${symbol}/prev`, { adjusted: options.adjusted ?? true });
  const { data, response } = await transport.get(url, previousCloseResponseSchema, {
    ...callOptions(options),
    notFound: 'SYMBOL_NOT_FOUND',
  });
  const first = data.results?.[0];
  return { data: first ? toTickerBar(first) : null, response };
}

/** The markets grouped daily serves, each at its own path. */
export const GROUPED_MARKETS = ['stocks', 'crypto', 'fx'] as const;

/** A market of grouped daily: `stocks` (US stocks and ETFs, OTC on request), `crypto` or `fx` (forex). */
export type GroupedMarket = (typeof GROUPED_MARKETS)[number];

/** Where each market's grouped daily lives: `/v2/aggs/grouped/locale/{locale}/market/{market}/{date}`. */
const GROUPED_LOCALE: Readonly<Record<GroupedMarket, string>> = { stocks: 'us', crypto: 'global', fx: 'global' };

/**
 * The grouped-daily market whose rows carry a ticker's day bar: `crypto` for `X:`, `fx` for `C:`, `stocks` for
 * stocks and ETFs (OTC ones only with `includeOtc`), null for indices (`I:`) and options (`O:`), which grouped daily
 * does not serve.
 */
export function groupedMarketOfTicker(ticker: string): GroupedMarket | null {
  switch (assetClassOfTicker(ticker)) {
    case 'crypto':
      return 'crypto';
    case 'forex':
      return 'fx';
    case 'index':
    case 'option':
      return null;
    default:
      return 'stocks';
  }
}

/** Options of `getGroupedDaily`. */
export interface GroupedDailyOptions extends CallOptions {
  /** `stocks` (default), `crypto` or `fx`. */
  market?: GroupedMarket;
  /** Split-adjusted prices. Default true. */
  adjusted?: boolean;
  /**
   * Include OTC tickers: stocks only (true with another market is refused; false is not sent there). Default false,
   * the API's default; `include_otc` is sent only when this is set.
   */
  includeOtc?: boolean;
}

/** Validates the arguments of `getGroupedDaily` and builds its URL; throws `INVALID_REQUEST` before any request. */
export function groupedDailyUrl(transport: Transport, date: DateInput, options: GroupedDailyOptions = {}): URL {
  if (options === null || typeof options !== 'object')
    throw new MassiveRequestError('options', 'getGroupedDaily options must be an object');
  const day = toCivilDate('date', date);
  const market = options.market ?? 'stocks';
  if (!GROUPED_MARKETS.includes(market)) {
    throw new MassiveRequestError('market', `market must be one of ${GROUPED_MARKETS.join(', ')}; got ${JSON.stringify(market)}`);
  }
  const adjusted = options.adjusted ?? true;
  if (typeof adjusted !== 'boolean')
    throw new MassiveRequestError('adjusted', `adjusted must be true or false; got ${JSON.stringify(adjusted)}`);
  const includeOtc = options.includeOtc;
  if (includeOtc !== undefined && typeof includeOtc !== 'boolean')
    throw new MassiveRequestError('includeOtc', `includeOtc must be true or false; got ${JSON.stringify(includeOtc)}`);
  if (includeOtc === true && market !== 'stocks')
    throw new MassiveRequestError('includeOtc', `includeOtc applies to the stocks market only, not ${market}`);
  return transport.url(`/v2/aggs/grouped/locale/${GROUPED_LOCALE[market]}/market/${market}/${day}`, {
    adjusted,
    include_otc: market === 'stocks' ? includeOtc : undefined,
  });
}

/**
 * Every ticker's day bar of one market for one date (`ticker` from each row's `T`), in the API's order; one request,
 * not paginated. Each row holds the values of that ticker's day bar, stamped at the end of the day's window rather
 * than its start: 16:00 New York for stocks, 23:59:59.999 UTC for forex (see the README); `tradingDateOfBar(row,
 * { ticker: row.ticker })` gives its date. A date without trading (a weekend, a holiday, the future) is an empty
 * array: the API answers it with 200 and no `results`, not 404.
 */
export async function getGroupedDaily(
  transport: Transport,
  date: DateInput,
  options: GroupedDailyOptions = {},
): Promise<WithResponse<TickerBar[]>> {
  const url = groupedDailyUrl(transport, date, options);
  const { data, response } = await transport.get(url, groupedDailyResponseSchema, callOptions(options));
  return { data: (data.results ?? []).map(toTickerBar), response };
}

/** Options of `getDailyOpenClose`. */
export interface DailyOpenCloseOptions extends CallOptions {
  adjusted?: boolean;
}

/** Open, close, pre-market and after-hours prices of one ticker on one date. */
export async function getDailyOpenClose(
  transport: Transport,
  ticker: string,
  date: DateInput,
  options: DailyOpenCloseOptions = {},
): Promise<WithResponse<DailyOpenClose>> {
  const symbol = validateTicker(ticker);
  const day = toCivilDate('date', date);
  const url = transport.url(`/v1/open-close/${symbol}/${day}`, { adjusted: options.adjusted ?? true });
  const { data, response } = await transport.get(url, dailyOpenCloseSchema, { ...callOptions(options), notFound: 'NOT_FOUND' });
  return { data, response };
}
