/** Lazy cursor pagination: one page at a time, following `next_url` on the same origin only, rows in API order. */
import type { z } from 'zod';
import type { NotFoundCode } from './http/http-errors.js';
import type { CallOptions, Transport } from './http/transport.js';

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
  let url: URL | undefined = firstUrl;
  while (url) {
    const { data } = await transport.get(url, pageSchema, options);
    const page = data as PageShape<NonNullable<z.output<S>['results']>[number]>;
    for (const row of page.results ?? []) yield mapRow(row);
    url = page.next_url ? transport.nextPageUrl(page.next_url, url) : undefined;
  }
}
