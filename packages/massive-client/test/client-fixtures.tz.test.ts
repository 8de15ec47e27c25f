/**
 * Every recorded response in fixtures/massive/ is served through msw and read by the client; each check asserts
 * what that file exercises (see fixtures/massive/README.md). A test fails if a file on disk has no check.
 * Runs under UTC, America/Los_Angeles and Asia/Tokyo: dates must not move with the machine's zone.
 */

import { filterRegularSession, newYorkParts, sessionOfBar, tradingDateOfBar } from '@tickstock/market-time';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  aggsResponseSchema,
  cursorPageSchema,
  groupedDailyResponseSchema,
  listTickersResponseSchema,
  marketHolidaysResponseSchema,
  tickerDetailsResponseSchema,
} from '../src/index.js';
import { allFixtureFiles, BASE, collect, fixture, testClient } from './support/api.js';
import { type FakeApi, fakeApi, json } from './support/fake-api.js';
import { rejection } from './support/rejection.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const CP = 'client-python/test_rest/mocks/';
const QUOTES_CURSOR =
  'YXA9MTkyODgxNjYmYXM9JmxpbWl0PTEwJm9yZGVyPWRlc2Mmc29ydD10aW1lc3RhbXAmdGltZXN0YW1wLmx0ZT0yMDIyLTA1LTEwVDE0JTNBMTElM0ExMi42OTA2NjExODla';
const TICKERS_CURSOR =
  'YWN0aXZlPXRydWUmZGF0ZT0yMDIyLTA0LTI3JmxpbWl0PTImb3JkZXI9YXNjJnBhZ2VfbWFya2VyPUFBJTdDZjEyMmJjYmY4YWQwNzRmZmJlMTZmNjkxOWQ0ZDc3NjZlMzA3MWNmNmU1Nzg3OGE0OGU1NjQ1YzQyM2U3NzJhOSZzb3J0PXRpY2tlcg';

/** Files that are documentation, not responses. */
const NOT_RESPONSES = new Set(['README.md', 'client-python/LICENSE', 'openapi-examples/LICENSE']);

/** The error a promise rejects with (fails the test if it resolves). */
function isoOf(ms: number): string {
  return new Date(ms).toISOString();
}

type Check = (api: FakeApi) => Promise<void>;

/** An HTTP error fixture served with `status` to the ticker-details endpoint: checks code, text, id, one request. */
function errorCheck(file: string, status: number, code: string, apiMessage: string, requestId: string): Check {
  return async (api) => {
    api.on('/v3/reference/tickers/AAPL', json(fixture(file), status));
    const error = await rejection(testClient().getTickerDetails('AAPL'));
    expect(error.code).toBe(code);
    expect(error.status).toBe(status);
    expect(error.apiMessage).toBe(apiMessage);
    expect(error.requestId).toBe(requestId);
    expect(error.retryable).toBe(false);
    expect(api.requests).toHaveLength(1);
  };
}

const checks: Record<string, Check> = {
  [`${CP}v1/marketstatus/now.json`]: async (api) => {
    api.on('/v1/marketstatus/now', json(fixture(`${CP}v1/marketstatus/now.json`)));
    const status = await testClient().getMarketStatus();
    expect(status.market).toBe('extended-hours');
    expect(status.serverTime).toBe('2022-04-28T16:48:08-04:00');
    expect(status.exchanges).toEqual({ nyse: 'extended-hours', nasdaq: 'extended-hours', otc: 'extended-hours' });
    expect(status.earlyHours).toBe(false);
    expect(status.afterHours).toBe(true);
    expect(status.indicesGroups).toBeUndefined();
  },

  [`${CP}v1/marketstatus/upcoming.json`]: async (api) => {
    api.on('/v1/marketstatus/upcoming', json(fixture(`${CP}v1/marketstatus/upcoming.json`)));
    const holidays = await testClient().getMarketHolidays();
    expect(holidays).toHaveLength(14);
    expect(holidays[0]).toEqual({ exchange: 'NYSE', name: 'Memorial Day', date: '2022-05-30', status: 'closed' });
    const early = holidays.filter((h) => h.status === 'early-close');
    expect(early).toHaveLength(2);
    for (const h of early) expect(typeof h.open === 'string' && typeof h.close === 'string').toBe(true);
    for (const h of holidays.filter((h) => h.status === 'closed')) expect(h.open ?? h.close).toBeUndefined();
  },

  [`${CP}v1/open-close/AAPL/2005-04-01&adjusted=true.json`]: async (api) => {
    api.on('/v1/open-close/AAPL/2005-04-01', json(fixture(`${CP}v1/open-close/AAPL/2005-04-01&adjusted=true.json`)));
    const oc = await testClient().getDailyOpenClose('AAPL', '2005-04-01');
    expect(api.requests[0]?.url.searchParams.get('adjusted')).toBe('true');
    expect(oc).toMatchObject({ symbol: 'AAPL', from: '2021-04-01', open: 123.66, close: 123, preMarket: 123.45, afterHours: 123 });
    expect('request_id' in oc).toBe(false);
  },

  [`${CP}v2/aggs/grouped/locale/us/market/stocks/2005-04-04&adjusted=true.json`]: async (api) => {
    const file = `${CP}v2/aggs/grouped/locale/us/market/stocks/2005-04-04&adjusted=true.json`;
    api.on('/v2/aggs/grouped/locale/us/market/stocks/2005-04-04', json(fixture(file)));
    const bars = await testClient().getGroupedDaily('2005-04-04');
    expect(api.requests[0]?.url.searchParams.get('adjusted')).toBe('true');
    expect(bars).toEqual([
      {
        ticker: 'GIK',
        timestamp: 1602705600000,
        open: 9.99,
        high: 10.02,
        low: 9.9,
        close: 10.02,
        volume: 895345,
        vwap: 9.9979,
        transactions: 96,
      },
    ]);
    // Edited fixture: t is 16:00 New York on 2020-10-14 (end of session), not the requested date.
    expect(newYorkParts(1602705600000)).toEqual({ date: '2020-10-14', hour: 16, minute: 0, second: 0 });
  },

  [`${CP}v2/aggs/ticker/AAPL/prev.json`]: async (api) => {
    api.on('/v2/aggs/ticker/AAPL/prev', json(fixture(`${CP}v2/aggs/ticker/AAPL/prev.json`)));
    const bar = await testClient().getPreviousClose('AAPL');
    expect(bar).toEqual({
      ticker: 'AAPL',
      timestamp: 1651003200000,
      open: 162.25,
      high: 162.34,
      low: 156.72,
      close: 156.8,
      volume: 95595226,
      vwap: 158.6074,
      transactions: 899965,
    });
    expect(isoOf(1651003200000)).toBe('2022-04-26T20:00:00.000Z');
    expect(newYorkParts(1651003200000)).toEqual({ date: '2022-04-26', hour: 16, minute: 0, second: 0 });
  },

  [`${CP}v2/aggs/ticker/AAPL/range/1/day/2005-04-01/2005-04-04.json`]: async (api) => {
    api.on(
      '/v2/aggs/ticker/AAPL/range/1/day/2005-04-01/2005-04-04',
      json(fixture(`${CP}v2/aggs/ticker/AAPL/range/1/day/2005-04-01/2005-04-04.json`)),
    );
    const bars = await testClient().getBars({ ticker: 'AAPL', multiplier: 1, timespan: 'day', from: '2005-04-01', to: '2005-04-04' });
    expect(bars.map((b) => b.timestamp)).toEqual([1112331600000, 1112587200000]);
    // DST: 00:00 EST is 05:00Z on Friday 2005-04-01; 00:00 EDT is 04:00Z on Monday 2005-04-04 (DST began Apr 3).
    expect(bars.map((b) => isoOf(b.timestamp))).toEqual(['2005-04-01T05:00:00.000Z', '2005-04-04T04:00:00.000Z']);
    expect(bars.map((b) => tradingDateOfBar(b, 'day'))).toEqual(['2005-04-01', '2005-04-04']);
    expect(bars[0]).toEqual({
      timestamp: 1112331600000,
      open: 1.5032,
      high: 1.5064,
      low: 1.4489,
      close: 1.4604,
      volume: 642646396,
      vwap: 1.469,
      transactions: 82132,
    });
    const query = api.requests[0]?.url.searchParams;
    expect([query?.get('adjusted'), query?.get('sort'), query?.get('limit')]).toEqual(['true', 'asc', '50000']);
  },

  [`${CP}v3/quotes/AAPL.json`]: async (api) => {
    // Page 1 of quotes: next_url but no count. Served with its cursor page (checked on its own below).
    api.on('/v3/quotes/AAPL', (url) =>
      Response.json(
        url.searchParams.get('cursor') === QUOTES_CURSOR
          ? fixture(`${CP}v3/quotes/AAPL&cursor=${QUOTES_CURSOR}.json`)
          : fixture(`${CP}v3/quotes/AAPL.json`),
      ),
    );
    const page1 = cursorPageSchema(z.unknown()).parse(fixture(`${CP}v3/quotes/AAPL.json`));
    expect(page1.count).toBeUndefined();
    expect(page1.next_url).toBe(`${BASE}/v3/quotes/AAPL?cursor=${QUOTES_CURSOR}`);
    const rows = await collect(testClient().paginate('/v3/quotes/AAPL'));
    expect(rows).toHaveLength(20);
    expect((rows[0] as { sequence_number: number }).sequence_number).toBe(19288684);
    expect(api.requests.map((r) => r.url.searchParams.get('cursor'))).toEqual([null, QUOTES_CURSOR]);
  },

  [`${CP}v3/quotes/AAPL&cursor=${QUOTES_CURSOR}.json`]: async (api) => {
    // The last page: no next_url, so pagination stops after it; rows keep the API's (descending) order.
    const last = fixture(`${CP}v3/quotes/AAPL&cursor=${QUOTES_CURSOR}.json`) as { results: { sip_timestamp: number }[] };
    api.on('/v3/quotes/AAPL', json(last));
    const rows = (await collect(testClient().paginate('/v3/quotes/AAPL', { query: { cursor: QUOTES_CURSOR } }))) as {
      sip_timestamp: number;
    }[];
    expect(rows.map((r) => r.sip_timestamp)).toEqual(last.results.map((r) => r.sip_timestamp));
    expect((rows[0] as { sequence_number?: number }).sequence_number).toBe(19288135);
    expect(api.requests).toHaveLength(1);
  },

  [`${CP}v3/reference/tickers.json`]: async (api) => {
    api.on('/v3/reference/tickers', (url) =>
      Response.json(
        url.searchParams.get('cursor') === TICKERS_CURSOR
          ? fixture(`${CP}v3/reference/tickers&cursor=${TICKERS_CURSOR}.json`)
          : fixture(`${CP}v3/reference/tickers.json`),
      ),
    );
    const tickers = await collect(testClient().listTickers({ active: true, limit: 2 }));
    expect(tickers.map((t) => t.ticker)).toEqual(['A', 'AA', 'AAA', 'AAAU']);
    expect(api.requests.map((r) => r.url.search)).toEqual(['?active=true&limit=2', `?cursor=${TICKERS_CURSOR}`]);
    expect(Buffer.from(TICKERS_CURSOR, 'base64').toString()).toContain('active=true&date=2022-04-27&limit=2');
  },

  [`${CP}v3/reference/tickers&cursor=${TICKERS_CURSOR}.json`]: async () => {
    const last = listTickersResponseSchema.parse(fixture(`${CP}v3/reference/tickers&cursor=${TICKERS_CURSOR}.json`));
    expect(last.next_url).toBeUndefined();
    expect(last.results?.map((r) => [r.ticker, r.cik])).toEqual([
      ['AAA', undefined],
      ['AAAU', '0001708646'],
    ]);
  },

  [`${CP}v3/reference/tickers/AAPL.json`]: async (api) => {
    api.on('/v3/reference/tickers/AAPL', json(fixture(`${CP}v3/reference/tickers/AAPL.json`)));
    const details = await testClient().getTickerDetails('AAPL');
    expect(details).toMatchObject({
      ticker: 'AAPL',
      name: 'Apple Inc.',
      cik: '0000320193',
      composite_figi: 'BBG000B9XRY4',
      sic_code: '3571',
      list_date: '1980-12-12',
    });
    expect(details.address).toEqual({ address1: 'ONE APPLE PARK WAY', city: 'CUPERTINO', state: 'CA', postal_code: '95014' });
    expect('count' in (fixture(`${CP}v3/reference/tickers/AAPL.json`) as object)).toBe(false);
  },

  [`${CP}v3/reference/tickers/types.json`]: async (api) => {
    api.on('/v3/reference/tickers/types', json(fixture(`${CP}v3/reference/tickers/types.json`)));
    const types = await testClient().getTickerTypes();
    expect(types).toHaveLength(15);
    expect(types.map((t) => t.code).slice(0, 6)).toEqual(['CS', 'PFD', 'WARRANT', 'RIGHT', 'BOND', 'ETF']);
  },

  [`${CP}v3/trades/AAPL&limit=2.json`]: async (api) => {
    api.on('/v3/trades/AAPL', json(fixture(`${CP}v3/trades/AAPL&limit=2.json`)));
    const rows = await collect(testClient().paginate('/v3/trades/AAPL', { query: { limit: 2 } }));
    expect(rows).toHaveLength(2);
    expect(api.requests).toHaveLength(1);
    expect(api.requests[0]?.url.search).toBe('?limit=2');
  },

  'errors/issue-quoted/403-not-entitled.json': errorCheck(
    'errors/issue-quoted/403-not-entitled.json',
    403,
    'NOT_ENTITLED',
    'You are not entitled to this data. Please upgrade your plan at https://polygon.io/pricing',
    '834a28975ffae6b825b7680097dbc5a8',
  ),

  'errors/issue-quoted/403-plan-timeframe.json': errorCheck(
    'errors/issue-quoted/403-plan-timeframe.json',
    403,
    'NOT_ENTITLED',
    "Your plan doesn't include this data timeframe. Please upgrade your plan at https://polygon.io/pricing",
    '1e2a4e1c68224da666232d16699b7fd7',
  ),

  'errors/issue-quoted/api-key-not-provided.json': errorCheck(
    'errors/issue-quoted/api-key-not-provided.json',
    400,
    'API_KEY_INVALID',
    'API Key was not provided',
    'xxxxxxxxxxxxxxxxxx',
  ),

  'errors/reconstructed/401-unknown-api-key.json': errorCheck(
    'errors/reconstructed/401-unknown-api-key.json',
    401,
    'API_KEY_INVALID',
    'Unknown API Key',
    '00000000000000000000000000000000',
  ),

  'errors/reconstructed/404-not-found.json': errorCheck(
    'errors/reconstructed/404-not-found.json',
    404,
    'SYMBOL_NOT_FOUND',
    'Data not found.',
    '00000000000000000000000000000000',
  ),

  'errors/reconstructed/429-rate-limited.json': async (api) => {
    api.on('/v3/reference/tickers/AAPL', json(fixture('errors/reconstructed/429-rate-limited.json'), 429));
    const error = await rejection(testClient({ maxRetries: 2 }).getTickerDetails('AAPL'));
    expect(error.code).toBe('API_RATE_LIMIT');
    expect(error.status).toBe(429);
    expect(error.retryable).toBe(true);
    expect(error.apiMessage).toMatch(/^You've exceeded the maximum requests per minute/);
    expect(error.attempts).toBe(3);
    expect(api.requests).toHaveLength(3);
  },

  'errors/reconstructed/200-aggs-empty-no-results-key.json': async (api) => {
    api.on(
      '/v2/aggs/ticker/AAPL/range/1/day/2024-01-06/2024-01-07',
      json(fixture('errors/reconstructed/200-aggs-empty-no-results-key.json')),
    );
    const bars = await testClient().getBars({ ticker: 'AAPL', timespan: 'day', from: '2024-01-06', to: '2024-01-07' });
    expect(bars).toEqual([]);
    expect(api.requests).toHaveLength(1);
  },

  'openapi-examples/GetCryptoAggregates.json': async (api) => {
    api.on('/v2/aggs/ticker/X:BTCUSD/range/1/day/2020-06-01/2020-06-02', json(fixture('openapi-examples/GetCryptoAggregates.json')));
    const bars = await testClient().getBars({ ticker: 'X:BTCUSD', timespan: 'day', from: '2020-06-01', to: '2020-06-02' });
    expect(bars.map((b) => b.volume)).toEqual([303067.6562332156, 323339.6922892879]);
    expect(bars.map((b) => isoOf(b.timestamp))).toEqual(['2020-06-01T04:00:00.000Z', '2020-06-02T04:00:00.000Z']);
    expect(bars.map((b) => tradingDateOfBar(b, { ticker: 'X:BTCUSD', timespan: 'day' }))).toEqual(['2020-06-01', '2020-06-02']);
  },

  'openapi-examples/GetForexAggregates.json': async (api) => {
    api.on('/v2/aggs/ticker/C:EURUSD/range/1/day/2021-07-22/2021-07-22', json(fixture('openapi-examples/GetForexAggregates.json')));
    const [bar] = await testClient().getBars({ ticker: 'C:EURUSD', timespan: 'day', from: '2021-07-22', to: '2021-07-22' });
    expect(isoOf(bar?.timestamp ?? 0)).toBe('2021-07-22T00:00:00.000Z');
    // Forex day bars align to UTC days: the New York date of 00:00Z would be the day before.
    expect(tradingDateOfBar(bar ?? { timestamp: 0 }, { ticker: 'C:EURUSD', timespan: 'day' })).toBe('2021-07-22');
    expect(tradingDateOfBar(bar ?? { timestamp: 0 }, 'day')).toBe('2021-07-21');
  },

  'openapi-examples/GetGroupedStocksAggregates.json': async (api) => {
    // Spec bug: request_id holds a JSON-schema object. It is read as absent instead of failing the response.
    api.on('/v2/aggs/grouped/locale/us/market/stocks/2020-10-14', json(fixture('openapi-examples/GetGroupedStocksAggregates.json')));
    const bars = await testClient().getGroupedDaily('2020-10-14');
    expect(bars.map((b) => [b.ticker, b.volume])).toEqual([
      ['KIMpL', 4369],
      ['TANH', 25933.6],
      ['VSAT', 312583],
    ]);
    expect(groupedDailyResponseSchema.parse(fixture('openapi-examples/GetGroupedStocksAggregates.json')).request_id).toBeUndefined();
  },

  'openapi-examples/GetIndicesAggregates.json': async (api) => {
    api.on('/v2/aggs/ticker/I:NDX/range/1/day/2023-03-09/2023-03-10', json(fixture('openapi-examples/GetIndicesAggregates.json')));
    const bars = await testClient().getBars({ ticker: 'I:NDX', timespan: 'day', from: '2023-03-09', to: '2023-03-10' });
    expect(bars[0]).toEqual({
      timestamp: 1678341600000,
      open: 12230.83658266843,
      high: 12340.44936267155,
      low: 11970.34221717375,
      close: 11995.88235998666,
    });
    for (const bar of bars) expect(Object.keys(bar).sort()).toEqual(['close', 'high', 'low', 'open', 'timestamp']);
  },

  'openapi-examples/GetMarketHolidays.json': async (api) => {
    api.on('/v1/marketstatus/upcoming', json(fixture('openapi-examples/GetMarketHolidays.json')));
    const holidays = await testClient().getMarketHolidays();
    expect(holidays.map((h) => `${h.date} ${h.exchange} ${h.status}`)).toEqual([
      '2020-11-26 NYSE closed',
      '2020-11-26 NASDAQ closed',
      '2020-11-26 OTC closed',
      '2020-11-27 NASDAQ early-close',
      '2020-11-27 NYSE early-close',
    ]);
    expect(holidays[4]).toMatchObject({ open: '2020-11-27T14:30:00.000Z', close: '2020-11-27T18:00:00.000Z' });
    expect(marketHolidaysResponseSchema.safeParse({ results: holidays }).success).toBe(false);
  },

  'openapi-examples/GetMarketStatus.json': async (api) => {
    api.on('/v1/marketstatus/now', json(fixture('openapi-examples/GetMarketStatus.json')));
    const status = await testClient().getMarketStatus();
    expect(status).toMatchObject({
      market: 'extended-hours',
      serverTime: '2020-11-10T17:37:37-05:00',
      currencies: { crypto: 'open', fx: 'open' },
    });
  },

  'openapi-examples/GetOptionsAggregates.json': async (api) => {
    api.on(
      '/v2/aggs/ticker/O:RDFN211119C00025000/range/1/day/2021-09-23/2021-09-24',
      json(fixture('openapi-examples/GetOptionsAggregates.json')),
    );
    const bars = await testClient().getBars({ ticker: 'O:RDFN211119C00025000', timespan: 'day', from: '2021-09-23', to: '2021-09-24' });
    expect(bars.map((b) => tradingDateOfBar(b))).toEqual(['2021-09-23', '2021-09-24']);
    expect(aggsResponseSchema.parse(fixture('openapi-examples/GetOptionsAggregates.json')).count).toBe(2);
  },

  'openapi-examples/GetPreviousStocksAggregates.json': async (api) => {
    api.on('/v2/aggs/ticker/AAPL/prev', json(fixture('openapi-examples/GetPreviousStocksAggregates.json')));
    const bar = await testClient().getPreviousClose('AAPL');
    expect(bar?.ticker).toBe('AAPL');
    // 16:00 EST (end of session) on 2020-11-10.
    expect(newYorkParts(bar?.timestamp ?? 0)).toEqual({ date: '2020-11-10', hour: 16, minute: 0, second: 0 });
  },

  'openapi-examples/GetStocksAggregates.json': async (api) => {
    // next_url rewrites `from` to Unix ms and carries a cursor; the client follows it with the key re-attached.
    const page1 = fixture('openapi-examples/GetStocksAggregates.json');
    const last = {
      ticker: 'AAPL',
      queryCount: 1,
      resultsCount: 1,
      adjusted: true,
      status: 'OK',
      request_id: 'r2',
      results: [{ t: 1578286800000, o: 1, h: 2, l: 0.5, c: 1.5 }],
    };
    api
      .on('/v2/aggs/ticker/AAPL/range/1/day/2020-01-02/2020-01-10', json(page1))
      .on('/v2/aggs/ticker/AAPL/range/1/day/1578114000000/2020-01-10', json(last));
    const client = testClient();
    const bars = await client.getBars({ ticker: 'AAPL', timespan: 'day', from: '2020-01-02', to: '2020-01-10' });
    expect(bars.map((b) => b.timestamp)).toEqual([1577941200000, 1578027600000, 1578286800000]);
    expect(api.requests[1]?.url.toString()).toBe(
      `${BASE}/v2/aggs/ticker/AAPL/range/1/day/1578114000000/2020-01-10?cursor=bGltaXQ9MiZzb3J0PWFzYw`,
    );
    expect(Buffer.from('bGltaXQ9MiZzb3J0PWFzYw', 'base64').toString()).toBe('limit=2&sort=asc');
    const auth = api.requests.map((r) => r.headers.get('authorization'));
    expect(auth[0]).toMatch(/^Bearer test-key-/);
    expect(auth[1]).toBe(auth[0]);
  },

  'openapi-examples/GetTicker.json': async (api) => {
    api.on('/v3/reference/tickers/AAPL', json(fixture('openapi-examples/GetTicker.json')));
    const details = await testClient().getTickerDetails('AAPL');
    expect(details).toMatchObject({
      round_lot: 100,
      ticker_root: 'AAPL',
      weighted_shares_outstanding: 16334371000,
      market_cap: 2771126040150,
    });
    expect(tickerDetailsResponseSchema.parse(fixture('openapi-examples/GetTicker.json')).request_id).toBe(
      '31d59dda-80e5-4721-8496-d0d32a654afe',
    );
  },

  'openapi-examples/ListTickers.json': async (api) => {
    const page1 = fixture('openapi-examples/ListTickers.json') as { next_url: string };
    const cursor = new URL(page1.next_url).searchParams.get('cursor') ?? '';
    expect(Buffer.from(cursor, 'base64').toString()).toMatch(/^active=true&date=2021-04-25&limit=1&order=asc&page_marker=.*&sort=ticker$/);
    api.on('/v3/reference/tickers', (url) =>
      Response.json(
        url.searchParams.get('cursor') === cursor
          ? { status: 'OK', request_id: 'r2', count: 1, results: [{ ticker: 'AA', name: 'Alcoa' }] }
          : page1,
      ),
    );
    const tickers = await collect(testClient().listTickers());
    expect(tickers.map((t) => t.ticker)).toEqual(['A', 'AA']);
    expect(api.requests[1]?.url.search).toBe(`?cursor=${cursor}`);
  },

  'third-party/v2-aggs-AAPL-range-1-hour-2024-04-29-DELAYED.json': async (api) => {
    api.on(
      '/v2/aggs/ticker/AAPL/range/1/hour/2024-04-29/2024-04-29',
      json(fixture('third-party/v2-aggs-AAPL-range-1-hour-2024-04-29-DELAYED.json')),
    );
    const bars = await testClient().getBars({ ticker: 'AAPL', timespan: 'hour', from: '2024-04-29', to: '2024-04-29' });
    expect(bars).toHaveLength(16);
    // Hour bars run 04:00–19:00 New York: pre-market and after-hours included.
    expect(bars.map((b) => newYorkParts(b.timestamp).hour)).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    expect(bars.map((b) => sessionOfBar(b))).toEqual([...Array(6).fill('pre'), ...Array(6).fill('regular'), ...Array(4).fill('post')]);
    const regular = filterRegularSession(bars, { timespan: 'hour' });
    expect(regular.map((b) => newYorkParts(b.timestamp).hour)).toEqual([9, 10, 11, 12, 13, 14, 15]);
    expect(aggsResponseSchema.parse(fixture('third-party/v2-aggs-AAPL-range-1-hour-2024-04-29-DELAYED.json')).status).toBe('DELAYED');
  },
};

describe('recorded Massive responses (fixtures/massive)', () => {
  const files = allFixtureFiles();

  it('has a check for every fixture file, and every check has its file', () => {
    const responses = files.filter((f) => !NOT_RESPONSES.has(f));
    expect(responses).toHaveLength(32);
    expect(Object.keys(checks).sort()).toEqual(responses);
    for (const doc of NOT_RESPONSES) expect(files).toContain(doc);
  });

  it.each(Object.keys(checks).sort())('%s', async (file) => {
    const check = checks[file] as Check;
    await check(fakeApi(server));
  });
});
