/**
 * Thin trading by default (issue #23): minutes without a trade have no bar, as the recorded DELAYED hour bars of AAPL
 * show (`queryCount` 835 minute bars behind a 04:00-20:00 day's 16 hour bars, not 960). Deterministic per ticker and
 * day, more gaps in extended hours than in the regular session and more for less liquid stocks; crypto, forex and
 * indices trade every minute; `gapRate: 0` turns gaps off.
 */
import { newYorkTimeToUtcMs } from '@tickstock/market-time';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, simulatedBars, startSimulator } from '../src/index.js';

const now = Date.parse('2024-05-01T00:00:00Z');
const DAY = '2024-04-29';
const minutes = (ticker: string, gapRate?: number) =>
  simulatedBars({ ticker, timespan: 'minute', from: DAY, to: DAY }, gapRate === undefined ? { now } : { now, gapRate });
const open = newYorkTimeToUtcMs(DAY, 9, 30);
const close = newYorkTimeToUtcMs(DAY, 16, 0);

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ now });
});
afterAll(async () => {
  await sim.close();
});

describe('minute bars with thin trading (the default)', () => {
  it('a stock day has fewer than 960 minutes, the same ones on every call; the thinner the stock, the fewer', () => {
    expect([minutes('COST').length, minutes('AAPL').length, minutes('MRK').length]).toEqual([825, 694, 559]);
    expect(minutes('AAPL')).toEqual(minutes('AAPL'));
  });

  it('extended hours lose a larger share of their minutes than the regular session', () => {
    const bars = minutes('AAPL');
    const regular = bars.filter((b) => b.timestamp >= open && b.timestamp < close).length;
    const extended = bars.length - regular;
    expect([regular, extended]).toEqual([387, 307]);
    expect(1 - extended / 570).toBeGreaterThan(1 - regular / 390);
  });

  it('hour bars still cover 04:00-19:00 and count the minutes behind them in queryCount, as recorded', async () => {
    const res = await fetch(`${sim.url}/v2/aggs/ticker/AAPL/range/1/hour/${DAY}/${DAY}`);
    const body = (await res.json()) as { queryCount: number; resultsCount: number };
    expect([body.resultsCount, body.queryCount]).toEqual([16, minutes('AAPL').length]);
  });

  it('crypto, forex and indices trade every minute; gapRate 0 gives every stock minute', () => {
    expect(minutes('X:BTCUSD')).toHaveLength(1440);
    expect(minutes('I:NDX')).toHaveLength(960);
    expect(minutes('C:EURUSD')).toHaveLength(1440); // a Monday: the whole UTC day
    expect(minutes('AAPL', 0)).toHaveLength(960);
  });
});
