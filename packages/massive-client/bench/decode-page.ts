/**
 * Decode cost of one 50,000-bar page: `JSON.parse` of the body against the client's validation and decoding, before
 * (zod envelope + `rawBarsSchema` check, then `toBar` per row), with `Bar` objects (`decodeBars`), and now
 * (the body's bytes scanned into typed columns, the envelope through `JSON.parse` and zod; or `JSON.parse`, then
 * `barsPageSchema` writing `results` into typed columns in one loop). Each row is timed
 * from the body (parse included, as the client runs it) and on an already parsed page (the decode step alone). Not a
 * test: prints medians of CPU ms.
 * `node --expose-gc --import tsx packages/massive-client/bench/decode-page.ts`
 */
import { toBar } from '../src/bars.js';
import { barsPageSchema, decodeBarColumns, decodeBars } from '../src/decode-bars.js';
import { decodeBarsPageBytes } from '../src/decode-bars-text.js';
import { aggsResponseSchema } from '../src/schemas/aggs.js';

const N = 50_000;
const T0 = 1_704_205_800_000;
const results = Array.from({ length: N }, (_, i) => {
  const p = 100 + Math.sin(i / 50) * 5;
  return {
    v: 1000 + (i % 977),
    vw: +(p + 0.01).toFixed(4),
    o: +p.toFixed(4),
    c: +(p + 0.02).toFixed(4),
    h: +(p + 0.05).toFixed(4),
    l: +(p - 0.05).toFixed(4),
    t: T0 + i * 60_000,
    n: 1 + (i % 13),
  };
});
const body = JSON.stringify({
  ticker: 'AAPL',
  queryCount: N,
  resultsCount: N,
  adjusted: true,
  results,
  status: 'OK',
  request_id: 'r1',
  next_url: 'https://api.massive.com/v2/aggs/ticker/AAPL/range/1/minute/1/2?cursor=x',
});

let sink: unknown;

function median(run: () => void, rounds = 15): number {
  const times: number[] = [];
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < rounds + 3; i++) {
    sink = undefined;
    gc?.(); // each run starts with an empty young generation (run with --expose-gc)
    // CPU time of this thread's process, not wall time: the development machine is shared.
    const start = process.cpuUsage();
    run();
    const used = process.cpuUsage(start);
    if (i >= 3) times.push((used.user + used.system) / 1000);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

const parsed = JSON.parse(body) as { results: unknown };
/** The body as the client holds it after reading the response. */
const bytes = Buffer.from(body, 'latin1');
const rows = [
  [
    'JSON.parse of the body',
    () => {
      sink = JSON.parse(body);
    },
  ],
  [
    'bytes scan + barsPageSchema (the client)',
    () => {
      sink = barsPageSchema.parse(decodeBarsPageBytes(bytes)).results;
    },
  ],
  [
    'parse + barsPageSchema (columns)',
    () => {
      sink = barsPageSchema.parse(JSON.parse(body)).results;
    },
  ],
  [
    'parse + decodeBars (Bar objects, the old path)',
    () => {
      sink = decodeBars((JSON.parse(body) as { results: unknown }).results);
    },
  ],
  [
    'parsed: aggsResponseSchema + toBar per row',
    () => {
      sink = (aggsResponseSchema.parse(parsed).results ?? []).map(toBar);
    },
  ],
  [
    'parsed: barsPageSchema (envelope zod + columns)',
    () => {
      sink = barsPageSchema.parse(parsed).results;
    },
  ],
  [
    'parsed: decodeBarColumns alone',
    () => {
      sink = decodeBarColumns(parsed.results);
    },
  ],
  [
    'parsed: decodeBars alone (Bar objects)',
    () => {
      sink = decodeBars(parsed.results);
    },
  ],
] as const;
console.log(
  `${N} bars, gc between runs: ${typeof (globalThis as { gc?: unknown }).gc === 'function'}, body ${(body.length / 1e6).toFixed(1)} MB, node ${process.version}`,
);
for (const [name, run] of rows) console.log(`${name.padEnd(50)} ${median(run).toFixed(1)} ms`);
void sink;
