/**
 * End to end: the S&P 500 list (about 500 symbols) for one year of day, week and month bars plus two days of hour
 * bars, from the simulator (its own process, no rate limit, 5 ms added latency per request) into a real PostgreSQL
 * database, through the worker path: a job submitted over Redis to `tickstock worker` running as its own process.
 *
 * Each round runs four things, alternating:
 * 1. the in-process client and engine with bars drained (warm JIT, in-process limiter, no queue): the fetch floor;
 * 2. the same worker with bars fetched but not stored (drain-bars.mjs preloaded): the fetch time alone of the same
 *    job, which the store's share is measured against;
 * 3. the worker without the request planner (every range per ticker, details every job), storing every bar;
 * 4. the worker, storing every bar.
 * Targets: under 15 s; total within 2x of fetch alone; worker peak RSS under 200 MB.
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { dataLoadRanges, readJobStatus, submitJob } from '../packages/job-protocol/src/index.js';
import { MassiveClient } from '../packages/massive-client/src/index.js';
import { MassiveMarketData } from '../packages/runner/src/adapters/market-data.js';
import { runLoadJob } from '../packages/runner/src/engine/run-job.js';
import type { LoadJob, StorePort } from '../packages/runner/src/engine/types.js';
import { InProcessExecutor } from '../packages/runner/src/execution/executor.js';
import { cpuSecondsOf, lines, peakRssMbOf, postgresCpuSeconds, postmasterPidOf, startSimulatorProcess, until } from './support.js';
import { type BenchContext, type BenchMetric, summarize } from './types.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Extra Node flags for the worker process, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it. */
const WORKER_NODE_ARGS = (process.env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean);
/** A file to append the worker's output to (its log, or V8 traces asked for with BENCH_WORKER_NODE_ARGS). */
const WORKER_LOG = process.env.BENCH_WORKER_LOG;
/** Extra `tickstock worker` arguments, e.g. `--http-port 19464` to watch its /metrics during the run. */
const WORKER_ARGS = (process.env.BENCH_WORKER_ARGS ?? '').split(' ').filter(Boolean);
const LATENCY_MS = 5;
const CONCURRENCY = Number(process.env.BENCH_SYMBOL_CONCURRENCY ?? 8);
const TIMEFRAMES = ['hour', 'day', 'week', 'month'] as const;
/** "No rate limit": the simulator has none, and the client's limiter is opened wide (the default caps at 100/s). */
const NO_RATE_CAP = 100_000;
const WORKER_CLI = `${root}packages/runner/dist/cli.js`;
const DRAIN_PRELOAD = `${root}bench/drain-bars.mjs`;

interface WorkerRun {
  wall: number;
  bars: number;
  requests: number;
  rss: number;
  cpu: number;
  simCpu: number;
  /** CPU seconds of the PostgreSQL server meanwhile (undefined when it is not on this machine). */
  pgCpu: number | undefined;
}

export default async function bench(ctx: BenchContext): Promise<BenchMetric[]> {
  if (!existsSync(WORKER_CLI)) throw new Error(`${WORKER_CLI} is missing: run pnpm build first (pnpm bench does)`);
  const symbols = readFileSync(`${root}packages/runner/universes/sp500.csv`, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(',')[0] as string);
  const apiKey = `bench-${randomUUID()}`;
  // The symbols are the simulator's reference universe: grouped daily serves their day bars, as the real API would.
  const sim = await startSimulatorProcess(apiKey, ['--latency-ms', String(LATENCY_MS), '--tickers', symbols.join(',')]);
  const redis = new Redis(ctx.redisUrl);
  const admin = new pg.Client({ connectionString: ctx.databaseUrl });
  await admin.connect();
  const backend = (await admin.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
  const postmaster = backend === undefined ? undefined : postmasterPidOf(backend);
  const pgCpu = () => (postmaster === undefined ? undefined : postgresCpuSeconds(postmaster));
  const full: WorkerRun[] = [];
  const fullPerTicker: WorkerRun[] = [];
  const workerFetchOnly: WorkerRun[] = [];
  const fetchOnly: { wall: number; bars: number; cpu: number }[] = [];
  const dbs: string[] = [];
  /** Fetch only: the same job through the same client and engine, bars drained instead of stored. */
  const fetchOnlyRun = async (label: string): Promise<{ wall: number; bars: number; cpu: number }> => {
    const client = new MassiveClient({ apiKey, baseUrl: sim.url, env: {}, rateLimit: { requestsPerSecond: NO_RATE_CAP } });
    const { ranges } = dataLoadRanges([...TIMEFRAMES], 1, Date.now());
    const job: LoadJob = {
      jobId: `fetch-${label}`,
      jobType: 'bench',
      source: { kind: 'symbols', symbols },
      ranges: TIMEFRAMES.map((timeframe) => ({ timeframe, from: ranges[timeframe]?.from ?? '', to: ranges[timeframe]?.to ?? '' })),
    };
    let bars = 0;
    const drain: StorePort = {
      registerSymbol: async () => {},
      writeBars: async (_tf, _s, it) => {
        let n = 0;
        for await (const _ of it) n++;
        bars += n;
        return { fetched: n, written: n, unchanged: 0, rejected: 0 };
      },
      readDayBars: async () => [],
    };
    const t = performance.now();
    const cpu0 = process.cpuUsage();
    const out = await runLoadJob(job, {
      market: new MassiveMarketData(client),
      store: drain,
      executor: new InProcessExecutor(CONCURRENCY),
      resolveSymbols: async () => symbols,
      reporters: [],
    });
    const wall = (performance.now() - t) / 1000;
    const used = process.cpuUsage(cpu0);
    if (out.status !== 'completed') throw new Error(`fetch-only run ended ${out.status}: ${out.message}`);
    return { wall, bars, cpu: (used.user + used.system) / 1e6 };
  };
  /**
   * One job through the built worker (as deployed; pnpm bench builds first), in its own process, into a fresh
   * database. With `drain`, the worker is preloaded with drain-bars.mjs: the same run with bars fetched but not stored.
   */
  const workerRun = async ({ drain, perTicker = false }: { drain: boolean; perTicker?: boolean }): Promise<WorkerRun> => {
    const db = `bench_e2e_${randomBytes(4).toString('hex')}`;
    await admin.query(`CREATE DATABASE ${db}`);
    dbs.push(db);
    const url = new URL(ctx.databaseUrl);
    url.pathname = `/${db}`;
    const before = (await (await fetch(`${sim.url}/__sim/stats`)).json()) as { requests: number };
    const nodeArgs = [...WORKER_NODE_ARGS, ...(drain ? ['--import', DRAIN_PRELOAD] : [])];
    const worker = spawn(process.execPath, [...nodeArgs, WORKER_CLI, 'worker', '--concurrency', String(CONCURRENCY), ...WORKER_ARGS], {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: url.toString(),
        REDIS_URL: ctx.redisUrl,
        MASSIVE_API_KEY: apiKey,
        MASSIVE_API_BASE_URL: sim.url,
        MASSIVE_RATE_LIMIT: String(NO_RATE_CAP),
        LOG_LEVEL: 'info',
        // The loader before the request planner: every range per ticker, details every job.
        ...(perTicker ? { TICKSTOCK_GROUPED_DAILY: 'false', TICKSTOCK_BUILD_PERIODS: 'false', TICKSTOCK_DETAILS_MAX_AGE_DAYS: '0' } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: string[] = [];
    lines(worker, out);
    const exited = new Promise((r) => worker.once('exit', r));
    try {
      await until(() => (out.some((l) => l.includes('worker listening')) ? true : undefined), 'the worker');
      const jobId = randomUUID();
      const workerCpuAtSubmit = cpuSecondsOf(worker.pid as number);
      const simCpuAtSubmit = cpuSecondsOf(sim.child.pid as number);
      const pgCpuAtSubmit = pgCpu();
      const t = performance.now();
      await submitJob(redis, { job_id: jobId, job_type: 'csv_universe_load', symbols, timeframes: [...TIMEFRAMES], years: 1 } as never);
      const status = await until(async () => {
        const s = await readJobStatus(redis, jobId);
        const v = s?.ok ? (s.value as unknown as Record<string, unknown>) : undefined;
        return v && ['completed', 'completed_with_errors', 'failed', 'cancelled'].includes(String(v.status)) ? v : undefined;
      }, 'the job');
      const wall = (performance.now() - t) / 1000;
      const rss = peakRssMbOf(worker.pid as number);
      const cpu = cpuSecondsOf(worker.pid as number) - workerCpuAtSubmit;
      const simCpu = cpuSecondsOf(sim.child.pid as number) - simCpuAtSubmit;
      worker.kill('SIGTERM');
      await exited;
      const pgCpuAfter = pgCpu();
      const pgUsed = pgCpuAtSubmit === undefined || pgCpuAfter === undefined ? undefined : pgCpuAfter - pgCpuAtSubmit;
      const after = (await (await fetch(`${sim.url}/__sim/stats`)).json()) as { requests: number };
      if (status.status !== 'completed') throw new Error(`job ended ${String(status.status)}: ${String(status.message)}`);
      return {
        wall,
        bars: Number(status.ohlcv_records_loaded),
        requests: after.requests - before.requests,
        rss,
        cpu,
        simCpu,
        pgCpu: pgUsed,
      };
    } catch (error) {
      // A worker left running would take the next run's queue entries: stop it, and show why this one failed.
      ctx.log(`worker output (last 20 lines):\n${out.slice(-20).join('\n')}`);
      throw error;
    } finally {
      if (worker.exitCode === null && worker.signalCode === null) {
        worker.kill('SIGKILL');
        await exited;
      }
      if (WORKER_LOG) appendFileSync(WORKER_LOG, `${out.join('\n')}\n`);
    }
  };
  try {
    // Warm-up, not counted: the simulator derives each day bar from that day's minutes on first request and caches the
    // summaries, so the first pass over the year costs it several times what later ones do.
    const warm = await fetchOnlyRun('warm-up');
    ctx.log(`warm-up: in-process client ${warm.wall.toFixed(2)} s (simulator caches filled; not counted)`);
    for (let round = 0; round < ROUNDS; round++) {
      {
        const r = await fetchOnlyRun(String(round));
        fetchOnly.push(r);
        ctx.log(
          `round ${round + 1}: in-process client, bars not stored ${r.wall.toFixed(2)} s, ${r.bars.toLocaleString('en-US')} bars, CPU ${r.cpu.toFixed(1)} s`,
        );
      }
      {
        const r = await workerRun({ drain: true });
        workerFetchOnly.push(r);
        ctx.log(
          `round ${round + 1}: worker, bars not stored ${r.wall.toFixed(2)} s, ${r.bars.toLocaleString('en-US')} bars, ${r.requests} requests, CPU: worker ${r.cpu.toFixed(1)} s, simulator ${r.simCpu.toFixed(1)} s, PostgreSQL ${r.pgCpu?.toFixed(1) ?? 'n/a'} s`,
        );
      }
      {
        const r = await workerRun({ drain: false, perTicker: true });
        fullPerTicker.push(r);
        ctx.log(
          `round ${round + 1}: worker, per ticker (no planner) ${r.wall.toFixed(2)} s, ${r.bars.toLocaleString('en-US')} bars, ${r.requests} requests, peak RSS ${r.rss.toFixed(0)} MB, CPU: worker ${r.cpu.toFixed(1)} s, PostgreSQL ${r.pgCpu?.toFixed(1) ?? 'n/a'} s`,
        );
      }
      {
        const r = await workerRun({ drain: false });
        full.push(r);
        ctx.log(
          `round ${round + 1}: worker ${r.wall.toFixed(2)} s, ${r.bars.toLocaleString('en-US')} bars, ${r.requests} requests, peak RSS ${r.rss.toFixed(0)} MB, CPU: worker ${r.cpu.toFixed(1)} s, simulator ${r.simCpu.toFixed(1)} s, PostgreSQL ${r.pgCpu?.toFixed(1) ?? 'n/a'} s`,
        );
      }
    }
  } finally {
    sim.child.kill('SIGTERM');
    redis.disconnect();
    for (const db of dbs) await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    await admin.end();
  }
  const w = summarize(full.map((r) => r.wall));
  const p = summarize(fullPerTicker.map((r) => r.wall));
  const d = summarize(workerFetchOnly.map((r) => r.wall));
  const f = summarize(fetchOnly.map((r) => r.wall));
  const bars = full[0]?.bars ?? 0;
  const requests = full[0]?.requests ?? 0;
  const rss = Math.max(...full.map((r) => r.rss));
  const median = (xs: number[]) => summarize(xs).median;
  ctx.log(
    `S&P 500 (${symbols.length} symbols), concurrency ${CONCURRENCY}: worker median ${w.median.toFixed(2)} s (spread ${w.spread.toFixed(2)}); ` +
      `same worker, bars not stored ${d.median.toFixed(2)} s (spread ${d.spread.toFixed(2)}); total/fetch ${(w.median / d.median).toFixed(2)}; ` +
      `in-process warm client ${f.median.toFixed(2)} s (spread ${f.spread.toFixed(2)})`,
  );
  return [
    { name: 'e2e: S&P 500 load, wall (median)', value: w.median, unit: 's (target < 15)' },
    { name: 'e2e: symbols per second', value: symbols.length / w.median, unit: 'symbols/s' },
    { name: 'e2e: bars per second', value: bars / w.median, unit: 'bars/s' },
    { name: 'e2e: bars loaded', value: bars, unit: 'bars' },
    { name: 'e2e: API requests', value: requests, unit: 'requests' },
    { name: 'e2e: per ticker (no planner), wall (median)', value: p.median, unit: 's (same run)' },
    { name: 'e2e: per ticker (no planner), API requests', value: fullPerTicker[0]?.requests ?? 0, unit: 'requests' },
    { name: 'e2e: per ticker (no planner), worker peak RSS', value: Math.max(...fullPerTicker.map((r) => r.rss)), unit: 'MB (same run)' },
    { name: 'e2e: fetch only (same worker, bars not stored), wall (median)', value: d.median, unit: 's' },
    { name: 'e2e: store share (total - fetch only)', value: w.median - d.median, unit: 's' },
    { name: 'e2e: total vs fetch only', value: w.median / d.median, unit: 'ratio (target <= 2)' },
    { name: 'e2e: fetch floor (warm in-process client, no queue), wall (median)', value: f.median, unit: 's' },
    { name: 'e2e: worker peak RSS', value: rss, unit: 'MB (target < 200)' },
    { name: 'e2e: worker CPU (median)', value: median(full.map((r) => r.cpu)), unit: 's' },
    { name: 'e2e: worker CPU, bars not stored (median)', value: median(workerFetchOnly.map((r) => r.cpu)), unit: 's' },
    { name: 'e2e: simulator CPU (median)', value: median(full.map((r) => r.simCpu)), unit: 's' },
    ...(full.every((r) => r.pgCpu !== undefined)
      ? [{ name: 'e2e: PostgreSQL CPU (median)', value: median(full.map((r) => r.pgCpu as number)), unit: 's' }]
      : []),
  ];
}
