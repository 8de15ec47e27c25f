/**
 * The shared limiter on a Redis Cluster (3 masters, a replica each): its keys share one hash slot, so the admission
 * script runs there as on one node, and two limiters connected through the cluster share one spacing.
 */
import { randomUUID } from 'node:crypto';
import { type RedisCluster, startRedisCluster } from '@tickstock/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClusteredRateLimiter, createClusteredRateLimiter } from '../src/index.js';

let cluster: RedisCluster;
const limiters: ClusteredRateLimiter[] = [];

beforeAll(async () => {
  cluster = await startRedisCluster();
}, 120_000);

afterAll(async () => {
  for (const l of limiters) await l.disconnect();
  await cluster?.stop();
});

describe('createClusteredRateLimiter on a Redis Cluster', () => {
  it('starts from two limiters are spaced by the shared interval (51.5 ms at 20/s)', async () => {
    const id = `cluster-spacing-${randomUUID()}`;
    const make = async () => {
      const l = await createClusteredRateLimiter({ redis: { cluster: cluster.nodes }, id, rateLimit: { requestsPerSecond: 20 } });
      await l.ready();
      limiters.push(l);
      return l;
    };
    const [a, b] = [await make(), await make()];
    const starts: number[] = [];
    const stamp = async () => {
      starts.push(performance.now());
    };
    await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).schedule(stamp, 'normal')));
    starts.sort((x, y) => x - y);
    expect(starts[11]! - starts[0]!).toBeGreaterThanOrEqual(11 * 51.5 - 10);
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThan(35);
  });
});
