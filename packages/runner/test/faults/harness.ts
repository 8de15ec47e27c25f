/**
 * Fault-suite harness: the end-to-end stack of ../e2e/harness.ts, but with a private PostgreSQL cluster and a private
 * Redis that can both be restarted mid-job, several worker processes that can be SIGKILLed, and a check that every
 * bar table holds exactly the bars the simulator serves for a job: every bar of every symbol and timeframe, no
 * duplicate, no bar of a symbol outside the job.
 */
import { randomUUID } from 'node:crypto';
import { type DataLoadJob, dataLoadRanges, FINAL_JOB_STATUSES, readJobStatus, submitJob } from '@tickstock/job-protocol';
import type { Timeframe } from '@tickstock/market-time';
import { type SimulatorOptions, type SimulatorStats, startSimulator } from '@tickstock/massive-simulator';
import { openStore, type Timeframe as StoreTimeframe } from '@tickstock/ohlcv-store';
import { type PostgresServer, type RedisServerOptions, startPostgresServer, startRedisServer, waitFor } from '@tickstock/test-support';
import { Redis } from 'ioredis';
import pg from 'pg';
import { expect } from 'vitest';
import { simulatorUniverse } from '../../src/universe/simulated.js';
import { CapturedMessages, expectedBars, STACK_CHANNELS, type Stack, spawnWorker, storedBars, type WorkerProcess } from '../e2e/harness.js';
import { simulatorProcessStats, startSimulatorProcess } from '../support/simulator-process.js';

export { CapturedMessages, type Stack, type WorkerProcess };

/** The e2e stack plus the restartable PostgreSQL cluster behind `db`. */
export interface FaultStack extends Stack {
  postgres: PostgresServer;
}

export interface FaultStackOptions {
  simulator?: SimulatorOptions;
  redis?: RedisServerOptions;
  /**
   * Run the simulator in a child process of its own at this `nice` level (e.g. -10) instead of in the test
   * process. For tests that measure arrival times: the simulator stamps an arrival when its event loop gets to
   * it, and a busy or descheduled test process would stamp several arrivals late and together. Its counters are
   * then read with {@link simulatorStats} only.
   */
  simulatorProcess?: { nice: number };
}

/**
 * Starts a private PostgreSQL cluster and Redis, the simulator (its clock fixed at start, so expected bars are
 * stable) and a store for the checks. Channels are captured as in the e2e stack.
 */
export async function startFaultStack(options: FaultStackOptions = {}): Promise<FaultStack> {
  const postgres = await startPostgresServer({ database: 'tickstock_faults' });
  const redisServer = await startRedisServer(options.redis ?? {});
  const redis = new Redis(redisServer.url);
  redis.on('error', () => undefined); // a restart is expected here; commands wait for the reconnect
  const apiKey = `fault-key-${randomUUID()}`;
  const simulatorNow = Date.now();
  const simOptions: SimulatorOptions = {
    apiKey,
    now: simulatorNow,
    tickers: simulatorUniverse(
      FAULT_SYMBOL_PREFIXES.flatMap((p) => Array.from({ length: 100 }, (_, i) => `${p}${String(i).padStart(2, '0')}`)),
    ),
    ...options.simulator,
  };
  const simulator = options.simulatorProcess
    ? await startSimulatorProcess(simOptions, options.simulatorProcess.nice)
    : await startSimulator(simOptions);
  const store = await openStore({ databaseUrl: postgres.url });
  const events = await CapturedMessages.start(redisServer.url, STACK_CHANNELS);
  // Its subscriber reconnects (and resubscribes) after a Redis restart; refusals meanwhile are expected, not news.
  events.ignoreConnectionErrors();
  return {
    postgres,
    db: { url: postgres.url, name: 'tickstock_faults', drop: () => postgres.stop() },
    redisServer,
    redis,
    simulator,
    simulatorNow,
    apiKey,
    store,
    events,
    async close() {
      await events.close().catch(() => undefined);
      await store.close().catch(() => undefined);
      await simulator.close();
      redis.disconnect();
      await redisServer.stop();
      await postgres.stop();
    },
  };
}

/** Worker settings every fault test uses: a killed worker's entries are taken back after 2 s, not 30 s. */
export const FAULT_WORKER_ENV: Readonly<Record<string, string>> = { TICKSTOCK_QUEUE_LOCK_MS: '2000' };

/** Starts `n` worker processes at once (each resolves once it listens for jobs). */
export function spawnWorkers(stack: Stack, n: number, env: Record<string, string> = {}): Promise<WorkerProcess[]> {
  return Promise.all(Array.from({ length: n }, () => spawnWorker(stack, { env: { ...FAULT_WORKER_ENV, ...env } })));
}

/** Kills a worker with SIGKILL (no drain, no goodbye) and resolves once it is gone. */
export async function killWorker(worker: WorkerProcess): Promise<void> {
  await worker.stop('SIGKILL');
}

/**
 * Stops every worker still running (SIGTERM, then SIGKILL after `graceMs`). With `FAULTS_DEBUG=1` in the
 * environment, every worker's warnings and errors are printed first.
 */
/** End of a fault test file: stops its workers, checks none of them ever printed the API key, closes the stack. */
export async function finishFaultRun(stack: FaultStack | undefined, workers: readonly WorkerProcess[]): Promise<void> {
  await stopWorkers(workers);
  if (stack) for (const w of workers) expect(w.lines.join('\n')).not.toContain(stack.apiKey);
  await stack?.close();
}

export async function stopWorkers(workers: readonly WorkerProcess[], graceMs = 10_000): Promise<void> {
  if (process.env.FAULTS_DEBUG) {
    workers.forEach((w, i) => {
      const notable = logRecords(w).filter((r) => Number(r.level) >= (process.env.FAULTS_DEBUG === 'all' ? 20 : 40));
      console.log(`[worker ${i}] ${notable.length} notable lines:\n${notable.map((r) => JSON.stringify(r)).join('\n')}`);
    });
  }
  await Promise.all(
    workers.map(async (w) => {
      if (w.child.exitCode !== null || w.child.signalCode !== null) return;
      const timer = setTimeout(() => w.child.kill('SIGKILL'), graceMs);
      await w.stop('SIGTERM');
      clearTimeout(timer);
    }),
  );
}

/** The worker's JSON log lines (pino), parsed; other lines are skipped. */
export function logRecords(worker: WorkerProcess): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of worker.lines) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // a line cut by SIGKILL
    }
  }
  return out;
}

/**
 * The per-symbol log line of the replica that loaded a symbol (the symbols-queue runner, execution/symbol-runner.ts):
 * `{"msg":"symbol done","jobId":...,"symbol":...,"ok":true,...}`. (The job's own 'symbol loaded' line is written by
 * whichever replica coordinates the job, for every symbol, so it does not say who loaded what.)
 */
export const SYMBOL_DONE_MSG = 'symbol done';

/** Symbols this worker loaded successfully for the job, from its log. */
export function symbolsLoadedBy(worker: WorkerProcess, jobId: string): string[] {
  return logRecords(worker)
    .filter((r) => r.msg === SYMBOL_DONE_MSG && r.jobId === jobId && r.ok === true)
    .map((r) => String(r.symbol));
}

/** `n` symbols `${prefix}00`, `${prefix}01`, ... (the simulator serves bars for any ticker). */
/**
 * The prefixes of the fault suite's made-up tickers, 100 symbols each. They are the simulator's reference universe
 * (with the shipped lists): grouped daily serves only that universe, as the real API serves only listed tickers, so
 * a job that takes its day bars from grouped daily finds them. A new prefix goes here.
 */
export const FAULT_SYMBOL_PREFIXES = ['PGR', 'RDN', 'RDA', 'ONE', 'TRI', 'RTL', 'KIL', 'FLT'] as const;

export function symbolNames(prefix: string, n: number): string[] {
  if (!(FAULT_SYMBOL_PREFIXES as readonly string[]).includes(prefix) || n > 100)
    throw new Error(`symbolNames: add ${JSON.stringify(prefix)} to FAULT_SYMBOL_PREFIXES (up to 100 symbols each)`);
  return Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(2, '0')}`);
}

/** What a fault-test job loads. */
export interface JobSpec {
  symbols: readonly string[];
  timeframes: readonly Timeframe[];
  years: number;
}

/** Submits the job the way the app does (status pre-write, pub/sub and the durable stream); returns its id. */
export async function submitFaultJob(stack: Stack, spec: JobSpec): Promise<string> {
  const jobId = randomUUID();
  const job = {
    job_id: jobId,
    job_type: 'csv_universe_load',
    source: 'fault-test',
    symbols: [...spec.symbols],
    timeframes: [...spec.timeframes],
    years: spec.years,
    run_analysis_after_import: false,
    requested_by: 'fault-test',
  };
  await submitJob(stack.redis, job as DataLoadJob);
  return jobId;
}

export type JobStatusJson = Record<string, unknown>;

/** The job's status as the app reads it, or undefined (missing, or Redis unreachable for the moment). */
export async function currentStatus(stack: Stack, jobId: string): Promise<JobStatusJson | undefined> {
  try {
    const s = await readJobStatus(stack.redis, jobId);
    return s?.ok ? (s.value as unknown as JobStatusJson) : undefined;
  } catch {
    return undefined; // Redis restarting: try again
  }
}

const FINAL: ReadonlySet<string> = new Set(FINAL_JOB_STATUSES);

/** Waits until the job's status satisfies `check` (polling every 100 ms, through Redis restarts). */
export function waitForStatus(
  stack: Stack,
  jobId: string,
  check: (s: JobStatusJson) => boolean,
  what: string,
  timeoutMs = 60_000,
): Promise<JobStatusJson> {
  return waitFor(
    async () => {
      const s = await currentStatus(stack, jobId);
      return s && check(s) ? s : undefined;
    },
    { timeoutMs, intervalMs: 100, what: `job ${jobId}: ${what}` },
  );
}

/** Waits for the final status (completed, completed_with_errors, failed or cancelled). */
export async function waitForFinal(stack: Stack, jobId: string, timeoutMs = 120_000): Promise<JobStatusJson> {
  try {
    return await waitForStatus(stack, jobId, (s) => FINAL.has(String(s.status)), 'a final status', timeoutMs);
  } catch (e) {
    const last = await currentStatus(stack, jobId);
    throw new Error(`${(e as Error).message}; last status: ${JSON.stringify(last ?? null)}`);
  }
}

/** Symbols the status counts as processed (finished, either way). */
export function processed(s: JobStatusJson): number {
  return Number(s.processed_symbols ?? 0);
}

/** The simulator's counters as served at `GET /__sim/stats`. */
export function simulatorStats(stack: Stack): Promise<SimulatorStats> {
  return simulatorProcessStats(stack.simulator);
}

/** Job timeframe names and the store's table per timeframe (the contract's tables). */
const STORE_TF: Record<Timeframe, StoreTimeframe> = { '1min': '1min', hour: 'hourly', day: 'daily', week: 'weekly', month: 'monthly' };
const TABLES: Record<StoreTimeframe, string> = {
  '1min': 'ohlcv_1min',
  hourly: 'ohlcv_hourly',
  daily: 'ohlcv_daily',
  weekly: 'ohlcv_weekly',
  monthly: 'ohlcv_monthly',
};

/** What {@link expectJobBars} checked. */
export interface BarsVerified {
  /** Bars compared one by one (every bar of every symbol and timeframe of the job). */
  bars: number;
  /** Rows per table (all five tables; those the job does not load must be empty). */
  rowsPerTable: Record<string, number>;
}

/**
 * Asserts that the database holds exactly the job's bars: for each symbol × timeframe, the stored bars equal the
 * simulator's (time and OHLC, in order), and each table's rows per symbol equal the expected counts, with no other
 * symbol and no row in tables the job does not load. Ranges are the job's, computed as the worker computes them.
 */
export async function expectJobBars(stack: Stack, spec: JobSpec): Promise<BarsVerified> {
  const { ranges } = dataLoadRanges([...spec.timeframes], spec.years, Date.now());
  const expectedRows: Record<string, Record<string, number>> = Object.fromEntries(Object.values(TABLES).map((t) => [t, {}]));
  let bars = 0;
  for (const tf of spec.timeframes) {
    const range = ranges[tf];
    if (!range) throw new Error(`no range for ${tf}`);
    const table = TABLES[STORE_TF[tf]];
    for (const symbol of spec.symbols) {
      const expected = expectedBars(stack, symbol, STORE_TF[tf], range.from, range.to);
      const stored = await storedBars(stack, symbol, STORE_TF[tf]);
      // Counts first: a readable failure before the full comparison.
      expect({ symbol, tf, count: stored.length }).toEqual({ symbol, tf, count: expected.length });
      expect(stored).toEqual(expected);
      bars += expected.length;
      const rows = expectedRows[table] as Record<string, number>;
      if (expected.length > 0) rows[symbol] = expected.length;
    }
  }
  const client = new pg.Client({ connectionString: stack.db.url });
  await client.connect();
  const rowsPerTable: Record<string, number> = {};
  try {
    for (const table of Object.values(TABLES)) {
      const res = await client.query<{ symbol: string; n: string }>(`SELECT symbol, count(*) AS n FROM ${table} GROUP BY symbol`);
      const actual = Object.fromEntries(res.rows.map((r) => [r.symbol, Number(r.n)]));
      expect({ table, rowsPerSymbol: actual }).toEqual({ table, rowsPerSymbol: expectedRows[table] });
      rowsPerTable[table] = Object.values(actual).reduce((a, b) => a + b, 0);
    }
  } finally {
    await client.end();
  }
  expect(Object.values(rowsPerTable).reduce((a, b) => a + b, 0)).toBe(bars);
  return { bars, rowsPerTable };
}

/** The final status of a job that loaded every symbol. */
export function expectCompleted(status: JobStatusJson, spec: JobSpec): void {
  expect({
    status: status.status,
    total: status.total_symbols,
    processed: status.processed_symbols,
    failed: status.failed_symbols,
    error: status.error_message,
  }).toEqual({ status: 'completed', total: spec.symbols.length, processed: spec.symbols.length, failed: [], error: null });
  expect([...(status.successful_symbols as string[])].sort()).toEqual([...spec.symbols].sort());
}

/** Everything every worker wrote, for the secret check and for failure messages. */
export function allLines(workers: readonly WorkerProcess[]): string {
  return workers.map((w, i) => w.lines.map((l) => `[worker ${i}] ${l}`).join('\n')).join('\n');
}
