/**
 * The TickStock app's own integration test job (TickStockAppV2 `tests/integration/test_dataloader_redis.py` and
 * `test_historical_import.py`): the legacy `csv_universe_load` naming `sp_500.csv` (our shipped 503-symbol S&P 500
 * list), `years: 0.003`, no timeframes (so hour, day, week and month), published on pub/sub with no status written
 * first, exactly as those tests do. The built worker runs with the default API budget against the simulator in its
 * own process with 20 ms latency per request, into a fresh database each round. Measured: seconds from the publish
 * to the final status (the app's tests poll for 30 s), and API requests sent. Goal: under 30 s.
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { CHANNELS, readJobStatus } from '../packages/job-protocol/src/index.js';
import { lines, startSimulatorProcess, until } from './support.js';
import { type BenchContext, type BenchMetric, summarize } from './types.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const ROUNDS = Number(process.env.BENCH_APP_ROUNDS ?? 3);
const LATENCY_MS = 20;
const WORKER_CLI = `${root}packages/runner/dist/cli.js`;
const FINAL = ['completed', 'completed_with_errors', 'failed', 'cancelled'];

export default async function bench(ctx: BenchContext): Promise<BenchMetric[]> {
  if (!existsSync(WORKER_CLI)) throw new Error(`${WORKER_CLI} is missing: run pnpm build first (pnpm bench does)`);
  const universeDir = mkdtempSync(join(tmpdir(), 'tickstock-app-test-'));
  copyFileSync(`${root}packages/runner/universes/sp500.csv`, join(universeDir, 'sp_500.csv'));
  const apiKey = `bench-${randomUUID()}`;
  const symbols = readFileSync(`${root}packages/runner/universes/sp500.csv`, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(',')[0] as string);
  // The list is the simulator's reference universe: grouped daily serves their day bars, as the real API would.
  const sim = await startSimulatorProcess(apiKey, ['--latency-ms', String(LATENCY_MS), '--tickers', symbols.join(',')]);
  const redis = new Redis(ctx.redisUrl);
  const admin = new pg.Client({ connectionString: ctx.databaseUrl });
  await admin.connect();
  const dbs: string[] = [];
  const runs: { seconds: number; requests: number; symbols: number; bars: number; status: string }[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const db = `bench_app_${randomBytes(4).toString('hex')}`;
      await admin.query(`CREATE DATABASE ${db}`);
      dbs.push(db);
      const url = new URL(ctx.databaseUrl);
      url.pathname = `/${db}`;
      await redis.flushdb();
      const worker = spawn(process.execPath, [WORKER_CLI, 'worker'], {
        cwd: root,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '/tmp',
          DATABASE_URL: url.toString(),
          REDIS_URL: ctx.redisUrl,
          MASSIVE_API_KEY: apiKey,
          MASSIVE_API_BASE_URL: sim.url,
          TICKSTOCK_UNIVERSE_DIR: universeDir,
          LOG_LEVEL: 'info',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const out: string[] = [];
      lines(worker, out);
      const exited = new Promise((r) => worker.once('exit', r));
      try {
        await until(() => (out.some((l) => l.includes('worker listening')) ? true : undefined), 'the worker');
        const before = (await (await fetch(`${sim.url}/__sim/stats`)).json()) as { requests: number };
        const jobId = randomUUID();
        // test_dataloader_redis.py: these fields, published with PUBLISH only; no status key written first.
        const job = {
          job_id: jobId,
          job_type: 'csv_universe_load',
          csv_file: 'sp_500.csv',
          universe_type: 'test',
          years: 0.003,
          include_ohlcv: true,
          requested_by: 'test_script',
        };
        const t = performance.now();
        await redis.publish(CHANNELS.dataLoad, JSON.stringify(job));
        const status = await until(async () => {
          const s = await readJobStatus(redis, jobId);
          const v = s?.ok ? (s.value as unknown as Record<string, unknown>) : undefined;
          return v && FINAL.includes(String(v.status)) ? v : undefined;
        }, 'the job');
        const seconds = (performance.now() - t) / 1000;
        const after = (await (await fetch(`${sim.url}/__sim/stats`)).json()) as { requests: number };
        const run = {
          seconds,
          requests: after.requests - before.requests,
          symbols: Number(status.total_symbols),
          bars: Number(status.ohlcv_records_loaded),
          status: String(status.status),
        };
        runs.push(run);
        ctx.log(
          `round ${round + 1}: ${run.status} in ${seconds.toFixed(2)} s, ${run.symbols} symbols, ${run.bars.toLocaleString('en-US')} bars, ${run.requests} requests`,
        );
        if (run.status !== 'completed') throw new Error(`the job ended ${run.status}: ${String(status.message)}`);
      } catch (error) {
        ctx.log(`worker output (last 20 lines):\n${out.slice(-20).join('\n')}`);
        throw error;
      } finally {
        worker.kill('SIGTERM');
        const killer = setTimeout(() => worker.kill('SIGKILL'), 30_000);
        await exited;
        clearTimeout(killer);
      }
    }
  } finally {
    sim.child.kill('SIGTERM');
    redis.disconnect();
    for (const db of dbs) await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    await admin.end();
  }
  const s = summarize(runs.map((r) => r.seconds));
  return [
    { name: "app's test job (sp_500.csv, years 0.003): seconds to final status (median)", value: s.median, unit: 's (goal < 30)' },
    { name: "app's test job: spread", value: s.spread, unit: 's' },
    { name: "app's test job: API requests", value: runs[0]?.requests ?? 0, unit: 'requests' },
    { name: "app's test job: symbols", value: runs[0]?.symbols ?? 0, unit: 'symbols' },
    { name: "app's test job: bars loaded", value: runs[0]?.bars ?? 0, unit: 'bars' },
  ];
}
