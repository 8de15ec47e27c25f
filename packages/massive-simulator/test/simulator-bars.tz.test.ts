import {
  cryptoCalendar,
  dayOfWeek,
  newYorkDate,
  newYorkMidnightUtcMs,
  newYorkParts,
  newYorkTimeToUtcMs,
  nyseCalendar,
} from '@tickstock/market-time';
import { aggsResponseSchema } from '@tickstock/massive-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type RunningSimulator,
  type SimulatedBarsRequest,
  simulatedBars,
  simulatedPageCount,
  simulatedWireBars,
  startSimulator,
} from '../src/index.js';

interface Row {
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v?: number;
  vw?: number;
  n?: number;
}

const NOW = Date.parse('2026-03-01T12:00:00Z');
let sim: RunningSimulator;

beforeAll(async () => {
  sim = await startSimulator({ seed: 'bars-test', now: NOW, gapRate: 0, splits: { SPLT: [{ date: '2025-06-09', ratio: 4 }] } });
});
afterAll(async () => {
  await sim.close();
});

async function getJson(url: string): Promise<Record<string, unknown>> {
  const res = await fetch(url);
  expect(res.status, url).toBe(200);
  const body = (await res.json()) as Record<string, unknown>;
  aggsResponseSchema.parse(body);
  return body;
}

/** Every bar of a range, following next_url; also returns the bodies. */
async function fetchAll(path: string): Promise<{ rows: Row[]; pages: Record<string, unknown>[] }> {
  const pages: Record<string, unknown>[] = [];
  const rows: Row[] = [];
  let url: string | undefined = `${sim.url}${path}`;
  while (url) {
    const body = await getJson(url);
    pages.push(body);
    rows.push(...((body.results as Row[] | undefined) ?? []));
    url = body.next_url as string | undefined;
    if (url) expect(url.startsWith(`${sim.url}/`)).toBe(true);
  }
  return { rows, pages };
}

const ny = (t: number) => {
  const p = newYorkParts(t);
  return `${p.date} ${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}`;
};

describe('day bars follow the NYSE calendar', () => {
  it('a year of day bars for three tickers has exactly the 250 trading days of 2025, each stamped 00:00 New York', async () => {
    const days = nyseCalendar.tradingDays('2025-01-01', '2025-12-31');
    expect(days).toHaveLength(250);
    for (const ticker of ['AAPL', 'MSFT', 'SPY']) {
      const { rows, pages } = await fetchAll(
        `/v2/aggs/ticker/${ticker}/range/1/day/2025-01-01/2025-12-31?adjusted=true&sort=asc&limit=50000`,
      );
      expect(pages).toHaveLength(1);
      expect(rows.map((r) => newYorkDate(r.t))).toEqual(days);
      expect(rows.map((r) => r.t)).toEqual(days.map(newYorkMidnightUtcMs));
      expect(pages[0]).toMatchObject({ ticker, queryCount: 250, resultsCount: 250, count: 250, adjusted: true, status: 'OK' });
    }
  });

  it('stamps day bars 05:00Z in winter and 04:00Z in summer (midnight New York)', async () => {
    const { rows } = await fetchAll('/v2/aggs/ticker/AAPL/range/1/day/2025-03-07/2025-03-10');
    expect(rows.map((r) => new Date(r.t).toISOString())).toEqual(['2025-03-07T05:00:00.000Z', '2025-03-10T04:00:00.000Z']);
  });

  it('crypto has a day bar every day, weekends and holidays included', async () => {
    const { rows } = await fetchAll('/v2/aggs/ticker/X:BTCUSD/range/1/day/2025-12-20/2026-01-02');
    expect(rows.map((r) => newYorkDate(r.t))).toEqual(cryptoCalendar.tradingDays('2025-12-20', '2026-01-02'));
    expect(rows).toHaveLength(14);
  });
});

describe('intraday bars', () => {
  it('a full day has 960 minute bars from 04:00 to 19:59 New York', async () => {
    const { rows } = await fetchAll('/v2/aggs/ticker/AAPL/range/1/minute/2025-06-10/2025-06-10?limit=50000');
    expect(rows).toHaveLength(960);
    expect(ny(rows[0]!.t)).toBe('2025-06-10 04:00');
    expect(ny(rows[959]!.t)).toBe('2025-06-10 19:59');
    expect(rows.every((r, i) => r.t === newYorkTimeToUtcMs('2025-06-10', 4, 0) + i * 60_000)).toBe(true);
  });

  it('hour bars on a full day are 04:00-19:00 (16 bars, 60 minutes each)', async () => {
    const { rows, pages } = await fetchAll('/v2/aggs/ticker/AAPL/range/1/hour/2025-01-14/2025-01-14');
    expect(rows.map((r) => ny(r.t).slice(11))).toEqual(Array.from({ length: 16 }, (_, i) => `${String(4 + i).padStart(2, '0')}:00`));
    expect(pages[0]).toMatchObject({ queryCount: 960, resultsCount: 16 });
  });

  it('hour bars on an early-close day stop at 17:00: the last one starts 16:00', async () => {
    for (const day of ['2025-07-03', '2025-11-28', '2025-12-24']) {
      const { rows, pages } = await fetchAll(`/v2/aggs/ticker/MSFT/range/1/hour/${day}/${day}`);
      expect(rows, day).toHaveLength(13);
      expect(ny(rows[0]!.t)).toBe(`${day} 04:00`);
      expect(ny(rows[12]!.t)).toBe(`${day} 16:00`);
      expect(pages[0]!.queryCount).toBe(780);
    }
  });

  it('hour bars keep New York wall-clock hours across the DST switches', async () => {
    const spring = (await fetchAll('/v2/aggs/ticker/AAPL/range/1/hour/2025-03-07/2025-03-10')).rows;
    expect(spring.map((r) => new Date(r.t).toISOString().slice(0, 16)).filter((_, i) => i % 16 === 0)).toEqual([
      '2025-03-07T09:00', // 04:00 EST
      '2025-03-10T08:00', // 04:00 EDT
    ]);
    const fall = (await fetchAll('/v2/aggs/ticker/AAPL/range/1/hour/2025-10-31/2025-11-03')).rows;
    expect(fall.map((r) => ny(r.t).slice(11)).slice(16, 18)).toEqual(['04:00', '05:00']);
    expect(new Date(fall[16]!.t).toISOString()).toBe('2025-11-03T09:00:00.000Z');
  });

  it('no intraday bars on a holiday or a weekend', async () => {
    for (const range of ['2025-12-25/2025-12-25', '2025-12-27/2025-12-28']) {
      const { pages } = await fetchAll(`/v2/aggs/ticker/AAPL/range/1/minute/${range}`);
      expect(pages[0]).toMatchObject({ resultsCount: 0, queryCount: 0, count: 0 });
      expect(pages[0]).not.toHaveProperty('results');
    }
  });

  it('crypto minutes run around the clock: 1380 on the spring-forward day, 1500 on the fall-back day', () => {
    expect(
      simulatedBars({ ticker: 'X:ETHUSD', timespan: 'minute', from: '2025-03-09', to: '2025-03-09' }, { now: NOW, gapRate: 0 }),
    ).toHaveLength(1380);
    expect(
      simulatedBars({ ticker: 'X:ETHUSD', timespan: 'minute', from: '2025-11-02', to: '2025-11-02' }, { now: NOW, gapRate: 0 }),
    ).toHaveLength(1500);
    expect(
      simulatedBars({ ticker: 'X:ETHUSD', timespan: 'hour', from: '2025-03-09', to: '2025-03-09' }, { now: NOW, gapRate: 0 }),
    ).toHaveLength(23);
  });

  it('5-minute and 2-hour bars group the same minutes', () => {
    const req = { ticker: 'AAPL', from: '2025-06-10', to: '2025-06-10' } as const;
    const five = simulatedBars({ ...req, multiplier: 5, timespan: 'minute' }, { now: NOW, gapRate: 0 });
    const twoHours = simulatedBars({ ...req, multiplier: 2, timespan: 'hour' }, { now: NOW, gapRate: 0 });
    expect(five).toHaveLength(192);
    expect(twoHours.map((b) => ny(b.timestamp).slice(11))).toEqual([
      '04:00',
      '06:00',
      '08:00',
      '10:00',
      '12:00',
      '14:00',
      '16:00',
      '18:00',
    ]);
    const minutes = simulatedBars({ ...req, timespan: 'minute' }, { now: NOW, gapRate: 0 });
    expect(five[1]).toMatchObject({
      open: minutes[5]!.open,
      close: minutes[9]!.close,
      volume: minutes.slice(5, 10).reduce((s, b) => s + b.volume!, 0),
    });
  });
});

describe('week and month bars', () => {
  it('week bars start on Sunday 00:00 New York, across both DST switches', async () => {
    const { rows } = await fetchAll('/v2/aggs/ticker/AAPL/range/1/week/2025-01-01/2025-12-31');
    expect(rows).toHaveLength(53); // the week of Sunday 2024-12-29 through the week of Sunday 2025-12-28
    for (const r of rows) {
      expect(dayOfWeek(newYorkDate(r.t))).toBe(0);
      expect(r.t).toBe(newYorkMidnightUtcMs(newYorkDate(r.t)));
    }
    expect(newYorkDate(rows[0]!.t)).toBe('2024-12-29');
    expect(new Date(rows.find((r) => newYorkDate(r.t) === '2025-03-09')!.t).toISOString()).toBe('2025-03-09T05:00:00.000Z');
  });

  it('month bars start on the 1st at 00:00 New York', async () => {
    const { rows } = await fetchAll('/v2/aggs/ticker/AAPL/range/1/month/2025-01-01/2025-12-31');
    expect(rows.map((r) => newYorkDate(r.t))).toEqual(Array.from({ length: 12 }, (_, i) => `2025-${String(i + 1).padStart(2, '0')}-01`));
    expect(new Date(rows[6]!.t).toISOString()).toBe('2025-07-01T04:00:00.000Z');
    expect(new Date(rows[11]!.t).toISOString()).toBe('2025-12-01T05:00:00.000Z');
  });

  it('quarter and year bars start on the first day of their period', () => {
    const q = simulatedBars({ ticker: 'AAPL', timespan: 'quarter', from: '2025-02-10', to: '2025-12-31' }, { now: NOW, gapRate: 0 });
    expect(q.map((b) => newYorkDate(b.timestamp))).toEqual(['2025-01-01', '2025-04-01', '2025-07-01', '2025-10-01']);
    const y = simulatedBars({ ticker: 'AAPL', timespan: 'year', from: '2024-06-01', to: '2025-06-01' }, { now: NOW, gapRate: 0 });
    expect(y.map((b) => newYorkDate(b.timestamp))).toEqual(['2024-01-01', '2025-01-01']);
  });
});

describe('bars agree with each other and are well formed', () => {
  const opts = { now: NOW, seed: 'bars-test' };
  const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);

  it('hour bars of a day aggregate to its day bar, day bars to week and month bars', () => {
    const hours = simulatedBars({ ticker: 'NVDA', timespan: 'hour', from: '2025-06-11', to: '2025-06-11' }, opts);
    const [day] = simulatedBars({ ticker: 'NVDA', timespan: 'day', from: '2025-06-11', to: '2025-06-11' }, opts);
    expect(day).toMatchObject({
      open: hours[0]!.open,
      close: hours[hours.length - 1]!.close,
      high: Math.max(...hours.map((b) => b.high)),
      low: Math.min(...hours.map((b) => b.low)),
      volume: sum(hours.map((b) => b.volume!)),
      transactions: sum(hours.map((b) => b.transactions!)),
    });
    const days = simulatedBars({ ticker: 'NVDA', timespan: 'day', from: '2025-06-01', to: '2025-06-30' }, opts);
    const [month] = simulatedBars({ ticker: 'NVDA', timespan: 'month', from: '2025-06-01', to: '2025-06-30' }, opts);
    expect(month).toMatchObject({
      open: days[0]!.open,
      close: days[days.length - 1]!.close,
      high: Math.max(...days.map((b) => b.high)),
      low: Math.min(...days.map((b) => b.low)),
      volume: sum(days.map((b) => b.volume!)),
    });
    const weekDays = days.filter((b) => newYorkDate(b.timestamp) >= '2025-06-08' && newYorkDate(b.timestamp) <= '2025-06-14');
    const [week] = simulatedBars({ ticker: 'NVDA', timespan: 'week', from: '2025-06-08', to: '2025-06-14' }, opts);
    expect(week).toMatchObject({ open: weekDays[0]!.open, close: weekDays[4]!.close, volume: sum(weekDays.map((b) => b.volume!)) });
  });

  it('every bar has low <= open, close <= high, positive volume, vw within [low, high] and n >= 1', () => {
    for (const [ticker, timespan] of [
      ['AAPL', 'minute'],
      ['TSLA', 'hour'],
      ['X:BTCUSD', 'hour'],
      ['SPY', 'day'],
    ] as const) {
      const bars = simulatedWireBars({ ticker, timespan, from: '2025-02-01', to: '2025-02-10' }, opts);
      expect(bars.length).toBeGreaterThan(0);
      for (const b of bars) {
        expect(b.l <= Math.min(b.o, b.c) && Math.max(b.o, b.c) <= b.h, `${ticker} ${b.t}`).toBe(true);
        expect(b.v! > 0 && b.vw! >= b.l && b.vw! <= b.h && b.n! >= 1 && Number.isInteger(b.n)).toBe(true);
      }
    }
  });

  it('stock volumes are whole, crypto volumes fractional, indices carry no v, vw or n', async () => {
    const stock = simulatedWireBars({ ticker: 'AAPL', timespan: 'day', from: '2025-02-03', to: '2025-02-07' }, opts);
    expect(stock.every((b) => Number.isInteger(b.v))).toBe(true);
    const crypto = simulatedWireBars({ ticker: 'X:BTCUSD', timespan: 'day', from: '2025-02-03', to: '2025-02-07' }, opts);
    expect(crypto.some((b) => !Number.isInteger(b.v))).toBe(true);
    const { rows } = await fetchAll('/v2/aggs/ticker/I:SPX/range/1/day/2025-02-03/2025-02-07');
    expect(rows).toHaveLength(5);
    for (const r of rows) expect(Object.keys(r).sort()).toEqual(['c', 'h', 'l', 'o', 't']);
  });

  it('unadjusted bars before a split carry the pre-split prices', async () => {
    const adj = (await fetchAll('/v2/aggs/ticker/SPLT/range/1/day/2025-06-05/2025-06-10?adjusted=true')).rows;
    const raw = (await fetchAll('/v2/aggs/ticker/SPLT/range/1/day/2025-06-05/2025-06-10?adjusted=false')).rows;
    expect(raw.map((r) => newYorkDate(r.t))).toEqual(['2025-06-05', '2025-06-06', '2025-06-09', '2025-06-10']);
    expect(raw[0]!.c / adj[0]!.c).toBeCloseTo(4, 3);
    expect(raw[1]!.o / adj[1]!.o).toBeCloseTo(4, 3);
    expect(raw[2]).toEqual(adj[2]);
    expect(raw[3]).toEqual(adj[3]);
  });
});

describe('pages, order and the pure functions', () => {
  it('a small limit yields exactly the bars of one big page, with queryCount within the limit', async () => {
    const cases = [
      ['/v2/aggs/ticker/AAPL/range/1/minute/2025-06-09/2025-06-11', 700],
      ['/v2/aggs/ticker/AAPL/range/1/hour/2025-06-09/2025-06-11', 200],
      ['/v2/aggs/ticker/MSFT/range/1/day/2025-01-01/2025-12-31', 7],
      ['/v2/aggs/ticker/MSFT/range/1/week/2025-01-01/2025-12-31', 12],
      ['/v2/aggs/ticker/X:BTCUSD/range/1/day/2025-01-01/2025-03-31', 10],
    ] as const;
    for (const [path, limit] of cases) {
      const big = await fetchAll(`${path}?limit=50000`);
      expect(big.pages).toHaveLength(1);
      const small = await fetchAll(`${path}?limit=${limit}`);
      expect(small.pages.length, path).toBeGreaterThan(2);
      expect(small.rows).toEqual(big.rows);
      for (const p of small.pages) expect(p.queryCount as number).toBeLessThanOrEqual(limit);
      expect(small.pages[small.pages.length - 1]).not.toHaveProperty('next_url');
    }
  });

  it('simulatedPageCount says how many pages a client following next_url will fetch', async () => {
    const req: SimulatedBarsRequest = { ticker: 'MSFT', timespan: 'day', from: '2025-01-01', to: '2025-12-31' };
    expect(simulatedPageCount(req, 7, { seed: 'bars-test', now: NOW })).toBe(36); // 250 days, 7 per page
    const { pages } = await fetchAll('/v2/aggs/ticker/MSFT/range/1/day/2025-01-01/2025-12-31?limit=7');
    expect(pages).toHaveLength(36);
    expect(simulatedPageCount({ ...req, timespan: 'hour', from: '2025-06-09', to: '2025-06-10' }, 1000, { now: NOW, gapRate: 0 })).toBe(2);
  });

  it('sort=desc serves the same bars newest first, also across pages', async () => {
    const asc = await fetchAll('/v2/aggs/ticker/AAPL/range/1/hour/2025-06-09/2025-06-12?limit=50000');
    const desc = await fetchAll('/v2/aggs/ticker/AAPL/range/1/hour/2025-06-09/2025-06-12?sort=desc&limit=300');
    expect(desc.pages.length).toBeGreaterThan(1);
    expect(desc.rows).toEqual([...asc.rows].reverse());
  });

  it('Unix-millisecond bounds are inclusive', async () => {
    const from = newYorkTimeToUtcMs('2025-06-10', 9, 30);
    const to = newYorkTimeToUtcMs('2025-06-10', 9, 34);
    const { rows } = await fetchAll(`/v2/aggs/ticker/AAPL/range/1/minute/${from}/${to}`);
    expect(rows.map((r) => r.t)).toEqual([0, 1, 2, 3, 4].map((i) => from + i * 60_000));
  });

  it('simulatedBars returns exactly what the server sends, in the client Bar shape', async () => {
    const req: SimulatedBarsRequest = { ticker: 'AAPL', timespan: 'hour', from: '2025-06-09', to: '2025-06-10' };
    const served = (await fetchAll('/v2/aggs/ticker/AAPL/range/1/hour/2025-06-09/2025-06-10')).rows;
    expect(simulatedWireBars(req, { seed: 'bars-test', now: NOW, gapRate: 0 })).toEqual(served);
    expect(simulatedBars(req, { seed: 'bars-test', now: NOW, gapRate: 0 })[0]).toEqual({
      timestamp: served[0]!.t,
      open: served[0]!.o,
      high: served[0]!.h,
      low: served[0]!.l,
      close: served[0]!.c,
      volume: served[0]!.v,
      vwap: served[0]!.vw,
      transactions: served[0]!.n,
    });
  });

  it('the same ticker gets the same bars on every call; another seed or ticker gets others', () => {
    const req: SimulatedBarsRequest = { ticker: 'AAPL', timespan: 'day', from: '2025-01-01', to: '2025-01-31' };
    const a = simulatedWireBars(req, { seed: 7, now: NOW });
    expect(simulatedWireBars(req, { seed: 7, now: NOW })).toEqual(a);
    expect(simulatedWireBars(req, { seed: 8, now: NOW })).not.toEqual(a);
    expect(simulatedWireBars({ ...req, ticker: 'MSFT' }, { seed: 7, now: NOW })).not.toEqual(a);
  });

  it('no bar starts after "now": minutes stop at the last whole minute, today’s day bar is partial', () => {
    const now = newYorkTimeToUtcMs('2025-06-10', 10, 0) + 30_000;
    const minutes = simulatedBars({ ticker: 'AAPL', timespan: 'minute', from: '2025-06-10', to: '2025-06-12' }, { now, gapRate: 0 });
    expect(ny(minutes[minutes.length - 1]!.timestamp)).toBe('2025-06-10 09:59');
    expect(minutes).toHaveLength(360);
    const days = simulatedBars({ ticker: 'AAPL', timespan: 'day', from: '2025-06-09', to: '2025-06-12' }, { now, gapRate: 0 });
    expect(days.map((b) => newYorkDate(b.timestamp))).toEqual(['2025-06-09', '2025-06-10']);
    expect(days[1]!.close).toBe(minutes[minutes.length - 1]!.close);
  });

  it('rejects a bad request with an error naming the part', () => {
    expect(() => simulatedBars({ ticker: 'AAPL', timespan: 'day', from: '2025-13-01', to: '2025-12-31' })).toThrow(
      /from must be YYYY-MM-DD/,
    );
    // @ts-expect-error: second bars are not simulated
    expect(() => simulatedBars({ ticker: 'AAPL', timespan: 'second', from: '2025-01-01', to: '2025-01-02' })).toThrow(/timespan/);
    expect(() => simulatedBars({ ticker: 'AAPL', multiplier: 0, timespan: 'day', from: '2025-01-01', to: '2025-01-02' })).toThrow(
      /multiplier/,
    );
  });
});
