/** readBodyText: what `Response.text()` gives, the cheap way for ASCII bodies (every page of bars); readBodyBytes under it. */
import { describe, expect, it } from 'vitest';
import { readBodyText } from '../src/http/attempt.js';
import { readBodyBytes } from '../src/http/body-bytes.js';

const bytes = (...b: number[]) => new Response(new Uint8Array(b));

describe('readBodyText', () => {
  it('an ASCII body reads back exactly', async () => {
    expect(await readBodyText(new Response('{"ticker":"AAPL","results":[{"t":1,"o":2.5}]}'))).toBe(
      '{"ticker":"AAPL","results":[{"t":1,"o":2.5}]}',
    );
  });

  it('a UTF-8 body (a company name) is decoded as UTF-8, as text() does', async () => {
    const body = '{"name":"Société Générale – ADR ✓"}';
    expect(await readBodyText(new Response(body))).toBe(body);
    expect(await readBodyText(new Response(body))).toBe(await new Response(body).text());
  });

  it('drops a leading UTF-8 byte-order mark, as text() does', async () => {
    expect(await readBodyText(bytes(0xef, 0xbb, 0xbf, 0x7b, 0x7d))).toBe('{}');
    expect(await readBodyText(bytes(0xef, 0xbb, 0xbf, 0x7b, 0x7d))).toBe(await bytes(0xef, 0xbb, 0xbf, 0x7b, 0x7d).text());
  });

  it('an empty body is the empty string', async () => {
    expect(await readBodyText(new Response(''))).toBe('');
    expect(await readBodyText(new Response(null))).toBe('');
  });
});

/** A body sent as these chunks, with these headers. */
function chunked(chunks: readonly string[], headers: Record<string, string> = {}, failAfter?: number): Response {
  let i = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (failAfter !== undefined && i === failAfter) controller.error(new TypeError('terminated'));
      else if (i < chunks.length) controller.enqueue(new TextEncoder().encode(chunks[i++]));
      else controller.close();
    },
  });
  return new Response(stream, { headers });
}

describe('readBodyBytes', () => {
  const parts = ['{"results":[', '{"t":1},'.repeat(20_000), '{"t":2}]}'];
  const whole = parts.join('');

  it('reads a body of an announced length into a buffer of exactly that length', async () => {
    const read = await readBodyBytes(chunked(parts, { 'content-length': String(whole.length) }));
    expect(read.toString('latin1')).toBe(whole);
    expect(read.buffer.byteLength).toBe(whole.length);
  });

  it('reads a body of no announced length, or longer than announced (a compressed transfer), growing as it comes', async () => {
    expect((await readBodyBytes(chunked(parts))).toString('latin1')).toBe(whole);
    expect((await readBodyBytes(chunked(parts, { 'content-length': '10' }))).toString('latin1')).toBe(whole);
    expect((await readBodyBytes(chunked(parts, { 'content-length': '0' }))).toString('latin1')).toBe(whole);
    expect((await readBodyBytes(chunked(parts, { 'content-length': 'many' }))).toString('latin1')).toBe(whole);
  });

  it('an absent or empty body is no bytes', async () => {
    expect((await readBodyBytes(new Response(null))).length).toBe(0);
    expect((await readBodyBytes(new Response(''))).length).toBe(0);
  });

  it('a transfer cut mid-body throws as arrayBuffer() does, not a short body', async () => {
    await expect(readBodyBytes(chunked(parts, {}, 2))).rejects.toThrow(new TypeError('terminated'));
    await expect(chunked(parts, {}, 2).arrayBuffer()).rejects.toThrow(new TypeError('terminated'));
  });
});
