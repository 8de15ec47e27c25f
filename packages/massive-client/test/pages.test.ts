/**
 * Pages: one array of rows per response, a key-free cursor to persist and resume from, hasNextPage/nextPage, the
 * maxBars cap (quiet, last page trimmed) against the maxPages bound (an error), and each page's response metadata.
 */
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type BarPage, MassiveError, MassiveRequestError, type MassiveResponseError } from '../src/index.js';
import { BASE, collect, testClient } from './support/api.js';
import { fakeApi } from './support/fake-api.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const PATH = '/v2/aggs/ticker/AAPL/range/1/minute/2024-01-02/2024-01-02';
/** Later pages move from/to, as the real API's next_url does. */
const NEXT_PATH = '/v2/aggs/ticker/AAPL/range/1/minute/1704205980000/1704240000000';
const DAY0 = 1704205800000; // 2024-01-02 09:30 New York
const PARAMS = { ticker: 'AAPL', timespan: 'minute', from: '2024-01-02', to: '2024-01-02' } as const;

const bar = (i: number) => ({ t: DAY0 + i * 60_000, o: i, h: i + 1, l: i - 1, c: i + 0.5, v: 100 + i, vw: i + 0.25, n: 3 });

/** Pages of 3, 4 and 3 bars (open = 0..9); page 2 and 3 at NEXT_PATH with cursors c2, c3. */
function servePages(nextUrl: (cursor: string) => string = (c) => `${BASE}${NEXT_PATH}?cursor=${c}`) {
  const pages: Record<string, unknown> = {
    first: { status: 'OK', request_id: 'p1', results: [0, 1, 2].map(bar), next_url: nextUrl('c2') },
    c2: { status: 'OK', request_id: 'p2', results: [3, 4, 5, 6].map(bar), next_url: nextUrl('c3') },
    c3: { status: 'OK', request_id: 'p3', results: [7, 8, 9].map(bar) },
  };
  const respond = (url: URL) => Response.json(pages[url.searchParams.get('cursor') ?? 'first']);
  return fakeApi(server).on(PATH, respond).on(NEXT_PATH, respond);
}

const opens = (pages: BarPage[]) => pages.map((p) => p.bars.map((b) => b.open));

describe('listBarPages', () => {
  it('yields one page per response: its bars as one array, index, cursor, hasNextPage and metadata', async () => {
    const api = servePages();
    const pages = await collect(testClient().listBarPages(PARAMS));
    expect(opens(pages)).toEqual([
      [0, 1, 2],
      [3, 4, 5, 6],
      [7, 8, 9],
    ]);
    expect(pages[1]?.bars).toBe(pages[1]?.data);
    expect(pages[0]?.bars[0]).toEqual({ timestamp: DAY0, open: 0, high: 1, low: -1, close: 0.5, volume: 100, vwap: 0.25, transactions: 3 });
    expect(pages.map((p) => p.pageIndex)).toEqual([0, 1, 2]);
    expect(pages.map((p) => p.cursor)).toEqual([`${BASE}${NEXT_PATH}?cursor=c2`, `${BASE}${NEXT_PATH}?cursor=c3`, null]);
    expect(pages.map((p) => p.hasNextPage())).toEqual([true, true, false]);
    expect(pages.map((p) => p.trimmed)).toEqual([0, 0, 0]);
    expect(pages.map((p) => p.response)).toEqual([
      { requestId: 'p1', url: `${BASE}${PATH}?adjusted=true&sort=asc&limit=50000`, status: 200, attempts: 1 },
      { requestId: 'p2', url: `${BASE}${NEXT_PATH}?cursor=c2`, status: 200, attempts: 1 },
      { requestId: 'p3', url: `${BASE}${NEXT_PATH}?cursor=c3`, status: 200, attempts: 1 },
    ]);
    expect(api.requests).toHaveLength(3);
  });

  it('is lazy: nothing is sent before iteration, one request per page asked for', async () => {
    const api = servePages();
    const iterable = testClient().listBarPages(PARAMS);
    expect(api.requests).toHaveLength(0);
    const iterator = iterable[Symbol.asyncIterator]();
    await iterator.next();
    expect(api.requests).toHaveLength(1);
    await iterator.next();
    expect(api.requests).toHaveLength(2);
    await iterator.return?.();
    expect(api.requests).toHaveLength(2);
  });

  it('walks by hand with firstPage, hasNextPage and nextPage; nextPage past the last page is INVALID_REQUEST', async () => {
    servePages();
    let page = await testClient().listBarPages(PARAMS).firstPage();
    const seen = [page.bars.map((b) => b.open)];
    while (page.hasNextPage()) {
      page = await page.nextPage();
      seen.push(page.bars.map((b) => b.open));
    }
    expect(seen).toEqual([
      [0, 1, 2],
      [3, 4, 5, 6],
      [7, 8, 9],
    ]);
    const error = await page.nextPage().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MassiveRequestError);
    expect(error).toMatchObject({ field: 'page', message: 'page 2 has no next page to fetch; check hasNextPage() first' });
  });

  it('resumes from a saved cursor with exactly the remaining bars, the key re-attached in the header only', async () => {
    const api = servePages();
    const first = await testClient().listBarPages(PARAMS).firstPage();
    const saved = JSON.parse(JSON.stringify({ cursor: first.cursor })) as { cursor: string };
    const resumed = await collect(testClient().listBarPages(PARAMS, { cursor: saved.cursor }));
    expect(opens(resumed)).toEqual([
      [3, 4, 5, 6],
      [7, 8, 9],
    ]);
    expect(resumed.map((p) => p.pageIndex)).toEqual([0, 1]);
    expect(api.requests.map((r) => r.url.search)).toEqual(['?adjusted=true&sort=asc&limit=50000', '?cursor=c2', '?cursor=c3']);
    expect(api.requests[1]?.headers.get('authorization')).toMatch(/^Bearer test-key-/);
  });

  it('keeps the key out of cursors and metadata even when next_url carries one', async () => {
    servePages((c) => `${BASE}${NEXT_PATH}?cursor=${c}&apiKey=leaked-key`);
    const pages = await collect(testClient().listBarPages(PARAMS));
    expect(pages.map((p) => p.cursor)).toEqual([`${BASE}${NEXT_PATH}?cursor=c2`, `${BASE}${NEXT_PATH}?cursor=c3`, null]);
    expect(JSON.stringify(pages.map((p) => p.toJSON()))).not.toContain('leaked-key');
  });

  it('gives no cursor for a next_url that carries the key anywhere (it is still followed, on the same origin)', async () => {
    const apiKey = 'k-0123456789abcdef';
    const api = servePages();
    api.on('/v2/aggs/ticker/AAPL/range/1/minute/2024-01-02/2024-01-02', () =>
      Response.json({ status: 'OK', results: [bar(0)], next_url: `${BASE}${NEXT_PATH}/${apiKey}?cursor=c3` }),
    );
    api.on(`${NEXT_PATH}/${apiKey}`, () => Response.json({ status: 'OK', results: [bar(1)] }));
    const pages = await collect(testClient({ apiKey }).listBarPages(PARAMS));
    expect(pages.map((p) => p.cursor)).toEqual([null, null]);
    expect(pages[0]?.hasNextPage()).toBe(true);
    expect(pages[1]?.response.url).toBe(`${BASE}${NEXT_PATH}/[REDACTED]?cursor=c3`);
    expect(JSON.stringify(pages.map((p) => p.toJSON()))).not.toContain(apiKey);
  });

  it('takes the request id from the X-Request-Id header when the body has none, and counts attempts', async () => {
    let calls = 0;
    fakeApi(server).on(PATH, () => {
      calls += 1;
      if (calls === 1) return Response.json({ status: 'ERROR', error: 'boom' }, { status: 500 });
      return Response.json({ status: 'OK', results: [bar(0)] }, { headers: { 'X-Request-Id': 'hdr-7' } });
    });
    const [page] = await collect(testClient().listBarPages(PARAMS));
    expect(page?.response).toEqual({
      requestId: 'hdr-7',
      url: `${BASE}${PATH}?adjusted=true&sort=asc&limit=50000`,
      status: 200,
      attempts: 2,
    });
  });
});

describe('resuming from a cursor refuses what it must not follow, sending nothing', () => {
  const refusals: [string, unknown, string][] = [
    [
      'another origin',
      `https://evil.example${NEXT_PATH}?cursor=c2`,
      'cursor is on another origin (https://evil.example, expected https://api.massive.com); not followed, so the API key goes nowhere else',
    ],
    [
      'another scheme',
      `http://api.massive.com${NEXT_PATH}?cursor=c2`,
      'cursor is on another origin (http://api.massive.com, expected https://api.massive.com); not followed, so the API key goes nowhere else',
    ],
    ['not a URL', 'c2', "cursor is not an absolute URL (a page cursor is the next page's URL); not followed"],
    ['a relative URL', `${NEXT_PATH}?cursor=c2`, "cursor is not an absolute URL (a page cursor is the next page's URL); not followed"],
    ['empty', '', "cursor must be a page's cursor (a non-empty string); got string"],
    ['not a string', 42, "cursor must be a page's cursor (a non-empty string); got number"],
    ['credentials', `https://user:hunter2@api.massive.com${NEXT_PATH}?cursor=c2`, 'cursor has credentials in it (user info); not followed'],
    [
      'another ticker',
      `${BASE}/v2/aggs/ticker/MSFT/range/1/minute/1/2?cursor=c2`,
      'cursor is for another request (its path does not match these parameters); not followed',
    ],
    [
      'another timespan',
      `${BASE}/v2/aggs/ticker/AAPL/range/1/hour/1/2?cursor=c2`,
      'cursor is for another request (its path does not match these parameters); not followed',
    ],
  ];
  it.each(refusals)('%s', (_name, cursor, message) => {
    const api = servePages();
    let caught: unknown;
    try {
      testClient().listBarPages(PARAMS, { cursor: cursor as string });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MassiveRequestError);
    expect(caught).toMatchObject({ code: 'INVALID_REQUEST', field: 'cursor', retryable: false, message });
    expect(JSON.stringify((caught as MassiveError).toJSON())).not.toContain('hunter2');
    expect(api.requests).toHaveLength(0);
  });

  it('drops an apiKey parameter from a cursor', async () => {
    const api = servePages();
    await collect(testClient().listBarPages(PARAMS, { cursor: `${BASE}${NEXT_PATH}?cursor=c3&apiKey=leaked` }));
    expect(api.requests.map((r) => r.url.search)).toEqual(['?cursor=c3']);
  });

  it('the other paginated endpoints give the same pages and resume the same way', async () => {
    const split = (ticker: string) => ({ ticker, execution_date: '2024-06-10', split_from: 1, split_to: 10 });
    const api = fakeApi(server)
      .on('/v3/reference/splits', (url) =>
        Response.json(
          url.searchParams.get('cursor') === 's2'
            ? { status: 'OK', request_id: 'sp2', results: [split('B')] }
            : { status: 'OK', request_id: 'sp1', results: [split('A')], next_url: `${BASE}/v3/reference/splits?cursor=s2` },
        ),
      )
      .on('/v3/trades/AAPL', (url) =>
        Response.json({
          status: 'OK',
          results: [{ p: 1 }],
          ...(url.searchParams.get('cursor') ? {} : { next_url: `${BASE}/v3/trades/AAPL?cursor=t2` }),
        }),
      );
    const client = testClient();
    const splits = await collect(client.listSplitPages());
    expect(splits.map((p) => [p.data.map((s) => s.ticker), p.cursor, p.response.requestId])).toEqual([
      [['A'], `${BASE}/v3/reference/splits?cursor=s2`, 'sp1'],
      [['B'], null, 'sp2'],
    ]);
    const resumed = await collect(client.listSplitPages({}, { cursor: splits[0]?.cursor as string }));
    expect(resumed.map((p) => p.data.map((s) => s.ticker))).toEqual([['B']]);
    const trades = await collect(client.pages('/v3/trades/AAPL', { cursor: `${BASE}/v3/trades/AAPL?cursor=t2` }));
    expect(trades.map((p) => p.data)).toEqual([[{ p: 1 }]]);
    expect(api.requests.map((r) => `${r.url.pathname}${r.url.search}`)).toEqual([
      '/v3/reference/splits?limit=1000',
      '/v3/reference/splits?cursor=s2',
      '/v3/reference/splits?cursor=s2',
      '/v3/trades/AAPL?cursor=t2',
    ]);
  });

  it('applies to the other paginated endpoints: a splits cursor is not a tickers cursor', () => {
    expect(() => testClient().listTickerPages({}, { cursor: `${BASE}/v3/reference/splits?cursor=x` })).toThrow(
      'cursor is for another request (its path does not match these parameters); not followed',
    );
  });
});

describe('maxBars (a quiet cap) and maxPages (a bound that throws)', () => {
  it('maxBars stops after exactly that many bars, trimming the last page, without fetching further', async () => {
    const api = servePages();
    const pages = await collect(testClient().listBarPages({ ...PARAMS, maxBars: 5 }));
    expect(opens(pages)).toEqual([
      [0, 1, 2],
      [3, 4],
    ]);
    expect(pages[1]?.trimmed).toBe(2);
    expect(pages[1]?.cursor).toBeNull(); // no URL resumes inside a page
    expect(pages[1]?.hasNextPage()).toBe(false);
    expect(api.requests).toHaveLength(2);
    expect(api.requests[0]?.url.searchParams.get('limit')).toBe('50000'); // limit stays the page size
  });

  it('maxBars reached at a page end keeps that page whole with its cursor, and fetches no more', async () => {
    const api = servePages();
    const pages = await collect(testClient().listBarPages({ ...PARAMS, maxBars: 7 }));
    expect(opens(pages)).toEqual([
      [0, 1, 2],
      [3, 4, 5, 6],
    ]);
    expect(pages[1]?.trimmed).toBe(0);
    expect(pages[1]?.cursor).toBe(`${BASE}${NEXT_PATH}?cursor=c3`);
    expect(pages[1]?.hasNextPage()).toBe(false);
    expect(api.requests).toHaveLength(2);
  });

  it('listBars and getBars take maxBars too; larger than the range it changes nothing', async () => {
    servePages();
    expect((await testClient().getBars({ ...PARAMS, maxBars: 4 })).map((b) => b.open)).toEqual([0, 1, 2, 3]);
    expect((await collect(testClient().listBars({ ...PARAMS, maxBars: 1 }))).map((b) => b.open)).toEqual([0]);
    expect(await testClient().getBars({ ...PARAMS, maxBars: 1000 })).toHaveLength(10);
  });

  it('maxBars must be a whole number of at least 1, refused at the call', () => {
    for (const maxBars of [0, -1, 1.5, Number.NaN]) {
      expect(() => testClient().listBarPages({ ...PARAMS, maxBars })).toThrow(
        `maxBars must be a whole number of at least 1; got ${JSON.stringify(maxBars)}`,
      );
    }
  });

  it('maxPages throws PAGINATION_REFUSED when pages remain after it, after handing out the pages before', async () => {
    const api = servePages();
    const seen: number[][] = [];
    const error = await (async () => {
      for await (const page of testClient().listBarPages({ ...PARAMS, maxPages: 2 })) seen.push(page.bars.map((b) => b.open));
    })().catch((e: unknown) => e);
    expect(seen).toEqual([
      [0, 1, 2],
      [3, 4, 5, 6],
    ]);
    expect(error).toBeInstanceOf(MassiveError);
    expect(error).toMatchObject({
      code: 'PAGINATION_REFUSED',
      retryable: false,
      message: `GET ${NEXT_PATH} still had a next page after 2 pages (maxPages 2); stopping`,
    });
    expect(api.requests).toHaveLength(2);
  });

  it('a refused next_url: the page is still delivered, has no cursor, and nextPage throws PAGINATION_REFUSED', async () => {
    servePages((c) => (c === 'c3' ? `https://evil.example${NEXT_PATH}?cursor=c3` : `${BASE}${NEXT_PATH}?cursor=${c}`));
    const first = await testClient().listBarPages(PARAMS).firstPage();
    const second = await first.nextPage();
    expect(second.bars.map((b) => b.open)).toEqual([3, 4, 5, 6]);
    expect(second.cursor).toBeNull();
    expect(second.hasNextPage()).toBe(true);
    await expect(second.nextPage()).rejects.toMatchObject({ code: 'PAGINATION_REFUSED' });
  });
});

describe('decoding a page', () => {
  it('keeps absent fields absent (index bars), fractional crypto volume and otc, as toBar does', async () => {
    fakeApi(server).on(PATH, () =>
      Response.json({
        status: 'OK',
        results: [
          { t: 1, o: 1, h: 2, l: 0.5, c: 1.5 },
          { t: 2, o: 1, h: 2, l: 0.5, c: 1.5, v: 0.0312, extra: 'dropped' },
          { t: 3, o: 1, h: 2, l: 0.5, c: 1.5, v: 10, vw: 1.2, n: 4, otc: true },
        ],
      }),
    );
    const [page] = await collect(testClient().listBarPages(PARAMS));
    expect(page?.bars).toStrictEqual([
      { timestamp: 1, open: 1, high: 2, low: 0.5, close: 1.5 },
      { timestamp: 2, open: 1, high: 2, low: 0.5, close: 1.5, volume: 0.0312 },
      { timestamp: 3, open: 1, high: 2, low: 0.5, close: 1.5, volume: 10, vwap: 1.2, transactions: 4, otc: true },
    ]);
  });

  it('a bad field deep in a 50,000-bar page fails it with INVALID_RESPONSE naming the row and field', async () => {
    const results = Array.from({ length: 50_000 }, (_, i) => bar(i));
    (results[41_417] as Record<string, unknown>).h = '11.0';
    fakeApi(server).on(PATH, () => Response.json({ status: 'OK', request_id: 'bad1', results }));
    const error = (await collect(testClient().listBarPages(PARAMS)).catch((e: unknown) => e)) as MassiveResponseError;
    expect(error).toMatchObject({ code: 'INVALID_RESPONSE', retryable: false, requestId: 'bad1' });
    expect(error.issues).toEqual(['results.41417.h: Invalid input: expected number, received string']);
    expect(error.message).toBe(
      `GET ${PATH} returned a body that does not match the documented shape: results.41417.h: Invalid input: expected number, received string`,
    );
  });

  it('refuses an infinite number (JSON 1e400) as zod does, and results that are not a list', async () => {
    fakeApi(server)
      .on(
        PATH,
        () =>
          new Response(`{"status":"OK","results":[{"t":1,"o":1,"h":1e400,"l":1,"c":1}]}`, {
            headers: { 'content-type': 'application/json' },
          }),
      )
      .on('/v2/aggs/ticker/MSFT/range/1/minute/2024-01-02/2024-01-02', () => Response.json({ status: 'OK', results: null }));
    const infinite = (await testClient()
      .getBars(PARAMS)
      .catch((e: unknown) => e)) as MassiveResponseError;
    expect(infinite.issues).toEqual(['results.0.h: Invalid input: expected number, received Infinity']);
    const notList = (await testClient()
      .getBars({ ...PARAMS, ticker: 'MSFT' })
      .catch((e: unknown) => e)) as MassiveResponseError;
    expect(notList.issues).toEqual(['results: Invalid input: expected array, received null']);
  });
});

describe('withResponse on single-response calls', () => {
  it('gives the data and the metadata of one request; awaiting the call still gives the data alone', async () => {
    const api = fakeApi(server).on('/v3/reference/tickers/AAPL', () =>
      Response.json({ status: 'OK', request_id: 'd1', results: { ticker: 'AAPL', name: 'Apple Inc.' } }),
    );
    const client = testClient();
    const { data, response } = await client.getTickerDetails('AAPL').withResponse();
    expect(data).toMatchObject({ ticker: 'AAPL', name: 'Apple Inc.' });
    expect(response).toEqual({ requestId: 'd1', url: `${BASE}/v3/reference/tickers/AAPL`, status: 200, attempts: 1 });
    expect(await client.getTickerDetails('AAPL')).toMatchObject({ ticker: 'AAPL' });
    const both = client.getTickerDetails('AAPL');
    const [plain, withMeta] = await Promise.all([both, both.withResponse()]);
    expect(plain).toBe(withMeta.data);
    expect(api.requests).toHaveLength(3); // one per call, however it is read
  });

  it('rejects the same way both ways, with the typed error', async () => {
    fakeApi(server).on('/v3/reference/tickers/ZZZZ', () => Response.json({ status: 'NOT_FOUND', message: 'no' }, { status: 404 }));
    const client = testClient();
    await expect(client.getTickerDetails('ZZZZ')).rejects.toMatchObject({ code: 'SYMBOL_NOT_FOUND' });
    await expect(client.getTickerDetails('ZZZZ').withResponse()).rejects.toMatchObject({ code: 'SYMBOL_NOT_FOUND' });
    await expect(client.getTickerDetails('../x')).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
  });

  it('every single-response call has it', async () => {
    fakeApi(server)
      .on('/v1/marketstatus/now', () =>
        Response.json({ market: 'open', serverTime: '2024-01-02T10:00:00-05:00' }, { headers: { 'X-Request-Id': 'ms' } }),
      )
      .on('/v1/marketstatus/upcoming', () => Response.json([]))
      .on('/v2/aggs/ticker/AAPL/prev', () => Response.json({ status: 'OK', request_id: 'pc', results: [{ T: 'AAPL', ...bar(0) }] }))
      .on('/v2/aggs/grouped/locale/us/market/stocks/2024-01-02', () => Response.json({ status: 'OK', request_id: 'gd', resultsCount: 0 }))
      .on('/v3/reference/tickers/types', () => Response.json({ status: 'OK', request_id: 'tt', results: [] }))
      .on('/v1/open-close/AAPL/2024-01-02', () =>
        Response.json({ status: 'OK', from: '2024-01-02', symbol: 'AAPL', open: 1, high: 2, low: 0.5, close: 1.5 }),
      );
    const client = testClient();
    const ids = await Promise.all([
      client.getMarketStatus().withResponse(),
      client.getMarketHolidays().withResponse(),
      client.getPreviousClose('AAPL').withResponse(),
      client.getGroupedDaily('2024-01-02').withResponse(),
      client.getTickerTypes().withResponse(),
      client.getDailyOpenClose('AAPL', '2024-01-02').withResponse(),
    ]);
    expect(ids.map((r) => [r.response.requestId, r.response.status])).toEqual([
      ['ms', 200],
      [undefined, 200],
      ['pc', 200],
      ['gd', 200],
      ['tt', 200],
      [undefined, 200],
    ]);
    expect(ids[3]?.data).toEqual([]);
  });
});
