/**
 * Bars the API serves that the store refuses by validation (here `open > high`) are never silent: counted per
 * symbol and reason in the symbol's result, the final message and status, the `--json` summary, and one
 * `tickstock:errors` event per job. Real PostgreSQL and Redis; the API is a hand-written port serving three day bars.
 */
import type { Bar } from '@tickstock/market-time';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outcomeSummary } from '../../src/cli/load-job.js';
import type { MarketDataPort } from '../../src/engine/types.js';
import { errorEventsOf, type InProcessStack, runInProcess, startInProcessStack, statusJson } from './harness.js';

const day = (date: string, o: number, h: number): Bar => ({
  timestamp: Date.parse(`${date}T04:00:00Z`),
  open: o,
  high: h,
  low: 9,
  close: 10,
  volume: 100,
});

const market: MarketDataPort = {
  details: async (symbol) => ({ symbol, name: `${symbol} Inc.` }),
  groupedDaily: async () => [],
  async *bars(symbol) {
    yield day('2025-06-09', 10, 11);
    // AAA's second bar opens above its high: the store refuses it.
    yield symbol === 'AAA' ? day('2025-06-10', 12, 11) : day('2025-06-10', 10, 11);
    yield day('2025-06-11', 10, 11);
  },
};

let stack: InProcessStack;

beforeAll(async () => {
  stack = await startInProcessStack('rejected');
});

afterAll(async () => {
  await stack?.close();
});

describe('bars refused by validation', () => {
  it('are counted per symbol and reason in the result, the message, the status, --json and one error event', async () => {
    const outcome = await runInProcess(stack, market, {
      jobId: 'rejected-job',
      symbols: ['AAA', 'BBB'],
      ranges: [{ timeframe: 'day', from: '2025-06-09', to: '2025-06-11' }],
    });
    expect(outcome.status).toBe('completed');
    expect(outcome.rejectedBars).toEqual({ total: 1, byReason: { open_outside_range: 1 }, bySymbol: { AAA: 1 } });
    const aaa = outcome.results.find((r) => r.symbol === 'AAA')?.timeframes[0];
    expect(aaa).toMatchObject({ fetched: 3, written: 2, rejected: 1, rejectedByReason: { open_outside_range: 1 } });
    expect(outcome.message).toBe('completed: 2 of 2 symbols loaded; 1 bar rejected by validation (open_outside_range: 1; AAA 1)');
    expect((await stack.store.getBars('daily', 'AAA')).length).toBe(2);

    const status = await statusJson(stack.redis, 'rejected-job');
    expect(status).toMatchObject({ status: 'completed', rejected_bars: 1, message: outcome.message });

    const summary = outcomeSummary(outcome);
    expect(summary.rejected_bars).toEqual({ total: 1, by_reason: { open_outside_range: 1 }, by_symbol: { AAA: 1 } });
    expect(summary.symbols.AAA?.timeframes.day).toMatchObject({ rejected: 1, rejected_by_reason: { open_outside_range: 1 } });

    const rejected = await errorEventsOf(stack.events, 'BARS_REJECTED');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({
      severity: 'warning',
      message: 'job rejected-job: 1 bar rejected by validation (open_outside_range: 1; AAA 1)',
      context: { job_id: 'rejected-job', rejected: 1, by_reason: { open_outside_range: 1 }, by_symbol: { AAA: 1 } },
    });
  });
});

describe('bars served twice for the same time', () => {
  it('are stored once and counted per symbol in the result, the message, the status and --json', async () => {
    const twice: MarketDataPort = {
      ...market,
      async *bars() {
        yield day('2025-06-09', 10, 11);
        yield day('2025-06-10', 10, 11);
        yield { ...day('2025-06-10', 10, 11), close: 10.5 }; // the same time again, revised: the last one wins
        yield day('2025-06-11', 10, 11);
      },
    };
    const outcome = await runInProcess(stack, twice, {
      jobId: 'duplicates-job',
      symbols: ['DUP'],
      ranges: [{ timeframe: 'day', from: '2025-06-09', to: '2025-06-11' }],
    });
    expect(outcome.duplicateBars).toEqual({ total: 1, bySymbol: { DUP: 1 } });
    expect(outcome.message).toBe('completed: 1 of 1 symbols loaded; 1 bar served twice for the same time, stored once (DUP 1)');
    expect(outcome.results[0]?.timeframes[0]).toMatchObject({ fetched: 4, written: 3, duplicates: 1 });
    const stored = await stack.store.getBars('daily', 'DUP');
    expect(stored.map((b) => b.close)).toEqual([10, 10.5, 10]);
    const status = await statusJson(stack.redis, 'duplicates-job');
    expect(status).toMatchObject({ status: 'completed', duplicate_bars: 1, message: outcome.message });
    const summary = outcomeSummary(outcome);
    expect(summary.duplicate_bars).toEqual({ total: 1, by_symbol: { DUP: 1 } });
    expect(summary.symbols.DUP?.timeframes.day).toMatchObject({ written: 3, duplicates: 1 });
  });
});
