/**
 * The Redis Cluster the infrastructure tests run on (test-support `startRedisCluster`: 3 masters, a replica each):
 * what our code can rely on there, proven on real nodes. Keys spread over slots; a MULTI over keys of different
 * slots is refused (so every multi-key write of ours must keep its keys in one slot, by hash tag); classic PUBLISH
 * on one node reaches a subscriber connected to another; a master killed mid-use is replaced by its replica.
 */
import { type RedisCluster, startRedisCluster } from '@tickstock/test-support';
import { type Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  acquireJobLease,
  appJobStatusKey,
  CHANNELS,
  clusterKeySlot,
  Heartbeat,
  JobStatusWriter,
  jobHashKey,
  jobLeaseKey,
  jobStatusKey,
  KEYS,
  submitJob,
} from '../src/index.js';

let cluster: RedisCluster;
let client: Cluster;

beforeAll(async () => {
  cluster = await startRedisCluster();
  client = cluster.client();
  // The first commands wait for the client's view of the slots (a busy machine can take a moment).
  if (client.status !== 'ready') await new Promise((resolve) => client.once('ready', resolve));
}, 120_000);

afterAll(async () => {
  client?.disconnect();
  await cluster?.stop();
});

describe('a 3-master Redis Cluster', () => {
  it('serves keys of every slot through one client, and our slot function agrees with the server', async () => {
    expect(cluster.nodes).toHaveLength(6);
    for (const key of [
      jobStatusKey('job-1'),
      jobLeaseKey('job-1'),
      KEYS.producerHeartbeat,
      KEYS.plHeartbeat,
      '{tickstock:bull}:data-load-jobs:wait',
    ]) {
      expect(Number(await client.cluster('KEYSLOT', key))).toBe(clusterKeySlot(key));
      await client.set(key, 'v');
      expect(await client.get(key)).toBe('v');
    }
  });

  it('refuses a MULTI over keys of two slots, and runs one whose keys share a hash tag', async () => {
    const spread = client.multi().set(KEYS.producerHeartbeat, '1').set(KEYS.plHeartbeat, '1');
    await expect(spread.exec()).rejects.toThrow(/slot/i);
    const tagged = await client.multi().set(jobStatusKey('job-2'), 's').hset(jobLeaseKey('job-2'), 'epoch', '1').exec();
    expect(tagged?.map(([e]) => e)).toEqual([null, null]);
  });

  it('delivers a classic PUBLISH sent to one node to a subscriber connected to another', async () => {
    const [a, b] = cluster.nodes;
    const { Redis } = await import('ioredis');
    const publisher = new Redis(a?.port ?? 0);
    const subscriber = new Redis(b?.port ?? 0);
    try {
      const got = new Promise<string>((resolve) => subscriber.on('message', (_c: string, m: string) => resolve(m)));
      await subscriber.subscribe('tickstock.jobs.status');
      await publisher.publish('tickstock.jobs.status', 'hello');
      expect(await got).toBe('hello');
    } finally {
      publisher.disconnect();
      subscriber.disconnect();
    }
  });

  it('keeps serving a key after its master is killed: the replica takes over', async () => {
    const key = jobStatusKey('job-failover');
    await client.set(key, 'before');
    // Replication is asynchronous: wait until the key's replica has the write before its master dies.
    const master = client.nodes('master').find((n) => n.options.port === Number(client.slots[clusterKeySlot(key)]?.[0]?.split(':')[1]));
    if (!master) throw new Error('no master for the key');
    await master.set(key, 'before');
    expect(await master.wait(1, 5000)).toBe(1);
    await cluster.killMasterOf(key);
    let value: string | null = null;
    for (let i = 0; i < 50 && value === null; i++) {
      value = await client.get(key).catch(() => null);
      if (value === null) await new Promise((r) => setTimeout(r, 200));
    }
    expect(value).toBe('before');
    await client.set(key, 'after');
    expect(await client.get(key)).toBe('after');
  }, 60_000);

  it('our helpers work on it: heartbeat (two slots), submit (status hash and stream), a fenced status with the app copy and mirror', async () => {
    await new Heartbeat(client, { intervalMs: 10_000 }).beat();
    expect(Number(await client.get(KEYS.producerHeartbeat))).toBeGreaterThan(0);
    expect(Number(await client.get(KEYS.plHeartbeat))).toBeGreaterThan(0);

    const submitted = await submitJob(client, {
      job_id: 'cluster-job',
      job_type: 'csv_universe_load',
      symbols: ['AAPL'],
      timeframes: ['day'],
      years: 1,
      source: 'test',
    } as Parameters<typeof submitJob>[1]);
    expect(submitted.initialStatusWritten).toBe(true);
    expect(await client.hget(jobStatusKey('cluster-job'), 'status')).toBe('submitted');
    expect(await client.xlen(KEYS.dataLoadStream)).toBe(1);

    await client.set(appJobStatusKey('cluster-job'), JSON.stringify({ description: 'from the app' }));
    const lease = await acquireJobLease(client, 'cluster-job');
    const writer = new JobStatusWriter(client, {
      jobId: 'cluster-job',
      jobType: 'csv_universe_load',
      lease,
      hashMirror: true,
      preWriteWaitMs: 0,
    });
    await writer.start({ total_symbols: 1 });
    await writer.finish('completed', { processed_symbols: 1, successful_symbols: ['AAPL'], symbols_loaded: 1 });
    expect(JSON.parse((await client.get(jobStatusKey('cluster-job'))) ?? '{}')).toMatchObject({ status: 'completed', progress: 100 });
    expect(JSON.parse((await client.get(appJobStatusKey('cluster-job'))) ?? '{}')).toMatchObject({
      description: 'from the app',
      status: 'completed',
    });
    expect(await client.hget(jobHashKey('cluster-job'), 'status')).toBe('completed');
    const late = await acquireJobLease(client, 'cluster-job');
    await expect(
      new JobStatusWriter(client, { jobId: 'cluster-job', jobType: 'csv_universe_load', lease: late, preWriteWaitMs: 0 }).start(),
    ).rejects.toMatchObject({
      code: 'STATUS_FINAL',
    });
  });

  it('counts the receivers of a submitted job on every node, not only on the node the PUBLISH went to', async () => {
    // Two listeners, each connected to a different live node (a master was killed above), as two workers could be.
    const ports = client.nodes('master').map((n) => Number(n.options.port));
    expect(ports.length).toBe(3);
    const listeners = [ports[0], ports[2]].map((port) => new Redis(port ?? 0));
    try {
      for (const l of listeners) await l.subscribe(CHANNELS.dataLoad);
      const submitted = await submitJob(client, {
        job_id: 'cluster-receivers',
        job_type: 'csv_universe_load',
        symbols: ['MSFT'],
        timeframes: ['day'],
        years: 1,
        source: 'test',
      } as Parameters<typeof submitJob>[1]);
      expect(submitted.receivers).toBe(2);
    } finally {
      for (const l of listeners) l.disconnect();
    }
  });
});
