/**
 * Arguments are checked before any request: anything that could change the URL is refused with INVALID_REQUEST
 * naming the field, and msw (which fails on any unhandled request) proves nothing was sent.
 */
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MassiveRequestError, validateTicker } from '../src/index.js';
import { testClient } from './support/api.js';
import { type FakeApi, fakeApi } from './support/fake-api.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

function refusal(run: () => unknown): MassiveRequestError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(MassiveRequestError);
    return error as MassiveRequestError;
  }
  throw new Error('expected an INVALID_REQUEST error');
}

async function asyncRefusal(run: () => Promise<unknown>): Promise<MassiveRequestError> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(MassiveRequestError);
    return error as MassiveRequestError;
  }
  throw new Error('expected an INVALID_REQUEST error');
}

describe('ticker validation', () => {
  it.each(['AAPL', 'BRK.B', 'X:BTCUSD', 'C:EURUSD', 'I:NDX', 'O:RDFN211119C00025000', 'KIMpL', 'ABCDEFGHIJKLMNOPQRST'])(
    'accepts %s',
    (ticker) => {
      expect(validateTicker(ticker)).toBe(ticker);
    },
  );

  it.each([
    ['', 'ticker must not be empty'],
    ['AAPL/../../v1', `ticker "AAPL/../../v1" must not contain '..'`],
    ['A/B', `ticker "A/B" must not contain '/'; use letters, digits and . : _ ^ = + -`],
    ['AAPL?apiKey=x', `ticker "AAPL?apiKey=x" must not contain '?'; use letters, digits and . : _ ^ = + -`],
    ['AAPL#x', `ticker "AAPL#x" must not contain '#'; use letters, digits and . : _ ^ = + -`],
    ['AA%2FPL', `ticker "AA%2FPL" must not contain '%'; use letters, digits and . : _ ^ = + -`],
    ['AA PL', 'ticker "AA PL" must not contain whitespace; use letters, digits and . : _ ^ = + -'],
    ['AAPL\t', 'ticker "AAPL\\t" must not contain a control character (U+0009); use letters, digits and . : _ ^ = + -'],
    ['AA\u0000PL', 'ticker "AA\\u0000PL" must not contain a control character (U+0000); use letters, digits and . : _ ^ = + -'],
    ['AB\u00e9', `ticker "ABé" must not contain 'é'; use letters, digits and . : _ ^ = + -`],
    ['ABCDEFGHIJKLMNOPQRSTU', 'ticker "ABCDEFGHIJKLMNOPQRSTU" is 21 characters long; at most 20 are allowed'],
    ['O:RDFN211119X00025000', 'ticker "O:RDFN211119X00025000" is 21 characters long; at most 20 are allowed'],
  ])('refuses %j', (ticker, message) => {
    const error = refusal(() => validateTicker(ticker));
    expect([error.code, error.field, error.message]).toEqual(['INVALID_REQUEST', 'ticker', message]);
  });

  it('refuses a non-string ticker', () => {
    expect(refusal(() => validateTicker(42)).message).toBe('ticker must be a string, got number');
  });
});

describe('no request is sent for a refused argument', () => {
  let api: FakeApi;
  afterEach(() => expect(api.requests).toHaveLength(0));

  it('every ticker-taking method refuses a path-changing ticker', async () => {
    api = fakeApi(server);
    const client = testClient();
    const bad = '../v1/marketstatus/now';
    expect(refusal(() => client.listBars({ ticker: bad, timespan: 'day', from: '2024-01-02', to: '2024-01-03' })).field).toBe('ticker');
    expect((await asyncRefusal(() => client.getBars({ ticker: bad, timespan: 'day', from: '2024-01-02', to: '2024-01-03' }))).field).toBe(
      'ticker',
    );
    expect((await asyncRefusal(() => client.getTickerDetails(bad))).field).toBe('ticker');
    expect((await asyncRefusal(() => client.getPreviousClose(bad))).field).toBe('ticker');
    expect((await asyncRefusal(() => client.getDailyOpenClose(bad, '2024-01-02'))).field).toBe('ticker');
    expect(refusal(() => client.listTickers({ ticker: bad })).field).toBe('ticker');
  });

  it.each([
    [{ timespan: 'days' }, 'timespan', 'timespan must be one of second, minute, hour, day, week, month, quarter, year; got "days"'],
    [{ multiplier: 0 }, 'multiplier', 'multiplier must be a whole number from 1 to 1000000; got 0'],
    [{ multiplier: 1.5 }, 'multiplier', 'multiplier must be a whole number from 1 to 1000000; got 1.5'],
    [{ from: '2024-02-30' }, 'from', 'from must be a real date in YYYY-MM-DD form; got "2024-02-30"'],
    [{ from: '2024/01/02' }, 'from', 'from must be a real date in YYYY-MM-DD form; got "2024/01/02"'],
    [{ to: new Date('nope') }, 'to', 'to is an invalid Date'],
    [{ to: -5 }, 'to', 'to must be Unix milliseconds (a whole number ≥ 0); got -5'],
    [{ to: 1.5 }, 'to', 'to must be Unix milliseconds (a whole number ≥ 0); got 1.5'],
    [{ from: '2024-01-05', to: '2024-01-02' }, 'from', 'from (2024-01-05) is after to (2024-01-02)'],
    [{ limit: 50_001 }, 'limit', 'limit must be a whole number from 1 to 50000; got 50001'],
    [{ sort: 'up' }, 'sort', `sort must be 'asc' or 'desc'; got "up"`],
  ])('listBars refuses %j', (override, field, message) => {
    api = fakeApi(server);
    const params = { ticker: 'AAPL', timespan: 'day', from: '2024-01-02', to: '2024-01-03', ...override } as Parameters<
      ReturnType<typeof testClient>['listBars']
    >[0];
    const error = refusal(() => testClient().listBars(params));
    expect([error.field, error.message]).toEqual([field, message]);
  });

  it('date-keyed endpoints refuse a bad date; paginate refuses a path that escapes', async () => {
    api = fakeApi(server);
    const client = testClient();
    expect((await asyncRefusal(() => client.getGroupedDaily('2024-13-01'))).message).toBe(
      'date must be a real date in YYYY-MM-DD form; got "2024-13-01"',
    );
    expect(refusal(() => client.listTickers({ limit: 1001 })).message).toBe('limit must be a whole number from 1 to 1000; got 1001');
    expect(refusal(() => client.paginate('/v3/../v1/x')).field).toBe('path');
    expect(refusal(() => client.paginate('v3/trades')).field).toBe('path');
  });
});

describe('date forms', () => {
  it('from/to accept YYYY-MM-DD, a Date and Unix ms; Date and ms go to the API as ms', async () => {
    const api = fakeApi(server)
      .on('/v2/aggs/ticker/AAPL/range/5/minute/2024-01-02/1704229200000', () => Response.json({ status: 'OK', resultsCount: 0 }))
      .on('/v2/aggs/ticker/AAPL/range/5/minute/1704171600000/2024-01-02', () => Response.json({ status: 'OK', resultsCount: 0 }));
    const client = testClient();
    expect(
      await client.getBars({ ticker: 'AAPL', multiplier: 5, timespan: 'minute', from: '2024-01-02', to: new Date('2024-01-02T21:00:00Z') }),
    ).toEqual([]);
    expect(await client.getBars({ ticker: 'AAPL', multiplier: 5, timespan: 'minute', from: 1704171600000, to: '2024-01-02' })).toEqual([]);
    expect(api.requests).toHaveLength(2);
  });
});
