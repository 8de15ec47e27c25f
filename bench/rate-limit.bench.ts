/**
 * Rate-limit fidelity: a 100 requests/second budget over 30 s, shared by 4 concurrent symbol loops (one client,
 * one limiter), against the simulator in its own process. Metrics: achieved rate as a fraction of the budget
 * (target >= 0.95) and the simulator's peak count in any 1-second window (never above 100).
 */
import { randomUUID } from 'node:crypto';
import { MassiveClient } from '../packages/massive-client/src/index.js';
import { startSimulatorProcess } from './support.js';
import type { BenchContext, BenchMetric } from './types.js';

const BUDGET = 100;
const SECONDS = 30;
const LOOPS = 4;
const SYMBOLS = ['AAPL', 'MSFT', 'NVDA', 'SPY'];

export default async function bench(ctx: BenchContext): Promise<BenchMetric[]> {
  const apiKey = `bench-${randomUUID()}`;
  const sim = await startSimulatorProcess(apiKey, ['--now', '2025-06-30T23:00:00Z']);
  try {
    const client = new MassiveClient({ apiKey, baseUrl: sim.url, env: {}, rateLimit: { requestsPerSecond: BUDGET } });
    await fetch(`${sim.url}/__sim/reset`, { method: 'POST' }).catch(() => undefined);
    const before = (await (await fetch(`${sim.url}/__sim/stats`)).json()) as { requests: number };
    const start = performance.now();
    const end = start + SECONDS * 1000;
    let sent = 0;
    await Promise.all(
      SYMBOLS.slice(0, LOOPS).map(async (ticker, i) => {
        let day = 1 + i;
        while (performance.now() < end) {
          // One small page each: a day of hour bars for a rotating date.
          const date = `2025-05-${String((day++ % 28) + 1).padStart(2, '0')}`;
          await client.getBars({ ticker, timespan: 'hour', from: date, to: date });
          sent++;
        }
      }),
    );
    const elapsed = (performance.now() - start) / 1000;
    const stats = (await (await fetch(`${sim.url}/__sim/stats`)).json()) as {
      requests: number;
      peakPerSecond: number;
      rateLimited: number;
    };
    const served = stats.requests - before.requests;
    const achieved = served / elapsed / BUDGET;
    ctx.log(
      `${served} requests in ${elapsed.toFixed(1)} s from ${LOOPS} loops: ${(served / elapsed).toFixed(1)} req/s = ${(achieved * 100).toFixed(1)}% of ${BUDGET}/s; simulator peak ${stats.peakPerSecond} in 1 s; ${stats.rateLimited} 429s; client counted ${sent}`,
    );
    return [
      { name: 'rate limit: achieved rate / budget', value: achieved, unit: 'fraction (target >= 0.95)' },
      { name: 'rate limit: peak requests in any 1 s', value: stats.peakPerSecond, unit: `requests (budget ${BUDGET})` },
      { name: 'rate limit: requests served', value: served, unit: 'requests' },
    ];
  } finally {
    sim.child.kill('SIGTERM');
  }
}
