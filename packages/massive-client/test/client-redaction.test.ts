/**
 * The key never leaves except in the Authorization header: it appears in no thrown error's message, stack, JSON or
 * inspection, in nothing a hook receives, and not in the client's own toString/JSON/inspect, even when the server
 * echoes it back.
 */
import { inspect } from 'node:util';
import { redactText } from '@tickstock/market-time/redact';
import { HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MassiveClient, type MassiveError } from '../src/index.js';
import { BASE, collect, testKey } from './support/api.js';
import { fakeApi, json } from './support/fake-api.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

/** Every representation of an error someone might log. */
function renderings(error: unknown): string[] {
  const e = error as Error;
  return [
    e.message,
    String(e.stack),
    JSON.stringify(e),
    inspect(e, { depth: 10 }),
    String(e),
    JSON.stringify((e as MassiveError).toJSON?.()),
  ];
}

function clientWithHooks(key: string, options: ConstructorParameters<typeof MassiveClient>[0] = {}) {
  const payloads: unknown[] = [];
  const record = (event: unknown) => payloads.push(event);
  const client = new MassiveClient({
    apiKey: key,
    baseUrl: BASE,
    env: {},
    rateLimit: { maxConcurrent: 10 },
    retryBaseDelayMs: 1,
    maxRetryDelayMs: 5,
    maxRetries: 1,
    hooks: { request: record, response: record, retry: record, rateLimited: record, error: record },
    ...options,
  });
  return { client, payloads };
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('key redaction', () => {
  it('the key is absent from every error and hook payload, across every kind of failure', async () => {
    const key = testKey();
    const echo = { status: 'ERROR', request_id: 'e1', error: `Unknown API Key ${key}` };
    fakeApi(server)
      .on('/v3/reference/tickers/K401', json(echo, 401))
      .on('/v3/reference/tickers/K429', json({ status: 'ERROR', error: `slow down ${key}` }, 429, { 'Retry-After': '0' }))
      .on(
        '/v3/reference/tickers/K500',
        () => new HttpResponse(`<html><body>oops ${key}</body></html>`, { status: 500, headers: { 'Content-Type': 'text/html' } }),
      )
      .on('/v3/reference/tickers/KNET', () => HttpResponse.error())
      .on('/v3/reference/tickers/KBAD', json({ status: 'OK', results: { ticker: 42, name: key } }))
      .on(
        '/v3/reference/tickers',
        json({ status: 'OK', results: [{ ticker: 'A' }], next_url: `https://evil.example/v3/reference/tickers?cursor=x&apiKey=${key}` }),
      );
    const { client, payloads } = clientWithHooks(key);
    const errors = [
      await failure(client.getTickerDetails('K401')),
      await failure(client.getTickerDetails('K429')),
      await failure(client.getTickerDetails('K500')),
      await failure(client.getTickerDetails('KNET')),
      await failure(client.getTickerDetails('KBAD')),
      await failure(collect(client.listTickers())),
      await failure(client.getTickerDetails('K401', { signal: AbortSignal.abort() })),
    ];
    expect(errors.map((e) => (e as MassiveError).code)).toEqual([
      'API_KEY_INVALID',
      'API_RATE_LIMIT',
      'SERVER_ERROR',
      'NETWORK_ERROR',
      'INVALID_RESPONSE',
      'PAGINATION_REFUSED',
      'ABORTED',
    ]);
    // The server's own text is kept, with the key cut out.
    expect((errors[0] as MassiveError).apiMessage).toBe('Unknown API Key [REDACTED]');
    for (const error of errors) for (const text of renderings(error)) expect(text).not.toContain(key);
    expect(payloads.length).toBeGreaterThan(10);
    const hookText = JSON.stringify(payloads) + payloads.map((p) => inspect(p, { depth: 10 })).join('\n');
    expect(hookText).not.toContain(key);
    expect(hookText).toContain('"code":"API_RATE_LIMIT"');
  });

  it('the key is not in the client toString, JSON or inspect output', () => {
    const key = testKey();
    const client = new MassiveClient({ apiKey: key, env: {} });
    for (const text of [String(client), JSON.stringify(client), inspect(client, { depth: 10, showHidden: true }), `${client}`]) {
      expect(text).not.toContain(key);
    }
    expect(JSON.parse(JSON.stringify(client))).toEqual({ baseUrl: 'https://api.massive.com/', apiKey: '[REDACTED]' });
  });

  it('the key is sent only as Authorization: Bearer, never in a URL', async () => {
    const key = testKey();
    const api = fakeApi(server).on('/v1/marketstatus/now', json({ market: 'open', serverTime: '2024-01-02T10:00:00-05:00' }));
    await new MassiveClient({ apiKey: key, baseUrl: BASE, env: {} }).getMarketStatus();
    expect(api.requests[0]?.url.toString()).not.toContain(key);
    expect(api.requests[0]?.headers.get('authorization')).toBe(`Bearer ${key}`);
  });

  it('the key from the environment is redacted the same way', async () => {
    const key = testKey();
    fakeApi(server).on('/v1/marketstatus/now', json({ status: 'ERROR', error: `bad key ${key}` }, 401));
    const error = await failure(new MassiveClient({ env: { MASSIVE_API_KEY: key }, baseUrl: BASE }).getMarketStatus());
    for (const text of renderings(error)) expect(text).not.toContain(key);
  });
});

describe('redactText', () => {
  it('redacts a key of 8 or more characters wherever it occurs, inside other words too', () => {
    const key = 'Zx9QkLm2Pq';
    expect(redactText(`bad key ${key}; echoed as prefix${key}suffix and ?apiKey=${key}`, key)).toBe(
      'bad key [REDACTED]; echoed as prefix[REDACTED]suffix and ?apiKey=[REDACTED]',
    );
  });

  it('redacts a shorter key only as a whole token, never inside other words', () => {
    expect(redactText('GET /v2/aggs/ticker/AAPL/range/1/day failed: key tick refused (tick)', 'tick')).toBe(
      'GET /v2/aggs/ticker/AAPL/range/1/day failed: key [REDACTED] refused ([REDACTED])',
    );
    expect(redactText('tick', 'tick')).toBe('[REDACTED]');
    expect(redactText('ticktick tick_x xtick tick-1 "tick"', 'tick')).toBe('ticktick tick_x xtick [REDACTED]-1 "[REDACTED]"');
    expect(redactText('Authorization: Bearer abc', 'abc')).toBe('Authorization: Bearer [REDACTED]');
  });

  it('redacts an apiKey query value whatever the key', () => {
    expect(redactText('https://api.massive.com/v3?apiKey=other&x=1', 'tick')).toBe('https://api.massive.com/v3?apiKey=[REDACTED]&x=1');
  });
});
