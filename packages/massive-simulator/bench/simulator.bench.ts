/**
 * Simulator serving speed: a 50,000-minute-bar page generated and sent over real HTTP (cold: a ticker never
 * generated before; warm: the same page again), a year of day bars, and small-request throughput.
 */
import { type BenchContext, type BenchMetric, summarize } from '../../../bench/types.js';
import { simulatedBars, startSimulator } from '../src/index.js';

const RUNS = 9;
const NOW = Date.parse('2026-01-05T00:00:00Z');

/** Wall time and this process's CPU time (server and client both run here) of one request, body read in full. */
async function timed(url: string): Promise<{ ms: number; cpuMs: number; bytes: number; count: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const res = await fetch(url);
  const body = await res.arrayBuffer();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const cpuMs = (c.user + c.system) / 1000;
  const text = Buffer.from(body).toString('utf8');
  const count = Number(/"resultsCount":(\d+)/.exec(text)?.[1]);
  return { ms, cpuMs, bytes: body.byteLength, count };
}

export default async function bench(ctx: BenchContext): Promise<BenchMetric[]> {
  const sim = await startSimulator({ now: NOW });
  try {
    const page = (ticker: string) => `${sim.url}/v2/aggs/ticker/${ticker}/range/1/minute/2025-01-01/2025-12-31?limit=50000`;
    await timed(page('WARMUP')); // JIT warm-up

    const cold: number[] = [];
    const coldCpu: number[] = [];
    const warm: number[] = [];
    let bytes = 0;
    for (let i = 0; i < RUNS; i++) {
      const first = await timed(page(`COLD${i}`));
      if (first.count !== 50_000) throw new Error(`expected 50000 bars, got ${first.count}`);
      cold.push(first.ms);
      coldCpu.push(first.cpuMs);
      warm.push((await timed(page(`COLD${i}`))).ms);
      bytes = first.bytes;
    }
    const c = summarize(cold);
    const cc = summarize(coldCpu);
    const w = summarize(warm);
    ctx.log(
      `50,000-minute-bar page (${(bytes / 1e6).toFixed(1)} MB): cold median ${c.median.toFixed(1)} ms wall (spread ${c.spread.toFixed(1)}), ` +
        `${cc.median.toFixed(1)} ms CPU; warm median ${w.median.toFixed(1)} ms wall`,
    );

    const years: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const bars = simulatedBars({ ticker: `YEAR${i}`, timespan: 'day', from: '2025-01-01', to: '2025-12-31' }, { now: NOW });
      years.push(performance.now() - t0);
      if (bars.length !== 250) throw new Error(`expected 250 day bars, got ${bars.length}`);
    }
    const y = summarize(years);
    ctx.log(`a year of day bars (240,000 minutes aggregated), cold: median ${y.median.toFixed(1)} ms`);

    const small = `${sim.url}/v2/aggs/ticker/AAPL/range/1/day/2025-06-02/2025-06-06`;
    await timed(small);
    const n = 500;
    const t0 = performance.now();
    for (let done = 0; done < n; done += 10) await Promise.all(Array.from({ length: 10 }, () => fetch(small).then((r) => r.arrayBuffer())));
    const rps = n / ((performance.now() - t0) / 1000);
    ctx.log(`small requests (5 day bars, 10 in flight): ${Math.round(rps)} requests/s`);

    return [
      { name: 'simulator: 50,000-minute-bar page over HTTP, cold (median)', value: c.median, unit: 'ms' },
      { name: 'simulator: 50,000-minute-bar page over HTTP, cold, CPU time (median)', value: cc.median, unit: 'ms' },
      { name: 'simulator: 50,000-minute-bar page over HTTP, warm (median)', value: w.median, unit: 'ms' },
      { name: 'simulator: a year of day bars, cold (median)', value: y.median, unit: 'ms' },
      { name: 'simulator: small requests, 10 in flight', value: rps, unit: 'req/s' },
    ];
  } finally {
    await sim.close();
  }
}
