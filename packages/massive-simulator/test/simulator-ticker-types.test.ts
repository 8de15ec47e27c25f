/** The simulator serves `/v3/reference/tickers/types` as the list of type codes, not as the details of a ticker "types". */

import { MassiveClient } from '@tickstock/massive-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../src/index.js';

let sim: RunningSimulator;
let client: MassiveClient;
beforeAll(async () => {
  sim = await startSimulator({ apiKey: 'types-key' });
  client = new MassiveClient({ apiKey: 'types-key', baseUrl: sim.url, rateLimit: 'unlimited' });
});
afterAll(() => sim.close());

describe('getTickerTypes against the simulator', () => {
  it('lists the stock type codes and the index code, filtered by asset class, and counts them as ticker types', async () => {
    const all = await client.getTickerTypes();
    expect(all.length).toBe(21);
    expect(all[0]).toEqual({ code: 'CS', description: 'Common Stock', asset_class: 'stocks', locale: 'us' });
    expect(all.map((t) => t.code)).toContain('ETF');
    expect((await client.getTickerTypes({ assetClass: 'indices' })).map((t) => t.code)).toEqual(['IX']);
    expect(await client.getTickerTypes({ assetClass: 'crypto' })).toEqual([]);
    expect(sim.stats().byEndpoint).toEqual({ tickerTypes: 3 });
  });
});
