/** Pages against the simulator over real HTTP: every bar once, a saved cursor resumes exactly, maxBars trims exactly. */
import { randomUUID } from 'node:crypto';
import type { Bar } from '@tickstock/market-time';
import { type RunningSimulator, simulatedBars, simulatedPageCount, startSimulator } from '@tickstock/massive-simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { type BarPage, MassiveClient } from '../src/index.js';
import { collect } from './support/api.js';

const NOW = Date.parse('2026-03-02T15:00:00Z');
const running: RunningSimulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function setup() {
  const apiKey = `test-key-${randomUUID()}`;
  // Every minute traded (no thin-trading gaps): pages of exactly `limit` bars, so the counts below are exact.
  const sim = await startSimulator({ now: NOW, apiKey, gapRate: 0 });
  running.push(sim);
  const client = () => new MassiveClient({ apiKey, baseUrl: sim.url, env: {} });
  return { sim, client, apiKey };
}

/** 5 days of AAPL minutes (960 a day), 1000 base minutes per page: 5 pages. */
const PARAMS = { ticker: 'AAPL', timespan: 'minute', from: '2025-06-09', to: '2025-06-13', limit: 1000 } as const;
const strip = (bars: Bar[]) => bars.map(({ otc: _otc, ...b }) => b);
const flat = (pages: BarPage[]) => pages.flatMap((p) => p.bars);

describe('listBarPages against the simulator', () => {
  it('gives every bar once, page by page, with key-free cursors and metadata', async () => {
    const { sim, client, apiKey } = await setup();
    const expected = simulatedBars(PARAMS, { now: NOW, gapRate: 0 });
    const pages = await collect(client().listBarPages(PARAMS));
    expect(pages).toHaveLength(simulatedPageCount(PARAMS, 1000, { now: NOW, gapRate: 0 }));
    expect(pages).toHaveLength(5);
    expect(strip(flat(pages))).toEqual(expected);
    expect(pages.map((p) => p.hasNextPage())).toEqual([true, true, true, true, false]);
    expect(pages[4]?.cursor).toBeNull();
    for (const page of pages.slice(0, 4)) expect(page.cursor?.startsWith(`${sim.url}/v2/aggs/ticker/AAPL/range/1/minute/`)).toBe(true);
    for (const page of pages) {
      expect(page.response.status).toBe(200);
      expect(page.response.attempts).toBe(1);
      expect(page.response.requestId).toMatch(/\S/);
    }
    expect(pages.map((p) => p.response.url).slice(1)).toEqual(pages.map((p) => p.cursor).slice(0, 4));
    expect(JSON.stringify(pages.map((p) => p.toJSON()))).not.toContain(apiKey);
    expect(sim.stats().byEndpoint.aggs).toBe(5);
  });

  it('a cursor saved after page 2, used by a new client, gives exactly the remaining bars', async () => {
    const { sim, client } = await setup();
    const expected = strip(simulatedBars(PARAMS, { now: NOW, gapRate: 0 }));
    const taken: Bar[] = [];
    let saved: string | null = null;
    for await (const page of client().listBarPages(PARAMS)) {
      taken.push(...page.bars);
      saved = page.cursor;
      if (page.pageIndex === 1) break;
    }
    expect(saved).not.toBeNull();
    sim.reset();
    const rest = flat(await collect(client().listBarPages(PARAMS, { cursor: saved as string })));
    expect(strip([...taken, ...rest])).toEqual(expected);
    expect(rest.length).toBe(expected.length - taken.length);
    expect(sim.stats().byEndpoint.aggs).toBe(3);
  });

  it('maxBars stops after exactly that many bars and sends no request past them', async () => {
    const { sim, client } = await setup();
    const expected = strip(simulatedBars(PARAMS, { now: NOW, gapRate: 0 }));
    const pages = await collect(client().listBarPages({ ...PARAMS, maxBars: 1500 }));
    expect(strip(flat(pages))).toEqual(expected.slice(0, 1500));
    expect(pages.map((p) => [p.bars.length, p.trimmed])).toEqual([
      [1000, 0],
      [500, 500],
    ]);
    expect(pages.at(-1)?.hasNextPage()).toBe(false);
    expect(pages[1]?.cursor).toBeNull();
    expect(sim.stats().byEndpoint.aggs).toBe(2);
    expect(await client().getBars({ ...PARAMS, maxBars: 1500 })).toHaveLength(1500);
  });
});
