/** `MassiveClient`: the typed endpoints over one transport (rate limiter, retries, validation). */

import type { Bar } from '@tickstock/market-time';
import { REDACTED } from '@tickstock/market-time/redact';
import { z } from 'zod';
import type { TickerBar } from './bars.js';
import {
  type DailyOpenCloseOptions,
  type GroupedDailyOptions,
  getDailyOpenClose,
  getGroupedDaily,
  getPreviousClose,
  type ListBarsParams,
  listBars,
  type PreviousCloseOptions,
} from './endpoints/bars.js';
import { getMarketHolidays, getMarketStatus } from './endpoints/market.js';
import {
  getTickerDetails,
  getTickerTypes,
  type ListTickersParams,
  listTickers,
  type TickerDetailsOptions,
  type TickerTypesOptions,
} from './endpoints/reference.js';
import { type ListSplitsParams, listSplits } from './endpoints/splits.js';
import { MassiveRequestError } from './errors.js';
import { resolveRateLimiter } from './http/rate-limit.js';
import { type CallOptions, type Query, Transport } from './http/transport.js';
import { type MassiveClientOptions, resolveOptions } from './options.js';
import { paginate } from './pagination.js';
import type { DailyOpenClose } from './schemas/aggs.js';
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

  /** Bars of one ticker as a lazy async iterable that follows `next_url`, in the API's order. */
  listBars(params: ListBarsParams): AsyncIterable<Bar> {
    return listBars(this.#transport, params);
  }

  /** Every bar of the range, all pages collected. */
  async getBars(params: ListBarsParams): Promise<Bar[]> {
    const bars: Bar[] = [];
    for await (const bar of listBars(this.#transport, params)) bars.push(bar);
    return bars;
  }

  /** Details of one ticker (`results` of `/v3/reference/tickers/{ticker}`). Unknown ticker: `SYMBOL_NOT_FOUND`. */
  getTickerDetails(ticker: string, options?: TickerDetailsOptions): Promise<TickerDetails> {
    return getTickerDetails(this.#transport, ticker, options);
  }

  /** Tickers matching the filters, as a lazy async iterable over every page. */
  listTickers(params?: ListTickersParams): AsyncIterable<TickerSummary> {
    return listTickers(this.#transport, params);
  }

  /**
   * Stock splits (`/v3/reference/splits`) matching the filters, as a lazy async iterable over every page, in the API's
   * order. Without `ticker`, one paginated request covers every ticker (e.g. `{ executionDateGte: lastCheck }`).
   */
  listSplits(params?: ListSplitsParams): AsyncIterable<Split> {
    return listSplits(this.#transport, params);
  }

  /** Every split matching the filters, all pages collected. */
  async getSplits(params?: ListSplitsParams): Promise<Split[]> {
    const splits: Split[] = [];
    for await (const split of listSplits(this.#transport, params)) splits.push(split);
    return splits;
  }

  /** Ticker-type codes (`CS`, `ETF`, ...). */
  getTickerTypes(options?: TickerTypesOptions): Promise<TickerType[]> {
    return getTickerTypes(this.#transport, options);
  }

  /** Upcoming market holidays and early closes (`/v1/marketstatus/upcoming`, a bare array). */
  getMarketHolidays(options?: CallOptions): Promise<MarketHoliday[]> {
    return getMarketHolidays(this.#transport, options);
  }

  /** The market's status now (`/v1/marketstatus/now`). */
  getMarketStatus(options?: CallOptions): Promise<MarketStatus> {
    return getMarketStatus(this.#transport, options);
  }

  /**
   * Every ticker's day bar of one market for `date` (a New York date; a `Date` or ms is read as its New York date):
   * `market` `stocks` (default, `includeOtc` for OTC tickers), `crypto` or `fx`. One request; a day without trading
   * gives an empty array. Rows are stamped at the end of the day's window (stocks 16:00 New York).
   */
  getGroupedDaily(date: DateInput, options?: GroupedDailyOptions): Promise<TickerBar[]> {
    return getGroupedDaily(this.#transport, date, options);
  }

  /** The previous session's bar of one ticker, or null. */
  getPreviousClose(ticker: string, options?: PreviousCloseOptions): Promise<TickerBar | null> {
    return getPreviousClose(this.#transport, ticker, options);
  }

  /** Open/close (and pre/after-hours) of one ticker on one date. No data for that date: `NOT_FOUND`. */
  getDailyOpenClose(ticker: string, date: DateInput, options?: DailyOpenCloseOptions): Promise<DailyOpenClose> {
    return getDailyOpenClose(this.#transport, ticker, date, options);
  }

  /**
   * Rows of any cursor-paginated endpoint not typed here (e.g. `/v3/trades/AAPL`), following `next_url` like
   * `listTickers`. `path` must start with `/` and contain no `..`, `?` or `#` (put parameters in `query`).
   */
  paginate<Row extends z.ZodType = z.ZodUnknown>(path: string, options: PaginateOptions<Row> = {}): AsyncIterable<z.output<Row>> {
    if (typeof path !== 'string' || !path.startsWith('/') || /\.\.|[?#%\s]/.test(path)) {
      throw new MassiveRequestError(
        'path',
        `path must start with '/' and contain no '..', '?', '#', '%' or whitespace; got ${JSON.stringify(path)}`,
      );
    }
    const { query, rowSchema, ...call } = options;
    const schema = cursorPageSchema(rowSchema ?? z.unknown());
    const url = this.#transport.url(path, query);
    return paginate(this.#transport, url, schema as z.ZodType<{ results?: z.output<Row>[]; next_url?: string }>, (row) => row, call);
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
