/**
 * How one GET goes out and its answer comes back, read in full. Two ways:
 * - **undici's `request()`** (the default): Node's own HTTP client, the one under its `fetch`, without the Fetch
 *   standard's objects around it (Request, Headers, Response, web streams): about a quarter of the CPU per request.
 *   It goes through undici's global dispatcher, the one Node's `fetch` uses too, so a proxy or connection settings set
 *   with `setGlobalDispatcher` apply to both. It asks for gzip or brotli and decompresses, as `fetch` does.
 * - **a `fetch`**: the one given with the client's `fetch` option, or the global one when it has been replaced since
 *   this module was loaded (msw and other interceptors, polyfills), so what intercepts `fetch` still sees every request.
 * Redirects are never followed by either: the caller sees the 3xx.
 */
import type { Buffer } from 'node:buffer';
import { STATUS_CODES } from 'node:http';
import { pipeline, type Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip } from 'node:zlib';
import { request } from 'undici';
import { bytesOfChunks, contentLength, readBodyBytes } from './body-bytes.js';

/** The `fetch` the client can be given (for tests or a custom transport); by default it sends with undici. */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** One GET's answer, its body read in full. */
export interface Answer {
  status: number;
  statusText: string;
  /** A header's value (several joined by `, `), or null when absent. */
  header(name: string): string | null;
  /** A redirect (3xx, or fetch's opaque redirect): not followed. */
  isRedirect: boolean;
  bytes: Buffer;
}

/** What a send needs besides the URL. */
export interface SendInit {
  headers: Record<string, string>;
  signal: AbortSignal;
}

/** Sends one GET and reads its answer; rejects as the transport does (the attempt layer types the failure). */
export type Sender = (url: URL, init: SendInit) => Promise<Answer>;

/** The encodings asked for on the default path (what it can decode). */
const ACCEPT_ENCODING = 'gzip, br';

/** Sends with undici's `request()` through the global dispatcher. */
export const sendWithUndici: Sender = async (url, init) => {
  const { statusCode, headers, body } = await request(url, {
    method: 'GET',
    headers: { 'accept-encoding': ACCEPT_ENCODING, ...init.headers },
    signal: init.signal,
  });
  const header = (name: string): string | null => {
    const value = headers[name.toLowerCase()];
    return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
  };
  const decoders = decodersOf(header('content-encoding'));
  // Decompressed, the length is not the announced one; a failure of either stream fails the read.
  const bytes =
    decoders.length === 0
      ? await bytesOfChunks(body, contentLength(header('content-length')))
      : await bytesOfChunks(pipeline([body, ...decoders], () => {}) as unknown as Transform);
  return {
    status: statusCode,
    statusText: STATUS_CODES[statusCode] ?? '',
    header,
    isRedirect: statusCode >= 300 && statusCode < 400,
    bytes,
  };
};

/**
 * Decompressors for a `Content-Encoding` (the last applied is undone first), gzip and brotli; none for identity. An
 * encoding it does not know leaves the body as sent (it then fails as a body that is not JSON).
 */
function decodersOf(contentEncoding: string | null): Transform[] {
  if (!contentEncoding) return [];
  const codings = contentEncoding
    .toLowerCase()
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '' && c !== 'identity')
    .reverse();
  const decoders: Transform[] = [];
  for (const coding of codings) {
    if (coding === 'gzip' || coding === 'x-gzip') decoders.push(createGunzip());
    else if (coding === 'br') decoders.push(createBrotliDecompress());
    else return [];
  }
  return decoders;
}

/** Sends with `fetch` (never following a redirect). */
export function sendWithFetch(fetch: FetchLike): Sender {
  return async (url, init) => {
    const response = await fetch(url, { method: 'GET', headers: init.headers, signal: init.signal, redirect: 'manual' });
    const bytes = await readBodyBytes(response);
    return {
      status: response.status,
      statusText: response.statusText,
      header: (name) => response.headers.get(name),
      isRedirect: (response.status >= 300 && response.status < 400) || response.type === 'opaqueredirect',
      bytes,
    };
  };
}

/** The global `fetch` as this module found it. */
const loadedFetch: unknown = globalThis.fetch;

/**
 * The default sender: undici's `request()`, or the global `fetch` when something has replaced it since this module
 * was loaded (an interceptor such as msw, a polyfill): looked up on every request, so one installed later, and removed
 * later, is followed.
 */
export const sendByDefault: Sender = (url, init) => {
  const current = globalThis.fetch;
  if (typeof current !== 'function' || current === loadedFetch) return sendWithUndici(url, init);
  return sendWithFetch(current)(url, init);
};
