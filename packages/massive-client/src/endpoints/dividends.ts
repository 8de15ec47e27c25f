/** Cash dividends: `GET /v3/reference/dividends`, lazily paginated. */
import { MassiveRequestError } from '../errors.js';
import type { CallOptions, Query, Transport } from '../http/transport.js';
import { type Page, type Pages, pagesOf } from '../pages.js';
import { type Dividend, listDividendsResponseSchema } from '../schemas/dividends.js';
import { type DateInput, toCivilDate, validateInteger, validateTicker } from '../validate.js';
import { callOptions } from './bars.js';
import type { PagesResumeOptions } from './reference.js';

/** The columns `/v3/reference/dividends` sorts by. */
export const DIVIDEND_SORTS = ['ex_dividend_date', 'pay_date', 'declaration_date', 'record_date', 'cash_amount', 'ticker'] as const;
/** A column `/v3/reference/dividends` sorts by. */
export type DividendSort = (typeof DIVIDEND_SORTS)[number];

/** The dividend types the API documents: regular cash, special cash, long- and short-term capital gains. */
export const DIVIDEND_TYPES = ['CD', 'SC', 'LT', 'ST'] as const;
/** A dividend type (`dividend_type`). */
export type DividendType = (typeof DIVIDEND_TYPES)[number];

/** Filters of `listDividends` (all optional): the query parameters `/v3/reference/dividends` documents. */
export interface ListDividendsParams extends CallOptions {
  /** Exact, case-sensitive ticker (`AAPL`). Absent: every ticker. */
  ticker?: string;
  /** Exact ex-dividend date (a New York date; a `Date` or Unix ms is read as its New York date). */
  exDividendDate?: DateInput;
  /** `ex_dividend_date.gte`: on or after. */
  exDividendDateGte?: DateInput;
  /** `ex_dividend_date.gt`: after. */
  exDividendDateGt?: DateInput;
  /** `ex_dividend_date.lte`: on or before. */
  exDividendDateLte?: DateInput;
  /** `ex_dividend_date.lt`: before. */
  exDividendDateLt?: DateInput;
  /** Only this `dividend_type`. */
  dividendType?: DividendType;
  /** Only this `frequency` (payments a year; 0 for one-off). */
  frequency?: number;
  /** Sort column (the API's default, `ex_dividend_date`, when absent). */
  sort?: DividendSort;
  /** Order of `sort` (the API's default, `desc`, when absent). */
  order?: 'asc' | 'desc';
  /** Rows per page, 1–1000. Default 1000 (the API's default is 10: this sends the fewest pages). */
  limit?: number;
}

/** The largest `limit` of `/v3/reference/dividends`. */
export const MAX_DIVIDENDS_LIMIT = 1000;

const DATE_FILTERS = [
  ['exDividendDate', 'ex_dividend_date'],
  ['exDividendDateGte', 'ex_dividend_date.gte'],
  ['exDividendDateGt', 'ex_dividend_date.gt'],
  ['exDividendDateLte', 'ex_dividend_date.lte'],
  ['exDividendDateLt', 'ex_dividend_date.lt'],
] as const;

function oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new MassiveRequestError(
      field,
      `${field} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}; got ${JSON.stringify(value)}`,
    );
  }
  return value as T;
}

/** The query of a dividends request, checked (a refusal is `INVALID_REQUEST` naming the parameter; nothing is sent). */
export function dividendsQuery(params: ListDividendsParams = {}): Query {
  const query: Query = {};
  if (params.ticker !== undefined) query.ticker = validateTicker(params.ticker);
  for (const [name, wire] of DATE_FILTERS) {
    const value = params[name];
    if (value !== undefined) query[wire] = toCivilDate(name, value);
  }
  if (params.dividendType !== undefined) query.dividend_type = oneOf('dividendType', params.dividendType, DIVIDEND_TYPES);
  if (params.frequency !== undefined) query.frequency = validateInteger('frequency', params.frequency, 0, 365);
  if (params.sort !== undefined) query.sort = oneOf('sort', params.sort, DIVIDEND_SORTS);
  if (params.order !== undefined) query.order = oneOf('order', params.order, ['asc', 'desc'] as const);
  query.limit = validateInteger('limit', params.limit ?? MAX_DIVIDENDS_LIMIT, 1, MAX_DIVIDENDS_LIMIT);
  return query;
}

/** Every dividend matching the filters, page by page (lazily), in the API's order (`{ cursor }` resumes after a saved page). */
export function listDividendPages(
  transport: Transport,
  params: ListDividendsParams = {},
  options: PagesResumeOptions = {},
): Pages<Page<Dividend>> {
  const url = transport.url('/v3/reference/dividends', dividendsQuery(params));
  const first = options.cursor === undefined ? url : transport.resumeUrl(options.cursor, (path) => path === url.pathname);
  return pagesOf(
    transport,
    first,
    listDividendsResponseSchema,
    (body) => (body.results as Dividend[] | undefined) ?? [],
    callOptions(params),
  );
}
