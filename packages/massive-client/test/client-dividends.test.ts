/**
 * `listDividends` / `getDividends` over msw: the query it sends, lazy pagination through `next_url`, rows passed on
 * with the API's field names, optional fields optional, and arguments refused before anything is sent.
 *
 * The bodies: page 1 in the documented shape (massive.com docs, "Dividends v3": `cash_amount, currency,
 * declaration_date, dividend_type, ex_dividend_date, frequency, id, pay_date, record_date, ticker`); page 2 two rows
 * of polygon-io/client-python's recorded mock `test_rest/mocks/v3/reference/dividends.json` (MIT), which carry no
 * `currency` and no `id`.
 */
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dividendsQuery, listDividendsResponseSchema, MassiveError, MassiveRequestError } from '../src/index.js';
import { BASE, testClient } from './support/api.js';
import { fakeApi, json } from './support/fake-api.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const documented = {
  cash_amount: 0.25,
  currency: 'USD',
  declaration_date: '2024-10-31',
  dividend_type: 'CD',
  ex_dividend_date: '2024-11-08',
  frequency: 4,
  id: 'E416a068758f0a8ac0e8b6f5c0e0f8bd3f3e4d45bd9bb5c8f4ac5d6e7f8091a2b',
  pay_date: '2024-11-14',
  record_date: '2024-11-11',
  ticker: 'AAPL',
};
const recorded = [
  {
    cash_amount: 0.59375,
    declaration_date: '2020-09-09',
    dividend_type: 'CD',
    ex_dividend_date: '2025-06-12',
    frequency: 4,
    pay_date: '2025-06-30',
    record_date: '2025-06-15',
    ticker: 'CSSEN',
  },
  {
    cash_amount: 0.5,
    declaration_date: '2022-02-10',
    dividend_type: 'CD',
    ex_dividend_date: '2023-11-13',
    frequency: 4,
    pay_date: '2023-11-15',
    record_date: '2023-11-14',
    ticker: 'AIRTP',
  },
];
const next = `${BASE}/v3/reference/dividends?cursor=b2Zmc2V0PTEmbGltaXQ9MQ`;

describe('listDividends', () => {
  it('sends the filters as documented and follows next_url to the last page, rows as sent', async () => {
    const api = fakeApi(server).on(
      '/v3/reference/dividends',
      json({ results: [documented], status: 'OK', request_id: 'a1', next_url: next }),
      json({ results: recorded, status: 'OK', request_id: 'a2' }),
    );
    const rows = await testClient().getDividends({
      ticker: 'AAPL',
      exDividendDateGte: '2024-01-01',
      exDividendDateLt: '2025-01-01',
      dividendType: 'CD',
      frequency: 4,
      sort: 'pay_date',
      order: 'asc',
    });
    expect(rows).toEqual([documented, ...recorded]);
    const [first, second] = api.requestsTo('/v3/reference/dividends');
    expect(Object.fromEntries(first?.url.searchParams ?? [])).toEqual({
      ticker: 'AAPL',
      'ex_dividend_date.gte': '2024-01-01',
      'ex_dividend_date.lt': '2025-01-01',
      dividend_type: 'CD',
      frequency: '4',
      sort: 'pay_date',
      order: 'asc',
      limit: '1000',
    });
    expect(second?.url.href).toBe(next);
    expect(api.requests).toHaveLength(2);
  });

  it('without filters asks for the largest page and nothing else; an empty page ends it', async () => {
    const api = fakeApi(server).on('/v3/reference/dividends', json({ status: 'OK', request_id: 'a3' }));
    expect(await testClient().getDividends()).toEqual([]);
    expect(api.requests[0]?.url.search).toBe('?limit=1000');
  });

  it('a row without cash_amount is INVALID_RESPONSE naming the field', async () => {
    const { cash_amount: _, ...broken } = documented;
    fakeApi(server).on('/v3/reference/dividends', json({ results: [broken], status: 'OK', request_id: 'a4' }));
    const error = await testClient()
      .getDividends()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(MassiveError);
    expect((error as MassiveError).code).toBe('INVALID_RESPONSE');
    expect((error as MassiveError).message).toContain('cash_amount');
  });

  it.each([
    [{ sort: 'price' }, 'sort'],
    [{ order: 'up' }, 'order'],
    [{ dividendType: 'XX' }, 'dividendType'],
    [{ frequency: -1 }, 'frequency'],
    [{ limit: 1001 }, 'limit'],
    [{ exDividendDate: '2024-02-30' }, 'exDividendDate'],
    [{ ticker: 'A/B' }, 'ticker'],
  ])('refuses %j (INVALID_REQUEST on %s) before sending', (params, field) => {
    let error: unknown;
    try {
      dividendsQuery(params as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MassiveRequestError);
    expect([(error as MassiveRequestError).code, (error as MassiveRequestError).field]).toEqual(['INVALID_REQUEST', field]);
  });

  it('the recorded mock body parses as a whole (no currency, no id, no next_url)', () => {
    const parsed = listDividendsResponseSchema.parse({ results: recorded, status: 'OK', request_id: '0326f1f88a2867a7184c116f5b1edd00' });
    expect(parsed.results?.map((r) => [r.ticker, r.cash_amount, r.currency, r.id])).toEqual([
      ['CSSEN', 0.59375, undefined, undefined],
      ['AIRTP', 0.5, undefined, undefined],
    ]);
  });
});
