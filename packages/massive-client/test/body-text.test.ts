/** readBodyText: what `Response.text()` gives, the cheap way for ASCII bodies (every page of bars). */
import { describe, expect, it } from 'vitest';
import { readBodyText } from '../src/http/attempt.js';

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
