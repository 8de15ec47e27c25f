/**
 * Cursor pagination by pages: a {@link Page} holds one response's rows as one array, its cursor (the `next_url`
 * without the key, safe to persist), and the response's metadata; {@link Pages} iterates them lazily. Every page is
 * its own request (rate limited, retried and validated on its own, the `Authorization` header sent each time);
 * `next_url` is followed on the base URL's origin only, a cursor seen before on the same call is a loop and stops it.
 */
import type { z } from 'zod';
import { MassivePaginationError, MassiveRequestError } from './errors.js';
import type { NotFoundCode } from './http/http-errors.js';
import type { CallOptions, ResponseMeta, Transport } from './http/transport.js';

/** Pages one paginated call follows at most (empty pages with a `next_url` count too); `maxPages` changes it. */
export const DEFAULT_MAX_PAGES = 10_000;

/** What the pager needs of a response body: its rows and the next page's URL. */
export interface PageBody {
  results?: unknown;
  next_url?: string | undefined;
}

/**
 * A page's rows not built as objects yet (a bar page's columns): counted and cut by the pager, built into an array on
 * the first read of `data`.
 */
export interface RowSource<Row> {
  readonly length: number;
  /** The first `n` rows (`n` below `length`). */
  head(n: number): RowSource<Row>;
  /** The rows as objects; called once per page, the array is kept. */
  build(): Row[];
}

/** A page's fields (built by the pager; callers read them on {@link Page}). */
export interface PageInit<Row> {
  /** The rows: an array, or a {@link RowSource} built on the first read of `data`. */
  data: Row[] | RowSource<Row>;
  response: ResponseMeta;
  pageIndex: number;
  trimmed: number;
}

/** How a page's successor is reached: shared by every page of one call. */
interface Chain<Row> {
  transport: Transport;
  schema: z.ZodType<PageBody>;
  rows: (body: PageBody) => Row[] | RowSource<Row>;
  options: CallOptions & { notFound?: NotFoundCode };
  maxPages: number;
  maxRows: number;
  /** URL → index of the first page fetched from it on this call (a later page pointing back at it is a loop). */
  seen: Map<string, number>;
  make: (init: PageInit<Row>) => Page<Row>;
}

/** What a page knows about its successor; kept out of the public shape. */
interface Link<Row> {
  chain: Chain<Row>;
  url: URL;
  /** The next page's URL, the reason it will not be followed, or nothing (the last page). */
  next: URL | MassivePaginationError | undefined;
  /** The next page's URL as text when it is safe to hand out (no key anywhere in it), else null. */
  cursor: string | null;
  /** Rows delivered by this call up to and including this page. */
  rowsSoFar: number;
}

const links = new WeakMap<Page<unknown>, Link<unknown>>();

/**
 * One page of a paginated call: its rows as one array (`data`), in the API's order, and where the next page starts.
 *
 * - `cursor`: the next page's URL without the key, to persist and resume from (`listBarPages(params, { cursor })`);
 *   null on the last page, on a page trimmed by a row cap (no URL resumes in the middle of a page: re-read the page
 *   from `response.url`), when the API's `next_url` was refused (another origin, credentials in it), and when it
 *   carries the key anywhere (it is still followed, on the same origin, but not handed out).
 * - `hasNextPage()`: whether `nextPage()` would fetch a page: the API announced one and the call's row cap (`maxBars`)
 *   is not reached yet. `nextPage()` can still refuse it with `PAGINATION_REFUSED` (another origin, a cursor loop,
 *   `maxPages`), exactly where iterating the call would.
 */
export class Page<Row> {
  #rows: Row[] | RowSource<Row>;
  /** The answer this page came from: request id, URL without the key, status, attempts. */
  readonly response: ResponseMeta;
  /** 0 for the first page of this call; a call resumed from a cursor starts at 0 again. */
  readonly pageIndex: number;
  /** Rows of the API's page left out by the call's row cap (`maxBars`); 0 unless this is a capped call's last page. */
  readonly trimmed: number;

  /** Built by the pager. */
  constructor(init: PageInit<Row>) {
    this.#rows = init.data;
    this.response = init.response;
    this.pageIndex = init.pageIndex;
    this.trimmed = init.trimmed;
  }

  /** The page's rows (after a row cap, only those within it); built on first access when decoded as columns, then kept. */
  get data(): Row[] {
    const rows = this.#rows;
    if (Array.isArray(rows)) return rows;
    const built = rows.build();
    this.#rows = built;
    return built;
  }

  /** How many rows the page holds (after a row cap), without building them. */
  get rowCount(): number {
    return this.#rows.length;
  }

  /** The next page's URL without the key (absolute, on the API's origin), or null: see the class description. */
  get cursor(): string | null {
    return links.get(this)?.cursor ?? null;
  }

  /** True when the API announced another page and the call's row cap is not reached. */
  hasNextPage(): boolean {
    const link = links.get(this);
    return link !== undefined && link.next !== undefined && link.rowsSoFar < link.chain.maxRows;
  }

  /**
   * Fetches the next page. Without one (`hasNextPage()` false) it throws `INVALID_REQUEST`; a `next_url` the client
   * will not follow, a cursor loop or `maxPages` throw `PAGINATION_REFUSED`.
   */
  async nextPage(): Promise<this> {
    const link = links.get(this) as Link<Row> | undefined;
    if (!link || !this.hasNextPage()) {
      throw new MassiveRequestError('page', `page ${this.pageIndex} has no next page to fetch; check hasNextPage() first`);
    }
    const next = link.next as URL | MassivePaginationError;
    if (next instanceof MassivePaginationError) throw next;
    const { chain } = link;
    const pages = this.pageIndex + 1;
    const request = chain.transport.redact(`GET ${link.url.pathname}`);
    const first = chain.seen.get(next.toString());
    if (first !== undefined && first <= this.pageIndex) {
      throw new MassivePaginationError(
        `${request} returned a next_url already followed on this call (a cursor loop); stopping after ${pages} pages`,
        { request },
      );
    }
    if (pages >= chain.maxPages) {
      throw new MassivePaginationError(`${request} still had a next page after ${pages} pages (maxPages ${chain.maxPages}); stopping`, {
        request,
      });
    }
    return (await fetchPage(chain, next, pages, link.rowsSoFar)) as this;
  }

  /** A plain description for logs: no rows, no key. */
  toJSON(): Record<string, unknown> {
    return {
      pageIndex: this.pageIndex,
      rows: this.rowCount,
      trimmed: this.trimmed,
      cursor: this.cursor,
      hasNextPage: this.hasNextPage(),
      response: this.response,
    };
  }
}

async function fetchPage<Row>(chain: Chain<Row>, url: URL, pageIndex: number, rowsBefore: number): Promise<Page<Row>> {
  const key = url.toString();
  if (!chain.seen.has(key)) chain.seen.set(key, pageIndex);
  const { data: body, response } = await chain.transport.get(url, chain.schema, chain.options);
  let data = chain.rows(body);
  let trimmed = 0;
  const room = chain.maxRows - rowsBefore;
  if (data.length > room) {
    trimmed = data.length - room;
    if (Array.isArray(data)) data.length = room;
    else data = data.head(room);
  }
  let next: URL | MassivePaginationError | undefined;
  if (body.next_url && trimmed === 0) {
    try {
      next = chain.transport.nextPageUrl(body.next_url, url);
    } catch (error) {
      // Refused only when followed: the rows of this page are still delivered first.
      if (!(error instanceof MassivePaginationError)) throw error;
      next = error;
    }
  }
  let cursor: string | null = null;
  if (next instanceof URL) {
    const text = next.toString();
    // `apiKey` parameters are already gone; a key anywhere else (a path segment) makes it unsafe to persist.
    cursor = chain.transport.redact(text) === text ? text : null;
  }
  const page = chain.make({ data, response, pageIndex, trimmed });
  links.set(page as Page<unknown>, { chain, url, next, cursor, rowsSoFar: rowsBefore + data.length } as Link<unknown>);
  return page;
}

/** Options of a paginated call's pages. */
export interface PagesOptions<Row> extends CallOptions {
  notFound?: NotFoundCode;
  /** Stop quietly after this many rows (the last page trimmed). Default: no cap. */
  maxRows?: number;
  /** The option's name in messages (`maxBars`). */
  maxRowsName?: string;
  /** Builds each page (a subclass such as `BarPage`); default `new Page(init)`. */
  make?: (init: PageInit<Row>) => Page<Row>;
}

/** Checks `maxPages` and the row cap; throws `INVALID_REQUEST` naming the option. */
export function pageLimits(options: { maxPages?: number | undefined; maxRows?: number | undefined; maxRowsName?: string | undefined }): {
  maxPages: number;
  maxRows: number;
} {
  const maxPages = options.maxPages ?? DEFAULT_MAX_PAGES;
  if (!Number.isSafeInteger(maxPages) || maxPages < 1) {
    throw new MassiveRequestError('maxPages', `maxPages must be a whole number of at least 1; got ${JSON.stringify(maxPages)}`);
  }
  const name = options.maxRowsName ?? 'maxRows';
  const maxRows = options.maxRows ?? Number.POSITIVE_INFINITY;
  if (maxRows !== Number.POSITIVE_INFINITY && (!Number.isSafeInteger(maxRows) || maxRows < 1)) {
    throw new MassiveRequestError(name, `${name} must be a whole number of at least 1; got ${JSON.stringify(options.maxRows)}`);
  }
  return { maxPages, maxRows };
}

/**
 * The pages of one paginated call, as a lazy async iterable: nothing is sent before iteration, and a page is fetched
 * when the previous one has been handed out and the next is asked for. Stops after the last page, or quietly at the
 * row cap; throws `PAGINATION_REFUSED` at a refused `next_url`, a cursor loop or past `maxPages`.
 */
export class Pages<P extends Page<unknown>> implements AsyncIterable<P> {
  readonly #first: () => Promise<P>;

  /** Built by the client. */
  constructor(first: () => Promise<P>) {
    this.#first = first;
  }

  /** Fetches the first page only (each call sends the request again). */
  firstPage(): Promise<P> {
    return this.#first();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<P, void, undefined> {
    let page = await this.#first();
    yield page;
    while (page.hasNextPage()) {
      page = await page.nextPage();
      yield page;
    }
  }
}

/** The pages of a call starting at `firstUrl`. Options are checked here, at the call; nothing is sent yet. */
export function pagesOf<Row, P extends Page<Row>>(
  transport: Transport,
  firstUrl: URL,
  schema: z.ZodType<PageBody>,
  rows: (body: PageBody) => Row[] | RowSource<Row>,
  options: PagesOptions<Row> = {},
): Pages<P> {
  const { maxPages, maxRows } = pageLimits(options);
  const { notFound, maxRows: _cap, maxRowsName: _name, make, ...call } = options;
  const chain: Chain<Row> = {
    transport,
    schema,
    rows,
    options: { ...call, ...(notFound ? { notFound } : {}) },
    maxPages,
    maxRows,
    seen: new Map(),
    make: make ?? ((init) => new Page(init)),
  };
  return new Pages<P>(() => {
    chain.seen.clear();
    return fetchPage(chain, firstUrl, 0, 0) as Promise<P>;
  });
}

/**
 * The rows of `pages`, one at a time, as an async iterable that awaits once per page (rows of a page already in hand
 * are handed out from a plain array, without an async generator's per-row suspension).
 */
export function rowsOf<Row>(pages: AsyncIterable<Page<Row>>): AsyncIterable<Row> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<Row, undefined> {
      const source = pages[Symbol.asyncIterator]();
      let rows: Row[] = [];
      let i = 0;
      let finished = false;
      const refill = async (): Promise<IteratorResult<Row, undefined>> => {
        while (i >= rows.length) {
          if (finished) return { done: true, value: undefined };
          const next = await source.next();
          if (next.done) {
            finished = true;
            rows = [];
            return { done: true, value: undefined };
          }
          rows = next.value.data;
          i = 0;
        }
        return { done: false, value: rows[i++] as Row };
      };
      return {
        next(): Promise<IteratorResult<Row, undefined>> {
          if (i < rows.length) return Promise.resolve({ done: false, value: rows[i++] as Row });
          return refill();
        },
        async return(): Promise<IteratorResult<Row, undefined>> {
          if (!finished) {
            finished = true;
            rows = [];
            await source.return?.();
          }
          return { done: true, value: undefined };
        },
      };
    },
  };
}
