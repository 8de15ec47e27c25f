/**
 * The worker on a Redis Cluster (3 masters, a replica each; `REDIS_CLUSTER_NODES`): a job published the way the app
 * does is loaded bar for bar, its status and lifecycle events reach a subscriber on another node, the queues keep
 * their keys in one slot (`{tickstock:bull}`); a job sent only to the durable stream is loaded too; a cancel published
 * on another node stops a running job; two workers share one API budget through the cluster; and a master killed
 * mid-job is replaced by its replica without losing the job.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { CHANNELS, DATA_LOAD_STREAM_FIELD, dataLoadRanges, FINAL_JOB_STATUSES, jobStatusKey, KEYS } from '@tickstock/job-protocol';
import { clusteredLimiterId, clusteredLimiterKeys } from '@tickstock/massive-client';
import { type OhlcvStore, openStore } from '@tickstock/ohlcv-store';
import { createTestDatabase, type RedisCluster, startRedisCluster, type TestDatabase, waitFor } from '@tickstock/test-support';
import { type Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulatorUniverse } from '../../src/universe/simulated.js';
import { resetSimulatorProcess, simulatorProcessStats, startSimulatorProcess } from '../support/simulator-process.js';
import { CLI, expectedBars, expectLoadedBars, type Stack, spawnWorker, storedBars, submitCsvLoad, type WorkerProcess } from './harness.js';

/** The shared budget of the two-worker case, in requests per second (the fault suite's scaled-down free plan). */
const RATE = 10;
/** The two-worker job's symbols, added to the simulator's universe (tickers outside it have no bars). */
const BUDGET_SYMBOLS = Array.from({ length: 30 }, (_, i) => `CLB${String(i).padStart(2, '0')}`);

let cluster: RedisCluster;
let client: Cluster;
let db: TestDatabase;
let store: OhlcvStore;
let stack: Stack;
let worker: WorkerProcess;
const events: { channel: string; text: string }[] = [];
let sub: Redis;

beforeAll(async () => {
  cluster = await startRedisCluster();
  client = cluster.client();
  db = await createTestDatabase('cluster');
  store = await openStore({ databaseUrl: db.url });
  const apiKey = `cluster-key-${randomUUID()}`;
  const simulatorNow = Date.now();
  // The simulator in its own process, prioritised, so its arrival stamps (the two-worker budget case) are not delayed
  // by this process's work.
  const simulator = await startSimulatorProcess(
    {
      apiKey,
      now: simulatorNow,
      tickers: simulatorUniverse(BUDGET_SYMBOLS),
      latency: { fixedMs: 100, jitterMs: 50 },
    },
    -10,
  );
  // A subscriber on the last node: PUBLISH on any node reaches it.
  sub = new Redis(cluster.nodes.at(-1)?.port ?? 0);
  sub.on('message', (channel: string, text: string) => events.push({ channel, text }));
  await sub.subscribe(CHANNELS.jobStatus, CHANNELS.importStarted, CHANNELS.importCompleted);
  // The harness's worker, told to use the cluster instead of a single Redis.
  stack = { db, simulator, simulatorNow, apiKey, store, redisServer: { url: '' } } as unknown as Stack;
  worker = await spawnWorker(stack, { env: clusterEnv(), args: ['--concurrency', '2'] });
}, 120_000);

afterAll(async () => {
  await worker?.stop('SIGTERM');
  sub?.disconnect();
  client?.disconnect();
  await store?.close();
  await (stack as unknown as { simulator?: { close(): Promise<void> } })?.simulator?.close();
  await db?.drop();
  await cluster?.stop();
}, 60_000);

/** The harness's worker, told to use the cluster instead of a single Redis. */
function clusterEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { REDIS_URL: '', REDIS_CLUSTER_NODES: cluster.nodesText, TICKSTOCK_QUEUE_LOCK_MS: '4000', ...extra };
}

async function currentStatus(jobId: string): Promise<Record<string, unknown>> {
  const text = await client.get(jobStatusKey(jobId)).catch(() => null);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

/** Runs the `tickstock` CLI from the sources as a subprocess with exactly `env`. */
function runCli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', CLI, ...args], { env, timeout: 90_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function finalStatus(jobId: string): Promise<Record<string, unknown>> {
  return waitFor(
    async () => {
      const text = await client.get(jobStatusKey(jobId)).catch(() => null);
      const s = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
      return s && (FINAL_JOB_STATUSES as readonly string[]).includes(String(s.status)) ? s : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 200, what: `job ${jobId} to end` },
  );
}

async function expectBars(symbols: string[], years: number): Promise<number> {
  const counts = await expectLoadedBars(stack, symbols, ['day', 'hour'], years);
  return (counts.daily ?? 0) + (counts.hourly ?? 0);
}

describe('the worker on a Redis Cluster', () => {
  it('loads a job bar for bar; status and events reach a subscriber on another node; queue keys in one slot', async () => {
    const symbols = ['AAPL', 'MSFT', 'IBM'];
    const jobId = await submitCsvLoad(client, symbols);
    const status = await finalStatus(jobId);
    expect({ status: status.status, failed: status.failed_symbols }).toEqual({ status: 'completed', failed: [] });
    expect(await expectBars(symbols, 0.1)).toBeGreaterThan(0);
    await waitFor(() => events.some((e) => e.channel === CHANNELS.importCompleted && e.text.includes(jobId)), {
      what: 'data_import_completed',
    });
    expect(events.filter((e) => e.channel === CHANNELS.importStarted && e.text.includes(jobId))).toHaveLength(1);
    const slots = new Set<number>();
    for (const node of client.nodes('master')) {
      for (const key of await node.keys('{tickstock:bull}*')) slots.add(Number(await client.cluster('KEYSLOT', key)));
    }
    expect([...slots]).toEqual([8778]);
  });

  it('the CLI on the cluster: submit --wait follows the job to completed (exit 0), status prints the JSON the app reads', async () => {
    const jobId = randomUUID();
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', REDIS_CLUSTER_NODES: cluster.nodesText };
    const submitted = await runCli(['submit', 'UNH', '--years', '0.1', '--timeframes', 'day', '--job-id', jobId, '--wait', '--json'], env);
    expect({ code: submitted.code, stderr: submitted.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(submitted.stdout)).toMatchObject({
      job_id: jobId,
      status: 'completed',
      successful_symbols: ['UNH'],
      failed_symbols: [],
    });
    const status = await runCli(['status', jobId], env);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toEqual(await currentStatus(jobId));
  });

  it('loads a job sent only to the durable stream (no publish), bar for bar', async () => {
    const jobId = randomUUID();
    const symbols = ['KO', 'PEP'];
    const job = { job_id: jobId, job_type: 'csv_universe_load', source: 'test', symbols, timeframes: ['day', 'hour'], years: 0.1 };
    await client.xadd(KEYS.dataLoadStream, '*', DATA_LOAD_STREAM_FIELD, JSON.stringify(job));
    const status = await finalStatus(jobId);
    expect({ status: status.status, failed: status.failed_symbols, loaded: status.successful_symbols }).toEqual({
      status: 'completed',
      failed: [],
      loaded: symbols,
    });
    expect(await expectBars(symbols, 0.1)).toBeGreaterThan(0);
  });

  it('cancels a running job on a cancel published through another node, keeping what was written', async () => {
    const symbols = ['ORCL', 'INTC', 'CSCO', 'DIS', 'NKE', 'MCD', 'XOM', 'BA', 'CAT', 'GS', 'HD', 'UNH'];
    const jobId = await submitCsvLoad(client, symbols, { years: 1, timeframes: ['day', 'week', 'month'] });
    await waitFor(async () => Number((await currentStatus(jobId)).processed_symbols ?? 0) >= 1, {
      timeoutMs: 60_000,
      what: 'the first symbol',
    });
    // A plain connection to one node, as the app's own redis-py client would hold.
    const publisher = new Redis(cluster.nodes[1]?.port ?? 0);
    try {
      await publisher.publish(CHANNELS.control, JSON.stringify({ job_id: jobId, action: 'cancel', requested_by: 'admin' }));
    } finally {
      publisher.disconnect();
    }
    const status = await finalStatus(jobId);
    expect(status.status).toBe('cancelled');
    expect(String(status.message)).toContain('cancelled by admin');
    const loaded = status.successful_symbols as string[];
    expect(loaded.length).toBeGreaterThanOrEqual(1);
    expect(loaded.length).toBeLessThan(symbols.length);
    expect(status.failed_symbols).toEqual([]);
    for (const symbol of loaded) expect((await storedBars(stack, symbol, 'daily')).length).toBeGreaterThan(200);
  });

  it('two workers share one API budget through the cluster: their requests take as long as one budget of 10 a second needs, every bar', async () => {
    await worker.stop('SIGTERM');
    const env = clusterEnv({ MASSIVE_RATE_LIMIT: String(RATE) });
    const pair = await Promise.all([spawnWorker(stack, { env }), spawnWorker(stack, { env })]);
    try {
      await resetSimulatorProcess(stack.simulator);
      // 30 symbols: 30 ticker details and their day bars (one page each, or fewer grouped-daily pages when the planner
      // finds them cheaper): 55-60 requests, about 6 s at 10 per second.
      const symbols = BUDGET_SYMBOLS;
      const jobId = await submitCsvLoad(client, symbols, { timeframes: ['day'] });
      const status = await finalStatus(jobId);
      expect({ status: status.status, failed: status.failed_symbols }).toEqual({ status: 'completed', failed: [] });
      const { ranges } = dataLoadRanges(['day'], 0.1, Date.now());
      const day = ranges.day;
      if (!day) throw new Error('no day range');
      for (const symbol of symbols)
        expect(await storedBars(stack, symbol, 'daily')).toEqual(expectedBars(stack, symbol, 'daily', day.from, day.to));
      const stats = await simulatorProcessStats(stack.simulator);
      expect(stats.requests).toBeGreaterThanOrEqual(55); // enough traffic for a fleet over budget to show
      // One budget of 10 per second for both workers: N requests take at least (N - 1) / 10 s at the limiter (by the
      // Redis clock), where two budgets of their own would take half that. The span of arrivals at the simulator is
      // robust to requests stamped late on a busy machine (a peak count per second is not: one late arrival puts 11
      // in a window, and the fault suite checks that on a quieter process). 20% slack against 100% of difference.
      const spanMs = Number(stats.lastArrivalAt) - Number(stats.firstArrivalAt);
      expect(spanMs).toBeGreaterThanOrEqual((stats.requests - 1) * (1000 / RATE) * 0.8);
      // The budget lives on the cluster, its keys in one slot.
      const keys = Object.values(clusteredLimiterKeys(clusteredLimiterId(stack.apiKey)));
      const slots = await Promise.all(keys.map(async (k) => Number(await client.cluster('KEYSLOT', k))));
      expect(new Set(slots).size).toBe(1);
    } finally {
      await Promise.all(pair.map((w) => w.stop('SIGTERM')));
      worker = await spawnWorker(stack, { env: clusterEnv(), args: ['--concurrency', '2'] });
    }
  }, 120_000);

  it('completes a job whose queue master is killed mid-job: the replica takes over', async () => {
    const symbols = ['AMZN', 'GOOGL', 'META', 'NVDA', 'TSLA', 'JPM', 'V', 'WMT'];
    const jobId = await submitCsvLoad(client, symbols);
    await waitFor(
      async () => Number(JSON.parse((await client.get(jobStatusKey(jobId)).catch(() => null)) ?? '{}').processed_symbols ?? 0) >= 1,
      {
        timeoutMs: 60_000,
        what: 'the first symbol',
      },
    );
    await cluster.killMasterOf('{tickstock:bull}:data-load-symbols:wait');
    const status = await finalStatus(jobId);
    expect({ status: status.status, failed: status.failed_symbols }).toEqual({ status: 'completed', failed: [] });
    expect(await expectBars(symbols, 0.1)).toBeGreaterThan(0);
  }, 120_000);
});
