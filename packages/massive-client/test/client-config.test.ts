/** Options, defaults and environment fallbacks; configuration errors name what is wrong. */
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS, MassiveClient, MassiveConfigurationError, type MassiveError } from '../src/index.js';
import { fixture, testKey } from './support/api.js';
import { fakeApi, json } from './support/fake-api.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

function configError(make: () => unknown): MassiveError {
  try {
    make();
  } catch (error) {
    expect(error).toBeInstanceOf(MassiveConfigurationError);
    return error as MassiveError;
  }
  throw new Error('expected a configuration error');
}

describe('configuration', () => {
  it('without a key, fails with CONFIGURATION naming MASSIVE_API_KEY', () => {
    const error = configError(() => new MassiveClient({ env: {} }));
    expect(error.code).toBe('CONFIGURATION');
    expect(error.message).toBe('no Massive API key: set the MASSIVE_API_KEY environment variable or pass the apiKey option');
    expect(configError(() => new MassiveClient({ env: { MASSIVE_API_KEY: '   ' } })).code).toBe('CONFIGURATION');
  });

  it('has the documented defaults', () => {
    expect(DEFAULTS).toEqual({
      baseUrl: 'https://api.massive.com',
      timeoutMs: 30_000,
      maxRetries: 5,
      retryBaseDelayMs: 500,
      maxRetryDelayMs: 60_000,
      maxTotalTimeMs: 300_000,
      rateLimit: 'unlimited',
      userAgent: 'tickstock-massive-client',
    });
    expect(new MassiveClient({ apiKey: testKey(), env: {} }).baseUrl).toBe('https://api.massive.com/');
  });

  it('reads MASSIVE_API_KEY and MASSIVE_API_BASE_URL, sending the key as a Bearer header only', async () => {
    const key = testKey();
    const api = fakeApi(server, 'http://127.0.0.1:9999').on(
      '/prefix/v1/marketstatus/now',
      json(fixture('openapi-examples/GetMarketStatus.json')),
    );
    const client = new MassiveClient({ env: { MASSIVE_API_KEY: key, MASSIVE_API_BASE_URL: 'http://127.0.0.1:9999/prefix/' } });
    expect(client.baseUrl).toBe('http://127.0.0.1:9999/prefix/');
    await client.getMarketStatus();
    const [request] = api.requests;
    expect(request?.headers.get('authorization')).toBe(`Bearer ${key}`);
    expect(request?.url.toString()).toBe('http://127.0.0.1:9999/prefix/v1/marketstatus/now');
    expect(request?.url.toString()).not.toContain(key);
  });

  it('options win over the environment', () => {
    const client = new MassiveClient({
      apiKey: testKey(),
      baseUrl: 'http://localhost:1234',
      env: { MASSIVE_API_BASE_URL: 'http://127.0.0.1:1' },
    });
    expect(client.baseUrl).toBe('http://localhost:1234/');
  });

  it('MASSIVE_API_TIMEOUT is seconds; junk there is a CONFIGURATION error naming it', () => {
    expect(() => new MassiveClient({ apiKey: testKey(), env: { MASSIVE_API_TIMEOUT: '2.5' } })).not.toThrow();
    expect(configError(() => new MassiveClient({ apiKey: testKey(), env: { MASSIVE_API_TIMEOUT: 'soon' } })).message).toBe(
      'MASSIVE_API_TIMEOUT must be a positive number of seconds, got "soon"',
    );
  });

  it('refuses a bad base URL or option values, naming them', () => {
    const key = testKey();
    expect(configError(() => new MassiveClient({ apiKey: key, baseUrl: 'api.massive.com' })).message).toBe(
      'baseUrl must be an absolute http(s) URL, got "api.massive.com"',
    );
    expect(configError(() => new MassiveClient({ apiKey: key, env: { MASSIVE_API_BASE_URL: 'ftp://x' } })).message).toBe(
      'MASSIVE_API_BASE_URL must use http or https, got ftp:',
    );
    expect(configError(() => new MassiveClient({ apiKey: key, baseUrl: 'https://api.massive.com/?apiKey=x' })).message).toBe(
      'baseUrl must not carry credentials, a query or a fragment',
    );
    expect(configError(() => new MassiveClient({ apiKey: key, env: {}, timeoutMs: 0 })).message).toBe(
      'timeoutMs must be a positive number of milliseconds, got 0',
    );
    expect(configError(() => new MassiveClient({ apiKey: key, env: {}, maxRetries: -1 })).message).toBe(
      'maxRetries must be a whole number ≥ 0, got -1',
    );
    const notAFetch = 'https://proxy.example' as unknown as typeof fetch;
    expect(configError(() => new MassiveClient({ apiKey: key, env: {}, fetch: notAFetch })).message).toBe(
      'fetch must be a function (a fetch to send requests with); got string',
    );
  });

  it('uses an injected fetch', async () => {
    const seen: string[] = [];
    const client = new MassiveClient({
      apiKey: testKey(),
      env: {},
      fetch: async (input) => {
        seen.push(String(input));
        return Response.json(fixture('openapi-examples/GetMarketStatus.json'));
      },
    });
    expect((await client.getMarketStatus()).market).toBe('extended-hours');
    expect(seen).toEqual(['https://api.massive.com/v1/marketstatus/now']);
  });
});
