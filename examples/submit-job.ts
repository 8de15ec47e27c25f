/**
 * Another service submits a data-load job the way the TickStock app does, then follows its status until it ends.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 pnpm --filter @tickstock/examples submit-job AAPL MSFT
 *
 * Needs a running worker (`pnpm tickstock worker`, or `pnpm tickstock worker --simulator` offline). The job goes
 * out on pub/sub and on the durable stream, so a worker that starts later still gets it.
 */
import { randomUUID } from 'node:crypto';
import { type DataLoadJob, FINAL_JOB_STATUSES, readJobStatus, submitJob } from '@tickstock/job-protocol';
import { Redis } from 'ioredis';

const symbols = process.argv.slice(2);
if (symbols.length === 0) {
  console.error('usage: submit-job <SYMBOL...>');
  process.exit(2);
}

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const job: DataLoadJob = {
  job_id: randomUUID(),
  job_type: 'csv_universe_load',
  source: 'example',
  symbols,
  timeframes: ['hour', 'day', 'week', 'month'],
  years: 0.25,
  run_analysis_after_import: false,
  requested_by: 'example',
  timestamp: new Date().toISOString().replace('Z', ''),
} as DataLoadJob;

const submitted = await submitJob(redis, job);
console.log(`submitted ${submitted.jobId}; ${submitted.receivers} worker(s) listening`);

const FINAL: ReadonlySet<string> = new Set(FINAL_JOB_STATUSES);
let last = '';
for (;;) {
  const status = await readJobStatus(redis, submitted.jobId);
  if (status?.ok) {
    const s = status.value as unknown as { status: string; progress?: number; message?: string; ohlcv_records_loaded?: number };
    const line = `${s.status} ${s.progress ?? 0}% ${s.message ?? ''}`;
    if (line !== last) console.log(line);
    last = line;
    if (FINAL.has(s.status)) {
      console.log(`bars loaded: ${s.ohlcv_records_loaded ?? 0}`);
      break;
    }
  }
  await new Promise((r) => setTimeout(r, 500));
}
redis.disconnect();
