/** Lazy cursor pagination: one page at a time, following `next_url` on the same origin only, rows in API order. */
import type { z } from 'zod';
import { MassivePaginationError, MassiveRequestError } from './errors.js';
import type { NotFoundCode } from './http/http-errors.js';
import type { CallOptions, Transport } from './http/transport.js';

/** Pages one paginated call follows at most (empty pages with a `next_url` count too); `maxPages` changes it. */
export const DEFAULT_MAX_PAGES = 10_000;

/** A page as the pager needs it: rows and the next page's URL. */
interface PageShape<Row> {
  results?: Row[] | undefined;
  next_url?: string | undefined;
}

/**
 * Yields the rows of every page, fetching the next page only when the previous one is used up. Each page is its own
 * call (retried, rate limited and validated on its own); the `Authorization` header is sent with every page.
 */
export async function* paginate<S extends z.ZodType<PageShape<unknown>>, Row>(
  transport: Transport,
  firstUrl: URL,
  pageSchema: S,
  mapRow: (row: NonNullable<z.output<S>['results']>[number]) => Row,
  options: CallOptions & { notFound?: NotFoundCode } = {},
): AsyncGenerator<Row, void, undefined> {
  const maxPages = options.maxPages ?? DEFAULT_MAX_PAGES;
  if (!Number.isSafeInteger(maxPages) || maxPages < 1) {
    throw new MassiveRequestError('maxPages', `maxPages must be a whole number of at least 1; got ${JSON.stringify(maxPages)}`);
  }
  const seen = new Set<string>();
  let pages = 0;
  let url: URL | undefined = firstUrl;
  while (url) {
    seen.add(url.toString());
    pages += 1;
    const { data } = await transport.get(url, pageSchema, options);
    const page = data as PageShape<NonNullable<z.output<S>['results']>[number]>;
    for (const row of page.results ?? []) yield mapRow(row);
    const current: URL = url;
    url = page.next_url ? transport.nextPageUrl(page.next_url, current) : undefined;
    if (!url) break;
    const request = `GET ${current.pathname}`;
    if (seen.has(url.toString())) {
      // A cursor cycle (a -> b -> a): following it would never end.
      throw new MassivePaginationError(
        `${request} returned a next_url already followed on this call (a cursor loop); stopping after ${pages} pages`,
        {
          request,
        },
      );
    }
    if (pages >= maxPages) {
      throw new MassivePaginationError(`${request} still had a next page after ${pages} pages (maxPages ${maxPages}); stopping`, {
        request,
      });
    }
  }
}
