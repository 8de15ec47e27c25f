/**
 * The contract test: for every endpoint that both a recorded response (packages/massive-client/test/fixtures/massive,
 * a copy of the shared fixtures) and the simulator have, the recording and the simulator's answer to the same kind of
 * request go through ONE shape comparison (`shapeDifferences`: kinds, keys, nesting and array element shapes,
 * recursively); the only differences allowed are the optional fields listed with each pair, each with its reason.
 * Every fixture file is either paired here or listed as unpaired with the reason, so a new recording fails until it is
 * placed. Key order and values are checked in simulator-shapes.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TICKERS, type RunningSimulator, type SimulatorOptions, startSimulator } from '../src/index.js';
import { shapeDifferences } from './support/shape.js';

const FIXTURES = fileURLToPath(new URL('../../massive-client/test/fixtures/massive/', import.meta.url));
const fixture = (path: string): unknown => JSON.parse(readFileSync(join(FIXTURES, path), 'utf8'));
const mocks = 'client-python/test_rest/mocks';

interface Pair {
  /** The recording. */
  fixture: string;
  /** The simulator request answering the same question. */
  path: string;
  status?: number;
  /** Which simulator: the shared one unless told (a delayed plan, a rate limit). */
  sim?: 'delayed' | 'limited';
  /** Send no key (the recording is the no-key error). */
  noKey?: boolean;
  /** Paths of fields that may be on one side only, each with its reason (in the comment beside it). */
  optional?: readonly string[];
}

const PAIRS: readonly Pair[] = [
  {
    fixture: `${mocks}/v2/aggs/ticker/AAPL/range/1/day/2005-04-01/2005-04-04.json`,
    path: '/v2/aggs/ticker/AAPL/range/1/day/2022-11-14/2022-11-18',
  },
  {
    fixture: 'openapi-examples/GetStocksAggregates.json',
    path: '/v2/aggs/ticker/AAPL/range/1/day/2022-11-14/2022-11-18?limit=2',
    // A page with `next_url`. The spec's example has no `count`; every recorded aggregate response does, as the simulator.
    optional: ['$.count'],
  },
  {
    fixture: 'openapi-examples/GetCryptoAggregates.json',
    path: '/v2/aggs/ticker/X:BTCUSD/range/1/day/2022-11-14/2022-11-18',
    // The spec's example lists no `count` (the recorded stock bars have it; the simulator sends it on every aggregate).
    optional: ['$.count'],
  },
  {
    fixture: 'openapi-examples/GetForexAggregates.json',
    path: '/v2/aggs/ticker/C:EURUSD/range/1/day/2022-11-14/2022-11-18',
    // As crypto: no `count` in the spec's example. Forex bars carry `vw`, `n` and `v` in the example too.
    optional: ['$.count'],
  },
  {
    fixture: 'openapi-examples/GetIndicesAggregates.json',
    path: '/v2/aggs/ticker/I:NDX/range/1/day/2022-11-14/2022-11-18',
    // The spec's indices example has no `adjusted`, `resultsCount` or `count`; the simulator sends the one envelope
    // every recorded aggregate response has. Bars without `v`, `vw`, `n` agree.
    optional: ['$.adjusted', '$.resultsCount', '$.count'],
  },
  {
    fixture: 'openapi-examples/GetOptionsAggregates.json',
    path: '/v2/aggs/ticker/AAPL/range/1/day/2022-11-14/2022-11-18',
    // The options example is the stock envelope (the simulator serves no options: the nearest request is a stock's).
  },
  {
    fixture: 'third-party/v2-aggs-AAPL-range-1-hour-2024-04-29-DELAYED.json',
    path: '/v2/aggs/ticker/AAPL/range/1/hour/2024-04-29/2024-04-29',
    sim: 'delayed',
  },
  { fixture: 'errors/reconstructed/200-aggs-empty-no-results-key.json', path: '/v2/aggs/ticker/AAPL/range/1/day/2022-11-19/2022-11-20' },
  {
    // Grouped daily on a day without trading (Labor Day 2022): the spec documents only a 200 (no 404), and a
    // reported request for 2023-01-01 (massive-com/client-python#534) got an empty 200: the empty aggregate envelope,
    // without the `ticker` a grouped body never has (the recorded grouped daily has none).
    fixture: 'errors/reconstructed/200-aggs-empty-no-results-key.json',
    path: '/v2/aggs/grouped/locale/us/market/stocks/2022-09-05?adjusted=true',
    optional: ['$.ticker'],
  },
  { fixture: `${mocks}/v2/aggs/ticker/AAPL/prev.json`, path: '/v2/aggs/ticker/AAPL/prev' },
  {
    fixture: 'openapi-examples/GetPreviousStocksAggregates.json',
    path: '/v2/aggs/ticker/AAPL/prev',
    // The spec's example has no `count` and no `n`; the recorded one (client-python prev.json) has both, as the simulator.
    optional: ['$.count', '$.results[].n'],
  },
  {
    fixture: `${mocks}/v2/aggs/grouped/locale/us/market/stocks/2005-04-04&adjusted=true.json`,
    path: '/v2/aggs/grouped/locale/us/market/stocks/2022-11-18?adjusted=true',
  },
  { fixture: `${mocks}/v1/open-close/AAPL/2005-04-01&adjusted=true.json`, path: '/v1/open-close/AAPL/2022-11-18?adjusted=true' },
  { fixture: `${mocks}/v1/marketstatus/upcoming.json`, path: '/v1/marketstatus/upcoming' },
  { fixture: 'openapi-examples/GetMarketHolidays.json', path: '/v1/marketstatus/upcoming' },
  { fixture: `${mocks}/v1/marketstatus/now.json`, path: '/v1/marketstatus/now' },
  {
    fixture: 'openapi-examples/GetMarketStatus.json',
    path: '/v1/marketstatus/now',
    // The spec's example adds `indicesGroups`; the recorded response (client-python now.json) has none, as the simulator.
    optional: ['$.indicesGroups'],
  },
  {
    fixture: `${mocks}/v3/reference/tickers/AAPL.json`,
    path: '/v3/reference/tickers/AAPL',
    // `round_lot` is in the spec's example (GetTicker.json) but not in this older recording.
    optional: ['$.results.round_lot'],
  },
  { fixture: 'openapi-examples/GetTicker.json', path: '/v3/reference/tickers/AAPL' },
  // The recorded pages list stocks only: the same question of the simulator (whose universe has crypto, forex and
  // index rows, each with its own fields) asks for stocks.
  { fixture: `${mocks}/v3/reference/tickers.json`, path: '/v3/reference/tickers?market=stocks&limit=2' },
  {
    fixture: `${mocks}/v3/reference/tickers&cursor=YWN0aXZlPXRydWUmZGF0ZT0yMDIyLTA0LTI3JmxpbWl0PTImb3JkZXI9YXNjJnBhZ2VfbWFya2VyPUFBJTdDZjEyMmJjYmY4YWQwNzRmZmJlMTZmNjkxOWQ0ZDc3NjZlMzA3MWNmNmU1Nzg3OGE0OGU1NjQ1YzQyM2U3NzJhOSZzb3J0PXRpY2tlcg.json`,
    path: '/v3/reference/tickers?market=stocks&limit=1000',
    // The recording's row AAA has no `cik` (README: "so that field is optional"); every simulated stock has one.
    optional: ['$.results[].cik'],
  },
  { fixture: 'openapi-examples/ListTickers.json', path: '/v3/reference/tickers?market=stocks&limit=1' },
  { fixture: `${mocks}/v3/reference/tickers/types.json`, path: '/v3/reference/tickers/types' },
  { fixture: 'errors/issue-quoted/api-key-not-provided.json', path: '/v2/aggs/ticker/AAPL/prev', status: 400, noKey: true },
  { fixture: 'errors/reconstructed/401-unknown-api-key.json', path: '/v2/aggs/ticker/AAPL/prev?apiKey=wrong', status: 401, noKey: true },
  { fixture: 'errors/reconstructed/404-not-found.json', path: '/v3/reference/tickers/ZZZZ', status: 404 },
  { fixture: 'errors/reconstructed/429-rate-limited.json', path: '/v1/marketstatus/now', status: 429, sim: 'limited' },
];

/** Fixture files with no simulator counterpart, and why. */
const UNPAIRED: Readonly<Record<string, string>> = {
  'README.md': 'the fixtures README',
  'client-python/LICENSE': 'licence text',
  'openapi-examples/LICENSE': 'licence text',
  [`${mocks}/v3/quotes/AAPL.json`]: 'quotes are not simulated',
  [`${mocks}/v3/quotes/AAPL&cursor=YXA9MTkyODgxNjYmYXM9JmxpbWl0PTEwJm9yZGVyPWRlc2Mmc29ydD10aW1lc3RhbXAmdGltZXN0YW1wLmx0ZT0yMDIyLTA1LTEwVDE0JTNBMTElM0ExMi42OTA2NjExODla.json`]:
    'quotes are not simulated',
  [`${mocks}/v3/trades/AAPL&limit=2.json`]: 'trades are not simulated',
  'openapi-examples/GetGroupedStocksAggregates.json':
    "the spec's example is wrong (request_id holds a JSON-schema object); the recorded grouped daily is paired instead",
  'errors/issue-quoted/403-not-entitled.json': 'the simulator has no plans: every key is entitled to everything',
  'errors/issue-quoted/403-plan-timeframe.json': 'the simulator has no plans: no history window',
};

function allFixtureFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else out.push(relative(FIXTURES, full));
    }
  };
  walk(FIXTURES);
  return out.sort();
}

const apiKey = `test-key-${randomUUID()}`;
const sims: Partial<Record<'main' | 'delayed' | 'limited', RunningSimulator>> = {};
const start = async (name: 'main' | 'delayed' | 'limited', options: SimulatorOptions) => {
  sims[name] = await startSimulator({ apiKey, ...options });
};
beforeAll(async () => {
  await start('main', { now: Date.parse('2022-11-20T15:00:00Z'), tickers: [...DEFAULT_TICKERS, 'C:EURUSD'] });
  await start('delayed', { now: Date.parse('2024-05-01T00:00:00Z'), status: 'DELAYED' });
  await start('limited', { now: Date.parse('2022-11-20T15:00:00Z'), rateLimit: { requestsPerMinute: 1 } });
});
afterAll(async () => {
  for (const sim of Object.values(sims)) await sim?.close();
});

async function answer(pair: Pair): Promise<unknown> {
  const sim = sims[pair.sim ?? 'main'] as RunningSimulator;
  if (pair.sim === 'limited') await fetch(`${sim.url}${pair.path}`, { headers: { Authorization: `Bearer ${apiKey}` } });
  const res = await fetch(`${sim.url}${pair.path}`, pair.noKey ? {} : { headers: { Authorization: `Bearer ${apiKey}` } });
  expect(res.status, pair.path).toBe(pair.status ?? 200);
  return res.json();
}

describe('the simulator answers in the recorded shapes', () => {
  it('every fixture file is paired with a simulator request or listed as unpaired with a reason', () => {
    const placed = new Set([...PAIRS.map((p) => p.fixture), ...Object.keys(UNPAIRED)]);
    expect(allFixtureFiles().filter((f) => !placed.has(f))).toEqual([]);
    expect([...placed].filter((f) => !allFixtureFiles().includes(f))).toEqual([]);
  });

  it.each(PAIRS.map((p) => [p.fixture, p] as const))('%s', async (_, pair) => {
    const ours = await answer(pair);
    expect(shapeDifferences(fixture(pair.fixture), ours, { optional: pair.optional ?? [] })).toEqual([]);
  });
});

describe('grouped daily on a day without trading', () => {
  it.each([
    ['stocks', 'us', '2022-09-05'], // Labor Day
    ['stocks', 'us', '2022-11-19'], // a Saturday
    ['fx', 'global', '2022-11-19'],
  ])('%s %s %s: 200 with resultsCount 0 and no results key', async (market, locale, date) => {
    const body = (await answer({ fixture: '', path: `/v2/aggs/grouped/locale/${locale}/market/${market}/${date}` })) as Record<
      string,
      unknown
    >;
    expect({ ...body, request_id: 'x' }).toEqual({
      queryCount: 0,
      resultsCount: 0,
      adjusted: true,
      status: 'OK',
      request_id: 'x',
      count: 0,
    });
  });
  it('crypto trades on Labor Day and on Saturdays: rows', async () => {
    for (const date of ['2022-09-05', '2022-11-19']) {
      const path = `/v2/aggs/grouped/locale/global/market/crypto/${date}`;
      const body = (await answer({ fixture: '', path })) as { resultsCount: number };
      expect(body.resultsCount, date).toBe(2); // X:BTCUSD, X:ETHUSD
    }
  });
});

describe('shapeDifferences', () => {
  const real = {
    status: 'OK',
    results: [
      { t: 1, o: 2, T: 'A' },
      { t: 1, o: 2, T: 'B', otc: true },
    ],
    meta: { a: 'x' },
  };
  it('finds nothing between a body and itself', () => {
    expect(shapeDifferences(real, structuredClone(real))).toEqual([]);
  });
  it('reports a changed kind, a missing or extra key, a nested change, and a key present on a different share of elements', () => {
    const ours = { status: 1, results: [{ t: 1, o: '2', T: 'A', otc: true }], meta: { b: 'x' }, extra: null };
    expect(shapeDifferences(real, ours)).toEqual([
      '$.status: recorded string, simulator number',
      '$.results[].o: recorded number, simulator string',
      '$.results[].otc: on some recorded elements only, on every simulator element',
      '$.meta.a: only in the recording',
      '$.meta.b: only in the simulator',
      '$.extra: only in the simulator',
    ]);
  });
  it('accepts listed optional fields only, and refuses comparing elements that are not there', () => {
    expect(shapeDifferences({ a: 1, b: [{ c: 1 }] }, { b: [{ c: 1, d: 2 }] }, { optional: ['$.a', '$.b[].d'] })).toEqual([]);
    expect(shapeDifferences({ r: [{ c: 1 }] }, { r: [] })).toEqual(['$.r: the simulator has no elements to compare']);
  });
});
