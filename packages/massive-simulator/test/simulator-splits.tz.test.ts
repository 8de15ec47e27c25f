/**
 * Stock splits through the client over real HTTP against the simulator, with a clock that moves:
 * (a) `listSplits`/`getSplits` (`/v3/reference/splits`): rows, filters, order, lazy paging, input checks, validation;
 * (b) a 10-for-1 forward split, a 1-for-10 reverse split and two splits of one ticker in one window: once `now`
 *     reaches 00:00 New York of the execution date, the adjusted bars of earlier dates come back with prices divided
 *     by split_to/split_from and volumes multiplied, exactly; bars on and after it, and every unadjusted bar, are
 *     unchanged; the split is listed from then on (or from its announcement), and nothing is re-adjusted before it;
 * (c) at every step, week and month bars equal `aggregateDayBars` of the served day bars and grouped daily equals the
 *     day bars, adjusted and unadjusted; the pure functions (`simulatedBars`, `simulatedSplits`) say the same.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { aggregateDayBars, type Bar, newYorkMidnightUtcMs, newYorkTimeToUtcMs, tradingDateOfBar } from '@tickstock/market-time';
import { listSplitsResponseSchema, MassiveClient, MassiveError, MassiveRequestError, splitSchema } from '@tickstock/massive-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, type SimulatorOptions, simulatedBars, simulatedSplits, splitShares, startSimulator } from '../src/index.js';

const GENERATION = {
  seed: 'splits',
  splits: {
    /** 10-for-1 on a Monday, announced three weeks before. */
    FWD: [{ date: '2025-06-09', ratio: 10, announced: '2025-05-20' }],
    /** 1-for-10 on a Wednesday, listed only from its execution date. */
    REV: [{ date: '2025-06-11', ratio: 0.1 }],
    /** 2-for-1, then 3-for-1. */
    TWO: [
      { date: '2025-03-03', ratio: 2 },
      { date: '2025-06-16', ratio: 3 },
    ],
  },
} satisfies SimulatorOptions;
const TICKERS = ['AAPL', 'FWD', 'REV', 'TWO'];
const FIRST = '2025-01-02';

let clock = 0;
let sim: RunningSimulator;
let client: MassiveClient;
const urls: string[] = [];

beforeAll(async () => {
  sim = await startSimulator({ ...GENERATION, now: () => clock, tickers: TICKERS });
  client = new MassiveClient({
    apiKey: 'simulated',
    baseUrl: sim.url,
    env: {},
    rateLimit: { maxConcurrent: 8 },
    fetch: (input, init) => {
      urls.push(String(input));
      return fetch(input, init);
    },
  });
});
afterAll(() => sim?.close());

const days = (ticker: string, to: string, adjusted = true, from = FIRST) => client.getBars({ ticker, timespan: 'day', from, to, adjusted });
/** Prices divided by `ratio` (split_to / split_from), volume multiplied, everything else kept. */
const rescaled = (bar: Bar, ratio: number): Bar => {
  const price = (x: number) => Number((x / ratio).toFixed(4));
  const out: Bar = { ...bar, open: price(bar.open), high: price(bar.high), low: price(bar.low), close: price(bar.close) };
  if (bar.vwap !== undefined) out.vwap = price(bar.vwap);
  if (bar.volume !== undefined) out.volume = bar.volume * ratio;
  return out;
};
const values = (bar: Bar) => {
  const { timestamp: _t, ...rest } = bar as Bar & { ticker?: string };
  delete (rest as { ticker?: string }).ticker;
  return rest;
};

/** Week and month bars equal the aggregation of the served day bars; grouped daily equals them; pure functions agree. */
async function expectConsistent(ticker: string, to: string): Promise<void> {
  for (const adjusted of [true, false]) {
    const dayBars = await days(ticker, to, adjusted, '2024-12-29');
    expect(dayBars).toEqual(simulatedBars({ ticker, timespan: 'day', from: '2024-12-29', to, adjusted }, { ...GENERATION, now: clock }));
    const weeks = await client.getBars({ ticker, timespan: 'week', from: '2024-12-29', to, adjusted });
    expect(weeks).toEqual(aggregateDayBars(dayBars, 'week', { ticker }));
    const inYear = dayBars.filter((b) => tradingDateOfBar(b, 'day') >= '2025-01-01');
    const months = await client.getBars({ ticker, timespan: 'month', from: '2025-01-01', to, adjusted });
    expect(months).toEqual(aggregateDayBars(inYear, 'month', { ticker }));
    for (const bar of dayBars.slice(-3)) {
      const date = tradingDateOfBar(bar, 'day');
      const row = (await client.getGroupedDaily(date, { adjusted })).find((r) => r.ticker === ticker);
      expect(row && values(row), `${ticker} ${date} adjusted=${adjusted}`).toEqual(values(bar));
    }
  }
}

describe('listSplits and getSplits (/v3/reference/splits)', () => {
  it('lists the splits reached by now, with filters, order and lazy paging', async () => {
    clock = newYorkTimeToUtcMs('2025-07-01', 12, 0);
    const all = await client.getSplits({ sort: 'execution_date', order: 'asc' });
    expect(all.map(({ id: _id, ...r }) => r)).toEqual([
      { ticker: 'TWO', execution_date: '2025-03-03', split_from: 1, split_to: 2 },
      { ticker: 'FWD', execution_date: '2025-06-09', split_from: 1, split_to: 10 },
      { ticker: 'REV', execution_date: '2025-06-11', split_from: 10, split_to: 1 },
      { ticker: 'TWO', execution_date: '2025-06-16', split_from: 1, split_to: 3 },
    ]);
    for (const s of all) expect(s.id).toMatch(/^E[0-9a-f]{64}$/);
    expect(all).toEqual(simulatedSplits({ ...GENERATION, now: clock }));
    expect(urls.at(-1)).toBe(`${sim.url}/v3/reference/splits?sort=execution_date&order=asc&limit=1000`);

    // One row per page: four pages, each fetched only when the previous one is used up.
    const before = sim.stats().byEndpoint.splits ?? 0;
    const iterator = client.listSplits({ limit: 1, sort: 'execution_date', order: 'desc' })[Symbol.asyncIterator]();
    expect((await iterator.next()).value?.execution_date).toBe('2025-06-16');
    expect(sim.stats().byEndpoint.splits).toBe(before + 1);
    const rest: string[] = [];
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) rest.push(r.value.execution_date);
    expect(rest).toEqual(['2025-06-11', '2025-06-09', '2025-03-03']);
    expect(sim.stats().byEndpoint.splits).toBe(before + 4);

    const dates = async (params: Parameters<MassiveClient['getSplits']>[0]) =>
      (await client.getSplits({ sort: 'execution_date', order: 'asc', ...params })).map((s) => `${s.ticker} ${s.execution_date}`);
    expect(await dates({ ticker: 'TWO' })).toEqual(['TWO 2025-03-03', 'TWO 2025-06-16']);
    expect(await dates({ executionDateGte: '2025-06-09', executionDateLt: '2025-06-16' })).toEqual(['FWD 2025-06-09', 'REV 2025-06-11']);
    expect(await dates({ executionDateGt: '2025-06-09', executionDateLte: '2025-06-16' })).toEqual(['REV 2025-06-11', 'TWO 2025-06-16']);
    expect(await dates({ executionDate: '2025-03-03' })).toEqual(['TWO 2025-03-03']);
    expect(await dates({ reverseSplit: true })).toEqual(['REV 2025-06-11']);
    expect(await dates({ reverseSplit: false, ticker: 'FWD' })).toEqual(['FWD 2025-06-09']);
    expect(await dates({ sort: 'ticker' })).toEqual(['FWD 2025-06-09', 'REV 2025-06-11', 'TWO 2025-03-03', 'TWO 2025-06-16']);
    // A Date is read as its New York date: 2025-06-11 03:00Z is still 2025-06-10 in New York.
    expect(await dates({ executionDateGte: new Date('2025-06-11T03:00:00Z') })).toEqual(['REV 2025-06-11', 'TWO 2025-06-16']);
    expect(urls.at(-1)).toBe(`${sim.url}/v3/reference/splits?execution_date.gte=2025-06-10&sort=execution_date&order=asc&limit=1000`);
  });

  it('refuses bad arguments before sending anything', () => {
    const sent = urls.length;
    const refused = (params: object, field: string) => {
      try {
        client.listSplits(params as never);
        expect.unreachable(`${field} was accepted`);
      } catch (err) {
        expect(err).toBeInstanceOf(MassiveRequestError);
        expect((err as MassiveRequestError).field).toBe(field);
      }
    };
    refused({ ticker: 'AA/PL' }, 'ticker');
    refused({ executionDateGte: '2025-02-30' }, 'executionDateGte');
    refused({ reverseSplit: 'yes' }, 'reverseSplit');
    refused({ sort: 'date' }, 'sort');
    refused({ order: 'up' }, 'order');
    refused({ limit: 1001 }, 'limit');
    refused({ limit: 0 }, 'limit');
    expect(urls.length).toBe(sent);
  });

  it('validates the rows: a malformed split is INVALID_RESPONSE', async () => {
    expect(splitSchema.safeParse({ ticker: 'A', execution_date: '2025-06-09', split_from: 1 }).success).toBe(false);
    expect(splitSchema.safeParse({ ticker: 'A', execution_date: '06/09/2025', split_from: 1, split_to: 2 }).success).toBe(false);
    expect(listSplitsResponseSchema.safeParse({ status: 'OK', request_id: 'x' }).success).toBe(true);
    const bad = new MassiveClient({
      apiKey: 'k',
      env: {},
      maxRetries: 0,
      fetch: async () =>
        new Response(
          JSON.stringify({
            status: 'OK',
            request_id: 'r',
            results: [{ ticker: 'A', execution_date: '2025-06-09', split_from: 1, split_to: '10' }],
          }),
          {
            status: 200,
            headers: { 'content-type': 'application/json' },
          },
        ),
    });
    const err = await bad.getSplits().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MassiveError);
    expect((err as MassiveError).code).toBe('INVALID_RESPONSE');
  });

  it('split_from and split_to of a ratio', () => {
    expect(splitShares(10)).toEqual({ split_from: 1, split_to: 10 });
    expect(splitShares(0.1)).toEqual({ split_from: 10, split_to: 1 });
    expect(splitShares(1.5)).toEqual({ split_from: 2, split_to: 3 });
    expect(splitShares(0.125)).toEqual({ split_from: 8, split_to: 1 });
  });
});

describe('a clock that moves past splits', () => {
  it('10-for-1: adjusted bars before the execution date are divided by 10 from 00:00 New York of that date, pre-market included', async () => {
    // Sunday 23:59 New York: the split is announced (listed) but not executed: adjusted equals unadjusted.
    clock = newYorkTimeToUtcMs('2025-06-08', 23, 59);
    const before = await days('FWD', '2025-06-08');
    const raw = await days('FWD', '2025-06-08', false);
    expect(before).toHaveLength(107); // NYSE trading days 2025-01-02..2025-06-06
    // Friday 2025-06-06 (00:00 New York = 04:00Z), at pre-split prices.
    expect(before.at(-1)).toEqual({
      timestamp: Date.UTC(2025, 5, 6, 4),
      open: 1106.789,
      high: 1108.756,
      low: 1100.364,
      close: 1105.191,
      volume: 1536829,
      vwap: 1103.395,
      transactions: 261485,
    });
    expect(before).toEqual(raw);
    const minutesBefore = await client.getBars({ ticker: 'FWD', timespan: 'minute', from: '2025-06-06', to: '2025-06-06' });
    expect((await client.getSplits({ ticker: 'FWD' })).map((s) => [s.execution_date, s.split_from, s.split_to])).toEqual([
      ['2025-06-09', 1, 10],
    ]);
    await expectConsistent('FWD', '2025-06-08');

    // 00:00 New York on the execution date (04:00Z): every earlier adjusted bar is re-scaled, exactly.
    clock = newYorkMidnightUtcMs('2025-06-09');
    expect(new Date(clock).toISOString()).toBe('2025-06-09T04:00:00.000Z');
    const after = await days('FWD', '2025-06-08');
    expect(after).toEqual(before.map((b) => rescaled(b, 10)));
    expect(after[0]).not.toEqual(before[0]);
    expect(after.at(-1)).toEqual({
      timestamp: Date.UTC(2025, 5, 6, 4),
      open: 110.6789,
      high: 110.8756,
      low: 110.0364,
      close: 110.5191,
      volume: 15368290,
      vwap: 110.3395,
      transactions: 261485,
    });
    expect(await days('FWD', '2025-06-08', false)).toEqual(raw);
    await expectConsistent('FWD', '2025-06-09');

    // Pre-market of the execution date: its minutes are post-split prices, adjusted or not; Friday's adjusted are /10.
    clock = newYorkTimeToUtcMs('2025-06-09', 4, 30);
    const preMarket = await client.getBars({ ticker: 'FWD', timespan: 'minute', from: '2025-06-09', to: '2025-06-09' });
    // The minutes 04:00-04:29 that traded (thin pre-market trading leaves some without a bar).
    expect(preMarket).toEqual(
      simulatedBars({ ticker: 'FWD', timespan: 'minute', from: '2025-06-09', to: '2025-06-09' }, { ...GENERATION, now: clock }),
    );
    expect(preMarket).toHaveLength(19);
    expect(preMarket.every((b) => b.timestamp < clock)).toBe(true);
    expect(await client.getBars({ ticker: 'FWD', timespan: 'minute', from: '2025-06-09', to: '2025-06-09', adjusted: false })).toEqual(
      preMarket,
    );
    const minutesAfter = await client.getBars({ ticker: 'FWD', timespan: 'minute', from: '2025-06-06', to: '2025-06-06' });
    expect(minutesAfter).toEqual(minutesBefore.map((b) => rescaled(b, 10)));
    // A continuous adjusted series across the split: the last pre-split close is near the first post-split open.
    const lastClose = minutesAfter.at(-1)?.close ?? 0;
    expect(Math.abs((preMarket[0]?.open ?? 0) / lastClose - 1)).toBeLessThan(0.05);
  });

  it('1-for-10 reverse: adjusted bars before the execution date are multiplied by 10 (volumes divided), listed from that date', async () => {
    clock = newYorkTimeToUtcMs('2025-06-10', 20, 30);
    const before = await days('REV', '2025-06-10');
    const raw = await days('REV', '2025-06-10', false);
    expect(before).toEqual(raw);
    expect(await client.getSplits({ ticker: 'REV' })).toEqual([]);
    await expectConsistent('REV', '2025-06-10');

    clock = newYorkTimeToUtcMs('2025-06-11', 0, 1);
    const after = await days('REV', '2025-06-10');
    expect(after).toEqual(before.map((b) => rescaled(b, 0.1)));
    for (const b of before) expect(Number.isInteger((b.volume ?? 0) / 10)).toBe(true);
    expect(await days('REV', '2025-06-10', false)).toEqual(raw);
    const listed = await client.getSplits({ ticker: 'REV' });
    expect(listed.map((s) => [s.execution_date, s.split_from, s.split_to])).toEqual([['2025-06-11', 10, 1]]);
    await expectConsistent('REV', '2025-06-11');
  });

  it('two splits of one ticker in one window: 2-for-1, then 3-for-1', async () => {
    clock = newYorkTimeToUtcMs('2025-02-28', 21, 0);
    const s0 = await days('TWO', '2025-02-28');
    const raw0 = await days('TWO', '2025-02-28', false);
    expect(s0).toEqual(raw0);
    expect(await client.getSplits({ ticker: 'TWO' })).toEqual([]);
    await expectConsistent('TWO', '2025-02-28');

    clock = newYorkTimeToUtcMs('2025-03-03', 1, 0);
    expect(await days('TWO', '2025-02-28')).toEqual(s0.map((b) => rescaled(b, 2)));
    expect((await client.getSplits({ ticker: 'TWO' })).map((s) => s.execution_date)).toEqual(['2025-03-03']);

    clock = newYorkTimeToUtcMs('2025-06-13', 21, 0);
    const between = await days('TWO', '2025-06-13', true, '2025-03-03');
    expect(await days('TWO', '2025-06-13', false, '2025-03-03')).toEqual(between);
    expect(await days('TWO', '2025-02-28')).toEqual(s0.map((b) => rescaled(b, 2)));
    await expectConsistent('TWO', '2025-06-13');

    clock = newYorkTimeToUtcMs('2025-06-16', 1, 0);
    expect(await days('TWO', '2025-02-28')).toEqual(s0.map((b) => rescaled(b, 6)));
    expect(await days('TWO', '2025-06-13', true, '2025-03-03')).toEqual(between.map((b) => rescaled(b, 3)));
    expect(await days('TWO', '2025-02-28', false)).toEqual(raw0);
    expect(await days('TWO', '2025-06-13', false, '2025-03-03')).toEqual(between);
    expect((await client.getSplits({ ticker: 'TWO', order: 'asc', sort: 'execution_date' })).map((s) => s.execution_date)).toEqual([
      '2025-03-03',
      '2025-06-16',
    ]);
    expect((await client.getSplits({ ticker: 'TWO', executionDateGte: '2025-03-04' })).map((s) => s.execution_date)).toEqual([
      '2025-06-16',
    ]);
    await expectConsistent('TWO', '2025-06-16');
  });

  it('a ticker without splits is the same at every clock', async () => {
    clock = newYorkTimeToUtcMs('2025-06-16', 1, 0);
    const late = await days('AAPL', '2025-02-28');
    clock = newYorkTimeToUtcMs('2025-02-28', 21, 0);
    expect(await days('AAPL', '2025-02-28')).toEqual(late);
    expect(await days('AAPL', '2025-02-28', false)).toEqual(late);
  });
});

describe('the CLI', () => {
  it('--splits configures the same splits', async () => {
    const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
    const now = newYorkTimeToUtcMs('2025-07-01', 12, 0);
    const child: ChildProcess = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        cli,
        '--seed',
        GENERATION.seed,
        '--now',
        new Date(now).toISOString(),
        '--splits',
        'FWD=2025-06-09:10,REV=2025-06-11:0.1,TWO=2025-03-03:2+2025-06-16:3',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        let err = '';
        child.stdout?.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const m = /listening on (http:\/\/\S+)/.exec(out);
          if (m?.[1]) resolve(m[1]);
        });
        child.stderr?.on('data', (chunk: Buffer) => {
          err += chunk.toString();
        });
        child.once('exit', (code) => reject(new Error(`simulator exited ${code}: ${err}`)));
      });
      const cliClient = new MassiveClient({ apiKey: 'simulated', baseUrl: url, env: {} });
      expect(await cliClient.getSplits({ sort: 'execution_date', order: 'asc' })).toEqual(simulatedSplits({ ...GENERATION, now }));
      const bars = await cliClient.getBars({ ticker: 'TWO', timespan: 'day', from: FIRST, to: '2025-06-30' });
      expect(bars).toEqual(simulatedBars({ ticker: 'TWO', timespan: 'day', from: FIRST, to: '2025-06-30' }, { ...GENERATION, now }));
    } finally {
      child.kill('SIGTERM');
    }
  }, 30_000);
});
