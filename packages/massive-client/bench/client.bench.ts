/**
 * Client overhead over real loopback HTTP: a 50,000-bar page read through `getBars` (fetch + zod validation + bar
 * mapping) against plain fetch + JSON.parse of the same body, and small-request throughput through the full
 * pipeline (limiter, retry layer, validation, hooks) with the concurrency cap as the only limit.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type BenchContext, type BenchMetric, summarize } from '../../../bench/types.js';
import { MassiveClient } from '../src/index.js';

const RUNS = 9;
const BARS = 50_000;
const SMALL_REQUESTS = 2_000;

function pageBody(): string {
  const t0 = Date.UTC(2024, 0, 2, 14, 30);
  const results = Array.from({ length: BARS }, (_, i) => {
    const p = 100 + Math.sin(i / 50) * 5;
    return { v: 1000 + (i % 97), vw: p, o: p, c: p + 0.01, h: p + 0.05, l: p - 0.05, t: t0 + i * 60_000, n: 10 + (i % 13) };
  });
  return JSON.stringify({
    ticker: 'BENCH',
    queryCount: BARS,
    resultsCount: BARS,
    adjusted: true,
    status: 'OK',
    request_id: 'bench',
    results,
  });
}

export default async function bench(ctx: BenchContext): Promise<BenchMetric[]> {
  const page = pageBody();
  const status = JSON.stringify({ market: 'open', serverTime: '2024-01-02T10:00:00-05:00', exchanges: { nyse: 'open' } });
  const server = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'X-Request-Id': 'bench' });
    res.end(req.url?.startsWith('/v1/marketstatus/now') ? status : page);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let requests = 0;
  const client = new MassiveClient({
    apiKey: 'bench-key-not-secret',
    baseUrl,
    env: {},
    rateLimit: { maxConcurrent: 16 },
    hooks: { request: () => requests++ },
  });
  try {
    const params = { ticker: 'BENCH', timespan: 'minute', from: '2024-01-02', to: '2024-03-31' } as const;
    await client.getBars(params); // JIT warm-up
    const viaClient: number[] = [];
    const viaFetch: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      let t = performance.now();
      const bars = await client.getBars(params);
      viaClient.push(performance.now() - t);
      if (bars.length !== BARS) throw new Error(`expected ${BARS} bars, got ${bars.length}`);
      t = performance.now();
      const raw = (await (await fetch(`${baseUrl}/v2/aggs/ticker/BENCH/range/1/minute/2024-01-02/2024-03-31`)).json()) as {
        results: unknown[];
      };
      viaFetch.push(performance.now() - t);
      if (raw.results.length !== BARS) throw new Error('raw fetch lost bars');
    }
    const c = summarize(viaClient);
    const f = summarize(viaFetch);
    ctx.log(
      `${BARS.toLocaleString('en-US')}-bar page (${(page.length / 1e6).toFixed(1)} MB): getBars median ${c.median.toFixed(1)} ms (spread ${c.spread.toFixed(1)}), fetch+JSON.parse ${f.median.toFixed(1)} ms`,
    );

    const small: number[] = [];
    for (let run = 0; run < 3; run++) {
      const t = performance.now();
      await Promise.all(Array.from({ length: SMALL_REQUESTS }, () => client.getMarketStatus()));
      small.push(SMALL_REQUESTS / ((performance.now() - t) / 1000));
    }
    const s = summarize(small);
    ctx.log(
      `small requests through the full pipeline (16 in flight): median ${Math.round(s.median)} req/s; ${requests} requests sent in all`,
    );
    return [
      { name: 'client: 50k-bar page via getBars (median)', value: c.median, unit: 'ms' },
      { name: 'client: 50k-bar page via fetch+JSON.parse (median)', value: f.median, unit: 'ms' },
      { name: 'client: bars validated and mapped per second', value: BARS / (c.median / 1000), unit: 'bars/s' },
      { name: 'client: small requests through the pipeline', value: s.median, unit: 'req/s' },
    ];
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
