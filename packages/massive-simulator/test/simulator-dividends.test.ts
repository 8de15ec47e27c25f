/**
 * `/v3/reference/dividends` in the documented shape (massive.com docs, "Dividends v3"; no recorded fixture in
 * packages/massive-client/test/fixtures), read through the client's `listDividends` over real HTTP: filters, order,
 * sort, the default page of 10 and cursor pagination, and the rules each synthesized row keeps.
 */
import { randomUUID } from 'node:crypto';
import { nyseCalendar } from '@tickstock/market-time';
import { type Dividend, MassiveClient } from '@tickstock/massive-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../src/index.js';

const apiKey = `test-key-${randomUUID()}`;
const now = Date.parse('2025-06-10T15:00:00Z');
let sim: RunningSimulator;
let client: MassiveClient;
beforeAll(async () => {
  sim = await startSimulator({ now, apiKey, unknownTickers: ['NOPE'] });
  client = new MassiveClient({ apiKey, baseUrl: sim.url, env: {}, rateLimit: { maxConcurrent: 4 } });
});
afterAll(async () => {
  await sim.close();
});

const KEYS = [
  'cash_amount',
  'currency',
  'declaration_date',
  'dividend_type',
  'ex_dividend_date',
  'frequency',
  'id',
  'pay_date',
  'record_date',
  'ticker',
];

describe('/v3/reference/dividends', () => {
  it("one ticker's dividends from a date, ascending, across pages of 2: the exact rows", async () => {
    const rows = await client.getDividends({ ticker: 'KO', exDividendDateGte: '2024-01-01', order: 'asc', limit: 2 });
    expect(sim.stats().byEndpoint.dividends).toBe(3); // 6 rows, pages of 2
    expect(rows.map((r) => [r.ex_dividend_date, r.record_date, r.pay_date, r.declaration_date, r.cash_amount])).toEqual([
      ['2024-02-26', '2024-02-27', '2024-03-18', '2024-01-23', 1.4882],
      ['2024-05-24', '2024-05-28', '2024-06-05', '2024-04-19', 1.4882],
      ['2024-08-26', '2024-08-26', '2024-09-11', '2024-07-23', 1.4882],
      ['2024-11-25', '2024-11-25', '2024-12-04', '2024-10-22', 1.4882],
      ['2025-02-24', '2025-02-24', '2025-03-10', '2025-01-21', 1.5627],
      ['2025-05-27', '2025-05-27', '2025-06-23', '2025-04-23', 1.5627],
    ]);
    for (const r of rows) {
      expect(Object.keys(r)).toEqual(KEYS);
      expect([r.ticker, r.currency, r.dividend_type, r.frequency]).toEqual(['KO', 'USD', 'CD', 4]);
      expect(r.id).toMatch(/^E[0-9a-f]{64}$/);
    }
  });

  it('every row keeps the rules: trading-day ex date, record date T+1 until 2024-05-28 and the ex date after, paid after, declared by now', async () => {
    const rows: Dividend[] = await client.getDividends({ exDividendDateGte: '2023-01-01' });
    expect(rows.length).toBeGreaterThan(100);
    const today = '2025-06-10';
    for (const r of rows) {
      expect(nyseCalendar.isTradingDay(r.ex_dividend_date)).toBe(true);
      expect(r.record_date).toBe(r.ex_dividend_date >= '2024-05-28' ? r.ex_dividend_date : nyseCalendar.nextTradingDay(r.ex_dividend_date));
      expect((r.pay_date ?? '') > (r.record_date ?? '')).toBe(true);
      expect((r.declaration_date ?? '') <= today).toBe(true);
      expect((r.declaration_date ?? '') < r.ex_dividend_date).toBe(true);
      expect(r.cash_amount).toBeGreaterThan(0);
    }
    // Default order: newest ex-dividend date first; some are declared and still to come.
    const dates = rows.map((r) => r.ex_dividend_date);
    expect(dates).toEqual([...dates].sort().reverse());
    expect(dates.some((d) => d > today)).toBe(true);
  });

  it('the default page is 10 rows with a next_url on the simulator; indices, crypto and unknown tickers pay none', async () => {
    const res = await fetch(`${sim.url}/v3/reference/dividends`, { headers: { Authorization: `Bearer ${apiKey}` } });
    const body = (await res.json()) as { results: unknown[]; next_url?: string; status: string };
    expect([res.status, body.status, body.results.length]).toEqual([200, 'OK', 10]);
    expect(body.next_url?.startsWith(`${sim.url}/v3/reference/dividends?cursor=`)).toBe(true);
    for (const ticker of ['I:SPX', 'X:BTCUSD', 'NOPE']) expect(await client.getDividends({ ticker })).toEqual([]);
  });

  it('filters by type and frequency, sorts by ticker', async () => {
    const special = await client.getDividends({ dividendType: 'SC' });
    expect(special.length).toBeGreaterThan(0);
    expect(special.every((r) => r.dividend_type === 'SC' && r.frequency === 0)).toBe(true);
    const monthly = await client.getDividends({ frequency: 12, sort: 'ticker', order: 'asc', exDividendDate: '2025-05-08' });
    expect(monthly.every((r) => r.frequency === 12 && r.ex_dividend_date === '2025-05-08')).toBe(true);
    const tickers = monthly.map((r) => r.ticker);
    expect(tickers).toEqual([...tickers].sort());
  });

  it('bad parameters are 400 with the reason', async () => {
    for (const [q, text] of [
      ['sort=price', 'sort must be one of ex_dividend_date, pay_date, declaration_date, record_date, cash_amount, ticker, got "price"'],
      ['ex_dividend_date.gte=2024-13-01', 'ex_dividend_date.gte must be YYYY-MM-DD, got "2024-13-01"'],
      ['cursor=%%%', 'Invalid cursor'],
    ] as const) {
      const res = await fetch(`${sim.url}/v3/reference/dividends?${q}`, { headers: { Authorization: `Bearer ${apiKey}` } });
      expect([res.status, ((await res.json()) as { error: string }).error]).toEqual([400, text]);
    }
  });
});
