/** Stock splits: `GET /v3/reference/splits`, lazily paginated. */
import { MassiveRequestError } from '../errors.js';
import type { CallOptions, Query, Transport } from '../http/transport.js';
import { type Page, type Pages, pagesOf } from '../pages.js';
import { listSplitsResponseSchema, type Split } from '../schemas/splits.js';
import { type DateInput, toCivilDate, validateInteger, validateTicker } from '../validate.js';
import { callOptions } from './bars.js';
import type { PagesResumeOptions } from './reference.js';

/** Filters of `listSplits` (all optional): the query parameters `/v3/reference/splits` documents. */
export interface ListSplitsParams extends CallOptions {
  /** Exact, case-sensitive ticker (`AAPL`). Absent: every ticker (one paginated request for the whole market). */
  ticker?: string;
  /** Exact execution date (a New York date; a `Date` or Unix ms is read as its New York date). */
  executionDate?: DateInput;
  /** `execution_date.gte`: on or after. */
  executionDateGte?: DateInput;
  /** `execution_date.gt`: after. */
  executionDateGt?: DateInput;
  /** `execution_date.lte`: on or before. */
  executionDateLte?: DateInput;
  /** `execution_date.lt`: before. */
  executionDateLt?: DateInput;
  /** true: reverse splits only (`split_from > split_to`); false: the others. Default: no filter. */
  reverseSplit?: boolean;
  /** Sort field: `execution_date` or `ticker` (the API's default when absent). */
  sort?: 'execution_date' | 'ticker';
  /** Order of `sort`. */
  order?: 'asc' | 'desc';
  /** Rows per page, 1–1000. Default 1000 (the API's default is 10: this sends the fewest pages). */
  limit?: number;
}

/** The largest `limit` of `/v3/reference/splits`. */
export const MAX_SPLITS_LIMIT = 1000;

const DATE_FILTERS = [
  ['executionDate', 'execution_date'],
  ['executionDateGte', 'execution_date.gte'],
  ['executionDateGt', 'execution_date.gt'],
  ['executionDateLte', 'execution_date.lte'],
  ['executionDateLt', 'execution_date.lt'],
] as const;

/** The query of a splits request, checked (a refusal is `INVALID_REQUEST` naming the parameter; nothing is sent). */
export function splitsQuery(params: ListSplitsParams = {}): Query {
  const query: Query = {};
  if (params.ticker !== undefined) query.ticker = validateTicker(params.ticker);
  for (const [name, wire] of DATE_FILTERS) {
    const value = params[name];
    if (value !== undefined) query[wire] = toCivilDate(name, value);
  }
  if (params.reverseSplit !== undefined) {
    if (typeof params.reverseSplit !== 'boolean') {
      throw new MassiveRequestError('reverseSplit', `reverseSplit must be true or false; got ${JSON.stringify(params.reverseSplit)}`);
    }
    query.reverse_split = params.reverseSplit;
  }
  if (params.sort !== undefined) {
    if (params.sort !== 'execution_date' && params.sort !== 'ticker') {
      throw new MassiveRequestError('sort', `sort must be 'execution_date' or 'ticker'; got ${JSON.stringify(params.sort)}`);
    }
    query.sort = params.sort;
  }
  if (params.order !== undefined) {
    if (params.order !== 'asc' && params.order !== 'desc') {
      throw new MassiveRequestError('order', `order must be 'asc' or 'desc'; got ${JSON.stringify(params.order)}`);
    }
    query.order = params.order;
  }
  query.limit = validateInteger('limit', params.limit ?? MAX_SPLITS_LIMIT, 1, MAX_SPLITS_LIMIT);
  return query;
}

/** Every split matching the filters, page by page (lazily), in the API's order. */
export function listSplitPages(transport: Transport, params: ListSplitsParams = {}, options: PagesResumeOptions = {}): Pages<Page<Split>> {
  const url = transport.url('/v3/reference/splits', splitsQuery(params));
  const first = options.cursor === undefined ? url : transport.resumeUrl(options.cursor, (path) => path === url.pathname);
  return pagesOf(transport, first, listSplitsResponseSchema, (body) => (body.results as Split[] | undefined) ?? [], callOptions(params));
}
