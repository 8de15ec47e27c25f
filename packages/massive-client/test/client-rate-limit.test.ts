/**
 * The rate-limit layer: presets, custom budgets, sharing one budget between clients (a limiter or a bottleneck
 * instance), a 429 pausing every client that shares it, and the concurrency cap. Time is faked: the clock the
 * handlers read is the one the limiter spaces requests by, so gaps are exact. The limiter's own behaviour (exact
 * start times, priorities, pauses, timers) is in spacing-limiter.test.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Bottleneck from 'bottleneck';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { limiterSettings } from '../src/http/rate-limit.js';
import {
  type BottleneckLike,
  bottleneckSettings,
  createRateLimiter,
  type LimiterPriority,
  limiterFromBottleneck,
  MassiveClient,
  MassiveError,
  RATE_LIMIT_PRESETS,
  type RateLimitedEvent,
  type RequestLimiter,
} from '../src/index.js';
import { BASE, fixture, testClient, testKey } from './support/api.js';
import { fakeApi, json } from './support/fake-api.js';

const SRC = fileURLToPath(new URL('../src', import.meta.url));
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const STATUS_PATH = '/v1/marketstatus/now';
const status = fixture('openapi-examples/GetMarketStatus.json');
const rateLimited = (retryAfter: string) => json(fixture('errors/reconstructed/429-rate-limited.json'), 429, { 'Retry-After': retryAfter });

describe('presets and settings', () => {
  it('free is 5 requests/minute one at a time; unlimited is at most 100/s with 20 in flight', () => {
    expect(RATE_LIMIT_PRESETS).toEqual({
      free: { requestsPerMinute: 5, maxConcurrent: 1 },
      unlimited: { requestsPerSecond: 100, maxConcurrent: 20 },
    });
    // Starts are spaced 3% wider than the nominal rate (RATE_SAFETY_MARGIN).
    expect(bottleneckSettings('free')).toEqual({ minTime: 12_360, maxConcurrent: 1 });
    expect(bottleneckSettings('unlimited')).toEqual({ minTime: 10.3, maxConcurrent: 20 });
  });

  it('the built-in limiter and a bottleneck get the same numbers', () => {
    for (const option of ['free', 'unlimited', { requestsPerSecond: 100_000 }, { maxConcurrent: 3 }] as const) {
      expect(limiterSettings(option)).toEqual(bottleneckSettings(option));
    }
    expect(limiterSettings({ requestsPerSecond: 100_000 })).toEqual({ minTime: 0.02, maxConcurrent: null }); // 0.0103 up to 0.01 ms
  });

  it('custom settings space starts by the stricter of the two rates', () => {
    expect(bottleneckSettings({ requestsPerSecond: 10 })).toEqual({ minTime: 103, maxConcurrent: null });
    expect(bottleneckSettings({ requestsPerMinute: 120, requestsPerSecond: 10, maxConcurrent: 4 })).toEqual({
      minTime: 515,
      maxConcurrent: 4,
    });
    expect(bottleneckSettings({ maxConcurrent: 3 })).toEqual({ minTime: 0, maxConcurrent: 3 });
  });

  it('refuses nonsense with a CONFIGURATION error naming the setting', () => {
    for (const [settings, text] of [
      [{ requestsPerSecond: 0 }, 'rateLimit.requestsPerSecond must be a positive number, got 0'],
      [{ requestsPerMinute: -5 }, 'rateLimit.requestsPerMinute must be a positive number, got -5'],
      [{ maxConcurrent: 1.5 }, 'rateLimit.maxConcurrent must be a whole number, got 1.5'],
    ] as const) {
      expect(() => new MassiveClient({ apiKey: testKey(), env: {}, rateLimit: settings })).toThrow(text);
    }
    expect(() => bottleneckSettings('premium' as 'free')).toThrow(MassiveError);
  });
});

describe('rate limiting over HTTP (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Gaps between consecutive request arrivals at the server. */
  function gaps(starts: number[]): number[] {
    return starts.slice(1).map((t, i) => t - (starts[i] as number));
  }

  function recordStarts(): number[] {
    const starts: number[] = [];
    fakeApi(server).on(STATUS_PATH, () => {
      starts.push(Date.now());
      return Response.json(status);
    });
    return starts;
  }

  it('requestsPerSecond: never more than rps requests reach the server in any 1 s window', async () => {
    const starts = recordStarts();
    const client = testClient({ rateLimit: { requestsPerSecond: 10 } });
    const calls = Array.from({ length: 25 }, () => client.getMarketStatus());
    await vi.advanceTimersByTimeAsync(5_000);
    await Promise.all(calls);
    expect(starts).toHaveLength(25);
    for (const gap of gaps(starts)) expect(gap).toBeGreaterThanOrEqual(100);
    const peak = Math.max(...starts.map((t) => starts.filter((u) => u >= t && u < t + 1000).length));
    expect(peak).toBe(10);
  });

  it("the 'free' preset sends at most 5 requests a minute, one at least every 12 s", async () => {
    const starts = recordStarts();
    const client = testClient({ rateLimit: 'free' });
    const calls = Array.from({ length: 6 }, () => client.getMarketStatus());
    await vi.advanceTimersByTimeAsync(60_000);
    expect(starts).toHaveLength(5);
    await vi.advanceTimersByTimeAsync(5_000);
    await Promise.all(calls);
    expect(starts).toHaveLength(6);
    for (const gap of gaps(starts)) expect(gap).toBeGreaterThanOrEqual(12_000);
  });

  it('two clients given one limiter share one budget', async () => {
    const starts = recordStarts();
    const shared = createRateLimiter({ requestsPerSecond: 5 });
    const a = testClient({ rateLimit: shared });
    const b = testClient({ rateLimit: shared });
    const calls = [a.getMarketStatus(), b.getMarketStatus(), a.getMarketStatus(), b.getMarketStatus()];
    await vi.advanceTimersByTimeAsync(1_000);
    await Promise.all(calls);
    expect(starts).toHaveLength(4);
    for (const gap of gaps(starts)) expect(gap).toBeGreaterThanOrEqual(200);
  });

  it('maxConcurrent caps requests in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    fakeApi(server).on(STATUS_PATH, async () => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 100));
      inFlight -= 1;
      return Response.json(status);
    });
    const client = testClient({ rateLimit: { maxConcurrent: 2 } });
    const calls = Array.from({ length: 7 }, () => client.getMarketStatus());
    await vi.advanceTimersByTimeAsync(1_000);
    await Promise.all(calls);
    expect(peak).toBe(2);
  });

  it('a 429 pauses every client sharing the limiter until Retry-After has passed', async () => {
    const api = fakeApi(server).on('/v3/reference/tickers/AAPL', rateLimited('30')).on(STATUS_PATH, json(status));
    const shared = createRateLimiter('unlimited');
    const events: RateLimitedEvent[] = [];
    const a = testClient({ rateLimit: shared, maxRetries: 0, maxRetryDelayMs: 60_000, hooks: { rateLimited: (e) => events.push(e) } });
    const b = testClient({ rateLimit: shared });
    const failed = a.getTickerDetails('AAPL').catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(50);
    expect((await failed) as MassiveError).toMatchObject({ code: 'API_RATE_LIMIT', status: 429 });
    expect(events.map((e) => [e.pauseMs, e.retryAfterMs])).toEqual([[30_000, 30_000]]);
    const other = b.getMarketStatus();
    await vi.advanceTimersByTimeAsync(29_000);
    expect(api.requestsTo(STATUS_PATH)).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1_500);
    expect((await other).market).toBe('extended-hours');
    expect(api.requestsTo(STATUS_PATH)).toHaveLength(1);
  });

  it('a shared bottleneck instance is paused through its reservoir and restored afterwards', async () => {
    fakeApi(server).on('/v3/reference/tickers/AAPL', rateLimited('10'));
    const bottleneck = new Bottleneck({ maxConcurrent: 4 });
    const a = new MassiveClient({ apiKey: testKey(), baseUrl: BASE, env: {}, rateLimit: bottleneck, maxRetries: 0 });
    const failed = a.getTickerDetails('AAPL').catch(() => undefined);
    await vi.advanceTimersByTimeAsync(50);
    await failed;
    const reservoir = async (): Promise<number | null> => {
      const value = bottleneck.currentReservoir();
      await vi.advanceTimersByTimeAsync(1); // bottleneck answers on a timer tick
      return value;
    };
    expect(await reservoir()).toBe(0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await reservoir()).toBeNull();
  });
});

describe('bottleneck, an optional peer dependency', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('the package never imports bottleneck: an instance is recognised by its shape', () => {
    const sources = readdirSync(SRC, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const importing = sources.filter((f) =>
      /from\s+['"]bottleneck['"]|import\(\s*['"]bottleneck['"]|require\(\s*['"]bottleneck['"]/.test(readFileSync(join(SRC, f), 'utf8')),
    );
    expect(importing).toEqual([]);
    const pkg = JSON.parse(readFileSync(join(SRC, '../package.json'), 'utf8')) as Record<string, Record<string, unknown> | undefined>;
    expect(pkg.dependencies?.bottleneck).toBeUndefined();
    expect(pkg.peerDependenciesMeta?.bottleneck).toEqual({ optional: true });
  });

  it('an object shaped like a bottleneck (not an instance of it) is adapted: scheduled with its priority, paused through its reservoir', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    fakeApi(server).on('/v3/reference/tickers/AAPL', rateLimited('10'));
    const scheduled: Array<number | undefined> = [];
    const reservoirs: Array<number | null | undefined> = [];
    let reservoir: number | null = 7;
    const lookalike: BottleneckLike = {
      schedule: (options, task) => {
        scheduled.push(options.priority);
        return Promise.resolve(task());
      },
      updateSettings: (settings) => {
        reservoirs.push(settings.reservoir);
        reservoir = settings.reservoir ?? null;
      },
      currentReservoir: async () => reservoir,
    };
    expect(limiterFromBottleneck(lookalike)).toBe(limiterFromBottleneck(lookalike));
    const a = new MassiveClient({ apiKey: testKey(), baseUrl: BASE, env: {}, rateLimit: lookalike, maxRetries: 0 });
    await a.getTickerDetails('AAPL').catch(() => undefined);
    await vi.advanceTimersByTimeAsync(50);
    expect(scheduled).toEqual([5]);
    expect(reservoirs).toEqual([0]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(reservoirs).toEqual([0, 7]);
  });
});

describe('custom limiter', () => {
  it('any { schedule, pauseFor } object is used as is: retries ask for high priority, a 429 asks for a pause', async () => {
    fakeApi(server).on(
      '/v3/reference/tickers/AAPL',
      rateLimited('1'),
      json(fixture('client-python/test_rest/mocks/v3/reference/tickers/AAPL.json')),
    );
    const priorities: LimiterPriority[] = [];
    const pauses: number[] = [];
    const limiter: RequestLimiter = {
      schedule: (task, priority) => {
        priorities.push(priority);
        return task();
      },
      pauseFor: (ms) => {
        pauses.push(ms);
      },
    };
    const client = testClient({ rateLimit: limiter, maxRetryDelayMs: 5 });
    expect((await client.getTickerDetails('AAPL')).ticker).toBe('AAPL');
    expect(priorities).toEqual(['normal', 'high']);
    expect(pauses).toEqual([5]);
  });
});
