/**
 * A private redis-server for one test file, on a free loopback port, that can be restarted on the same port (to
 * test what survives a Redis restart). Without `appendOnly` nothing is persisted: a restart starts empty. With it,
 * every write is appended and fsynced before Redis answers (`appendfsync always`), so a restart, even after
 * SIGKILL, keeps everything Redis acknowledged.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { ServerTlsFiles } from './tls.js';
import { freePort, waitFor } from './util.js';

export interface RedisServerOptions {
  /** Persist every write to an append-only file in the server's own directory (`--appendonly yes --appendfsync always`). */
  appendOnly?: boolean;
  /** More `redis-server` arguments. */
  args?: readonly string[];
  /**
   * Serve TLS only (`--port 0 --tls-port P`) with this certificate and key; clients are not asked for certificates.
   * The URL is then `rediss://127.0.0.1:P`.
   */
  tls?: ServerTlsFiles;
}

export interface RedisServer {
  url: string;
  port: number;
  /** The server's working directory (its append-only files and log). */
  dir: string;
  /**
   * Stops the server with `signal` (default SIGKILL: a crash) and starts it again on the same port and directory;
   * resolves once it answers PING (after loading its append-only file, if any).
   */
  restart(options?: { signal?: NodeJS.Signals; downMs?: number }): Promise<void>;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

async function answersPing(url: string, ca: string | undefined): Promise<boolean> {
  const c = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, ...(ca ? { tls: { ca } } : {}) });
  c.on('error', () => undefined); // refused (or LOADING) until the server is up: expected while polling
  try {
    await c.connect();
    return (await c.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    c.disconnect();
  }
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
  });
}

/**
 * Starts a private redis-server on a free loopback port for one test file. Redis pub/sub channels are global to a
 * server, so tests that publish on the contract's fixed channel names need their own.
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'tickstock-redis-'));
  const tls = options.tls;
  const url = `${tls ? 'rediss' : 'redis'}://127.0.0.1:${port}`;
  const ca = tls ? await readFile(tls.caFile, 'utf8') : undefined;
  const persistence = options.appendOnly ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  const listen = tls
    ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', tls.certFile, '--tls-key-file', tls.keyFile]
    : ['--port', String(port)];
  if (tls) listen.push('--tls-ca-cert-file', tls.caFile, '--tls-auth-clients', 'no');
  const args = [...listen, '--bind', '127.0.0.1', '--save', '', '--dir', dir, '--logfile', 'redis.log', ...persistence];
  args.push(...(options.args ?? []));

  let child: ChildProcess;
  const launch = async () => {
    child = spawn('redis-server', args, { stdio: 'ignore' });
    const running = child;
    await waitFor(async () => running.exitCode !== null || running.signalCode !== null || (await answersPing(url, ca)), {
      timeoutMs: 15_000,
      what: `redis-server on port ${port}`,
    });
    if (running.exitCode !== null || running.signalCode !== null) {
      const log = await readFile(join(dir, 'redis.log'), 'utf8').catch(() => '');
      throw new Error(`redis-server on port ${port} exited at start (${running.exitCode ?? running.signalCode}):\n${log.slice(-2000)}`);
    }
  };
  const kill = async (signal: NodeJS.Signals) => {
    const running = child;
    if (running.exitCode === null && running.signalCode === null) running.kill(signal);
    await exited(running);
  };
  await launch();

  return {
    url,
    port,
    dir,
    async restart({ signal = 'SIGKILL', downMs = 0 } = {}) {
      await kill(signal);
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      await launch();
    },
    async stop() {
      await kill('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
  };
}
