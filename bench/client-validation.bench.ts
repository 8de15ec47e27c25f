/**
 * Validation cost of one 50,000-bar aggregates response from the simulator: the client's parse + zod validation +
 * mapping to `Bar`s against `JSON.parse` alone of the same body, alternating, several runs.
 * Target: validate_vs_json_parse <= 3 (validation must not dominate).
 */
import { aggsResponseSchema, toBar } from '../packages/massive-client/src/index.js';
import { startSimulator } from '../packages/massive-simulator/src/index.js';
import { type BenchContext, type BenchMetric, summarize } from './types.js';

const RUNS = 11;

export default async function bench(ctx: BenchContext): Promise<BenchMetric[]> {
  const sim = await startSimulator({ now: Date.UTC(2025, 5, 30, 23, 0) });
  let body: string;
  try {
    // 50,000 minute bars: April to late May 2025, one page.
    const res = await fetch(`${sim.url}/v2/aggs/ticker/AAPL/range/1/minute/2025-04-01/2025-06-30?limit=50000&sort=asc`);
    body = await res.text();
  } finally {
    await sim.close();
  }
  const count = (JSON.parse(body) as { results: unknown[] }).results.length;
  const parseOnly: number[] = [];
  const validated: number[] = [];
  const parseOnce = () => {
    const t = performance.now();
    const raw = JSON.parse(body) as { results: unknown[] };
    const ms = performance.now() - t;
    if (raw.results.length !== count) throw new Error('lost bars');
    return ms;
  };
  const validateOnce = () => {
    const t = performance.now();
    const parsed = aggsResponseSchema.parse(JSON.parse(body));
    const bars = (parsed.results ?? []).map(toBar);
    const ms = performance.now() - t;
    if (bars.length !== count) throw new Error('lost bars');
    return ms;
  };
  for (let i = 0; i < RUNS + 2; i++) {
    // Alternate which side goes first, so neither always pays for the other's garbage.
    let p: number;
    let v: number;
    if (i % 2 === 0) {
      p = parseOnce();
      v = validateOnce();
    } else {
      v = validateOnce();
      p = parseOnce();
    }
    if (i >= 2) {
      parseOnly.push(p);
      validated.push(v);
    }
  }
  const p = summarize(parseOnly);
  const v = summarize(validated);
  const ratio = v.median / p.median;
  ctx.log(
    `${count.toLocaleString('en-US')} bars (${(body.length / 1e6).toFixed(1)} MB): JSON.parse ${p.median.toFixed(1)} ms (spread ${p.spread.toFixed(1)}), parse+validate+map ${v.median.toFixed(1)} ms (spread ${v.spread.toFixed(1)}), ratio ${ratio.toFixed(2)} (target <= 3)`,
  );
  return [
    { name: 'client: JSON.parse of a 50k-bar body (median)', value: p.median, unit: 'ms' },
    { name: 'client: parse + validate + map of the same body (median)', value: v.median, unit: 'ms' },
    { name: 'validate_vs_json_parse', value: ratio, unit: 'ratio (target <= 3)' },
    { name: 'client: bars validated per second', value: count / (v.median / 1000), unit: 'bars/s' },
  ];
}
