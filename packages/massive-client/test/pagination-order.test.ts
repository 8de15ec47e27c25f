/**
 * Pagination: pages are fetched lazily, rows keep the API's order across pages, next_url is followed on the same
 * origin only with the Authorization header re-attached, and a key in next_url is never sent back in a URL.
 */
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MassiveError } from '../src/index.js';
import { BASE, collect, testClient } from './support/api.js';
import { fakeApi } from './support/fake-api.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const PATH = '/v2/aggs/ticker/AAPL/range/1/minute/2024-01-02/2024-01-02';
const DAY0 = 1704205800000; // 2024-01-02 09:30 New York

/** Three pages of minute bars in descending order (as `sort=desc` gives), cursors c2 and c3. */
function threePages(nextUrl: (cursor: string) => string = (c) => `${BASE}${PATH}?cursor=${c}`) {
  const bar = (i: number) => ({ t: DAY0 + (9 - i) * 60_000, o: i, h: i, l: i, c: i, v: 100 + i });
  return {
    first: { status: 'OK', request_id: 'p1', results: [0, 1, 2].map(bar), next_url: nextUrl('c2') },
    c2: { status: 'OK', request_id: 'p2', results: [3, 4, 5, 6].map(bar), next_url: nextUrl('c3') },
    c3: { status: 'OK', request_id: 'p3', results: [7, 8, 9].map(bar) },
  };
}

function servePages(pages: Record<string, unknown>) {
  return fakeApi(server).on(PATH, (url) => Response.json(pages[url.searchParams.get('cursor') ?? 'first']));
}

describe('listBars pagination', () => {
  it('yields every row of three pages in the API order (descending kept as sent)', async () => {
    const api = servePages(threePages());
    const bars = await testClient().getBars({ ticker: 'AAPL', timespan: 'minute', from: '2024-01-02', to: '2024-01-02', sort: 'desc' });
    expect(bars.map((b) => b.open)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(bars.map((b) => (b.timestamp - DAY0) / 60_000)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    expect(api.requests.map((r) => r.url.searchParams.get('cursor'))).toEqual([null, 'c2', 'c3']);
    expect(api.requests[0]?.url.searchParams.get('sort')).toBe('desc');
  });

  it('is lazy: nothing is sent before iteration, and a page is fetched only when the previous one is used up', async () => {
    const api = servePages(threePages());
    const iterable = testClient().listBars({ ticker: 'AAPL', timespan: 'minute', from: '2024-01-02', to: '2024-01-02' });
    expect(api.requests).toHaveLength(0);
    const iterator = iterable[Symbol.asyncIterator]();
    for (let i = 0; i < 3; i++) await iterator.next();
    expect(api.requests).toHaveLength(1);
    await iterator.next(); // first row of page 2
    expect(api.requests).toHaveLength(2);
    await iterator.return?.();
    expect(api.requests).toHaveLength(2);
  });

  it('re-attaches the same Authorization header to every page', async () => {
    const api = servePages(threePages());
    await testClient().getBars({ ticker: 'AAPL', timespan: 'minute', from: '2024-01-02', to: '2024-01-02' });
    const headers = api.requests.map((r) => r.headers.get('authorization'));
    expect(headers).toHaveLength(3);
    expect(new Set(headers).size).toBe(1);
    expect(headers[0]).toMatch(/^Bearer test-key-[0-9a-f-]{36}$/);
  });

  it('follows a relative next_url against the current page', async () => {
    const api = servePages(threePages((c) => `${PATH}?cursor=${c}`));
    const bars = await testClient().getBars({ ticker: 'AAPL', timespan: 'minute', from: '2024-01-02', to: '2024-01-02' });
    expect(bars).toHaveLength(10);
    expect(api.requests).toHaveLength(3);
  });

  it('refuses a next_url on another origin with PAGINATION_REFUSED (not retryable), after the rows before it, sending nothing there', async () => {
    const pages = threePages();
    pages.c2.next_url = `https://evil.example${PATH}?cursor=c3`;
    const api = servePages(pages);
    const seen: number[] = [];
    let caught: unknown;
    try {
      for await (const bar of testClient().listBars({ ticker: 'AAPL', timespan: 'minute', from: '2024-01-02', to: '2024-01-02' }))
        seen.push(bar.open);
    } catch (error) {
      caught = error;
    }
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(caught).toBeInstanceOf(MassiveError);
    expect((caught as MassiveError).code).toBe('PAGINATION_REFUSED');
    expect((caught as MassiveError).retryable).toBe(false);
    expect((caught as MassiveError).message).toBe(
      `GET ${PATH} returned a next_url on another origin (https://evil.example, expected https://api.massive.com); not followed, so the API key goes nowhere else`,
    );
    expect(api.requests).toHaveLength(2);
  });

  it('a different scheme or port is another origin too', async () => {
    for (const other of [`http://api.massive.com${PATH}?cursor=c2`, `https://api.massive.com:8443${PATH}?cursor=c2`]) {
      servePages({ ...threePages(), first: { ...threePages().first, next_url: other } });
      await expect(
        collect(testClient().listBars({ ticker: 'AAPL', timespan: 'minute', from: '2024-01-02', to: '2024-01-02' })),
      ).rejects.toMatchObject({
        code: 'PAGINATION_REFUSED',
      });
    }
  });

  it('drops an apiKey parameter from next_url: the key travels only in the header', async () => {
    const api = servePages(threePages((c) => `${BASE}${PATH}?cursor=${c}&apiKey=leaked-key`));
    await testClient().getBars({ ticker: 'AAPL', timespan: 'minute', from: '2024-01-02', to: '2024-01-02' });
    expect(api.requests.map((r) => r.url.search)).toEqual(['?adjusted=true&sort=asc&limit=50000', '?cursor=c2', '?cursor=c3']);
  });

  it('stops with PAGINATION_REFUSED when next_url points at the page itself', async () => {
    const api = fakeApi(server).on('/v3/reference/tickers', (url) =>
      Response.json({ status: 'OK', results: [{ ticker: 'A' }], next_url: url.toString() }),
    );
    await expect(collect(testClient().listTickers())).rejects.toMatchObject({ code: 'PAGINATION_REFUSED', retryable: false });
    expect(api.requests).toHaveLength(1);
  });

  it('stops a cursor cycle (a -> b -> a) at the first cursor seen again, after the rows before it', async () => {
    const cycle: Record<string, unknown> = {
      first: { status: 'OK', results: [{ ticker: 'A' }], next_url: `${BASE}/v3/reference/tickers?cursor=a` },
      a: { status: 'OK', results: [{ ticker: 'B' }], next_url: `${BASE}/v3/reference/tickers?cursor=b` },
      b: { status: 'OK', results: [{ ticker: 'C' }], next_url: `${BASE}/v3/reference/tickers?cursor=a` },
    };
    const api = fakeApi(server).on('/v3/reference/tickers', (url) => Response.json(cycle[url.searchParams.get('cursor') ?? 'first']));
    const seen: string[] = [];
    const error = await (async () => {
      try {
        for await (const t of testClient().listTickers()) seen.push(t.ticker);
      } catch (e) {
        return e as MassiveError;
      }
      return undefined;
    })();
    expect(seen).toEqual(['A', 'B', 'C']);
    expect(error?.code).toBe('PAGINATION_REFUSED');
    expect(error?.message).toBe(
      'GET /v3/reference/tickers returned a next_url already followed on this call (a cursor loop); stopping after 3 pages',
    );
    expect(api.requests).toHaveLength(3);
  });

  it('stops after maxPages pages, empty ones included, when the API keeps sending a new cursor', async () => {
    const api = fakeApi(server).on('/v3/reference/tickers', (url) => {
      const n = Number(url.searchParams.get('cursor') ?? 0);
      return Response.json({ status: 'OK', results: [], next_url: `${BASE}/v3/reference/tickers?cursor=${n + 1}` });
    });
    await expect(collect(testClient().listTickers({ maxPages: 5 }))).rejects.toMatchObject({
      code: 'PAGINATION_REFUSED',
      message: 'GET /v3/reference/tickers still had a next page after 5 pages (maxPages 5); stopping',
    });
    expect(api.requests).toHaveLength(5);
    // A bad bound is refused at the call, like every other argument: nothing is sent.
    expect(() => testClient().listTickers({ maxPages: 0 })).toThrow('maxPages must be a whole number of at least 1; got 0');
    expect(api.requests).toHaveLength(5);
  });

  it('refuses a next_url with credentials in it, and never repeats them', async () => {
    const api = fakeApi(server).on('/v3/reference/tickers', () =>
      Response.json({
        status: 'OK',
        results: [{ ticker: 'A' }],
        next_url: 'https://user:hunter2@api.massive.com/v3/reference/tickers?cursor=x',
      }),
    );
    const error = await collect(testClient().listTickers()).catch((e: MassiveError) => e);
    expect(error).toMatchObject({ code: 'PAGINATION_REFUSED', retryable: false });
    expect((error as MassiveError).message).toBe(
      'GET /v3/reference/tickers returned a next_url with credentials in it (user info); not followed',
    );
    expect(JSON.stringify((error as MassiveError).toJSON())).not.toContain('hunter2');
    expect(api.requests).toHaveLength(1);
  });
});
