/**
 * The error tree: each failure becomes the right class and code, with the API's own text, the request id (from the
 * body, else the X-Request-Id header) and retryability. HTML error pages and non-JSON bodies never crash parsing.
 */
import { HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MASSIVE_ERROR_CODES, MassiveAbortError, MassiveHttpError, MassiveNetworkError, MassiveResponseError } from '../src/index.js';
import { collect, fixture, testClient } from './support/api.js';
import { fakeApi, json } from './support/fake-api.js';
import { rejection } from './support/rejection.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const NGINX_502 = `<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>nginx</center>
</body>
</html>`;

describe('HTTP errors', () => {
  it('an nginx HTML 502 page is a SERVER_ERROR with a short message, not a JSON crash', async () => {
    fakeApi(server).on(
      '/v1/marketstatus/now',
      () => new HttpResponse(NGINX_502, { status: 502, headers: { 'Content-Type': 'text/html', 'X-Request-Id': 'hdr-502' } }),
    );
    const error = await rejection(testClient({ maxRetries: 0 }).getMarketStatus());
    expect(error).toBeInstanceOf(MassiveHttpError);
    expect(error.code).toBe('SERVER_ERROR');
    expect(error.status).toBe(502);
    expect(error.retryable).toBe(true);
    expect(error.requestId).toBe('hdr-502');
    expect(error.apiMessage).toBeUndefined();
    expect(error.message).toBe(
      'GET /v1/marketstatus/now failed with HTTP 502 SERVER_ERROR: the server sent an HTML error page (request id hdr-502)',
    );
  });

  it('an HTML 503 without a content type is recognised too, and retried', async () => {
    const api = fakeApi(server).on(
      '/v1/marketstatus/now',
      () => new HttpResponse('<!DOCTYPE html><html><body>down</body></html>', { status: 503 }),
    );
    const error = await rejection(testClient({ maxRetries: 2 }).getMarketStatus());
    expect([error.code, error.status, error.attempts]).toEqual(['SERVER_ERROR', 503, 3]);
    expect(error.message).toContain('the server sent an HTML error page');
    expect(api.requests).toHaveLength(3);
  });

  it('takes the request id from the body before the X-Request-Id header', async () => {
    fakeApi(server).on(
      '/v3/reference/tickers/ZZZZ',
      json(fixture('errors/reconstructed/404-not-found.json'), 404, { 'X-Request-Id': 'from-header' }),
    );
    const error = await rejection(testClient().getTickerDetails('ZZZZ'));
    expect(error.requestId).toBe('00000000000000000000000000000000');
  });

  it('falls back to the X-Request-Id header when the body has no request_id', async () => {
    fakeApi(server).on(
      '/v3/reference/tickers/ZZZZ',
      json({ status: 'NOT_FOUND', message: 'Ticker not found.' }, 404, { 'X-Request-Id': 'from-header' }),
    );
    const error = await rejection(testClient().getTickerDetails('ZZZZ'));
    expect([error.code, error.requestId, error.apiMessage]).toEqual(['SYMBOL_NOT_FOUND', 'from-header', 'Ticker not found.']);
    expect(error.message).toBe(
      'GET /v3/reference/tickers/ZZZZ failed with HTTP 404 SYMBOL_NOT_FOUND: Ticker not found. (request id from-header)',
    );
  });

  it('a 404 on an endpoint without a ticker is NOT_FOUND, not SYMBOL_NOT_FOUND', async () => {
    fakeApi(server).on(
      '/v2/aggs/grouped/locale/us/market/stocks/2024-12-20',
      json(fixture('errors/reconstructed/404-not-found.json'), 404),
    );
    // (A holiday is not a 404 here: grouped daily answers it with 200 and no results, an empty array.)
    const error = await rejection(testClient().getGroupedDaily('2024-12-20'));
    expect(error.code).toBe('NOT_FOUND');
  });

  it('a 400 that is not about the key is BAD_REQUEST with the API text', async () => {
    fakeApi(server).on(
      '/v1/marketstatus/now',
      json({ status: 'ERROR', request_id: 'b', error: 'Could not parse the time parameter' }, 400),
    );
    const error = await rejection(testClient().getMarketStatus());
    expect([error.code, error.apiMessage, error.retryable]).toEqual(['BAD_REQUEST', 'Could not parse the time parameter', false]);
  });

  it('a redirect is refused (the key would follow it) as INVALID_RESPONSE', async () => {
    const api = fakeApi(server).on(
      '/v1/marketstatus/now',
      () => new HttpResponse(null, { status: 302, headers: { Location: 'https://elsewhere.example/now' } }),
    );
    const error = await rejection(testClient().getMarketStatus());
    expect([error.code, error.status, error.retryable]).toEqual(['INVALID_RESPONSE', 302, false]);
    expect(api.requests).toHaveLength(1);
  });
});

describe('network, validation and abort errors', () => {
  it('a connection failure is a MassiveNetworkError NETWORK_ERROR', async () => {
    fakeApi(server).on('/v1/marketstatus/now', () => HttpResponse.error());
    const error = await rejection(testClient({ maxRetries: 0 }).getMarketStatus());
    expect(error).toBeInstanceOf(MassiveNetworkError);
    expect([error.code, error.retryable, error.status]).toEqual(['NETWORK_ERROR', true, undefined]);
  });

  it('a body that breaks the documented shape is a MassiveResponseError listing where', async () => {
    fakeApi(server).on(
      '/v2/aggs/ticker/AAPL/range/1/day/2024-01-02/2024-01-03',
      json({
        status: 'OK',
        request_id: 'v1',
        results: [
          { t: 1704171600000, o: 1, h: 2, l: 0.5, c: 1 },
          { t: '1704258000000', o: 1, h: 2, l: 0.5 },
        ],
      }),
    );
    const error = await rejection(testClient().getBars({ ticker: 'AAPL', timespan: 'day', from: '2024-01-02', to: '2024-01-03' }));
    expect(error).toBeInstanceOf(MassiveResponseError);
    expect(error.code).toBe('INVALID_RESPONSE');
    expect(error.requestId).toBe('v1');
    expect((error as MassiveResponseError).issues).toEqual([
      'results.1.t: Invalid input: expected number, received string',
      'results.1.c: Invalid input: expected number, received undefined',
    ]);
  });

  it('a status other than OK (DELAYED, or anything new) is still a success', async () => {
    fakeApi(server).on(
      '/v2/aggs/ticker/AAPL/range/1/day/2024-01-02/2024-01-02',
      json({ status: 'SOMETHING_NEW', results: [{ t: 1704171600000, o: 1, h: 2, l: 0.5, c: 1, extra: 'kept' }] }),
    );
    const bars = await testClient().getBars({ ticker: 'AAPL', timespan: 'day', from: '2024-01-02', to: '2024-01-02' });
    expect(bars).toEqual([{ timestamp: 1704171600000, open: 1, high: 2, low: 0.5, close: 1 }]);
  });

  it('an already-aborted signal rejects with ABORTED and sends nothing', async () => {
    const api = fakeApi(server).on('/v1/marketstatus/now', json(fixture('openapi-examples/GetMarketStatus.json')));
    const error = await rejection(testClient().getMarketStatus({ signal: AbortSignal.abort() }));
    expect(error).toBeInstanceOf(MassiveAbortError);
    expect(error.code).toBe('ABORTED');
    expect(api.requests).toHaveLength(0);
  });

  it('aborting during an in-flight request rejects with ABORTED', async () => {
    const controller = new AbortController();
    fakeApi(server).on('/v1/marketstatus/now', () => {
      controller.abort();
      return new Promise<Response>(() => undefined);
    });
    const error = await rejection(testClient().getMarketStatus({ signal: controller.signal }));
    expect(error.code).toBe('ABORTED');
  });

  it('aborting between pages stops listBars with ABORTED', async () => {
    const controller = new AbortController();
    const page = {
      status: 'OK',
      results: [{ t: 1, o: 1, h: 1, l: 1, c: 1 }],
      next_url: 'https://api.massive.com/v2/aggs/ticker/AAPL/range/1/day/2/3?cursor=n',
    };
    fakeApi(server).on('/v2/aggs/ticker/AAPL/range/1/day/1/3', json(page)).on('/v2/aggs/ticker/AAPL/range/1/day/2/3', json(page));
    const iterator = testClient()
      .listBars({ ticker: 'AAPL', timespan: 'day', from: 1, to: 3, signal: controller.signal })
      [Symbol.asyncIterator]();
    expect((await iterator.next()).value).toEqual({ timestamp: 1, open: 1, high: 1, low: 1, close: 1 });
    controller.abort();
    const error = await rejection(iterator.next());
    expect(error.code).toBe('ABORTED');
  });

  it('codes are the documented list', () => {
    expect(MASSIVE_ERROR_CODES).toEqual([
      'CONFIGURATION',
      'INVALID_REQUEST',
      'API_RATE_LIMIT',
      'API_KEY_INVALID',
      'NOT_ENTITLED',
      'SYMBOL_NOT_FOUND',
      'NOT_FOUND',
      'BAD_REQUEST',
      'SERVER_ERROR',
      'NETWORK_TIMEOUT',
      'NETWORK_ERROR',
      'INVALID_RESPONSE',
      'PAGINATION_REFUSED',
      'ABORTED',
      'RATE_LIMITER_UNAVAILABLE',
      'TOTAL_TIME_EXCEEDED',
    ]);
  });

  it('toJSON carries code, status, request id and API text, and no stack', async () => {
    fakeApi(server).on('/v3/reference/tickers/AAPL', json(fixture('errors/issue-quoted/403-not-entitled.json'), 403));
    const error = await rejection(testClient().getTickerDetails('AAPL'));
    const plain = JSON.parse(JSON.stringify(error));
    expect(plain).toMatchObject({
      name: 'MassiveHttpError',
      code: 'NOT_ENTITLED',
      status: 403,
      requestId: '834a28975ffae6b825b7680097dbc5a8',
      retryable: false,
      request: 'GET /v3/reference/tickers/AAPL',
      attempts: 1,
    });
    expect(plain.stack).toBeUndefined();
  });

  it('listTickers surfaces a failing second page as an error after the first page rows', async () => {
    const page1 = { status: 'OK', results: [{ ticker: 'A' }], next_url: 'https://api.massive.com/v3/reference/tickers?cursor=p2' };
    fakeApi(server).on('/v3/reference/tickers', (url) =>
      url.searchParams.get('cursor')
        ? Response.json(fixture('errors/reconstructed/401-unknown-api-key.json'), { status: 401 })
        : HttpResponse.json(page1),
    );
    const seen: string[] = [];
    const error = await rejection(
      (async () => {
        for await (const t of testClient().listTickers()) seen.push(t.ticker);
      })(),
    );
    expect(seen).toEqual(['A']);
    expect(error.code).toBe('API_KEY_INVALID');
    await expect(collect(testClient().listTickers())).rejects.toThrow('Unknown API Key');
  });
});

describe('errors are never changed once built', () => {
  it('withAttempts gives a copy of the same class with attempts and the note; the original stays as it was', () => {
    const original = new MassiveHttpError('SERVER_ERROR', 'GET /v3/x failed: 503', {
      status: 503,
      requestId: 'req-1',
      request: 'GET /v3/x',
      retryAfterMs: 2_000,
    });
    const thrown = original.withAttempts(3, ' (gave up after 3 attempts)');
    expect(thrown).toBeInstanceOf(MassiveHttpError);
    expect(thrown.toJSON()).toEqual({
      name: 'MassiveHttpError',
      code: 'SERVER_ERROR',
      message: 'GET /v3/x failed: 503 (gave up after 3 attempts)',
      status: 503,
      requestId: 'req-1',
      apiMessage: undefined,
      retryable: true,
      request: 'GET /v3/x',
      attempts: 3,
      retryAfterMs: 2_000,
    });
    expect(thrown.stack?.split('\n')[0]).toBe('MassiveHttpError: GET /v3/x failed: 503 (gave up after 3 attempts)');
    expect({ message: original.message, attempts: original.attempts }).toEqual({ message: 'GET /v3/x failed: 503', attempts: undefined });
    expect(() => {
      (thrown as { attempts: number | undefined }).attempts = 9;
    }).toThrow(TypeError);
  });
});
