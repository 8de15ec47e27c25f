import { randomUUID } from 'node:crypto';
import {
  aggsResponseSchema,
  errorBodySchema,
  groupedDailyResponseSchema,
  listTickersResponseSchema,
  previousCloseResponseSchema,
  tickerDetailsResponseSchema,
} from '@tickstock/massive-client';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TICKERS, type RunningSimulator, startSimulator } from '../src/index.js';
import { StatsRecorder } from '../src/stats.js';
import { useSimulators } from './support/simulators.js';

const NOW = Date.parse('2026-03-02T15:00:00Z');
const start = useSimulators({ now: NOW });

async function get(sim: RunningSimulator, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${sim.url}${path}`, { headers });
  const text = await res.text();
  return { status: res.status, text, requestId: res.headers.get('x-request-id'), headers: res.headers };
}

const DAY_PATH = '/v2/aggs/ticker/AAPL/range/1/day/2025-01-02/2025-01-10';

describe('authentication', () => {
  it('accepts the configured key as a Bearer header or apiKey; no key is a 400, a wrong one a 401, with the real bodies', async () => {
    const key = `test-key-${randomUUID()}`;
    const sim = await start({ apiKey: key });
    expect((await get(sim, DAY_PATH, { Authorization: `Bearer ${key}` })).status).toBe(200);
    expect((await get(sim, `${DAY_PATH}?apiKey=${key}`)).status).toBe(200);

    const missing = await get(sim, DAY_PATH);
    expect(missing.status).toBe(400);
    expect(JSON.parse(missing.text)).toEqual({ status: 'ERROR', request_id: missing.requestId, error: 'API Key was not provided' });
    const wrong = await get(sim, DAY_PATH, { Authorization: `Bearer other-${randomUUID()}` });
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.text)).toMatchObject({ status: 'ERROR', error: 'Unknown API Key' });
    errorBodySchema.parse(JSON.parse(wrong.text));
    expect(wrong.text).not.toContain(key);
    expect(sim.stats()).toMatchObject({ unauthorized: 1, byStatus: { '400': 1, '401': 1 } });
  });
});

describe('bodies and request ids', () => {
  it('sends the request id in the body and the X-Request-Id header, 32 hex digits', async () => {
    const sim = await start();
    const r = await get(sim, DAY_PATH);
    expect(r.requestId).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.parse(r.text).request_id).toBe(r.requestId);
  });

  it('the same seed gives byte-identical bodies for the same requests; another seed does not', async () => {
    const paths = [
      DAY_PATH,
      '/v2/aggs/ticker/MSFT/range/1/minute/2025-06-10/2025-06-10?limit=300',
      '/v2/aggs/ticker/X:BTCUSD/range/1/hour/2025-06-10/2025-06-11',
      '/v3/reference/tickers/NVDA',
      '/v3/reference/tickers?limit=5',
      '/v2/aggs/grouped/locale/us/market/stocks/2025-06-10',
      '/v1/marketstatus/upcoming',
    ];
    const bodies = async (sim: RunningSimulator) => {
      const out: string[] = [];
      for (const p of paths) out.push((await get(sim, p)).text.replaceAll(sim.url, 'ORIGIN'));
      return out;
    };
    const a = await bodies(await start({ seed: 42 }));
    const b = await bodies(await start({ seed: 42 }));
    const c = await bodies(await start({ seed: 43 }));
    expect(b).toEqual(a);
    expect(c[0]).not.toEqual(a[0]);
    expect(a[1]).toContain('"next_url":"ORIGIN/v2/aggs/ticker/MSFT/range/1/minute/');
  });

  it('every body validates against the client schemas', async () => {
    const sim = await start();
    const cases = [
      [DAY_PATH, aggsResponseSchema],
      ['/v2/aggs/ticker/I:NDX/range/1/day/2025-01-02/2025-01-10', aggsResponseSchema],
      ['/v2/aggs/ticker/ZZZNOPE/range/1/day/2025-01-02/2025-01-10', aggsResponseSchema],
      ['/v2/aggs/ticker/AAPL/prev', previousCloseResponseSchema],
      ['/v2/aggs/grouped/locale/us/market/stocks/2025-01-10', groupedDailyResponseSchema],
      ['/v3/reference/tickers/AAPL', tickerDetailsResponseSchema],
      ['/v3/reference/tickers/SPY', tickerDetailsResponseSchema],
      ['/v3/reference/tickers/X:BTCUSD', tickerDetailsResponseSchema],
      ['/v3/reference/tickers?limit=3', listTickersResponseSchema],
    ] as const;
    for (const [path, schema] of cases) {
      const r = await get(sim, path);
      expect(r.status, path).toBe(200);
      expect(schema.safeParse(JSON.parse(r.text)).success, path).toBe(true);
    }
  });

  it('bars bodies have the real envelope order and no results key when empty', async () => {
    const sim = await start();
    const r = JSON.parse((await get(sim, DAY_PATH)).text);
    expect(Object.keys(r)).toEqual(['ticker', 'queryCount', 'resultsCount', 'adjusted', 'results', 'status', 'request_id', 'count']);
    expect(Object.keys(r.results[0])).toEqual(['v', 'vw', 'o', 'c', 'h', 'l', 't', 'n']);
    const empty = JSON.parse((await get(sim, '/v2/aggs/ticker/AAPL/range/1/day/2025-01-04/2025-01-05')).text);
    expect(Object.keys(empty)).toEqual(['ticker', 'queryCount', 'resultsCount', 'adjusted', 'status', 'request_id', 'count']);
    expect(empty).toMatchObject({ ticker: 'AAPL', queryCount: 0, resultsCount: 0, count: 0 });
  });

  it('a DELAYED plan says so in status', async () => {
    const sim = await start({ status: 'DELAYED' });
    expect(JSON.parse((await get(sim, DAY_PATH)).text).status).toBe('DELAYED');
  });

  it('answers 400 with the reason for a bad request', async () => {
    const sim = await start();
    const bad = await get(sim, '/v2/aggs/ticker/AAPL/range/1/fortnight/2025-01-02/2025-01-10');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text)).toMatchObject({ status: 'ERROR', error: expect.stringContaining('timespan must be one of') });
    const date = await get(sim, '/v2/aggs/ticker/AAPL/range/1/day/2025-02-30/2025-03-10');
    expect(JSON.parse(date.text).error).toBe('from must be YYYY-MM-DD or Unix milliseconds, got "2025-02-30"');
    expect((await get(sim, `${DAY_PATH}?limit=0`)).status).toBe(400);
    expect((await get(sim, `${DAY_PATH}?cursor=***`)).status).toBe(400);
    expect((await get(sim, '/v9/nothing')).status).toBe(404);
  });
});

describe('unknown tickers', () => {
  it('serves empty bars and 404 details for configured and reserved unknown tickers', async () => {
    const sim = await start({ unknownTickers: ['GONE'] });
    for (const t of ['GONE', 'ZZZTEST', 'MY_UNKNOWN_1']) {
      const bars = JSON.parse((await get(sim, `/v2/aggs/ticker/${t}/range/1/day/2025-01-02/2025-01-10`)).text);
      expect(bars).toMatchObject({ ticker: t, resultsCount: 0, count: 0 });
      expect(bars).not.toHaveProperty('results');
      const details = await get(sim, `/v3/reference/tickers/${t}`);
      expect(details.status).toBe(404);
      expect(JSON.parse(details.text)).toEqual({ status: 'NOT_FOUND', request_id: details.requestId, message: 'Ticker not found.' });
    }
  });
});

describe('reference data', () => {
  it('lists the universe through cursor pages that carry every parameter', async () => {
    const sim = await start();
    const seen: string[] = [];
    let url: string | undefined = `${sim.url}/v3/reference/tickers?market=stocks&limit=7`;
    let pages = 0;
    while (url) {
      const body = listTickersResponseSchema.parse(await (await fetch(url)).json());
      pages++;
      seen.push(...(body.results ?? []).map((r) => r.ticker));
      url = body.next_url;
      if (url) expect(Buffer.from(new URL(url).searchParams.get('cursor')!, 'base64url').toString()).toContain('market=stocks');
    }
    const stocks = DEFAULT_TICKERS.filter((t) => !t.ticker.includes(':'))
      .map((t) => t.ticker)
      .sort();
    expect(seen).toEqual(stocks);
    expect(pages).toBe(Math.ceil(stocks.length / 7));
  });

  it('filters by market and search', async () => {
    const sim = await start();
    const crypto = JSON.parse((await get(sim, '/v3/reference/tickers?market=crypto')).text);
    expect(crypto.results.map((r: { ticker: string }) => r.ticker)).toEqual(['X:BTCUSD', 'X:ETHUSD']);
    const search = JSON.parse((await get(sim, '/v3/reference/tickers?search=apple')).text);
    expect(search.results.map((r: { ticker: string }) => r.ticker)).toEqual(['AAPL']);
  });

  it('describes a ticker with the real details fields, results as an object', async () => {
    const sim = await start({ tickers: [{ ticker: 'ACME', name: 'Acme Corp.', type: 'CS', primaryExchange: 'XNYS' }] });
    const body = JSON.parse((await get(sim, '/v3/reference/tickers/ACME')).text);
    expect(body.results).toMatchObject({
      ticker: 'ACME',
      name: 'Acme Corp.',
      market: 'stocks',
      locale: 'us',
      primary_exchange: 'XNYS',
      type: 'CS',
      active: true,
      currency_name: 'usd',
    });
    expect(body.results.cik).toMatch(/^\d{10}$/);
    expect(body.results.composite_figi).toMatch(/^BBG[0-9A-Z]{9}$/);
  });

  it('grouped daily has one row per universe stock with T, stamped 16:00 New York; none on a holiday', async () => {
    const sim = await start({ tickers: ['AAA', 'BBB', 'X:BTCUSD'] });
    const body = JSON.parse((await get(sim, '/v2/aggs/grouped/locale/us/market/stocks/2025-06-10')).text);
    expect(body.results.map((r: { T: string }) => r.T)).toEqual(['AAA', 'BBB']);
    expect(body.results[0].t).toBe(Date.parse('2025-06-10T20:00:00Z'));
    expect(body).not.toHaveProperty('ticker');
    const holiday = JSON.parse((await get(sim, '/v2/aggs/grouped/locale/us/market/stocks/2025-12-25')).text);
    expect(holiday).toMatchObject({ resultsCount: 0, count: 0 });
    expect(holiday).not.toHaveProperty('results');
  });

  it('grouped daily for crypto and forex at their global paths; OTC on request; bad paths 400; counted per market', async () => {
    const sim = await start({ tickers: ['AAA', { ticker: 'OTCQ', name: 'Q', otc: true }, 'I:NDX', 'X:BTCUSD', 'C:EURUSD'] });
    const body = async (path: string) => JSON.parse((await get(sim, path)).text);
    const stocks = await body('/v2/aggs/grouped/locale/us/market/stocks/2025-06-10');
    const crypto = await body('/v2/aggs/grouped/locale/global/market/crypto/2025-06-14'); // a Saturday: crypto trades
    const fx = await body('/v2/aggs/grouped/locale/global/market/fx/2025-06-10');
    expect(stocks.results.map((r: { T: string }) => r.T)).toEqual(['AAA']);
    expect(crypto.results).toEqual([expect.objectContaining({ T: 'X:BTCUSD', t: Date.parse('2025-06-15T03:59:59.999Z') })]);
    expect(fx.results).toEqual([expect.objectContaining({ T: 'C:EURUSD', t: Date.parse('2025-06-10T23:59:59.999Z') })]);
    for (const b of [stocks, crypto, fx]) {
      expect(Object.keys(b)).toEqual(['queryCount', 'resultsCount', 'adjusted', 'results', 'status', 'request_id', 'count']);
      expect(groupedDailyResponseSchema.safeParse(b).success).toBe(true);
    }
    const otc = await get(sim, '/v2/aggs/grouped/locale/us/market/stocks/2025-06-10?include_otc=true&adjusted=false');
    const otcRows = JSON.parse(otc.text).results;
    expect(otcRows.map((r: { T: string }) => r.T)).toEqual(['AAA', 'OTCQ']);
    expect(Object.keys(otcRows[1])).toEqual(['T', 'v', 'vw', 'o', 'c', 'h', 'l', 't', 'n', 'otc']);
    expect(otcRows[1].otc).toBe(true);
    expect(otcRows[0]).not.toHaveProperty('otc');
    expect(JSON.parse((await get(sim, '/v2/aggs/grouped/locale/global/market/fx/2025-06-14')).text)).not.toHaveProperty('results');
    const bad = await get(sim, '/v2/aggs/grouped/locale/us/market/crypto/2025-06-10');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).error).toContain('/v2/aggs/grouped/locale/global/market/crypto/{date}');
    expect((await get(sim, '/v2/aggs/grouped/locale/us/market/stocks/2025-06-10?include_otc=yes')).status).toBe(400);
    expect((await get(sim, '/v2/aggs/grouped/locale/global/market/fx/2025-06-31')).status).toBe(400);
    expect(sim.stats().groupedByMarket).toEqual({ stocks: 3, crypto: 1, fx: 3, unknown: 1 });
    expect(sim.stats().byEndpoint.grouped).toBe(8);
    sim.reset();
    expect(sim.stats().groupedByMarket).toEqual({});
  });

  it('previous close is the last trading day before now, stamped 16:00 New York', async () => {
    const sim = await start();
    const body = JSON.parse((await get(sim, '/v2/aggs/ticker/AAPL/prev')).text);
    expect(body.results).toHaveLength(1);
    expect(body.results[0]).toMatchObject({ T: 'AAPL', t: Date.parse('2026-02-27T21:00:00Z') });
    // crypto trades on weekends: its previous day is the day before (Sunday, March 1)
    const crypto = JSON.parse((await get(sim, '/v2/aggs/ticker/X:BTCUSD/prev')).text);
    expect(crypto.results[0]).toMatchObject({ T: 'X:BTCUSD', t: Date.parse('2026-03-01T21:00:00Z') });
    // forex: the previous UTC day (Sunday's evening session), stamped at its end like grouped daily
    const fx = JSON.parse((await get(sim, '/v2/aggs/ticker/C:EURUSD/prev')).text);
    expect(fx.results[0]).toMatchObject({ T: 'C:EURUSD', t: Date.parse('2026-03-01T23:59:59.999Z') });
  });
});

describe('rate limit', () => {
  it('answers requests beyond the budget with 429, the real body and Retry-After', async () => {
    const sim = await start({ rateLimit: { requestsPerMinute: 5 }, retryAfterSeconds: 12 });
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof get>> | undefined;
    for (let i = 0; i < 8; i++) {
      last = await get(sim, DAY_PATH);
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
    expect(JSON.parse(last!.text)).toEqual({
      status: 'ERROR',
      request_id: last!.requestId,
      error:
        "You've exceeded the maximum requests per minute, please wait or upgrade your subscription to continue. https://massive.com/pricing",
    });
    expect(last!.headers.get('retry-after')).toBe('12');
    expect(sim.stats()).toMatchObject({ requests: 8, rateLimited: 3, rateLimitExceeded: 3, peakPerMinute: 8 });
  });
});

describe('faults', () => {
  it('sends each fault kind as configured', async () => {
    const cases = [
      ['429', 429, 'application/json'],
      ['500', 500, 'application/json'],
      ['502', 502, 'text/html'],
      ['503', 503, 'text/html'],
      ['504', 504, 'text/html'],
    ] as const;
    for (const [kind, status, type] of cases) {
      const sim = await start({ faults: { fractions: { [kind]: 1 } } });
      const r = await get(sim, DAY_PATH);
      expect(r.status).toBe(status);
      expect(r.headers.get('content-type')).toBe(type);
      if (kind === '502') expect(r.text).toContain('<center><h1>502 Bad Gateway</h1></center>');
      expect(sim.stats()).toMatchObject({ faults: 1, faultsByKind: { [kind]: 1 } });
    }
  });

  it('resets connections and truncates bodies', async () => {
    const reset = await start({ faults: { fractions: { reset: 1 } } });
    await expect(fetch(`${reset.url}${DAY_PATH}`)).rejects.toThrow();
    const truncated = await start({ faults: { fractions: { truncate: 1 } } });
    await expect(fetch(`${truncated.url}${DAY_PATH}`).then((r) => r.text())).rejects.toThrow();
    expect(truncated.stats().faultsByKind).toEqual({ truncate: 1 });
  });

  it('is reproducible: the same seed gives the same fault sequence', async () => {
    const sequence = async (seed: number) => {
      const sim = await start({ seed, faults: { rate: 0.5, kinds: ['429', '500', '503'] } });
      const out: number[] = [];
      for (let i = 0; i < 30; i++) out.push((await get(sim, DAY_PATH)).status);
      return out;
    };
    const a = await sequence(5);
    expect(await sequence(5)).toEqual(a);
    expect(a.filter((s) => s !== 200).length).toBeGreaterThan(5);
    expect(a.filter((s) => s === 200).length).toBeGreaterThan(5);
  });

  it('rejects fault fractions that add up to more than 1, naming them', async () => {
    await expect(startSimulator({ faults: { rate: 0.8, fractions: { '500': 0.5 } } })).rejects.toThrow(/faults add up to more than 1/);
    await expect(startSimulator({ faults: { fractions: { '418': 0.1 } as never } })).rejects.toThrow(/unknown fault "418"/);
  });

  it('adds latency and still answers (timing itself is measured in benchmarks)', async () => {
    const sim = await start({ latency: { fixedMs: 5, jitterMs: 5 } });
    expect((await get(sim, DAY_PATH)).status).toBe(200);
  });
});

describe('counters', () => {
  it('counts requests per endpoint, statuses and bars, over HTTP too, and resets', async () => {
    const sim = await start();
    await get(sim, DAY_PATH);
    await get(sim, DAY_PATH);
    await get(sim, '/v3/reference/tickers/AAPL');
    await get(sim, '/v1/marketstatus/now');
    await get(sim, '/v3/reference/tickers/ZZZ');
    const s = sim.stats();
    expect(s).toMatchObject({
      requests: 5,
      byEndpoint: { aggs: 2, tickerDetails: 2, marketStatus: 1 },
      byStatus: { '200': 4, '404': 1 },
      barsServed: 12, // 6 trading days (January 9, 2025 was closed) twice
      faults: 0,
      rateLimited: 0,
    });
    expect(s.peakPerSecond).toBeGreaterThanOrEqual(1);
    expect(JSON.parse((await get(sim, '/__sim/stats')).text)).toEqual(s);
    expect((await fetch(`${sim.url}/__sim/reset`, { method: 'POST' })).status).toBe(204);
    expect(sim.stats()).toMatchObject({ requests: 0, byEndpoint: {}, barsServed: 0, peakPerSecond: 0, peakPerMinute: 0 });
    const first = await get(sim, DAY_PATH);
    sim.reset();
    expect((await get(sim, DAY_PATH)).requestId).toBe(first.requestId);
  });
});

describe('per-ticker counters', () => {
  it('counts aggregates (every page) and ticker details per ticker, decoded; no other endpoint', async () => {
    const sim = await start();
    await get(sim, DAY_PATH);
    // Two days of minutes (1,920) at 1,000 a page: two pages, both about AAPL.
    const first = JSON.parse((await get(sim, '/v2/aggs/ticker/AAPL/range/1/minute/2025-01-02/2025-01-03?limit=1000')).text);
    expect((await fetch(first.next_url)).status).toBe(200);
    await get(sim, '/v3/reference/tickers/MSFT');
    await get(sim, '/v3/reference/tickers/ZZZ'); // 404, still a request about ZZZ
    await get(sim, '/v2/aggs/ticker/X%3ABTCUSD/range/1/day/2025-01-02/2025-01-10');
    await get(sim, '/v2/aggs/ticker/__proto__/range/1/day/2025-01-02/2025-01-10');
    await get(sim, '/v2/aggs/ticker/MSFT/prev');
    await get(sim, '/v2/aggs/grouped/locale/us/market/stocks/2025-01-02');
    await get(sim, '/v3/reference/tickers');
    await get(sim, '/v1/marketstatus/now');
    const s = sim.stats();
    expect(s.requests).toBe(11);
    expect(Object.entries(s.byTicker).sort()).toEqual([
      ['AAPL', 3],
      ['MSFT', 1],
      ['X:BTCUSD', 1],
      ['ZZZ', 1],
      ['__proto__', 1],
    ]);
    expect(Object.getPrototypeOf(s.byTicker)).toBe(Object.prototype);
    expect(JSON.parse((await get(sim, '/__sim/stats')).text).byTicker).toEqual(s.byTicker);
    sim.reset();
    expect(sim.stats().byTicker).toEqual({});
  });

  it('counts faulted and rate-limited requests too (a retried request shows up as another request)', async () => {
    const sim = await start({ faults: { rate: 1, kinds: ['500'] } });
    await get(sim, DAY_PATH);
    await get(sim, DAY_PATH);
    expect(sim.stats()).toMatchObject({ faults: 2, byTicker: { AAPL: 2 } });
    const limited = await start({ rateLimit: { requestsPerMinute: 1 } });
    await get(limited, DAY_PATH);
    expect((await get(limited, '/v3/reference/tickers/AAPL')).status).toBe(429);
    expect(limited.stats()).toMatchObject({ rateLimitExceeded: 1, byTicker: { AAPL: 2 } });
  });
});

describe('peak windows', () => {
  it('counts the most arrivals in any (t - 1000 ms, t] window, shortened by the slack', () => {
    const exact = new StatsRecorder();
    const slack = new StatsRecorder(100);
    for (let t = 0; t <= 1000; t += 100) {
      exact.arrival('aggs', t);
      slack.arrival('aggs', t);
    }
    expect(exact.snapshot()).toMatchObject({ requests: 11, peakPerSecond: 10, peakPerMinute: 11 });
    expect(slack.snapshot()).toMatchObject({ peakPerSecond: 9, peakPerMinute: 11 });
    exact.arrival('aggs', 1001); // two arrivals 1 ms apart: window (1, 1001] holds 100..1001
    expect(exact.snapshot().peakPerSecond).toBe(11);
  });

  it('keeps the first and last arrival times, null before any and after a reset', () => {
    const recorder = new StatsRecorder();
    expect(recorder.snapshot()).toMatchObject({ firstArrivalAt: null, lastArrivalAt: null });
    recorder.arrival('aggs', 1_700_000_000_123);
    recorder.arrival('tickerDetails', 1_700_000_004_567);
    expect(recorder.snapshot()).toMatchObject({ firstArrivalAt: 1_700_000_000_123, lastArrivalAt: 1_700_000_004_567 });
    recorder.reset();
    expect(recorder.snapshot()).toMatchObject({ firstArrivalAt: null, lastArrivalAt: null });
  });
});
