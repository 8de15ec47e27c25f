/**
 * The Redis clients the helpers take: one node (`Redis`) or a Redis Cluster (`Cluster`). On a cluster, a MULTI may
 * only touch keys of one hash slot; {@link execBySlot} runs a batch as one MULTI per slot there (each still atomic),
 * and as a single MULTI on one node.
 */
import type { ChainableCommander, Cluster, Redis, RedisOptions } from 'ioredis';
import { clusterKeySlot } from '../cluster-slot.js';
import { redisFailure } from './exec.js';

/** A single Redis node or a Redis Cluster. */
export type RedisClient = Redis | Cluster;

/** True for an ioredis `Cluster`. */
export function isClusterClient(client: RedisClient): client is Cluster {
  return (client as { isCluster?: boolean }).isCluster === true;
}

/**
 * A new connection like `client` (same nodes and options), with `overrides` for each node connection: what
 * `Redis.duplicate(overrides)` does for one node, and `Cluster.duplicate([], { redisOptions })` for a cluster.
 */
export function duplicateClient(client: RedisClient, overrides: RedisOptions = {}): RedisClient {
  if (isClusterClient(client)) {
    return client.duplicate([], { redisOptions: { ...client.options.redisOptions, ...overrides } });
  }
  return client.duplicate(overrides);
}

/**
 * Subscribers of `channel` on a cluster, summed over every node (masters and replicas): a classic PUBLISH reaches the
 * subscribers of every node, but answers only the count of the node it was sent to. A node that does not answer
 * counts 0.
 */
export async function clusterSubscriberCount(client: Cluster, channel: string): Promise<number> {
  const counts = await Promise.all(
    client.nodes('all').map(async (node) => {
      const reply = (await node.pubsub('NUMSUB', channel).catch(() => [channel, 0])) as unknown[];
      return Number(reply[1] ?? 0);
    }),
  );
  return counts.reduce((a, b) => a + b, 0);
}

/** One command of a batch: the key it touches (null for keyless commands such as PUBLISH) and how to add it. */
export interface SlotCommand {
  key: string | null;
  add(multi: ChainableCommander): ChainableCommander;
}

/**
 * Runs `commands` in order and returns each one's result, or its error (never throws for those): one MULTI on a
 * single node; on a cluster, one MULTI per run of consecutive commands in the same slot (a keyless command joins the
 * run before it). Throws `REDIS_FAILED` when a MULTI as a whole fails.
 */
export async function execBySlot(
  client: RedisClient,
  commands: readonly SlotCommand[],
  what: string,
  jobId?: string,
): Promise<Array<{ error: Error | null; result: unknown }>> {
  const groups: SlotCommand[][] = [];
  if (!isClusterClient(client)) groups.push([...commands]);
  else {
    let slot: number | undefined;
    for (const c of commands) {
      const s = c.key === null ? slot : clusterKeySlot(c.key);
      const last = groups.at(-1);
      if (last && (s === slot || s === undefined)) last.push(c);
      else groups.push([c]);
      if (s !== undefined) slot = s;
    }
  }
  const out: Array<{ error: Error | null; result: unknown }> = [];
  for (const group of groups) {
    let multi = client.multi();
    for (const c of group) multi = c.add(multi);
    let replies: Array<[Error | null, unknown]> | null;
    try {
      replies = await multi.exec();
    } catch (e) {
      throw redisFailure(what, e, jobId);
    }
    if (!replies) throw redisFailure(what, new Error('transaction aborted'), jobId);
    for (const [error, result] of replies) out.push({ error, result });
  }
  return out;
}
