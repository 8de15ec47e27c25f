/**
 * A private Redis Cluster for one test file: three masters and a replica each, on free loopback ports (each node's
 * cluster bus on its port + 10000), built with `redis-server --cluster-enabled yes` and `redis-cli --cluster
 * create`. Ready when every node reports `cluster_state:ok` with all 16,384 slots and every replica's link to its
 * master is up (about 4 s here). `killMasterOf(key)` kills the master serving a key, for failover tests (a replica
 * takes over after the node timeout, 2 s).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Cluster, Redis } from 'ioredis';
import { waitFor } from './util.js';

const run = promisify(execFile);

export interface RedisClusterOptions {
  /** Masters (default 3). */
  masters?: number;
  /** Replicas per master (default 1). */
  replicas?: number;
  /** `cluster-node-timeout` (default 2000 ms): how long before a replica takes over from a dead master. */
  nodeTimeoutMs?: number;
}

export interface RedisClusterNode {
  host: string;
  port: number;
}

export interface RedisCluster {
  /** Every node, masters first as created. */
  nodes: RedisClusterNode[];
  /** `127.0.0.1:p1,127.0.0.1:p2,...` (the form of `REDIS_CLUSTER_NODES`). */
  nodesText: string;
  /** An ioredis Cluster client (the caller closes it). */
  client(): Cluster;
  /** Kills (SIGKILL) the master serving `key`; resolves once a replica serves the key's slot. */
  killMasterOf(key: string): Promise<RedisClusterNode>;
  /** Empties every master. */
  flushAll(): Promise<void>;
  stop(): Promise<void>;
}

/** A free port `p` whose bus port `p + 10000` is free too. */
async function freePortPair(taken: ReadonlySet<number>): Promise<number> {
  const listens = (port: number) =>
    new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
  for (let i = 0; i < 200; i++) {
    const s = createServer();
    const port = await new Promise<number>((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as { port: number }).port)));
    await new Promise((r) => s.close(r));
    if (port <= 55_535 && !taken.has(port) && (await listens(port)) && (await listens(port + 10_000))) return port;
  }
  throw new Error('no free port pair (p, p + 10000) for a cluster node');
}

async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-p', String(port), ...args], { timeout: 10_000 });
  return stdout;
}

export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisCluster> {
  const masters = options.masters ?? 3;
  const replicas = options.replicas ?? 1;
  const dir = await mkdtemp(join(tmpdir(), 'tickstock-rcluster-'));
  const ports: number[] = [];
  const children = new Map<number, ChildProcess>();
  const stopAll = async () => {
    const alive = [...children.values()].filter((c) => c.exitCode === null && c.signalCode === null);
    await Promise.all(
      alive.map(
        (c) =>
          new Promise<void>((resolve) => {
            c.once('exit', () => resolve());
            c.kill('SIGKILL');
          }),
      ),
    );
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < masters * (1 + replicas); i++) ports.push(await freePortPair(new Set(ports)));
    for (const port of ports) {
      const nodeDir = join(dir, String(port));
      await mkdir(nodeDir);
      const child = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(nodeDir, 'nodes.conf'),
          '--cluster-node-timeout',
          String(options.nodeTimeoutMs ?? 2000),
          '--save',
          '',
          '--appendonly',
          'no',
          '--repl-diskless-sync-delay',
          '0',
          '--dir',
          nodeDir,
          '--logfile',
          'redis.log',
        ],
        { stdio: 'ignore' },
      );
      children.set(port, child);
    }
    for (const port of ports) {
      await waitFor(async () => (await cli(port, 'ping').catch(() => '')).trim() === 'PONG', {
        timeoutMs: 15_000,
        what: `cluster node on port ${port}`,
      });
    }
    const addrs = ports.map((p) => `127.0.0.1:${p}`);
    await run('redis-cli', ['--cluster', 'create', ...addrs, '--cluster-replicas', String(replicas), '--cluster-yes'], {
      timeout: 60_000,
    });
    await waitFor(
      async () => {
        for (const port of ports) {
          const info = await cli(port, 'cluster', 'info').catch(() => '');
          if (!info.includes('cluster_state:ok') || !info.includes('cluster_slots_ok:16384')) return false;
          const repl = await cli(port, 'info', 'replication').catch(() => '');
          if (repl.includes('role:slave') && !repl.includes('master_link_status:up')) return false;
        }
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 100, what: 'the cluster to be ready' },
    );
  } catch (error) {
    const logs = await Promise.all(ports.map((p) => readFile(join(dir, String(p), 'redis.log'), 'utf8').catch(() => '')));
    await stopAll();
    throw new Error(`${(error as Error).message}\n${logs.map((l) => l.slice(-500)).join('\n')}`);
  }

  const nodes = ports.map((port) => ({ host: '127.0.0.1', port }));
  const client = () => new Cluster(nodes, { redisOptions: { maxRetriesPerRequest: 3 } });
  return {
    nodes,
    nodesText: nodes.map((n) => `${n.host}:${n.port}`).join(','),
    client,
    async killMasterOf(key: string) {
      const slot = Number((await cli(ports[0] as number, 'cluster', 'keyslot', key)).trim());
      const owner = async (): Promise<number | undefined> => {
        const probe = ports.find((p) => {
          const c = children.get(p);
          return c && c.exitCode === null && c.signalCode === null;
        });
        if (probe === undefined) return undefined;
        const c = new Redis(probe);
        const shards = (await c.call('cluster', 'slots').finally(() => c.disconnect())) as [number, number, [string, number]][];
        for (const [from, to, [, port]] of shards) if (slot >= from && slot <= to) return port;
        return undefined;
      };
      const before = await owner();
      if (before === undefined) throw new Error(`no master serves slot ${slot}`);
      const child = children.get(before);
      await new Promise<void>((resolve) => {
        child?.once('exit', () => resolve());
        child?.kill('SIGKILL');
      });
      await waitFor(
        async () => {
          const now = await owner().catch(() => undefined);
          return now !== undefined && now !== before;
        },
        { timeoutMs: 30_000, intervalMs: 200, what: `a replica to take over slot ${slot}` },
      );
      return { host: '127.0.0.1', port: before };
    },
    async flushAll() {
      const c = client();
      try {
        await Promise.all(c.nodes('master').map((n) => n.flushall()));
      } finally {
        c.disconnect();
      }
    },
    stop: stopAll,
  };
}
