/**
 * Forex (`C:` tickers) as Massive serves it (issue #23): UTC days (day bars at 00:00Z, as the recorded C:EURUSD bar
 * `t: 1626912000000`), one continuous week from Sunday 17:00 to Friday 17:00 New York (no Saturday, a Sunday evening
 * session), 5-decimal prices (3 for yen pairs) with a 4-decimal `vw` and `v == n`, as in the recorded example.
 */
import { forexCalendar, newYorkTimeToUtcMs } from '@tickstock/market-time';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, type SimulatedBar, simulatedBars, startSimulator } from '../src/index.js';

const now = Date.parse('2025-08-01T00:00:00Z');
const ms = (iso: string) => Date.parse(iso);
const bars = (ticker: string, timespan: 'minute' | 'hour' | 'day' | 'week', from: string | number, to: string | number) =>
  simulatedBars({ ticker, timespan, from, to }, { now });
const decimals = (x: number) => (String(x).split('.')[1] ?? '').length;

describe('forex day bars', () => {
  it('one per UTC trading day at 00:00Z: Monday to Friday and Sunday, no Saturday', () => {
    const week = bars('C:EURUSD', 'day', '2025-07-07', '2025-07-13');
    expect(week.map((b) => new Date(b.timestamp).toISOString())).toEqual([
      '2025-07-07T00:00:00.000Z',
      '2025-07-08T00:00:00.000Z',
      '2025-07-09T00:00:00.000Z',
      '2025-07-10T00:00:00.000Z',
      '2025-07-11T00:00:00.000Z',
      '2025-07-13T00:00:00.000Z',
    ]);
    // The recorded bar's date: Thursday 2021-07-22, t = 1626912000000.
    expect(bars('C:EURUSD', 'day', '2021-07-22', '2021-07-22').map((b) => b.timestamp)).toEqual([1626912000000]);
  });

  it('has the recorded shape: 5-decimal prices around a EURUSD level, a 4-decimal vw, v == n', () => {
    const year = bars('C:EURUSD', 'day', '2024-01-01', '2024-12-31');
    expect(year).toHaveLength(366 - 52);
    for (const b of year) {
      for (const p of [b.open, b.high, b.low, b.close]) expect(decimals(p)).toBeLessThanOrEqual(5);
      expect(decimals(b.vwap as number)).toBeLessThanOrEqual(4);
      expect(b.volume).toBe(b.transactions);
      expect(Number.isInteger(b.volume)).toBe(true);
      expect(b.low).toBeGreaterThan(0.8);
      expect(b.high).toBeLessThan(1.5);
      expect(b.low).toBeLessThanOrEqual(Math.min(b.open, b.close, b.vwap as number));
      expect(b.high).toBeGreaterThanOrEqual(Math.max(b.open, b.close, b.vwap as number));
    }
    expect(year.filter((b) => decimals(b.close) === 5).length).toBeGreaterThan(year.length / 2);
  });

  it('yen pairs have 3 decimals around a USDJPY level', () => {
    const days = bars('C:USDJPY', 'day', '2024-01-01', '2024-03-31');
    for (const b of days) {
      for (const p of [b.open, b.high, b.low, b.close]) expect(decimals(p)).toBeLessThanOrEqual(3);
      expect(b.low).toBeGreaterThan(90);
      expect(b.high).toBeLessThan(220);
    }
    expect(days.filter((b) => decimals(b.close) === 3).length).toBeGreaterThan(days.length / 2);
  });

  it('a day bar aggregates the minutes of its UTC day; a week bar starts Sunday 00:00Z', () => {
    const [day] = bars('C:EURUSD', 'day', '2025-07-09', '2025-07-09') as [SimulatedBar];
    const minutes = bars('C:EURUSD', 'minute', '2025-07-09', '2025-07-09');
    expect(minutes).toHaveLength(1440);
    expect(day.open).toBe(minutes[0]?.open);
    expect(day.close).toBe(minutes.at(-1)?.close);
    expect(day.volume).toBe(minutes.reduce((s, m) => s + (m.volume as number), 0));
    expect(bars('C:EURUSD', 'week', '2025-07-09', '2025-07-09').map((b) => b.timestamp)).toEqual([ms('2025-07-06T00:00:00Z')]);
  });
});

describe('forex minute and hour bars', () => {
  it('the Sunday session opens at 17:00 New York (21:00Z in summer, 22:00Z in winter) and runs on past UTC midnight', () => {
    const sunday = bars('C:EURUSD', 'minute', '2025-07-13', '2025-07-13');
    expect(sunday).toHaveLength(180);
    expect(sunday[0]?.timestamp).toBe(ms('2025-07-13T21:00:00Z'));
    expect(sunday.at(-1)?.timestamp).toBe(ms('2025-07-13T23:59:00Z'));
    const winter = bars('C:EURUSD', 'minute', '2025-01-05', '2025-01-05');
    expect([winter.length, winter[0]?.timestamp]).toEqual([120, ms('2025-01-05T22:00:00Z')]);
    // Continuous: every minute from Sunday 17:00 New York to Monday 01:00Z, none missing.
    const across = bars('C:EURUSD', 'minute', ms('2025-07-13T20:00:00Z'), ms('2025-07-14T00:59:00Z'));
    expect(across).toHaveLength(240);
    expect(across.map((b) => b.timestamp)).toEqual(Array.from({ length: 240 }, (_, i) => ms('2025-07-13T21:00:00Z') + i * 60_000));
  });

  it('Friday ends at 17:00 New York; Saturday has nothing', () => {
    const friday = bars('C:EURUSD', 'minute', '2025-07-11', '2025-07-11');
    expect(friday).toHaveLength(21 * 60);
    expect(friday.at(-1)?.timestamp).toBe(newYorkTimeToUtcMs('2025-07-11', 16, 59));
    expect(bars('C:EURUSD', 'minute', '2025-07-12', '2025-07-12')).toEqual([]);
    expect(bars('C:EURUSD', 'hour', '2025-07-12', '2025-07-12')).toEqual([]);
  });

  it('hour bars on UTC hours: 3 on Sunday evening, 24 a weekday, 21 on Friday; intraday in the session only', () => {
    const hours = bars('C:EURUSD', 'hour', '2025-07-12', '2025-07-19');
    expect(hours).toHaveLength(3 + 4 * 24 + 21);
    expect(hours[0]?.timestamp).toBe(ms('2025-07-13T21:00:00Z'));
    expect(hours.at(-1)?.timestamp).toBe(ms('2025-07-18T20:00:00Z'));
    for (const h of hours) expect(h.timestamp % 3_600_000).toBe(0);
    const fourHours = simulatedBars({ ticker: 'C:EURUSD', multiplier: 4, timespan: 'hour', from: '2025-07-14', to: '2025-07-14' }, { now });
    expect(fourHours.map((b) => new Date(b.timestamp).getUTCHours())).toEqual([0, 4, 8, 12, 16, 20]);
    for (const date of forexCalendar.tradingDays('2025-07-12', '2025-07-19')) {
      const s = forexCalendar.session(date);
      for (const m of bars('C:EURUSD', 'minute', date, date)) {
        expect(m.timestamp).toBeGreaterThanOrEqual(s?.open as number);
        expect(m.timestamp).toBeLessThan(s?.close as number);
      }
    }
  });
});

describe('grouped daily fx', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ now, tickers: ['AAA', 'C:EURUSD', 'C:USDJPY'] });
  });
  afterAll(async () => {
    await sim?.close();
  });
  const grouped = async (date: string) =>
    (await (await fetch(`${sim.url}/v2/aggs/grouped/locale/global/market/fx/${date}?adjusted=true`)).json()) as {
      results?: { T: string; t: number; c: number }[];
    };

  it('a Sunday has rows (its evening session), a Saturday none; each row is the pair’s day bar of that UTC date', async () => {
    expect(await grouped('2025-07-12')).not.toHaveProperty('results');
    const sunday = await grouped('2025-07-13');
    expect(sunday.results?.map((r) => r.T)).toEqual(['C:EURUSD', 'C:USDJPY']);
    expect(sunday.results?.[0]?.t).toBe(ms('2025-07-13T23:59:59.999Z'));
    expect(sunday.results?.[0]?.c).toBe(bars('C:EURUSD', 'day', '2025-07-13', '2025-07-13')[0]?.close);
    expect((await grouped('2024-12-25')).results).toHaveLength(2); // no forex holidays
    expect((await grouped('2025-01-01')).results).toHaveLength(2);
  });
});
