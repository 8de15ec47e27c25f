/**
 * Every row written is proven: a trigger on `ohlcv_daily` that silently drops one symbol's Monday bars (a BEFORE
 * INSERT trigger returning NULL) used to leave the symbol `completed` with every bar counted. Now the store counts
 * the rows it sent against the rows the table holds, and the symbol fails with `ROWS_NOT_STORED` naming the table
 * and the count, in its result, the status and an error event; the rows that did land are counted as stored.
 * Real PostgreSQL and Redis; the API is a hand-written port serving one week of day bars.
 */
import type { Bar } from '@tickstock/market-time';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outcomeSummary } from '../../src/cli/load-job.js';
import type { MarketDataPort } from '../../src/engine/types.js';
import { errorEventsOf, type InProcessStack, runInProcess, startInProcessStack, statusJson } from './harness.js';

// Monday 2025-06-09 to Friday 2025-06-13.
const WEEK = ['2025-06-09', '2025-06-10', '2025-06-11', '2025-06-12', '2025-06-13'];
const market: MarketDataPort = {
  details: async (symbol) => ({ symbol, name: `${symbol} Inc.` }),
  groupedDaily: async () => [],
  async *bars() {
    for (const date of WEEK)
      yield { timestamp: Date.parse(`${date}T04:00:00Z`), open: 10, high: 11, low: 9, close: 10, volume: 100 } as Bar;
  },
};

let stack: InProcessStack;

beforeAll(async () => {
  stack = await startInProcessStack('rowproof', async (db) => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query(`CREATE FUNCTION drop_aaa_mondays() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN IF NEW.symbol = 'AAA' AND extract(isodow FROM NEW.date) = 1 THEN RETURN NULL; END IF; RETURN NEW; END $$`);
    await client.query('CREATE TRIGGER drop_aaa_mondays BEFORE INSERT ON ohlcv_daily FOR EACH ROW EXECUTE FUNCTION drop_aaa_mondays()');
    await client.end();
  });
});

afterAll(async () => {
  await stack?.close();
});

describe('rows a trigger dropped', () => {
  it('fail the symbol with ROWS_NOT_STORED naming the table and count; the other symbol and the landed rows stand', async () => {
    const outcome = await runInProcess(stack, market, {
      jobId: 'row-proof-job',
      symbols: ['AAA', 'BBB'],
      ranges: [{ timeframe: 'day', from: WEEK[0] as string, to: WEEK[4] as string }],
    });
    expect({ status: outcome.status, failed: outcome.failedSymbols, ok: outcome.successfulSymbols, hasErrors: outcome.hasErrors }).toEqual({
      status: 'completed_with_errors',
      failed: ['AAA'],
      ok: ['BBB'],
      hasErrors: true,
    });
    const aaa = outcome.results.find((r) => r.symbol === 'AAA');
    expect(aaa?.errorCode).toBe('ROWS_NOT_STORED');
    expect(aaa?.errorMessage).toMatch(/^day: 1 of 5 daily bars sent to "ohlcv_daily" are not in it after the write/);
    expect(aaa?.recordsImported).toBe(4);
    expect(aaa?.timeframes[0]).toMatchObject({
      timeframe: 'day',
      fetched: 5,
      written: 4,
      unchanged: 0,
      error: { code: 'ROWS_NOT_STORED' },
    });
    expect((await stack.store.getBars('daily', 'AAA')).length).toBe(4);
    expect((await stack.store.getBars('daily', 'BBB')).length).toBe(5);

    const status = await statusJson(stack.redis, 'row-proof-job');
    expect(status).toMatchObject({ status: 'completed', has_errors: true, failed_symbols: ['AAA'], successful_symbols: ['BBB'] });
    expect(outcomeSummary(outcome).symbols.AAA?.timeframes.day).toMatchObject({ written: 4, error: { code: 'ROWS_NOT_STORED' } });

    const reported = await errorEventsOf(stack.events, 'ROWS_NOT_STORED');
    expect(reported).toHaveLength(1);
    expect(reported[0]).toMatchObject({
      severity: 'warning',
      context: { job_id: 'row-proof-job', symbol: 'AAA', code: 'ROWS_NOT_STORED' },
    });
  });
});
