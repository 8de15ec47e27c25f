import { describe, expect, it } from 'vitest';
import { startSimulator } from '../src/index.js';
import { RenderedPageCache } from '../src/page-cache.js';
import { useSimulators } from './support/simulators.js';

const NOW = Date.parse('2026-03-02T15:00:00Z');
const start = useSimulators({ now: NOW });

async function get(url: string): Promise<{ status: number; text: string; requestId: string | null }> {
  const res = await fetch(url);
  return { status: res.status, text: await res.text(), requestId: res.headers.get('x-request-id') };
}

/** Two sessions of minute bars in pages of 500 (the first page has a next_url). */
const MINUTES = '/v2/aggs/ticker/AAPL/range/1/minute/2025-03-03/2025-03-04?adjusted=true&sort=asc&limit=500';

const withoutRequestId = (text: string) => text.replace(/"request_id":"[^"]*"/, '"request_id":"-"');

describe('rendered pages kept for repeated requests', () => {
  it('a page asked again is the same body but for its own request id, and the same as with no cache at all', async () => {
    const cached = await start();
    const uncached = await start({ pageCacheMb: 0 });
    const first = await get(`${cached.url}${MINUTES}`);
    const again = await get(`${cached.url}${MINUTES}`);
    const plain = await get(`${uncached.url}${MINUTES}`);
    expect([first.status, again.status, plain.status]).toEqual([200, 200, 200]);
    expect(JSON.parse(first.text).request_id).toBe(first.requestId);
    expect(JSON.parse(again.text).request_id).toBe(again.requestId);
    expect(again.requestId).not.toBe(first.requestId);
    expect(withoutRequestId(again.text)).toBe(withoutRequestId(first.text));
    // The other server's origin is in its next_url; the rest is byte for byte the same.
    expect(withoutRequestId(plain.text).replaceAll(uncached.url, cached.url)).toBe(withoutRequestId(first.text));
    expect(JSON.parse(first.text)).toMatchObject({ resultsCount: 500, count: 500 });
    expect(cached.stats().barsServed).toBe(1000); // a page from the cache counts its bars too
  });

  it('next_url names the origin the request came to, not the one of the request that filled the cache', async () => {
    const sim = await start();
    const viaIp = JSON.parse((await get(`${sim.url}${MINUTES}`)).text).next_url as string;
    const viaName = JSON.parse((await get(`${sim.url.replace('127.0.0.1', 'localhost')}${MINUTES}`)).text).next_url as string;
    expect(viaIp.startsWith(`${sim.url}/v2/aggs/ticker/AAPL/range/1/minute/`)).toBe(true);
    expect(viaName).toBe(viaIp.replace('127.0.0.1', 'localhost'));
  });

  it('a later clock is a different page: bars up to the new now, not the kept ones', async () => {
    let now = Date.parse('2025-03-03T15:00:00Z'); // 10:00 New York: 600 minutes of the session have not happened yet
    const sim = await start({ now: () => now, gapRate: 0 });
    const path = '/v2/aggs/ticker/AAPL/range/1/minute/2025-03-03/2025-03-03?adjusted=true&sort=asc&limit=50000';
    const early = JSON.parse((await get(`${sim.url}${path}`)).text).resultsCount as number;
    now = Date.parse('2025-03-04T01:00:00Z'); // 20:00 New York: the whole day, extended hours included
    const late = JSON.parse((await get(`${sim.url}${path}`)).text).resultsCount as number;
    expect(early).toBe(360); // 04:00 to 10:00 New York
    expect(late).toBe(960); // 04:00 to 20:00
  });

  it('keeps the most recently used pages within its bytes, the oldest out first', () => {
    const rows = (n: number) => ({ rows: { bytes: Buffer.alloc(n), count: 1 }, queryCount: 1 });
    const cache = new RenderedPageCache(100);
    cache.set('a', rows(40));
    cache.set('b', rows(40));
    expect(cache.get('a')).toBeDefined(); // a is now the most recent
    cache.set('c', rows(40)); // 120 > 100: b, the least recently used, goes
    expect([cache.get('a'), cache.get('b'), cache.get('c')].map((p) => p !== undefined)).toEqual([true, false, true]);
    expect(cache.size).toBe(80);
    cache.set('d', rows(101)); // larger than the whole cache: not kept, nothing evicted for it
    expect(cache.get('d')).toBeUndefined();
    expect(cache.size).toBe(80);
    cache.set('a', rows(10)); // replaced: its old bytes no longer counted
    expect(cache.size).toBe(50);
    const none = new RenderedPageCache(0);
    none.set('a', rows(1));
    expect(none.get('a')).toBeUndefined();
  });

  it('refuses a negative size, naming the option', async () => {
    await expect(startSimulator({ pageCacheMb: -1 })).rejects.toThrow('pageCacheMb must be >= 0, got -1');
  });
});
