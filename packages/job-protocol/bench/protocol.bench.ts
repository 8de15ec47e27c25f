/**
 * Job-protocol benchmark: parse and normalise the app's live job; parse a 10,000-symbol job; status writes per second
 * (each a MULTI of SET, HSET, EXPIRE, PUBLISH, unthrottled); and how fast a subscriber rejects malformed messages end
 * to end (pub/sub in, one error event out per message). A few repetitions; medians with spread.
 */
import { Redis } from 'ioredis';
import { type BenchContext, type BenchMetric, summarize } from '../../../bench/types.js';
import { LIVE_APP_JOB } from '../src/conformance/examples.js';
import { CHANNELS, JobStatusWriter, JobSubscriber, parseDataLoadJob } from '../src/index.js';

const REPS = 5;

function time(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

export default async function bench(ctx: BenchContext): Promise<BenchMetric[]> {
  const metrics: BenchMetric[] = [];
  const now = Date.UTC(2025, 11, 23, 17, 15, 14);

  const N = 20_000;
  const parseRates = Array.from(
    { length: REPS },
    () =>
      (N /
        time(() => {
          for (let i = 0; i < N; i++) if (!parseDataLoadJob(LIVE_APP_JOB, { now }).ok) throw new Error('parse failed');
        })) *
      1000,
  );
  const p = summarize(parseRates);
  ctx.log(`parse live job: ${p.median.toFixed(0)}/s (spread ${p.spread.toFixed(0)})`);
  metrics.push({ name: 'parse + normalise live app job', value: Math.round(p.median), unit: 'jobs/s' });

  const big = JSON.stringify({ ...JSON.parse(LIVE_APP_JOB), symbols: Array.from({ length: 10_000 }, (_, i) => `S${i}`) });
  const bigTimes = Array.from({ length: REPS }, () => time(() => parseDataLoadJob(big, { now })));
  const b = summarize(bigTimes);
  ctx.log(`parse 10,000-symbol job: ${b.median.toFixed(1)} ms (spread ${b.spread.toFixed(1)})`);
  metrics.push({ name: 'parse 10,000-symbol job', value: Math.round(b.median * 10) / 10, unit: 'ms' });

  const redis = new Redis(ctx.redisUrl);
  try {
    const W = 2_000;
    const writeRates: number[] = [];
    for (let r = 0; r < REPS; r++) {
      const writer = new JobStatusWriter(redis, {
        jobId: `bench-${r}-${Date.now()}`,
        jobType: 'bench',
        totalSymbols: W,
        preWriteWaitMs: 0,
        throttleMs: 0,
      });
      const t = performance.now();
      await writer.start();
      for (let i = 0; i < W; i++) await writer.update({ processed_symbols: i + 1, current_symbol: `S${i}` });
      writeRates.push((W / (performance.now() - t)) * 1000);
    }
    const w = summarize(writeRates);
    ctx.log(`status writes: ${w.median.toFixed(0)}/s (spread ${w.spread.toFixed(0)})`);
    metrics.push({ name: 'status writes (SET+HSET+EXPIRE+PUBLISH)', value: Math.round(w.median), unit: 'writes/s' });

    const M = 5_000;
    const rejectRates: number[] = [];
    const publisher = new Redis(ctx.redisUrl);
    for (let r = 0; r < 3; r++) {
      const sub = new JobSubscriber(redis, { onJob: () => undefined, stream: false });
      await sub.start();
      const t = performance.now();
      for (let i = 0; i < M; i++) await publisher.publish(CHANNELS.dataLoad, `{"job_id": "broken-${i}", `);
      while (sub.stats.invalid < M) await new Promise((res) => setTimeout(res, 5));
      await sub.stop(); // waits for every error event to be published
      rejectRates.push((M / (performance.now() - t)) * 1000);
    }
    await publisher.quit();
    const j = summarize(rejectRates);
    ctx.log(`malformed messages rejected end to end: ${j.median.toFixed(0)}/s (spread ${j.spread.toFixed(0)})`);
    metrics.push({ name: 'malformed messages rejected (pub/sub in, error event out)', value: Math.round(j.median), unit: 'msgs/s' });
  } finally {
    await redis.quit();
  }
  return metrics;
}
