/**
 * Bar pages carry the columns they were decoded into; `bars`/`data` are built from them on first access only, and a
 * maxBars cap cuts the columns as it cuts the bars.
 */
import { barsFromColumns, OTC_ABSENT, OTC_TRUE } from '@tickstock/market-time';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeBarColumns, decodeBars } from '../src/decode-bars.js';
import { BASE, collect, testClient } from './support/api.js';
import { fakeApi } from './support/fake-api.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const PATH = '/v2/aggs/ticker/AAPL/range/1/minute/2024-01-02/2024-01-02';
const NEXT_PATH = '/v2/aggs/ticker/AAPL/range/1/minute/1704205980000/1704240000000';
const DAY0 = 1704205800000;
const PARAMS = { ticker: 'AAPL', timespan: 'minute', from: '2024-01-02', to: '2024-01-02' } as const;
const bar = (i: number) => ({ t: DAY0 + i * 60_000, o: i, h: i + 1, l: i - 1, c: i + 0.5, v: 100 + i, vw: i + 0.25, n: 3 });

function servePages() {
  const pages: Record<string, unknown> = {
    first: { status: 'OK', request_id: 'p1', results: [0, 1, 2].map(bar), next_url: `${BASE}${NEXT_PATH}?cursor=c2` },
    c2: { status: 'OK', request_id: 'p2', results: [3, 4, 5, 6].map(bar) },
  };
  const respond = (url: URL) => Response.json(pages[url.searchParams.get('cursor') ?? 'first']);
  return fakeApi(server).on(PATH, respond).on(NEXT_PATH, respond);
}

describe('BarPage.columns', () => {
  it('holds the decoded page; bars are built from it once, on first access, and kept', async () => {
    servePages();
    const pages = await collect(testClient().listBarPages(PARAMS));
    const [first, second] = pages;
    expect(first?.rowCount).toBe(3);
    expect([...(first?.columns.open ?? [])]).toEqual([0, 1, 2]);
    expect([...(second?.columns.timestamp ?? [])]).toEqual([3, 4, 5, 6].map((i) => DAY0 + i * 60_000));
    expect(second?.columns.otc).toBeUndefined();
    const bars = second?.bars;
    expect(bars).toEqual(
      [3, 4, 5, 6].map((i) => ({
        timestamp: DAY0 + i * 60_000,
        open: i,
        high: i + 1,
        low: i - 1,
        close: i + 0.5,
        volume: 100 + i,
        vwap: i + 0.25,
        transactions: 3,
      })),
    );
    expect(second?.bars).toBe(bars);
    expect(second?.data).toBe(bars);
    expect(second?.columns).toBe(second?.columns);
  });

  it('is cut by maxBars with the bars (views of the same page, no copy)', async () => {
    servePages();
    const pages = await collect(testClient().listBarPages({ ...PARAMS, maxBars: 5 }));
    expect(pages.map((p) => p.columns.length)).toEqual([3, 2]);
    expect([...(pages[1]?.columns.open ?? [])]).toEqual([3, 4]);
    expect(pages[1]?.columns.close.length).toBe(2);
    expect(pages[1]?.bars.map((b) => b.open)).toEqual([3, 4]);
    expect(pages[1]?.trimmed).toBe(2);
    expect(pages[1]?.toJSON()).toMatchObject({ rows: 2, trimmed: 2 });
  });
});

describe('decodeBarColumns', () => {
  it('writes absent optional fields as NaN and otc in three states, as decodeBars gives them back', () => {
    const rows = [
      { t: 1, o: 1, h: 2, l: 0.5, c: 1.5 },
      { t: 2, o: 1, h: 2, l: 0.5, c: 1.5, v: 0.0312, otc: true, extra: 'dropped' },
    ];
    const cols = decodeBarColumns(rows);
    expect(cols?.length).toBe(2);
    expect(Number.isNaN(cols?.volume[0])).toBe(true);
    expect([...(cols?.otc ?? [])]).toEqual([OTC_ABSENT, OTC_TRUE]);
    const expected = [
      { timestamp: 1, open: 1, high: 2, low: 0.5, close: 1.5 },
      { timestamp: 2, open: 1, high: 2, low: 0.5, close: 1.5, volume: 0.0312, otc: true },
    ];
    expect(barsFromColumns(cols as NonNullable<typeof cols>)).toEqual(expected);
    expect(decodeBars(rows)).toEqual(expected);
  });

  it('refuses what zod refuses (the caller then asks zod why)', () => {
    expect(decodeBarColumns({ t: 1 })).toBeNull();
    expect(decodeBarColumns([{ t: 1, o: 1, h: 2, l: 0.5, c: '1.5' }])).toBeNull();
    expect(decodeBarColumns([{ t: 1, o: 1, h: 2, l: 0.5, c: 1, v: null }])).toBeNull();
    expect(decodeBarColumns([{ t: 1, o: 1, h: 2, l: 0.5, c: 1, otc: 'no' }])).toBeNull();
    expect(decodeBarColumns([{ t: 1, o: 1, h: 2, l: 0.5, c: Number.POSITIVE_INFINITY }])).toBeNull();
    expect(decodeBarColumns([null])).toBeNull();
    expect(decodeBarColumns([])?.length).toBe(0);
  });
});
