/**
 * Failures to reach the server at all. A host that does not resolve is not retried; a connection that cannot be made
 * (refused, no route, no DNS server) gets two quick retries inside its rate-limit slot, then fails the call, instead
 * of the full backoff that failures on the way get. A shared limiter's RATE_LIMITER_UNAVAILABLE is not retried either.
 * The fetch is injected (failing as Node's fetch does) except in the last block, which uses real sockets.
 */
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  CONNECT_RETRIES,
  connectFailure,
  createRateLimiter,
  type FetchLike,
  type LimiterPriority,
  MassiveClient,
  MassiveRateLimiterError,
  type RequestLimiter,
  type RetryEvent,
} from '../src/index.js';
import { fixture, testClient } from './support/api.js';
import { rejection } from './support/rejection.js';

/** A fetch that fails as Node's does when the connection cannot be made: `TypeError('fetch failed')` with a cause. */
function failingFetch(code: string, calls: string[] = []): FetchLike {
  return async (input) => {
    calls.push(String(input));
    const cause = Object.assign(new Error(`connect ${code} 203.0.113.7:443`), { code });
    throw new TypeError('fetch failed', { cause });
  };
}

/** A limiter that counts the slots it hands out (no spacing). */
function countingLimiter(): RequestLimiter & { slots: number } {
  const inner = createRateLimiter({ maxConcurrent: 10 });
  const limiter = {
    slots: 0,
    schedule<T>(task: () => Promise<T>, priority: LimiterPriority): Promise<T> {
      return inner.schedule(() => {
        limiter.slots++;
        return task();
      }, priority);
    },
    pauseFor: (ms: number) => inner.pauseFor(ms),
  };
  return limiter;
}

describe('classification (pure)', () => {
  it('no such host and a refused port are bad addresses; refused, unreachable and no DNS server are unreachable', () => {
    expect(['ENOTFOUND', 'EAI_NONAME', 'EAI_FAIL', 'EAI_NODATA', 'bad port'].map(connectFailure)).toEqual(Array(5).fill('bad-address'));
    expect(
      ['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EADDRNOTAVAIL', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT'].map(
        connectFailure,
      ),
    ).toEqual(Array(7).fill('unreachable'));
    expect(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ETIMEDOUT', undefined].map(connectFailure)).toEqual(Array(5).fill(undefined));
    expect(CONNECT_RETRIES).toBe(2);
  });
});

describe('a host that does not resolve', () => {
  it('is not retried: one attempt, NETWORK_ERROR, not retryable, the message names the host and what to check', async () => {
    const calls: string[] = [];
    const limiter = countingLimiter();
    const retries: RetryEvent[] = [];
    const client = testClient({ fetch: failingFetch('ENOTFOUND', calls), rateLimit: limiter, hooks: { retry: (e) => retries.push(e) } });
    const error = await rejection(client.getMarketStatus());
    expect([error.code, error.retryable, error.attempts]).toEqual(['NETWORK_ERROR', false, 1]);
    expect(error.message).toBe(
      'GET /v1/marketstatus/now failed: the host api.massive.com does not resolve (ENOTFOUND): check the base URL ' +
        '(MASSIVE_API_BASE_URL or the baseUrl option) and DNS',
    );
    expect([calls.length, limiter.slots, retries.length]).toEqual([1, 1, 0]);
  });
});

describe('a connection that cannot be made', () => {
  it.each(['ECONNREFUSED', 'ENETUNREACH', 'EAI_AGAIN'])(
    '%s: two quick retries in the same slot, then NETWORK_ERROR (retryable) and no backoff rounds',
    async (code) => {
      const calls: string[] = [];
      const limiter = countingLimiter();
      const retries: RetryEvent[] = [];
      // Long backoff settings: had the transport retried with them, this would take minutes.
      const client = testClient({
        fetch: failingFetch(code, calls),
        rateLimit: limiter,
        retryBaseDelayMs: 60_000,
        maxRetryDelayMs: 60_000,
        hooks: { retry: (e) => retries.push(e) },
      });
      const t0 = Date.now();
      const error = await rejection(client.getMarketStatus());
      expect([error.code, error.retryable, error.attempts]).toEqual(['NETWORK_ERROR', true, 3]);
      expect(error.message).toBe(
        `GET /v1/marketstatus/now failed: cannot connect to api.massive.com (${code}): check the network and the base URL ` +
          '(MASSIVE_API_BASE_URL or the baseUrl option) (gave up after 3 attempts)',
      );
      expect([calls.length, limiter.slots]).toEqual([3, 1]);
      expect(retries.map((r) => [r.attempt, r.nextAttempt, r.delayMs, r.code])).toEqual([
        [1, 2, 250, 'NETWORK_ERROR'],
        [2, 3, 500, 'NETWORK_ERROR'],
      ]);
      expect(Date.now() - t0).toBeLessThan(5_000);
    },
  );

  it('never more attempts than maxRetries allows: 0 gives one attempt, 1 gives two', async () => {
    for (const [maxRetries, attempts] of [
      [0, 1],
      [1, 2],
    ] as const) {
      const calls: string[] = [];
      const error = await rejection(testClient({ fetch: failingFetch('ECONNREFUSED', calls), maxRetries }).getMarketStatus());
      expect([error.attempts, calls.length]).toEqual([attempts, attempts]);
    }
  });

  it('a connection that works on the quick retry returns its answer', async () => {
    let calls = 0;
    const fetch: FetchLike = async (input, init) => {
      calls++;
      if (calls === 1) return failingFetch('ECONNREFUSED')(input, init);
      return Response.json(fixture('openapi-examples/GetMarketStatus.json'));
    };
    const limiter = countingLimiter();
    const status = await testClient({ fetch, rateLimit: limiter }).getMarketStatus();
    expect(status.market).toBe('extended-hours');
    expect([calls, limiter.slots]).toEqual([2, 1]);
  });

  it('the caller can abort during a quick retry wait: ABORTED', async () => {
    const controller = new AbortController();
    const call = rejection(testClient({ fetch: failingFetch('ECONNREFUSED') }).getMarketStatus({ signal: controller.signal }));
    setTimeout(() => controller.abort(), 100);
    expect((await call).code).toBe('ABORTED');
  });

  it('a connection reset on the way is still an ordinary network error: full retries', async () => {
    const calls: string[] = [];
    const error = await rejection(testClient({ fetch: failingFetch('ECONNRESET', calls), maxRetries: 3 }).getMarketStatus());
    expect([error.code, error.retryable, error.attempts, calls.length]).toEqual(['NETWORK_ERROR', true, 4, 4]);
    expect(error.message).toBe('GET /v1/marketstatus/now failed: ECONNRESET (gave up after 4 attempts)');
  });
});

describe('a shared limiter whose Redis is away', () => {
  it('RATE_LIMITER_UNAVAILABLE passes through as it is, not retried by the client (the limiter has waited already)', async () => {
    let schedules = 0;
    const limiter: RequestLimiter = {
      schedule: () => {
        schedules++;
        return Promise.reject(new MassiveRateLimiterError("the shared rate limiter's Redis at r:6379 ...", { address: 'r:6379' }));
      },
      pauseFor: () => undefined,
    };
    const error = await rejection(testClient({ rateLimit: limiter, fetch: failingFetch('ENOTFOUND') }).getMarketStatus());
    expect([error.code, error.retryable, error.attempts, schedules]).toEqual(['RATE_LIMITER_UNAVAILABLE', true, 1, 1]);
    expect(error.toJSON()).toMatchObject({ name: 'MassiveRateLimiterError', address: 'r:6379' });
  });
});

describe('over real sockets', () => {
  it('a closed local port fails in about a second with ECONNREFUSED after 3 attempts', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const client = new MassiveClient({ apiKey: 'k', baseUrl: `http://127.0.0.1:${port}`, env: {}, rateLimit: 'free' });
    const t0 = Date.now();
    const error = await rejection(client.getMarketStatus());
    expect([error.code, error.attempts]).toEqual(['NETWORK_ERROR', 3]);
    expect(error.message).toContain(`cannot connect to 127.0.0.1:${port} (ECONNREFUSED)`);
    expect(Date.now() - t0).toBeLessThan(10_000); // 'free' spaces starts 12.36 s apart: the quick retries share one
  });

  it('a host under .invalid (never resolves) fails at once, without retries', async () => {
    const client = new MassiveClient({ apiKey: 'k', baseUrl: 'http://does-not-exist.invalid', env: {}, rateLimit: 'free' });
    const t0 = Date.now();
    const error = await rejection(client.getMarketStatus());
    expect(error.code).toBe('NETWORK_ERROR');
    // ENOTFOUND where a DNS server answers; EAI_AGAIN (then 3 quick attempts) where none does.
    expect(error.message).toMatch(
      /the host does-not-exist\.invalid does not resolve \(ENOTFOUND\)|cannot connect to does-not-exist\.invalid/,
    );
    expect(Date.now() - t0).toBeLessThan(10_000);
  });
});
