import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Bar } from '@tickstock/market-time';
import {
  type RunningSimulator,
  type SimulatorOptions,
  type SimulatorStats,
  simulatedBars,
  simulatedPageCount,
  startSimulator,
} from '@tickstock/massive-simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { MassiveClient, type MassiveClientOptions, MassiveError } from '../src/index.js';

// The client against the simulator over real HTTP: faults, limits and pagination end to end.
const NOW = Date.parse('2026-03-02T15:00:00Z');
const running: RunningSimulator[] = [];

async function setup(simOptions: SimulatorOptions, clientOptions: MassiveClientOptions = {}) {
  const apiKey = `test-key-${randomUUID()}`;
  const sim = await startSimulator({ now: NOW, apiKey, ...simOptions });
  running.push(sim);
  const client = new MassiveClient({ apiKey, baseUrl: sim.url, retryBaseDelayMs: 5, maxRetryDelayMs: 50, env: {}, ...clientOptions });
  return { sim, client, apiKey };
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

/** Starts the `tickstock-simulator` bin (from source) in a child process. */
async function spawnSimulator(args: string[], env: Record<string, string>) {
  const cli = fileURLToPath(new URL('../../massive-simulator/src/cli.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', cli, '--port', '0', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/[\d.:]+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}: ${out}`)));
  });
  return {
    url,
    stats: async () => (await (await fetch(`${url}/__sim/stats`)).json()) as SimulatorStats,
    close: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

const strip = (bars: Bar[]) => bars.map(({ otc: _otc, ...b }) => b);

describe('MassiveClient against the simulator', () => {
  it('receives exactly the bars the simulator computes, across many pages', async () => {
    const { client, sim } = await setup({});
    const params = { ticker: 'AAPL', timespan: 'minute', from: '2025-06-09', to: '2025-06-13', limit: 1000 } as const;
    const bars = await client.getBars(params);
    expect(strip(bars)).toEqual(simulatedBars(params, { now: NOW }));
    expect(bars).toHaveLength(3399); // 5 days of 04:00-20:00, less the minutes without trades (thin trading)
    expect(sim.stats().byEndpoint.aggs).toBe(4); // 1000 minutes per page
    expect(simulatedPageCount(params, 1000, { now: NOW })).toBe(4);
  });

  it('with a 20% fault rate (429, 5xx, nginx pages, truncated bodies, resets) every bar still arrives', async () => {
    const { client, sim } = await setup({ seed: 'faulty', faults: { rate: 0.2 }, retryAfterSeconds: 0 }, { maxRetries: 12 });
    const requests = [
      { ticker: 'AAPL', timespan: 'day', from: '2025-01-01', to: '2025-12-31', limit: 10 },
      { ticker: 'MSFT', timespan: 'day', from: '2025-01-01', to: '2025-12-31', limit: 10 },
      { ticker: 'X:BTCUSD', timespan: 'hour', from: '2025-06-01', to: '2025-06-07', limit: 600 },
      { ticker: 'SPY', timespan: 'minute', from: '2025-06-09', to: '2025-06-10', limit: 200 },
    ] as const;
    for (const params of requests) {
      const bars = await client.getBars(params);
      expect(strip(bars), params.ticker).toEqual(simulatedBars(params, { seed: 'faulty', now: NOW }));
    }
    const s = sim.stats();
    expect(s.faults).toBeGreaterThan(10);
    expect(Object.keys(s.faultsByKind).sort()).toEqual(['429', '500', '502', '503', '504', 'reset', 'truncate']);
  });

  it('a limiter set to 10 requests/second never shows a peak above 10 in the simulator', async () => {
    // The simulator runs in its own process (the bin), so this process's stalls do not bunch its arrival times. The
    // client spaces request starts 100 ms apart; scheduling and network jitter on a loaded machine can still delay
    // one arrival by tens of ms more than the next, so the peak windows are shortened by 100 ms (a client sending
    // faster than 10/s, e.g. 83 ms apart, still shows 11 in them).
    const apiKey = `test-key-${randomUUID()}`;
    const sim = await spawnSimulator(['--now', String(NOW), '--api-key-env', 'SIM_TEST_KEY', '--peak-window-slack-ms', '100'], {
      SIM_TEST_KEY: apiKey,
    });
    try {
      const client = new MassiveClient({ apiKey, baseUrl: sim.url, env: {}, rateLimit: { requestsPerSecond: 10 } });
      const tickers = ['AAPL', 'MSFT', 'NVDA', 'SPY', 'QQQ'];
      // 5 tickers x 8 pages of day bars, all at once: 40 requests the limiter must spread out.
      const all = await Promise.all(
        tickers.map((ticker) => client.getBars({ ticker, timespan: 'day', from: '2025-01-01', to: '2025-02-28', limit: 5 })),
      );
      expect(all.map((b) => b.length)).toEqual([39, 39, 39, 39, 39]);
      const s = await sim.stats();
      expect(s.requests).toBe(40);
      expect(s.peakPerSecond).toBeLessThanOrEqual(10);
      expect(s.peakPerSecond).toBeGreaterThanOrEqual(5);
    } finally {
      await sim.close();
    }
  });

  it('backs off on the simulator’s own rate limit and still gets every bar', async () => {
    const { client, sim } = await setup({ rateLimit: { requestsPerSecond: 4 }, retryAfterSeconds: 1 }, { maxRetries: 20 });
    const params = { ticker: 'NVDA', timespan: 'day', from: '2025-01-01', to: '2025-03-31', limit: 8 } as const;
    const bars = await client.getBars(params);
    expect(strip(bars)).toEqual(simulatedBars(params, { now: NOW }));
    expect(sim.stats().rateLimitExceeded).toBeGreaterThan(0);
  });

  it('maps the simulator’s errors to the client’s codes', async () => {
    const { client, sim } = await setup({});
    await expect(client.getTickerDetails('ZZZMISSING')).rejects.toMatchObject({ code: 'SYMBOL_NOT_FOUND', status: 404 });
    expect(await client.getBars({ ticker: 'ZZZMISSING', timespan: 'day', from: '2025-01-01', to: '2025-01-31' })).toEqual([]);
    const wrong = new MassiveClient({ apiKey: `test-key-${randomUUID()}`, baseUrl: sim.url, env: {} });
    const err = await wrong.getBars({ ticker: 'AAPL', timespan: 'day', from: '2025-01-02', to: '2025-01-03' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MassiveError);
    expect(err).toMatchObject({ code: 'API_KEY_INVALID', status: 401 });
  });

  it('reads reference data, holidays, status and grouped daily through the client', async () => {
    const { client } = await setup({ now: Date.parse('2025-11-20T15:00:00Z') });
    expect((await client.getTickerDetails('AAPL')).name).toBe('Apple Inc.');
    const tickers: string[] = [];
    for await (const t of client.listTickers({ market: 'crypto', limit: 1 })) tickers.push(t.ticker);
    expect(tickers).toEqual(['X:BTCUSD', 'X:ETHUSD']);
    const holidays = await client.getMarketHolidays();
    expect(holidays[0]).toMatchObject({ date: '2025-11-27', status: 'closed' });
    expect((await client.getMarketStatus()).market).toBe('open');
    expect((await client.getGroupedDaily('2025-11-19')).length).toBe(36);
  });
});
