/**
 * The worker on a Redis Cluster (3 masters, a replica each; `REDIS_CLUSTER_NODES`): a job published the way the app
 * does is loaded bar for bar, its status and lifecycle events reach a subscriber on another node, the queues keep
 * their keys in one slot (`{tickstock:bull}`), and a master killed mid-job is replaced by its replica without losing
 * the job.
 */
import { randomUUID } from 'node:crypto';
import { CHANNELS, dataLoadRanges, jobStatusKey, submitJob } from '@tickstock/job-protocol';
import { startSimulator } from '@tickstock/massive-client/simulator';
import { type OhlcvStore, openStore } from '@tickstock/ohlcv-store';
import { createTestDatabase, type RedisCluster, startRedisCluster, type TestDatabase, waitFor } from '@tickstock/test-support';
import { type Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulatorUniverse } from '../../src/universe/simulated.js';
import { expectedBars, type Stack, spawnWorker, storedBars, type WorkerProcess } from './harness.js';

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
  const simulator = await startSimulator({
    apiKey,
    now: simulatorNow,
    tickers: simulatorUniverse(),
    latency: { fixedMs: 100, jitterMs: 50 },
  });
  // A subscriber on the last node: PUBLISH on any node reaches it.
  sub = new Redis(cluster.nodes.at(-1)?.port ?? 0);
  sub.on('message', (channel: string, text: string) => events.push({ channel, text }));
  await sub.subscribe(CHANNELS.jobStatus, CHANNELS.importStarted, CHANNELS.importCompleted);
  // The harness's worker, told to use the cluster instead of a single Redis.
  stack = { db, simulator, simulatorNow, apiKey, store, redisServer: { url: '' } } as unknown as Stack;
  worker = await spawnWorker(stack, { env: { REDIS_URL: '', REDIS_CLUSTER_NODES: cluster.nodesText, TICKSTOCK_QUEUE_LOCK_MS: '4000' } });
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

async function finalStatus(jobId: string): Promise<Record<string, unknown>> {
  return waitFor(
    async () => {
      const text = await client.get(jobStatusKey(jobId)).catch(() => null);
      const s = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
      return s && ['completed', 'failed', 'cancelled'].includes(String(s.status)) ? s : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 200, what: `job ${jobId} to end` },
  );
}

async function expectBars(symbols: string[], years: number): Promise<number> {
  const { ranges } = dataLoadRanges(['day', 'hour'], years, Date.now());
  let n = 0;
  for (const symbol of symbols) {
    for (const [tf, table] of [
      ['day', 'daily'],
      ['hour', 'hourly'],
    ] as const) {
      const r = ranges[tf];
      if (!r) throw new Error(`no ${tf} range`);
      const expected = expectedBars(stack, symbol, table, r.from, r.to);
      expect(await storedBars(stack, symbol, table)).toEqual(expected);
      n += expected.length;
    }
  }
  return n;
}

describe('the worker on a Redis Cluster', () => {
  it('loads a job bar for bar; status and events reach a subscriber on another node; queue keys in one slot', async () => {
    const jobId = randomUUID();
    const symbols = ['AAPL', 'MSFT', 'IBM'];
    await submitJob(client, {
      job_id: jobId,
      job_type: 'csv_universe_load',
      source: 'test',
      symbols,
      timeframes: ['day', 'hour'],
      years: 0.1,
    } as Parameters<typeof submitJob>[1]);
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

  it('completes a job whose queue master is killed mid-job: the replica takes over', async () => {
    const jobId = randomUUID();
    const symbols = ['AMZN', 'GOOGL', 'META', 'NVDA', 'TSLA', 'JPM', 'V', 'WMT'];
    await submitJob(client, {
      job_id: jobId,
      job_type: 'csv_universe_load',
      source: 'test',
      symbols,
      timeframes: ['day', 'hour'],
      years: 0.1,
    } as Parameters<typeof submitJob>[1]);
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
