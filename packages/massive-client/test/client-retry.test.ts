/**
 * The retry policy: what is retried, what is not, how long it waits (Retry-After honoured and capped, else backoff),
 * per-call limits, the total-time bound, and that a request waiting to retry holds no rate-limit slot.
 * Waits are driven by fake timers, so nothing here sleeps for real.
 */
import { HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  backoffDelay,
  createRateLimiter,
  isRetryableStatus,
  type MassiveErrorCode,
  parseRetryAfter,
  type RetryEvent,
} from '../src/index.js';
import { fixture, testClient } from './support/api.js';
import { fakeApi, json } from './support/fake-api.js';
import { rejection } from './support/rejection.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const DETAILS_PATH = '/v3/reference/tickers/AAPL';
const details = fixture('client-python/test_rest/mocks/v3/reference/tickers/AAPL.json');
const serverError = (status: number) => json({ status: 'ERROR', request_id: `r${status}`, error: `status ${status}` }, status);

describe('retry policy (pure)', () => {
  it('retries exactly 429, 499, 500, 502, 503 and 504', () => {
    const statuses = [400, 401, 403, 404, 408, 409, 422, 429, 499, 500, 501, 502, 503, 504, 505];
    expect(statuses.filter(isRetryableStatus)).toEqual([429, 499, 500, 502, 503, 504]);
  });

  it('reads Retry-After as seconds or an HTTP date, and ignores junk', () => {
    const now = Date.parse('2025-01-02T03:04:05Z');
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('0.25', now)).toBe(250);
    expect(parseRetryAfter('Thu, 02 Jan 2025 03:04:35 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Thu, 02 Jan 2025 03:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-3', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('backs off exponentially with full jitter under a cap', () => {
    expect([0, 1, 2, 3, 10].map((n) => backoffDelay(n, 500, 60_000, () => 0.999999))).toEqual([499, 999, 1999, 3999, 59_999]);
    expect(backoffDelay(4, 500, 60_000, () => 0)).toBe(0);
    expect(backoffDelay(2, 500, 60_000, () => 0.5)).toBe(1000);
  });
});

describe('retries over HTTP', () => {
  it.each([429, 499, 500, 502, 503, 504])('retries HTTP %i and returns the later success', async (status) => {
    const api = fakeApi(server).on(DETAILS_PATH, serverError(status), serverError(status), json(details));
    const retries: RetryEvent[] = [];
    const result = await testClient({ hooks: { retry: (e) => retries.push(e) } }).getTickerDetails('AAPL');
    expect(result.ticker).toBe('AAPL');
    expect(api.requests).toHaveLength(3);
    expect(retries.map((r) => [r.attempt, r.nextAttempt, r.status])).toEqual([
      [1, 2, status],
      [2, 3, status],
    ]);
  });

  it.each([
    [400, 'BAD_REQUEST'],
    [401, 'API_KEY_INVALID'],
    [403, 'NOT_ENTITLED'],
    [404, 'SYMBOL_NOT_FOUND'],
  ] as [number, MassiveErrorCode][])('never retries HTTP %i (%s)', async (status, code) => {
    const api = fakeApi(server).on(DETAILS_PATH, json({ status: 'ERROR', request_id: 'x', error: 'no' }, status), json(details));
    const error = await rejection(testClient().getTickerDetails('AAPL'));
    expect([error.code, error.status, error.retryable, error.attempts]).toEqual([code, status, false, 1]);
    expect(api.requests).toHaveLength(1);
  });

  it('retries network errors and gives up after maxRetries with NETWORK_ERROR', async () => {
    const api = fakeApi(server).on(DETAILS_PATH, () => HttpResponse.error());
    const error = await rejection(testClient({ maxRetries: 3 }).getTickerDetails('AAPL'));
    expect(error.code).toBe('NETWORK_ERROR');
    expect(error.retryable).toBe(true);
    expect(error.attempts).toBe(4);
    expect(error.message).toContain('gave up after 4 attempts');
    expect(api.requests).toHaveLength(4);
  });

  it('per-call maxRetries overrides the client default', async () => {
    const api = fakeApi(server).on(DETAILS_PATH, serverError(503));
    const error = await rejection(testClient({ maxRetries: 5 }).getTickerDetails('AAPL', { maxRetries: 1 }));
    expect(error.attempts).toBe(2);
    expect(api.requests).toHaveLength(2);
  });

  it('a client shouldRetry replaces the default: a 404 retried until it appears, a 503 not retried', async () => {
    const questions: [string, number, boolean][] = [];
    const client = testClient({
      shouldRetry: ({ error, attempt, retryByDefault }) => {
        questions.push([error.code, attempt, retryByDefault]);
        if (error.code === 'SYMBOL_NOT_FOUND') return true; // e.g. a ticker listed minutes ago
        if (error.status === 503) return false;
        return undefined;
      },
    });
    const notYet = json({ status: 'NOT_FOUND', request_id: 'n', error: 'not found' }, 404);
    const api = fakeApi(server).on(DETAILS_PATH, notYet, notYet, json(details));
    expect((await client.getTickerDetails('AAPL')).ticker).toBe('AAPL');
    expect(api.requests).toHaveLength(3);
    expect(questions).toEqual([
      ['SYMBOL_NOT_FOUND', 1, false],
      ['SYMBOL_NOT_FOUND', 2, false],
    ]);
    server.resetHandlers();
    const down = fakeApi(server).on(DETAILS_PATH, serverError(503), json(details));
    const error = await rejection(client.getTickerDetails('AAPL'));
    expect([error.code, error.status, error.attempts, error.message]).toEqual([
      'SERVER_ERROR',
      503,
      1,
      'GET /v3/reference/tickers/AAPL failed with HTTP 503 SERVER_ERROR: status 503 (request id r503)',
    ]);
    expect(down.requests).toHaveLength(1);
  });

  it('a per-call shouldRetry wins over the client one; maxRetries still bounds what it answers', async () => {
    const client = testClient({ maxRetries: 2, shouldRetry: () => false });
    const api = fakeApi(server).on(DETAILS_PATH, serverError(500));
    const error = await rejection(client.getTickerDetails('AAPL', { shouldRetry: () => true }));
    expect([error.code, error.attempts]).toEqual(['SERVER_ERROR', 3]);
    expect(api.requests).toHaveLength(3);
  });

  it('a shouldRetry that throws keeps the default decision', async () => {
    const api = fakeApi(server).on(DETAILS_PATH, serverError(502), json(details));
    const client = testClient({
      shouldRetry: () => {
        throw new Error('bug in a policy');
      },
    });
    expect((await client.getTickerDetails('AAPL')).ticker).toBe('AAPL');
    expect(api.requests).toHaveLength(2);
  });

  it('a beforeRetry hook may veto a retry: the call fails with that error, its message saying so', async () => {
    const seen: RetryEvent[] = [];
    const client = testClient({
      hooks: { beforeRetry: (e) => (e.code === 'SERVER_ERROR' ? false : undefined), retry: (e) => seen.push(e) },
    });
    const api = fakeApi(server).on(DETAILS_PATH, serverError(503), json(details));
    const error = await rejection(client.getTickerDetails('AAPL'));
    expect([error.code, error.attempts, error.retryable]).toEqual(['SERVER_ERROR', 1, true]);
    expect(error.message).toBe(
      'GET /v3/reference/tickers/AAPL failed with HTTP 503 SERVER_ERROR: status 503 (request id r503) (gave up after 1 attempt, a beforeRetry hook vetoed the retry)',
    );
    expect(api.requests).toHaveLength(1);
    expect(seen).toEqual([]);
  });

  it('retries a 200 whose body is not JSON (a cut-off transfer) and succeeds', async () => {
    const api = fakeApi(server).on(
      DETAILS_PATH,
      () => new HttpResponse('{"results": {"tick', { headers: { 'Content-Type': 'application/json' } }),
      json(details),
    );
    expect((await testClient().getTickerDetails('AAPL')).ticker).toBe('AAPL');
    expect(api.requests).toHaveLength(2);
  });

  it('does not retry a 200 body that parses but fails validation', async () => {
    const api = fakeApi(server).on(DETAILS_PATH, json({ status: 'OK', request_id: 'q', results: { name: 'no ticker' } }));
    const error = await rejection(testClient().getTickerDetails('AAPL'));
    expect(error.code).toBe('INVALID_RESPONSE');
    expect(api.requests).toHaveLength(1);
  });
});

describe('retry waits (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('honours Retry-After: no retry before it has passed, the retry right after', async () => {
    const api = fakeApi(server).on(DETAILS_PATH, json({ status: 'ERROR', error: 'busy' }, 503, { 'Retry-After': '5' }), json(details));
    const retries: RetryEvent[] = [];
    const call = testClient({ maxRetryDelayMs: 60_000, hooks: { retry: (e) => retries.push(e) } }).getTickerDetails('AAPL');
    await vi.advanceTimersByTimeAsync(4_900);
    expect(api.requests).toHaveLength(1);
    expect(retries.map((r) => r.delayMs)).toEqual([5000]);
    await vi.advanceTimersByTimeAsync(200);
    expect((await call).ticker).toBe('AAPL');
    expect(api.requests).toHaveLength(2);
  });

  it('caps Retry-After at maxRetryDelayMs', async () => {
    const api = fakeApi(server).on(
      DETAILS_PATH,
      json({ status: 'ERROR', error: 'slow down' }, 429, { 'Retry-After': '3600' }),
      json(details),
    );
    const retries: RetryEvent[] = [];
    const call = testClient({ maxRetryDelayMs: 2_000, hooks: { retry: (e) => retries.push(e) } }).getTickerDetails('AAPL');
    await vi.advanceTimersByTimeAsync(2_100);
    expect((await call).ticker).toBe('AAPL');
    expect(retries.map((r) => [r.code, r.delayMs])).toEqual([['API_RATE_LIMIT', 2000]]);
    expect(api.requests).toHaveLength(2);
  });

  it('stops retrying when the next wait would pass maxTotalTimeMs', async () => {
    const api = fakeApi(server).on(DETAILS_PATH, json({ status: 'ERROR', error: 'busy' }, 503, { 'Retry-After': '4' }));
    const call = rejection(testClient({ maxRetries: 10, maxRetryDelayMs: 60_000, maxTotalTimeMs: 10_000 }).getTickerDetails('AAPL'));
    await vi.advanceTimersByTimeAsync(20_000);
    const error = await call;
    // Attempts at 0 s, 4 s and 8 s; a fourth at 12 s would be past the 10 s bound.
    expect(api.requests).toHaveLength(3);
    expect(error.code).toBe('SERVER_ERROR');
    expect(error.message).toContain('10000 ms total time reached');
  });

  it('a retry that waits for a rate-limit slot past maxTotalTimeMs is not sent', async () => {
    const api = fakeApi(server)
      .on(DETAILS_PATH, json({ status: 'ERROR', error: 'busy' }, 503, { 'Retry-After': '1' }), json(details))
      .on(
        '/v1/marketstatus/now',
        () => new Promise((resolve) => setTimeout(() => resolve(Response.json(fixture('openapi-examples/GetMarketStatus.json'))), 20_000)),
      );
    const client = testClient({ rateLimit: createRateLimiter({ maxConcurrent: 1 }), maxRetryDelayMs: 60_000 });
    const first = rejection(client.getTickerDetails('AAPL', { maxTotalTimeMs: 10_000 }));
    await vi.advanceTimersByTimeAsync(100);
    const slow = client.getMarketStatus(); // takes the only slot for 20 s while the retry waits
    await vi.advanceTimersByTimeAsync(40_000);
    const error = await first;
    await slow;
    // The budget's queue was the wait, not the network: a code of its own, and the attempt that was made counted.
    expect({ code: error.code, name: error.name, retryable: error.retryable, attempts: error.attempts }).toEqual({
      code: 'TOTAL_TIME_EXCEEDED',
      name: 'MassiveTimeBudgetError',
      retryable: false,
      attempts: 2,
    });
    expect(error.message).toContain('used up its 10000 ms total time waiting for a rate-limit slot');
    expect(api.requestsTo(DETAILS_PATH)).toHaveLength(1);
  });

  it('times out a silent server with NETWORK_TIMEOUT after timeoutMs, per attempt', async () => {
    const api = fakeApi(server).on(DETAILS_PATH, () => new Promise<Response>(() => undefined));
    const call = rejection(testClient({ maxRetries: 1 }).getTickerDetails('AAPL', { timeoutMs: 1_000 }));
    await vi.advanceTimersByTimeAsync(5_000);
    const error = await call;
    expect(error.code).toBe('NETWORK_TIMEOUT');
    expect(error.message).toContain('timed out after 1000 ms');
    expect(api.requests).toHaveLength(2);
  });

  it('aborts a call waiting to retry with ABORTED, and sends nothing more', async () => {
    const api = fakeApi(server).on(DETAILS_PATH, json({ status: 'ERROR', error: 'busy' }, 503, { 'Retry-After': '30' }));
    const controller = new AbortController();
    const call = rejection(testClient({ maxRetryDelayMs: 60_000 }).getTickerDetails('AAPL', { signal: controller.signal }));
    await vi.advanceTimersByTimeAsync(1_000);
    controller.abort();
    const error = await call;
    expect([error.code, error.retryable]).toEqual(['ABORTED', false]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(api.requests).toHaveLength(1);
  });

  it('a request waiting to retry holds no slot: another request runs in between (maxConcurrent 1)', async () => {
    const api = fakeApi(server)
      .on(DETAILS_PATH, json({ status: 'ERROR', error: 'busy' }, 503, { 'Retry-After': '10' }), json(details))
      .on('/v1/marketstatus/now', json(fixture('openapi-examples/GetMarketStatus.json')));
    const limiter = createRateLimiter({ maxConcurrent: 1 });
    const client = testClient({ rateLimit: limiter, maxRetryDelayMs: 60_000 });
    const first = client.getTickerDetails('AAPL');
    const second = client.getMarketStatus();
    await vi.advanceTimersByTimeAsync(1_000);
    expect((await second).market).toBe('extended-hours');
    await vi.advanceTimersByTimeAsync(10_000);
    expect((await first).ticker).toBe('AAPL');
    expect(api.requests.map((r) => r.url.pathname)).toEqual([DETAILS_PATH, '/v1/marketstatus/now', DETAILS_PATH]);
  });

  it('a retry re-enters the limiter first in line, ahead of requests queued meanwhile', async () => {
    const api = fakeApi(server)
      .on(DETAILS_PATH, json({ status: 'ERROR', error: 'busy' }, 503, { 'Retry-After': '1' }), json(details))
      .on(
        '/v1/marketstatus/now',
        () => new Promise((resolve) => setTimeout(() => resolve(Response.json(fixture('openapi-examples/GetMarketStatus.json'))), 2_000)),
      )
      .on('/v1/marketstatus/upcoming', json([]));
    const client = testClient({ rateLimit: createRateLimiter({ maxConcurrent: 1 }), maxRetryDelayMs: 60_000 });
    const first = client.getTickerDetails('AAPL');
    await vi.advanceTimersByTimeAsync(10);
    const slow = client.getMarketStatus(); // holds the only slot for 2 s
    await vi.advanceTimersByTimeAsync(10);
    const queued = client.getMarketHolidays(); // queued behind the slow one
    await vi.advanceTimersByTimeAsync(5_000); // the retry (due at 1 s) queues behind `slow` too, but ahead of `queued`
    await Promise.all([first, slow, queued]);
    expect(api.requests.map((r) => r.url.pathname)).toEqual([
      DETAILS_PATH,
      '/v1/marketstatus/now',
      DETAILS_PATH,
      '/v1/marketstatus/upcoming',
    ]);
  });
});
