import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { MassiveClient } from '@tickstock/massive-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../src/index.js';

// The simulator's bodies against the recorded Massive responses in test/fixtures/massive: same keys, same order.
type Obj = Record<string, unknown>;
const fixture = (path: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../massive-client/test/fixtures/massive/${path}`, import.meta.url), 'utf8'));
const mocks = 'client-python/test_rest/mocks';
const keys = (o: unknown) => Object.keys(o as Obj);
const firstRow = (o: unknown) => ((o as Obj).results as Obj[])[0];
/** True when `sub` appears in `full` in the same relative order. */
const inOrder = (sub: string[], full: string[]) => {
  let i = 0;
  for (const k of full) if (k === sub[i]) i++;
  return i === sub.length;
};

const apiKey = `test-key-${randomUUID()}`;
let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ now: Date.parse('2022-11-20T15:00:00Z'), apiKey });
});
afterAll(async () => {
  await sim.close();
});

async function get(path: string, status = 200, auth = true): Promise<unknown> {
  const res = await fetch(`${sim.url}${path}`, auth ? { headers: { Authorization: `Bearer ${apiKey}` } } : {});
  expect(res.status, path).toBe(status);
  return res.json();
}

describe('bodies have the recorded shapes', () => {
  it('day bars: envelope and bar keys in the recorded order', async () => {
    const real = fixture(`${mocks}/v2/aggs/ticker/AAPL/range/1/day/2005-04-01/2005-04-04.json`);
    const ours = await get('/v2/aggs/ticker/AAPL/range/1/day/2005-04-01/2005-04-04');
    expect(keys(ours)).toEqual(keys(real));
    expect(keys(firstRow(ours))).toEqual(keys(firstRow(real)));
    expect((firstRow(ours) as Obj).t).toBe((firstRow(real) as Obj).t); // 2005-04-01 00:00 New York
  });

  it('hour bars: as the recorded DELAYED response (16 bars 04:00-19:00 New York)', async () => {
    const real = fixture('third-party/v2-aggs-AAPL-range-1-hour-2024-04-29-DELAYED.json') as Obj;
    const later = await startSimulator({ now: Date.parse('2024-05-01T00:00:00Z') });
    const ours = (await (await fetch(`${later.url}/v2/aggs/ticker/AAPL/range/1/hour/2024-04-29/2024-04-29`)).json()) as Obj;
    await later.close();
    expect(keys(ours)).toEqual(keys(real));
    expect(keys(firstRow(ours))).toEqual(keys(firstRow(real)));
    expect((ours.results as Obj[]).map((r) => r.t)).toEqual((real.results as Obj[]).map((r) => r.t));
  });

  it('an empty range: no results key', async () => {
    const real = fixture('errors/reconstructed/200-aggs-empty-no-results-key.json');
    expect(keys(await get('/v2/aggs/ticker/AAPL/range/1/day/2022-11-19/2022-11-20'))).toEqual(keys(real));
  });

  it('previous close and grouped daily', async () => {
    const prev = fixture(`${mocks}/v2/aggs/ticker/AAPL/prev.json`);
    const ourPrev = await get('/v2/aggs/ticker/AAPL/prev');
    expect(keys(ourPrev)).toEqual(keys(prev));
    expect(keys(firstRow(ourPrev))).toEqual(keys(firstRow(prev)));
    const grouped = fixture(`${mocks}/v2/aggs/grouped/locale/us/market/stocks/2005-04-04&adjusted=true.json`);
    const ourGrouped = await get('/v2/aggs/grouped/locale/us/market/stocks/2022-11-18?adjusted=true');
    expect(keys(ourGrouped)).toEqual(keys(grouped));
    expect(keys(firstRow(ourGrouped))).toEqual(keys(firstRow(grouped)));
  });

  it('ticker details: results an object, every key one the API sends, in its order', async () => {
    const real = fixture(`${mocks}/v3/reference/tickers/AAPL.json`) as Obj;
    const spec = fixture('openapi-examples/GetTicker.json') as Obj;
    const ours = (await get('/v3/reference/tickers/AAPL')) as Obj;
    expect(keys(ours)).toEqual(keys(real));
    const ourKeys = keys(ours.results);
    const realKeys = keys(real.results);
    expect(ourKeys.filter((k) => !realKeys.includes(k) && !keys(spec.results).includes(k))).toEqual([]);
    expect(
      inOrder(
        ourKeys.filter((k) => realKeys.includes(k)),
        realKeys,
      ),
    ).toBe(true);
  });

  it('ticker list: page keys and row keys as recorded; the last page has no next_url', async () => {
    const real = fixture(`${mocks}/v3/reference/tickers.json`);
    const ours = (await get('/v3/reference/tickers?limit=2')) as Obj;
    expect(keys(ours)).toEqual(keys(real));
    expect(keys(firstRow(ours))).toEqual(keys(firstRow(real)));
    const last = fixture(
      `${mocks}/v3/reference/tickers&cursor=YWN0aXZlPXRydWUmZGF0ZT0yMDIyLTA0LTI3JmxpbWl0PTImb3JkZXI9YXNjJnBhZ2VfbWFya2VyPUFBJTdDZjEyMmJjYmY4YWQwNzRmZmJlMTZmNjkxOWQ0ZDc3NjZlMzA3MWNmNmU1Nzg3OGE0OGU1NjQ1YzQyM2U3NzJhOSZzb3J0PXRpY2tlcg.json`,
    );
    const ourLast = await get('/v3/reference/tickers?limit=1000');
    expect(keys(ourLast)).toEqual(keys(last));
  });

  it('market holidays and status', async () => {
    const upcoming = fixture(`${mocks}/v1/marketstatus/upcoming.json`) as Obj[];
    const ours = (await get('/v1/marketstatus/upcoming')) as Obj[];
    expect(Array.isArray(ours)).toBe(true);
    expect(keys(ours.find((r) => r.status === 'closed'))).toEqual(keys(upcoming.find((r) => r.status === 'closed')));
    expect(keys(ours.find((r) => r.status === 'early-close'))).toEqual(keys(upcoming.find((r) => r.status === 'early-close')));
    // the recording's Thanksgiving 2022 rows, which the simulator (now = 2022-11-20) also sends
    for (const row of upcoming.filter((r) => r.name === 'Thanksgiving')) expect(ours).toContainEqual(row);
    const now = fixture(`${mocks}/v1/marketstatus/now.json`) as Obj;
    const ourNow = (await get('/v1/marketstatus/now')) as Obj;
    expect(keys(ourNow)).toEqual(keys(now));
    expect(keys(ourNow.exchanges)).toEqual(keys(now.exchanges));
    expect(keys(ourNow.currencies)).toEqual(keys(now.currencies));
  });

  it('daily open/close: the recorded flat object with the values of its day bar; a day without a session is 404', async () => {
    const real = fixture(`${mocks}/v1/open-close/AAPL/2005-04-01&adjusted=true.json`);
    const ours = (await get('/v1/open-close/AAPL/2022-11-18?adjusted=true')) as Obj;
    expect(keys(ours)).toEqual(keys(real));
    const day = firstRow(await get('/v2/aggs/ticker/AAPL/range/1/day/2022-11-18/2022-11-18')) as Obj;
    expect([ours.status, ours.from, ours.symbol, ours.open, ours.high, ours.low, ours.close, ours.volume]).toEqual([
      'OK',
      '2022-11-18',
      'AAPL',
      day.o,
      day.h,
      day.l,
      day.c,
      day.v,
    ]);
    expect(typeof ours.preMarket).toBe('number');
    expect(typeof ours.afterHours).toBe('number');
    const notFound = fixture('errors/reconstructed/404-not-found.json');
    for (const path of [
      '/v1/open-close/AAPL/2022-11-24',
      '/v1/open-close/AAPL/2022-11-19',
      '/v1/open-close/AAPL/2022-11-21',
      '/v1/open-close/ZZZZ/2022-11-18',
    ])
      expect(keys(await get(path, 404)), path).toEqual(keys(notFound));
    expect(await get('/v1/open-close/AAPL/18-11-2022', 400)).toMatchObject({ status: 'ERROR' });
  });

  it('the client reads daily open/close from the simulator; a holiday is NOT_FOUND', async () => {
    const client = new MassiveClient({ apiKey, baseUrl: sim.url, env: {}, maxRetries: 0 });
    const day = await client.getDailyOpenClose('AAPL', '2022-11-18');
    expect([day.from, day.symbol, day.status]).toEqual(['2022-11-18', 'AAPL', 'OK']);
    await expect(client.getDailyOpenClose('AAPL', '2022-11-24')).rejects.toMatchObject({ code: 'NOT_FOUND', status: 404 });
  });

  it('errors: 401, 404 and 429 bodies as recorded', async () => {
    expect(keys(await get('/v2/aggs/ticker/AAPL/prev', 400, false))).toEqual(
      keys(fixture('errors/issue-quoted/api-key-not-provided.json')),
    );
    expect(keys(await get('/v3/reference/tickers/ZZZZ', 404))).toEqual(keys(fixture('errors/reconstructed/404-not-found.json')));
    const limited = await startSimulator({ rateLimit: { requestsPerMinute: 1 } });
    try {
      await fetch(`${limited.url}/v1/marketstatus/now`);
      const res = await fetch(`${limited.url}/v1/marketstatus/now`);
      expect(res.status).toBe(429);
      expect(await res.json()).toEqual({
        ...(fixture('errors/reconstructed/429-rate-limited.json') as Obj),
        request_id: res.headers.get('x-request-id'),
      });
    } finally {
      await limited.close();
    }
  });
});
