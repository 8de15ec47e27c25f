/**
 * The simulator before 1970: Unix ms stamps are negative there and must be served as such (an unsigned writer once
 * turned every one of them into `"t":0`, and a loader then collapsed a century of bars into one).
 */

import { newYorkMidnightUtcMs } from '@tickstock/market-time';
import { MassiveClient } from '@tickstock/massive-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../src/index.js';

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ apiKey: 'pre-1970', now: Date.parse('2025-06-11T20:00:00Z') });
});
afterAll(() => sim.close());

describe('bars before 1970', () => {
  it('are stamped with their own (negative) Unix ms, each at 00:00 New York of its date', async () => {
    const client = new MassiveClient({ apiKey: 'pre-1970', baseUrl: sim.url, rateLimit: 'unlimited' });
    const bars = await client.getBars({ ticker: 'AAPL', timespan: 'day', from: '1969-12-29', to: '1970-01-06' });
    const dates = ['1969-12-29', '1969-12-30', '1969-12-31', '1970-01-02', '1970-01-05', '1970-01-06'];
    expect(bars.map((b) => b.timestamp)).toEqual(dates.map((d) => newYorkMidnightUtcMs(d)));
    expect(bars[0]?.timestamp).toBe(-241_200_000);
    const raw = await (
      await fetch(`${sim.url}/v2/aggs/ticker/AAPL/range/1/day/1969-12-29/1969-12-29`, { headers: { Authorization: 'Bearer pre-1970' } })
    ).text();
    expect(raw).toContain('"t":-241200000');
  });
});
