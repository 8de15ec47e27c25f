/**
 * Listing dates and missing days (the `listings` and `missingDays` options), through the client over HTTP, from
 * 2025-06-01 to a "now" in the middle of a session (the forming day, week and month):
 * (a) a ticker listed mid-range has no bar of any timespan before its listing date, no grouped-daily row and no
 *     previous close; the week and month holding the listing date are built from its days from the listing on; its
 *     details report that `list_date`;
 * (b) a thinly traded ticker (a seeded fraction of its days, or given dates) lacks exactly its missing days in minute,
 *     hour and day bars, grouped daily and previous close, deterministically from the seed;
 * (c) for both, week and month bars equal `aggregateDayBars` of the served day bars, grouped daily equals the day bars
 *     value for value, and the pure functions (`simulatedBars`, `simulatedTradingDays`) say the same;
 * (d) other tickers, and the defaults, are unchanged; bad options throw; the CLI flags set them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  addDays,
  aggregateDayBars,
  type Bar,
  cryptoCalendar,
  eachDay,
  newYorkDate,
  newYorkMidnightUtcMs,
  newYorkTimeToUtcMs,
  nyseCalendar,
  tradingDateOfBar,
  weekStartSunday,
} from '@tickstock/market-time';
import { MassiveClient, type TickerBar } from '@tickstock/massive-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type GenerationOptions,
  type RunningSimulator,
  type SimulatedTickerInfo,
  type SimulatedTimespan,
  type SimulatorOptions,
  simulatedBars,
  simulatedTradingDays,
  startSimulator,
} from '../src/index.js';

/** Wednesday 2025-11-19, 15:30 New York: today's bar, this week's and this month's are forming. */
const NOW = newYorkTimeToUtcMs('2025-11-19', 15, 30);
const TODAY = '2025-11-19';
const FIRST = '2025-06-01';
/** A Wednesday in mid-September: the week and the month holding it start before it. */
const LISTED = '2025-09-17';
/** A Saturday: crypto trades it, so its first bar is that day. */
const CRYPTO_LISTED = '2025-10-04';
/**
 * The day after Labor Day, a whole week (October 6-10: that week has no bar at all), a holiday (no trading day
 * anyway), and 2025-11-18, the trading day before "now" (so no previous close).
 */
const SPARSE_DAYS = ['2025-09-02', '2025-10-06', '2025-10-07', '2025-10-08', '2025-10-09', '2025-10-10', '2025-11-27', '2025-11-18'];
const THIN_FRACTION = 0.2;
const GENERATION = {
  seed: 'listings',
  listings: { NEWCO: LISTED, 'X:NEWUSD': CRYPTO_LISTED },
  missingDays: { THIN: THIN_FRACTION, SPARSE: SPARSE_DAYS },
} satisfies SimulatorOptions;
const UNIVERSE: SimulatedTickerInfo[] = [
  { ticker: 'AAPL', name: 'Apple Inc.', type: 'CS', primaryExchange: 'XNAS' },
  { ticker: 'NEWCO', name: 'Newly Listed Holdings', type: 'CS', primaryExchange: 'XNYS' },
  { ticker: 'THIN', name: 'Thinly Traded Holdings', type: 'CS', primaryExchange: 'XNAS' },
  { ticker: 'SPARSE', name: 'Sparsely Traded Holdings', type: 'CS', primaryExchange: 'XNYS' },
  { ticker: 'X:BTCUSD', name: 'Bitcoin - United States dollar', type: 'CRYPTO' },
  { ticker: 'X:NEWUSD', name: 'Newcoin - United States dollar', type: 'CRYPTO' },
];
const TICKERS = UNIVERSE.map((u) => u.ticker);
const STOCKS = TICKERS.filter((t) => !t.startsWith('X:'));
const CRYPTO = TICKERS.filter((t) => t.startsWith('X:'));
const NYSE_DAYS = nyseCalendar.tradingDays(FIRST, TODAY);

let sim: RunningSimulator;
let client: MassiveClient;
/** Per ticker: its day bars from FIRST to TODAY, by trading date. */
const dayBars = new Map<string, Map<string, Bar>>();
/** Per market, per date: the grouped-daily rows (in the order the answers came: sort the dates). */
const grouped = { stocks: new Map<string, TickerBar[]>(), crypto: new Map<string, TickerBar[]>() };

const dateOf = (bar: Bar, ticker: string) => tradingDateOfBar(bar, { ticker, timespan: 'day' });
const datesOf = (bars: readonly Bar[]) => [...new Set(bars.map((b) => newYorkDate(b.timestamp)))];
/** The dates whose grouped daily has a row for the ticker, in order. */
const datesWithRow = (market: keyof typeof grouped, ticker: string) =>
  [...grouped[market]]
    .filter(([, rows]) => rows.some((r) => r.ticker === ticker))
    .map(([d]) => d)
    .sort();
const servedDays = (ticker: string) => [...(dayBars.get(ticker)?.keys() ?? [])];
/** A bar without its stamp, ticker and otc flag: the values grouped and custom bars share. */
const values = (bar: Bar) => {
  const { timestamp: _t, ticker: _ticker, otc: _otc, ...rest } = bar as TickerBar;
  return rest;
};

beforeAll(async () => {
  sim = await startSimulator({ ...GENERATION, now: NOW, tickers: UNIVERSE });
  client = new MassiveClient({ apiKey: 'simulated', baseUrl: sim.url, env: {}, rateLimit: { maxConcurrent: 16 } });
  await Promise.all(
    TICKERS.map(async (ticker) => {
      const bars = await client.getBars({ ticker, timespan: 'day', from: FIRST, to: TODAY });
      dayBars.set(ticker, new Map(bars.map((b) => [dateOf(b, ticker), b])));
    }),
  );
  await Promise.all(
    eachDay(FIRST, addDays(TODAY, 1)).map(async (date) => {
      grouped.stocks.set(date, await client.getGroupedDaily(date));
      grouped.crypto.set(date, await client.getGroupedDaily(date, { market: 'crypto' }));
    }),
  );
}, 120_000);

afterAll(async () => {
  await sim?.close();
});

describe('(a) a ticker listed mid-range', () => {
  it('day bars: every trading day from the listing date on, none before (stocks and crypto)', () => {
    expect(servedDays('NEWCO')).toEqual(nyseCalendar.tradingDays(LISTED, TODAY));
    expect(servedDays('NEWCO')[0]).toBe(LISTED);
    expect(servedDays('X:NEWUSD')).toEqual(cryptoCalendar.tradingDays(CRYPTO_LISTED, TODAY));
    expect(servedDays('X:NEWUSD')[0]).toBe(CRYPTO_LISTED);
    // Unlisted tickers trade on every day of the range.
    expect(servedDays('AAPL')).toEqual(NYSE_DAYS);
    expect(servedDays('X:BTCUSD')).toEqual(eachDay(FIRST, TODAY));
  });

  it('minute and hour bars: none before the listing date; from it on, on the very days of the day bars', async () => {
    const minutes = await client.getBars({ ticker: 'NEWCO', timespan: 'minute', from: '2025-09-10', to: '2025-09-19' });
    expect(datesOf(minutes)).toEqual(['2025-09-17', '2025-09-18', '2025-09-19']);
    expect(minutes[0]?.timestamp).toBe(newYorkTimeToUtcMs(LISTED, 4, 0));
    for (const ticker of ['NEWCO', 'X:NEWUSD']) {
      const hours = await client.getBars({ ticker, timespan: 'hour', from: FIRST, to: TODAY });
      expect(datesOf(hours), ticker).toEqual(servedDays(ticker));
    }
  });

  it('every timespan: a range before the listing (and its week, month, quarter, year) has no bar', async () => {
    const before: [SimulatedTimespan, string, string][] = [
      ['minute', '2025-09-10', '2025-09-16'],
      ['hour', FIRST, '2025-09-16'],
      ['day', FIRST, '2025-09-16'],
      ['week', FIRST, '2025-09-13'], // the Saturday before the listing week (a week overlapping the range is served whole)
      ['month', FIRST, '2025-08-31'],
      ['quarter', '2024-01-01', '2025-06-30'],
      ['year', '2020-01-01', '2024-12-31'],
    ];
    for (const [timespan, from, to] of before) {
      expect(await client.getBars({ ticker: 'NEWCO', timespan, from, to }), timespan).toEqual([]);
      expect(simulatedBars({ ticker: 'NEWCO', timespan, from, to }, { ...GENERATION, now: NOW }), timespan).toEqual([]);
      expect((await client.getBars({ ticker: 'AAPL', timespan, from, to })).length, timespan).toBeGreaterThan(0);
    }
  });

  it('the week and month holding the listing date: built from its days from the listing on, stamped at their start', async () => {
    const weeks = await client.getBars({ ticker: 'NEWCO', timespan: 'week', from: FIRST, to: TODAY });
    const months = await client.getBars({ ticker: 'NEWCO', timespan: 'month', from: FIRST, to: TODAY });
    const days = [...(dayBars.get('NEWCO')?.values() ?? [])];
    expect(weeks[0]?.timestamp).toBe(newYorkMidnightUtcMs(weekStartSunday(LISTED)));
    expect(weeks[0]).toStrictEqual(aggregateDayBars(days.slice(0, 3), 'week')[0]); // Wednesday to Friday
    expect(months[0]?.timestamp).toBe(newYorkMidnightUtcMs('2025-09-01'));
    expect(months[0]?.open).toBe(days[0]?.open);
  });

  it('grouped daily: no row before the listing date; a row on every day after it', () => {
    for (const [market, ticker, listed] of [
      ['stocks', 'NEWCO', LISTED],
      ['crypto', 'X:NEWUSD', CRYPTO_LISTED],
    ] as const) {
      const withRow = datesWithRow(market, ticker);
      expect(withRow, ticker).toEqual(servedDays(ticker));
      expect(withRow[0], ticker).toBe(listed);
    }
  });

  it('previous close: none while the previous trading day is before the listing, then the listing day’s bar', async () => {
    const before = await startSimulator({ ...GENERATION, now: newYorkTimeToUtcMs(LISTED, 10, 0) });
    const after = await startSimulator({ ...GENERATION, now: newYorkTimeToUtcMs('2025-09-18', 10, 0) });
    try {
      const at = (s: RunningSimulator) => new MassiveClient({ apiKey: 'simulated', baseUrl: s.url, env: {} });
      expect(await at(before).getPreviousClose('NEWCO')).toBeNull();
      expect(await at(before).getPreviousClose('AAPL')).not.toBeNull();
      const prev = (await at(after).getPreviousClose('NEWCO')) as TickerBar;
      expect(prev.timestamp).toBe(newYorkTimeToUtcMs(LISTED, 16, 0));
      expect(values(prev)).toStrictEqual(values(dayBars.get('NEWCO')?.get(LISTED) as Bar));
    } finally {
      await Promise.all([before.close(), after.close()]);
    }
  });

  it('ticker details report the listing date as list_date; other tickers keep their synthesized one', async () => {
    expect((await client.getTickerDetails('NEWCO')).list_date).toBe(LISTED);
    const plain = await startSimulator({ seed: GENERATION.seed, now: NOW, tickers: UNIVERSE });
    try {
      const plainClient = new MassiveClient({ apiKey: 'simulated', baseUrl: plain.url, env: {} });
      for (const ticker of ['AAPL', 'THIN']) {
        expect(await client.getTickerDetails(ticker), ticker).toStrictEqual(await plainClient.getTickerDetails(ticker));
      }
      const unlisted = await plainClient.getTickerDetails('NEWCO');
      expect(unlisted.list_date).toMatch(/^\d{4}-\d\d-\d\d$/);
      expect(unlisted.list_date).not.toBe(LISTED);
    } finally {
      await plain.close();
    }
  });
});

describe('(b) a thinly traded ticker', () => {
  it('a seeded fraction of its trading days have no day bar, exactly the days simulatedTradingDays leaves out', () => {
    const served = servedDays('THIN');
    const missing = NYSE_DAYS.filter((d) => !served.includes(d));
    expect(served).toEqual(simulatedTradingDays('THIN', FIRST, TODAY, GENERATION));
    expect(missing.length / NYSE_DAYS.length).toBeGreaterThan(THIN_FRACTION - 0.1);
    expect(missing.length / NYSE_DAYS.length).toBeLessThan(THIN_FRACTION + 0.1);
    // Deterministic from the seed: another seed leaves out other days.
    expect(simulatedTradingDays('THIN', FIRST, TODAY, { ...GENERATION, seed: 'other' })).not.toEqual(served);
  });

  it('given dates: exactly those days have no day bar', () => {
    expect(servedDays('SPARSE')).toEqual(NYSE_DAYS.filter((d) => !SPARSE_DAYS.includes(d)));
    expect(NYSE_DAYS.length - servedDays('SPARSE').length).toBe(SPARSE_DAYS.length - 1); // 2025-11-27 is Thanksgiving
  });

  it('minute and hour bars: none on a missing day, on every other day', async () => {
    const firstMissing = NYSE_DAYS.find((d) => !dayBars.get('THIN')?.has(d)) as string;
    for (const [ticker, from, to] of [
      ['THIN', addDays(firstMissing, -3), addDays(firstMissing, 3)],
      ['SPARSE', '2025-10-01', '2025-10-14'],
    ] as const) {
      const minutes = await client.getBars({ ticker, timespan: 'minute', from, to });
      const expected = servedDays(ticker).filter((d) => d >= from && d <= to);
      expect(datesOf(minutes), ticker).toEqual(expected);
      const hours = await client.getBars({ ticker, timespan: 'hour', from: FIRST, to: TODAY });
      expect(datesOf(hours), ticker).toEqual(servedDays(ticker));
    }
    expect(servedDays('THIN')).not.toContain(firstMissing);
  });

  it('grouped daily: no row on a missing day, a row on every other trading day', () => {
    for (const ticker of ['THIN', 'SPARSE']) {
      const withRow = datesWithRow('stocks', ticker);
      expect(withRow, ticker).toEqual(servedDays(ticker));
    }
    // The other tickers' rows are still there on those days.
    for (const date of SPARSE_DAYS.filter((d) => nyseCalendar.isTradingDay(d))) {
      expect(
        grouped.stocks.get(date)?.map((r) => r.ticker),
        date,
      ).toContain('AAPL');
    }
  });

  it('previous close: none when the previous trading day is missing', async () => {
    expect(nyseCalendar.previousTradingDay(TODAY)).toBe('2025-11-18');
    expect(await client.getPreviousClose('SPARSE')).toBeNull();
    const thin = await client.getPreviousClose('THIN');
    const thinTraded = dayBars.get('THIN')?.get('2025-11-18');
    if (thinTraded) expect(values(thin as TickerBar)).toStrictEqual(values(thinTraded));
    else expect(thin).toBeNull();
  });
});

describe('(c) periods and grouped daily agree with the day bars', () => {
  it('week and month bars equal aggregateDayBars of the day bars, for every ticker', async () => {
    const weekFrom = weekStartSunday(FIRST); // the week holding FIRST is served whole
    for (const ticker of TICKERS) {
      const days = await client.getBars({ ticker, timespan: 'day', from: weekFrom, to: TODAY });
      const weeks = await client.getBars({ ticker, timespan: 'week', from: FIRST, to: TODAY });
      const months = await client.getBars({ ticker, timespan: 'month', from: FIRST, to: TODAY });
      expect(weeks, ticker).toStrictEqual(aggregateDayBars(days, 'week', { ticker }));
      expect(months, ticker).toStrictEqual(
        aggregateDayBars(
          days.filter((d) => dateOf(d, ticker) >= FIRST),
          'month',
          { ticker },
        ),
      );
      expect(weeks.length, ticker).toBeGreaterThan(0);
    }
    // A week without a single trade has no week bar.
    const sparseWeeks = await client.getBars({ ticker: 'SPARSE', timespan: 'week', from: '2025-09-28', to: '2025-10-18' });
    expect(sparseWeeks.map((b) => newYorkDate(b.timestamp))).toEqual(['2025-09-28', '2025-10-12']);
  });

  it('each grouped row has the values of its ticker’s day bar; every day bar has its row', () => {
    let compared = 0;
    for (const [market, tickers] of [
      ['stocks', STOCKS],
      ['crypto', CRYPTO],
    ] as const) {
      for (const [date, rows] of grouped[market]) {
        expect(rows.map((r) => r.ticker).sort(), `${market} ${date}`).toEqual(tickers.filter((t) => dayBars.get(t)?.has(date)).sort());
        for (const row of rows) {
          expect(values(row), `${row.ticker} ${date}`).toStrictEqual(values(dayBars.get(row.ticker)?.get(date) as Bar));
          compared++;
        }
      }
    }
    expect(compared).toBe(TICKERS.reduce((sum, t) => sum + (dayBars.get(t)?.size ?? 0), 0));
  });

  it('the pure functions serve the same bars and days as the server', async () => {
    for (const ticker of TICKERS) {
      for (const timespan of ['day', 'week', 'month'] as const) {
        const request = { ticker, timespan, from: FIRST, to: TODAY };
        expect(simulatedBars(request, { ...GENERATION, now: NOW }), `${ticker} ${timespan}`).toStrictEqual(await client.getBars(request));
      }
      expect(simulatedTradingDays(ticker, FIRST, TODAY, GENERATION), ticker).toEqual(servedDays(ticker));
    }
  });
});

describe('(d) defaults, other tickers, bad options, CLI', () => {
  it('other tickers are untouched; no option, an empty one, an early listing or a fraction of 0 change nothing', () => {
    const day = { timespan: 'day' as const, from: FIRST, to: TODAY };
    for (const ticker of ['AAPL', 'X:BTCUSD']) {
      const plain = simulatedBars({ ticker, ...day }, { seed: GENERATION.seed, now: NOW });
      expect(simulatedBars({ ticker, ...day }, { ...GENERATION, now: NOW }), ticker).toStrictEqual(plain);
    }
    const plain = simulatedBars({ ticker: 'THIN', ...day }, { seed: GENERATION.seed, now: NOW });
    expect(plain.map((b) => dateOf(b, 'THIN'))).toEqual(NYSE_DAYS);
    const unchanged: GenerationOptions[] = [
      { listings: {}, missingDays: {} },
      { listings: { THIN: '1990-01-01' }, missingDays: { THIN: 0 } },
      { missingDays: { THIN: [] } },
    ];
    for (const options of unchanged) {
      expect(simulatedBars({ ticker: 'THIN', ...day }, { seed: GENERATION.seed, now: NOW, ...options })).toStrictEqual(plain);
    }
  });

  it('bad options throw a RangeError naming them', async () => {
    const bad: [GenerationOptions, RegExp][] = [
      [{ listings: { NEWCO: '2025-09-31' } }, /listings\.NEWCO/],
      [{ missingDays: { THIN: 1.5 } }, /missingDays\.THIN must be a fraction/],
      [{ missingDays: { THIN: -0.1 } }, /missingDays\.THIN must be a fraction/],
      [{ missingDays: { THIN: ['2025-02-30'] } }, /missingDays\.THIN: every date/],
      [{ missingDays: { THIN: 'often' as unknown as number } }, /missingDays\.THIN must be a fraction or a list/],
    ];
    for (const [options, message] of bad) {
      await expect(startSimulator(options)).rejects.toThrow(RangeError);
      await expect(startSimulator(options)).rejects.toThrow(message);
      expect(() => simulatedBars({ ticker: 'THIN', timespan: 'day', from: FIRST, to: TODAY }, options)).toThrow(message);
    }
  });

  it('the CLI: --listings and --missing-days', async () => {
    const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
    const child: ChildProcess = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        cli,
        '--seed',
        GENERATION.seed,
        '--now',
        new Date(NOW).toISOString(),
        '--listings',
        `NEWCO=${LISTED},X:NEWUSD=${CRYPTO_LISTED}`,
        '--missing-days',
        'THIN=0.2,SPARSE=2025-10-06+2025-10-07',
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
      expect((await cliClient.getTickerDetails('NEWCO')).list_date).toBe(LISTED);
      const newco = await cliClient.getBars({ ticker: 'NEWCO', timespan: 'day', from: '2025-09-15', to: '2025-09-19' });
      expect(newco.map((b) => dateOf(b, 'NEWCO'))).toEqual(['2025-09-17', '2025-09-18', '2025-09-19']);
      const sparse = await cliClient.getBars({ ticker: 'SPARSE', timespan: 'day', from: '2025-10-06', to: '2025-10-08' });
      expect(sparse.map((b) => dateOf(b, 'SPARSE'))).toEqual(['2025-10-08']);
      const thin = await cliClient.getBars({ ticker: 'THIN', timespan: 'day', from: FIRST, to: TODAY });
      expect(thin.map((b) => dateOf(b, 'THIN'))).toEqual(servedDays('THIN'));
    } finally {
      child.kill('SIGTERM');
    }
  }, 30_000);
});
