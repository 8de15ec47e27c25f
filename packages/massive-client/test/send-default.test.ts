/**
 * How requests go out by default (`src/http/send.ts`): undici's `request()` through the global dispatcher, gzip and
 * brotli decompressed, redirects not followed; the global `fetch` instead while something has replaced it (as msw
 * does); an injected `fetch` always. Real sockets: a node:http server on loopback.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { Agent, type Dispatcher, getGlobalDispatcher, setGlobalDispatcher } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { MassiveClient } from '../src/index.js';
import { rejection } from './support/rejection.js';

const BODY = JSON.stringify({
  ticker: 'AAPL',
  queryCount: 2,
  resultsCount: 2,
  adjusted: true,
  results: [
    { v: 100, vw: 10.5, o: 10, c: 11, h: 12, l: 9, t: 1_735_828_200_000, n: 3 },
    { v: 200, vw: 11.5, o: 11, c: 12, h: 13, l: 10, t: 1_735_828_260_000, n: 4 },
  ],
  status: 'OK',
  request_id: 'req-1',
  count: 2,
});

interface Seen {
  url: string;
  headers: IncomingHttpHeaders;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A loopback server answering every request with `answer`; `seen` lists what arrived. */
async function serve(answer: (res: ServerResponse, seen: Seen) => void): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const s = { url: req.url ?? '', headers: req.headers };
    seen.push(s);
    answer(res, s);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const json = (res: ServerResponse, body: Buffer | string, headers: Record<string, string> = {}) => {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
};

const barsOf = (client: MassiveClient) =>
  client.getBars({ ticker: 'AAPL', timespan: 'minute', from: '2025-01-02', to: '2025-01-02' }).then((bars) => bars.map((b) => b.close));

const clientOf = (baseUrl: string, options: Partial<ConstructorParameters<typeof MassiveClient>[0]> = {}) =>
  new MassiveClient({ apiKey: 'test-key', baseUrl, env: {}, maxRetries: 0, ...options });

describe('the default path', () => {
  it("sends with undici's request(), not fetch: no Fetch-standard headers, the key as a Bearer header, gzip or brotli asked for", async () => {
    const api = await serve((res) => json(res, BODY));
    expect(await barsOf(clientOf(api.url))).toEqual([11, 12]);
    const headers = api.seen[0]?.headers ?? {};
    expect(headers['sec-fetch-mode']).toBeUndefined(); // fetch always sends it
    expect([headers.authorization, headers['accept-encoding'], headers.accept]).toEqual([
      'Bearer test-key',
      'gzip, br',
      'application/json',
    ]);
    expect(api.seen[0]?.url).not.toContain('test-key');
  });

  it('an injected fetch sends every request', async () => {
    const api = await serve((res) => json(res, BODY));
    const calls: string[] = [];
    const client = clientOf(api.url, {
      fetch: (input, init) => {
        calls.push(String(input));
        return fetch(input, init);
      },
    });
    expect(await barsOf(client)).toEqual([11, 12]);
    expect(calls).toEqual([`${api.url}/v2/aggs/ticker/AAPL/range/1/minute/2025-01-02/2025-01-02?adjusted=true&sort=asc&limit=50000`]);
    expect(api.seen[0]?.headers['sec-fetch-mode']).toBe('cors');
  });

  it('while the global fetch is replaced (as msw does), requests go through it; once restored, through undici again', async () => {
    const api = await serve((res) => json(res, BODY));
    const client = clientOf(api.url);
    const original = globalThis.fetch;
    const calls: string[] = [];
    globalThis.fetch = (input, init) => {
      calls.push(String(input));
      return original(input, init);
    };
    try {
      expect(await barsOf(client)).toEqual([11, 12]);
    } finally {
      globalThis.fetch = original;
    }
    expect(await barsOf(client)).toEqual([11, 12]);
    expect(calls).toHaveLength(1);
    expect(api.seen.map((s) => s.headers['sec-fetch-mode'])).toEqual(['cors', undefined]);
  });

  it('goes through the global dispatcher, so one set with setGlobalDispatcher (a proxy agent) is used', async () => {
    const api = await serve((res) => json(res, BODY));
    const dispatched: string[] = [];
    class CountingAgent extends Agent {
      override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandlers): boolean {
        dispatched.push(`${options.method} ${options.path}`);
        return super.dispatch(options, handler);
      }
    }
    const previous = getGlobalDispatcher();
    const counting = new CountingAgent();
    setGlobalDispatcher(counting);
    try {
      expect(await barsOf(clientOf(api.url))).toEqual([11, 12]);
    } finally {
      setGlobalDispatcher(previous);
      await counting.close();
    }
    expect(dispatched).toEqual(['GET /v2/aggs/ticker/AAPL/range/1/minute/2025-01-02/2025-01-02?adjusted=true&sort=asc&limit=50000']);
  });

  it('decompresses gzip, brotli and both in turn to the same bars; identity and no encoding are read as sent', async () => {
    const encodings: Record<string, (b: Buffer) => Buffer> = {
      gzip: gzipSync,
      'x-gzip': gzipSync,
      br: brotliCompressSync,
      'gzip, br': (b) => brotliCompressSync(gzipSync(b)),
      identity: (b) => b,
    };
    for (const [encoding, encode] of Object.entries(encodings)) {
      const api = await serve((res) => json(res, encode(Buffer.from(BODY)), { 'Content-Encoding': encoding }));
      expect({ encoding, closes: await barsOf(clientOf(api.url)) }).toEqual({ encoding, closes: [11, 12] });
    }
  });

  it('a gzip body cut short fails the attempt as a retryable network error, never read as a shorter body', async () => {
    const whole = gzipSync(Buffer.from(BODY));
    const api = await serve((res) => json(res, whole.subarray(0, whole.length - 12), { 'Content-Encoding': 'gzip' }));
    const error = await rejection(barsOf(clientOf(api.url)));
    expect([error.code, error.retryable, error.attempts]).toEqual(['NETWORK_ERROR', true, 1]);
    expect(error.message).toContain('GET /v2/aggs/ticker/AAPL/range/1/minute/2025-01-02/2025-01-02 failed: Z_BUF_ERROR');
  });

  it('a body promised longer than sent (the connection closed mid-body) is a retryable network error', async () => {
    const api = await serve((res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(BODY.length) });
      res.write(BODY.slice(0, 40));
      setImmediate(() => res.socket?.destroy());
    });
    const error = await rejection(barsOf(clientOf(api.url)));
    expect([error.code, error.retryable]).toEqual(['NETWORK_ERROR', true]);
    expect(error.message).toContain('failed: UND_ERR_SOCKET');
  });

  it('does not follow a redirect: the other host never sees the request or the key', async () => {
    const elsewhere = await serve((res) => json(res, BODY));
    const api = await serve((res) => {
      res.writeHead(302, { Location: `${elsewhere.url}/v2/aggs/ticker/AAPL/range/1/minute/2025-01-02/2025-01-02` });
      res.end();
    });
    const error = await rejection(barsOf(clientOf(api.url)));
    expect([error.code, error.status, error.retryable]).toEqual(['INVALID_RESPONSE', 302, false]);
    expect(error.message).toContain('was answered with a redirect (HTTP 302), which the client does not follow');
    expect(elsewhere.seen).toEqual([]);
  });

  it('an answer slower than timeoutMs is NETWORK_TIMEOUT', async () => {
    const api = await serve(() => {}); // never answers
    const error = await rejection(barsOf(clientOf(api.url, { timeoutMs: 200 })));
    expect([error.code, error.message]).toEqual([
      'NETWORK_TIMEOUT',
      'GET /v2/aggs/ticker/AAPL/range/1/minute/2025-01-02/2025-01-02 timed out after 200 ms',
    ]);
  });

  it("an error status keeps its body's message and request id", async () => {
    const api = await serve((res) => {
      res.writeHead(503, { 'Content-Type': 'application/json', 'X-Request-Id': 'req-503' });
      res.end('{"status":"ERROR","request_id":"req-503","message":"down for maintenance"}');
    });
    const error = await rejection(barsOf(clientOf(api.url)));
    expect([error.code, error.status, error.requestId, error.apiMessage, error.retryable]).toEqual([
      'SERVER_ERROR',
      503,
      'req-503',
      'down for maintenance',
      true,
    ]);
  });
});
