/** `MassiveClient`: the typed endpoints over one transport (rate limiter, retries, validation). */

import type { Bar } from '@tickstock/market-time';
import { REDACTED } from '@tickstock/market-time/redact';
import { z } from 'zod';
import { type ApiPromise, apiPromise } from './api-promise.js';
import type { TickerBar } from './bars.js';
import {
  type BarPage,
  type BarPagesOptions,
  type DailyOpenCloseOptions,
  type GroupedDailyOptions,
  getDailyOpenClose,
  getGroupedDaily,
  getPreviousClose,
  type ListBarsParams,
  listBarPages,
  type PreviousCloseOptions,
} from './endpoints/bars.js';
import { type ListDividendsParams, listDividendPages } from './endpoints/dividends.js';
import { getMarketHolidays, getMarketStatus } from './endpoints/market.js';
import {
  getTickerDetails,
  getTickerTypes,
  type ListTickersParams,
  listTickerPages,
  type PagesResumeOptions,
  type TickerDetailsOptions,
  type TickerTypesOptions,
} from './endpoints/reference.js';
import { type ListSplitsParams, listSplitPages } from './endpoints/splits.js';
import { MassiveRequestError } from './errors.js';
import { resolveRateLimiter } from './http/rate-limit.js';
import { type CallOptions, type Query, Transport } from './http/transport.js';
import { type MassiveClientOptions, resolveOptions } from './options.js';
import { type Page, type Pages, pagesOf, rowsOf } from './pages.js';
import type { DailyOpenClose } from './schemas/aggs.js';
import type { Dividend } from './schemas/dividends.js';
import type { MarketHoliday, MarketStatus } from './schemas/market.js';
import { cursorPageSchema } from './schemas/pages.js';
import type { Split } from './schemas/splits.js';
import type { TickerDetails, TickerSummary, TickerType } from './schemas/tickers.js';
import type { DateInput } from './validate.js';

/** Options of {@link MassiveClient.paginate}. */
export interface PaginateOptions<Row extends z.ZodType> extends CallOptions {
  /** Query of the first page (later pages take theirs from `next_url`). */
  query?: Query;
  /** Schema of one row; rows that do not match fail the page with `INVALID_RESPONSE`. */
  rowSchema?: Row;
}

/**
 * Typed client for the Massive (ex-Polygon.io) REST API. Authenticates with `Authorization: Bearer`, rate limits
 * (shareable), retries transient failures, validates every response, and never reveals the key.
 *
 * @example
 * const client = new MassiveClient(); // MASSIVE_API_KEY from the environment
 * for await (const bar of client.listBars({ ticker: 'AAPL', timespan: 'day', from: '2024-01-02', to: '2024-01-31' })) {
 *   console.log(bar.timestamp, bar.close);
 * }
 */
export class MassiveClient {
  readonly #transport: Transport;
  readonly #baseUrl: string;

  /** Throws `CONFIGURATION` (naming `MASSIVE_API_KEY`) when no key is given or set. */
  constructor(options: MassiveClientOptions = {}) {
    const resolved = resolveOptions(options);
    this.#baseUrl = resolved.baseUrl.toString();
    this.#transport = new Transport({ ...resolved, limiter: resolveRateLimiter(resolved.rateLimit) });
  }

  /** The API root requests go to. */
  get baseUrl(): string {
    return this.#baseUrl;
  }

  /**
   * The pages of one ticker's bars, lazily, in the API's order: each a {@link BarPage} with its `bars` as one array,
   * `cursor` (the next page's URL without the key, to persist), `hasNextPage()`, `nextPage()` and `response` (request
   * id, URL, status, attempts). `{ cursor }` resumes after a saved page; `params.maxBars` stops quietly after that
   * many bars.
   *
   * @example
   * for await (const page of client.listBarPages({ ticker: 'AAPL', timespan: 'minute', from, to })) {
   *   await store(page.bars);
   *   await saveCursor(page.cursor); // null after the last page
   * }
   */
  listBarPages(params: ListBarsParams, options?: BarPagesOptions): Pages<BarPage> {
    return listBarPages(this.#transport, params, options);
  }

  /** Bars of one ticker as a lazy async iterable over its pages (one await per page), in the API's order. */
  listBars(params: ListBarsParams): AsyncIterable<Bar> {
    return rowsOf(listBarPages(this.#transport, params));
  }

  /** Every bar of the range (up to `maxBars`), all pages collected. */
  async getBars(params: ListBarsParams): Promise<Bar[]> {
    return collectPages(listBarPages(this.#transport, params));
  }

  /** Details of one ticker (`results` of `/v3/reference/tickers/{ticker}`). Unknown ticker: `SYMBOL_NOT_FOUND`. */
  getTickerDetails(ticker: string, options?: TickerDetailsOptions): ApiPromise<TickerDetails> {
    return apiPromise(() => getTickerDetails(this.#transport, ticker, options));
  }

  /** Tickers matching the filters, as a lazy async iterable over every page. */
  listTickers(params?: ListTickersParams): AsyncIterable<TickerSummary> {
    return rowsOf(listTickerPages(this.#transport, params));
  }

  /** The pages of `listTickers`, lazily (`{ cursor }` resumes after a saved page). */
  listTickerPages(params?: ListTickersParams, options?: PagesResumeOptions): Pages<Page<TickerSummary>> {
    return listTickerPages(this.#transport, params, options);
  }

  /**
   * Stock splits (`/v3/reference/splits`) matching the filters, as a lazy async iterable over every page, in the API's
   * order. Without `ticker`, one paginated request covers every ticker (e.g. `{ executionDateGte: lastCheck }`).
   */
  listSplits(params?: ListSplitsParams): AsyncIterable<Split> {
    return rowsOf(listSplitPages(this.#transport, params));
  }

  /** The pages of `listSplits`, lazily (`{ cursor }` resumes after a saved page). */
  listSplitPages(params?: ListSplitsParams, options?: PagesResumeOptions): Pages<Page<Split>> {
    return listSplitPages(this.#transport, params, options);
  }

  /** Every split matching the filters, all pages collected. */
  async getSplits(params?: ListSplitsParams): Promise<Split[]> {
    return collectPages(listSplitPages(this.#transport, params));
  }

  /**
   * Cash dividends (`/v3/reference/dividends`) matching the filters, as a lazy async iterable over every page, in the
   * API's order (default: newest `ex_dividend_date` first). Without `ticker`, one paginated request covers every ticker.
   */
  listDividends(params?: ListDividendsParams): AsyncIterable<Dividend> {
    return rowsOf(listDividendPages(this.#transport, params));
  }

  /** The pages of `listDividends`, lazily (`{ cursor }` resumes after a saved page). */
  listDividendPages(params?: ListDividendsParams, options?: PagesResumeOptions): Pages<Page<Dividend>> {
    return listDividendPages(this.#transport, params, options);
  }

  /** Every dividend matching the filters, all pages collected. */
  getDividends(params?: ListDividendsParams): Promise<Dividend[]> {
    return collectPages(listDividendPages(this.#transport, params));
  }

  /** Ticker-type codes (`CS`, `ETF`, ...). */
  getTickerTypes(options?: TickerTypesOptions): ApiPromise<TickerType[]> {
    return apiPromise(() => getTickerTypes(this.#transport, options));
  }

  /** Upcoming market holidays and early closes (`/v1/marketstatus/upcoming`, a bare array). */
  getMarketHolidays(options?: CallOptions): ApiPromise<MarketHoliday[]> {
    return apiPromise(() => getMarketHolidays(this.#transport, options));
  }

  /** The market's status now (`/v1/marketstatus/now`). */
  getMarketStatus(options?: CallOptions): ApiPromise<MarketStatus> {
    return apiPromise(() => getMarketStatus(this.#transport, options));
  }

  /**
   * Every ticker's day bar of one market for `date` (a New York date; a `Date` or ms is read as its New York date):
   * `market` `stocks` (default, `includeOtc` for OTC tickers), `crypto` or `fx`. One request; a day without trading
   * gives an empty array. Rows are stamped at the end of the day's window (stocks 16:00 New York).
   */
  getGroupedDaily(date: DateInput, options?: GroupedDailyOptions): ApiPromise<TickerBar[]> {
    return apiPromise(() => getGroupedDaily(this.#transport, date, options));
  }

  /** The previous session's bar of one ticker, or null. */
  getPreviousClose(ticker: string, options?: PreviousCloseOptions): ApiPromise<TickerBar | null> {
    return apiPromise(() => getPreviousClose(this.#transport, ticker, options));
  }

  /** Open/close (and pre/after-hours) of one ticker on one date. No data for that date: `NOT_FOUND`. */
  getDailyOpenClose(ticker: string, date: DateInput, options?: DailyOpenCloseOptions): ApiPromise<DailyOpenClose> {
    return apiPromise(() => getDailyOpenClose(this.#transport, ticker, date, options));
  }

  /**
   * Rows of any cursor-paginated endpoint not typed here (e.g. `/v3/trades/AAPL`), following `next_url` like
   * `listTickers`. `path` must start with `/` and contain no `..`, `?` or `#` (put parameters in `query`).
   */
  paginate<Row extends z.ZodType = z.ZodUnknown>(path: string, options: PaginateOptions<Row> = {}): AsyncIterable<z.output<Row>> {
    return rowsOf(this.pages(path, options));
  }

  /** The pages of {@link MassiveClient.paginate}, lazily (`options.cursor` resumes after a saved page of `path`). */
  pages<Row extends z.ZodType = z.ZodUnknown>(
    path: string,
    options: PaginateOptions<Row> & PagesResumeOptions = {},
  ): Pages<Page<z.output<Row>>> {
    if (typeof path !== 'string' || !path.startsWith('/') || /\.\.|[?#%\s]/.test(path)) {
      throw new MassiveRequestError(
        'path',
        `path must start with '/' and contain no '..', '?', '#', '%' or whitespace; got ${JSON.stringify(path)}`,
      );
    }
    const { query, rowSchema, cursor, ...call } = options;
    const schema = cursorPageSchema(rowSchema ?? z.unknown());
    const url = this.#transport.url(path, query);
    const first = cursor === undefined ? url : this.#transport.resumeUrl(cursor, (p) => p === url.pathname);
    return pagesOf(this.#transport, first, schema, (body) => (body.results as z.output<Row>[] | undefined) ?? [], call);
  }

  /** Describes the client without its key. */
  toString(): string {
    return `MassiveClient(${this.#baseUrl})`;
  }

  /** A plain description without the key. */
  toJSON(): Record<string, string> {
    return { baseUrl: this.#baseUrl, apiKey: REDACTED };
  }

  /** What `util.inspect` / `console.log` show: no key. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/** Every row of every page, in order: one array per page appended with a plain loop. */
async function collectPages<Row>(pages: AsyncIterable<Page<Row>>): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const page of pages) {
    const data = page.data;
    for (let i = 0; i < data.length; i++) rows.push(data[i] as Row);
  }
  return rows;
}
