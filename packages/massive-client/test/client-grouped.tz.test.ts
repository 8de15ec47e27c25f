/**
 * Grouped daily for every market through the client: paths, parameters, validation, empty days, and the rows'
 * stamps read as trading dates. Bodies are the recorded and spec examples (the crypto and forex ones are the
 * `response.200` examples of `/v2/aggs/grouped/locale/global/market/{crypto,fx}/{date}` in massive-com/client-js
 * `src/openapi.json` @ ac59b97, MIT, the same source as `fixtures/massive/openapi-examples/`).
 */

import { tradingDateOfBar } from '@tickstock/market-time';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GROUPED_MARKETS, groupedDailyResponseSchema, groupedMarketOfTicker, MassiveRequestError } from '../src/index.js';
import { fixture, testClient } from './support/api.js';
import { fakeApi, json } from './support/fake-api.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const SPEC_REQUEST_ID = { description: 'A request id assigned by the server.', type: 'string' };

/** The spec's crypto example (its `t` values are not on the requested date: shapes only). */
const CRYPTO_EXAMPLE = {
  adjusted: true,
  queryCount: 3,
  request_id: SPEC_REQUEST_ID,
  results: [
    { T: 'X:ARDRUSD', c: 0.0550762, h: 0.0550762, l: 0.0550762, n: 18388, o: 0.0550762, t: 1580676480000, v: 2, vw: 0.0551 },
    { T: 'X:NGCUSD', c: 0.0272983, h: 0.0273733, l: 0.0272983, n: 18, o: 0.0273733, t: 1580674080000, v: 4734, vw: 0.0273 },
    { T: 'X:ZSCUSD', c: 0.00028531, h: 0.00028531, l: 0.00028531, n: 151, o: 0.00028531, t: 1580671080000, v: 390, vw: 0.0003 },
  ],
  resultsCount: 3,
  status: 'OK',
};

/** The spec's forex example: `t` = 2020-10-14T23:59:59.999Z, the end of the UTC day. */
const FX_EXAMPLE = {
  adjusted: true,
  queryCount: 3,
  request_id: SPEC_REQUEST_ID,
  results: [
    { T: 'C:ILSCHF', c: 0.2704, h: 0.2706, l: 0.2693, n: 689, o: 0.2698, t: 1602719999999, v: 689, vw: 0.2702 },
    { T: 'C:GBPCAD', c: 1.71103, h: 1.71642, l: 1.69064, n: 407324, o: 1.69955, t: 1602719999999, v: 407324, vw: 1.7062 },
    { T: 'C:DKKAUD', c: 0.2214, h: 0.2214, l: 0.2195, n: 10639, o: 0.22, t: 1602719999999, v: 10639, vw: 0.2202 },
  ],
  resultsCount: 3,
  status: 'OK',
};

/** A day without trading: 200, `resultsCount: 0`, no `results` key. */
const EMPTY_DAY = { queryCount: 0, resultsCount: 0, adjusted: true, status: 'OK', request_id: 'e1', count: 0 };

describe('grouped daily per market', () => {
  it('stocks (the default): /v2/aggs/grouped/locale/us/market/stocks/{date}, adjusted=true, include_otc only when set', async () => {
    const api = fakeApi(server).on(
      '/v2/aggs/grouped/locale/us/market/stocks/2020-10-14',
      json(fixture('openapi-examples/GetGroupedStocksAggregates.json')),
    );
    const client = testClient();
    const rows = await client.getGroupedDaily('2020-10-14');
    expect(rows.map((r) => r.ticker)).toEqual(['KIMpL', 'TANH', 'VSAT']);
    expect(rows[0]).toEqual({
      ticker: 'KIMpL',
      timestamp: 1602705600000,
      open: 26.07,
      high: 26.25,
      low: 25.91,
      close: 25.9102,
      volume: 4369,
      vwap: 26.0407,
      transactions: 74,
    });
    // Stamped 16:00 New York: still the trading date, in any machine time zone.
    expect(new Date(rows[0]!.timestamp).toISOString()).toBe('2020-10-14T20:00:00.000Z');
    expect(tradingDateOfBar(rows[0]!, { ticker: 'KIMpL' })).toBe('2020-10-14');
    await client.getGroupedDaily('2020-10-14', { market: 'stocks', includeOtc: true, adjusted: false });
    await client.getGroupedDaily('2020-10-14', { includeOtc: false });
    expect(api.requests.map((r) => r.url.search)).toEqual([
      '?adjusted=true',
      '?adjusted=false&include_otc=true',
      '?adjusted=true&include_otc=false',
    ]);
  });

  it('crypto: /v2/aggs/grouped/locale/global/market/crypto/{date}; fractional prices and rows kept as sent', async () => {
    const api = fakeApi(server).on('/v2/aggs/grouped/locale/global/market/crypto/2020-02-02', json(CRYPTO_EXAMPLE));
    const rows = await testClient().getGroupedDaily('2020-02-02', { market: 'crypto' });
    await testClient().getGroupedDaily('2020-02-02', { market: 'crypto', includeOtc: false }); // not sent: stocks only
    expect(api.requests.map((r) => r.url.search)).toEqual(['?adjusted=true', '?adjusted=true']);
    expect(rows.map((r) => [r.ticker, r.close, r.vwap])).toEqual([
      ['X:ARDRUSD', 0.0550762, 0.0551],
      ['X:NGCUSD', 0.0272983, 0.0273],
      ['X:ZSCUSD', 0.00028531, 0.0003],
    ]);
    expect(rows.every((r) => tradingDateOfBar(r, { ticker: r.ticker }) === '2020-02-02')).toBe(true);
  });

  it('forex: /v2/aggs/grouped/locale/global/market/fx/{date}; stamped 23:59:59.999 UTC, read on its UTC date', async () => {
    fakeApi(server).on('/v2/aggs/grouped/locale/global/market/fx/2020-10-14', json(FX_EXAMPLE));
    const rows = await testClient().getGroupedDaily('2020-10-14', { market: 'fx', adjusted: true });
    expect(rows[1]).toEqual({
      ticker: 'C:GBPCAD',
      timestamp: 1602719999999,
      open: 1.69955,
      high: 1.71642,
      low: 1.69064,
      close: 1.71103,
      volume: 407324,
      vwap: 1.7062,
      transactions: 407324,
    });
    expect(new Date(rows[0]!.timestamp).toISOString()).toBe('2020-10-14T23:59:59.999Z');
    expect(rows.every((r) => tradingDateOfBar(r, { ticker: r.ticker }) === '2020-10-14')).toBe(true);
  });

  it('a day without trading is an empty array (200, no results), one request, for every market', async () => {
    const api = fakeApi(server);
    for (const market of GROUPED_MARKETS) {
      const locale = market === 'stocks' ? 'us' : 'global';
      api.on(`/v2/aggs/grouped/locale/${locale}/market/${market}/2025-12-25`, json(EMPTY_DAY));
      expect(await testClient().getGroupedDaily('2025-12-25', { market })).toEqual([]);
    }
    expect(api.requests).toHaveLength(3);
    expect(groupedDailyResponseSchema.parse(EMPTY_DAY).results).toBeUndefined();
  });

  it('a 404 is an error (NOT_FOUND), never read as an empty day', async () => {
    fakeApi(server).on(
      '/v2/aggs/grouped/locale/global/market/crypto/2025-06-10',
      json(fixture('errors/reconstructed/404-not-found.json'), 404),
    );
    await expect(testClient().getGroupedDaily('2025-06-10', { market: 'crypto' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      status: 404,
    });
  });

  it('refuses bad arguments before sending anything', async () => {
    fakeApi(server); // any request would fail the test (msw: unhandled request)
    const client = testClient();
    const refusal = async (run: () => Promise<unknown>) => {
      const error = await run().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(MassiveRequestError);
      return [(error as MassiveRequestError).field, (error as MassiveRequestError).message];
    };
    expect(await refusal(() => client.getGroupedDaily('2025-06-10', { market: 'options' as 'fx' }))).toEqual([
      'market',
      'market must be one of stocks, crypto, fx; got "options"',
    ]);
    expect(await refusal(() => client.getGroupedDaily('2025-06-10', { market: 'crypto', includeOtc: true }))).toEqual([
      'includeOtc',
      'includeOtc applies to the stocks market only, not crypto',
    ]);
    expect(await refusal(() => client.getGroupedDaily('2025-06-10', { adjusted: 'yes' as unknown as boolean }))).toEqual([
      'adjusted',
      'adjusted must be true or false; got "yes"',
    ]);
    expect(await refusal(() => client.getGroupedDaily('2025-06-10', { includeOtc: 1 as unknown as boolean }))).toEqual([
      'includeOtc',
      'includeOtc must be true or false; got 1',
    ]);
    expect(await refusal(() => client.getGroupedDaily('2025-06-31'))).toEqual([
      'date',
      'date must be a real date in YYYY-MM-DD form; got "2025-06-31"',
    ]);
  });
});

describe('groupedMarketOfTicker', () => {
  it('names the market whose grouped daily carries a ticker, or null for indices and options', () => {
    expect(['AAPL', 'BRK.B', 'SPY', 'X:BTCUSD', 'C:EURUSD', 'I:SPX', 'O:RDFN211119C00025000'].map(groupedMarketOfTicker)).toEqual([
      'stocks',
      'stocks',
      'stocks',
      'crypto',
      'fx',
      null,
      null,
    ]);
  });
});
