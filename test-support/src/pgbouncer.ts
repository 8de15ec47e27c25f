/**
 * A private PgBouncer (Debian's `pgbouncer`) in front of a test PostgreSQL server, on a free loopback port. PgBouncer
 * refuses to run as root, so as root it runs as the `postgres` OS user (spawned with that uid/gid, so stop() signals
 * PgBouncer itself), with its ini, user list, log and pid file in a temporary directory that user owns. Clients are
 * trusted (`auth_type = trust`: only the user names listed in `users` are accepted); PgBouncer logs into the server
 * as the client's user, so the server must trust loopback connections (test-support's servers do).
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmod, chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from './util.js';

const PGBOUNCER = process.env.PGBOUNCER ?? '/usr/sbin/pgbouncer';

export interface PgBouncerOptions {
  /** Port of the PostgreSQL server on 127.0.0.1. */
  upstreamPort: number;
  /** The database `url` names (every database of the server is reachable through PgBouncer). */
  database: string;
  /** `pool_mode` (default `transaction`). */
  poolMode?: 'session' | 'transaction' | 'statement';
  /** User names clients may log in as (default `['postgres']`); `url` uses the first. */
  users?: readonly string[];
  /** Server connections per user and database (`default_pool_size`, default 4: fewer than a store's pool, so clients share them). */
  poolSize?: number;
}

export interface PgBouncer {
  /** `postgres://<first user>@127.0.0.1:<port>/<database>` through PgBouncer. */
  url: string;
  port: number;
  /** PgBouncer's directory (its `pgbouncer.log` is there). */
  dir: string;
  /** Stops PgBouncer and removes its directory. */
  stop(): Promise<void>;
}

const asRoot = process.getuid?.() === 0;

function postgresIds(): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function quoted(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new RangeError(`user and database names must be plain identifiers, got ${name}`);
  return `"${name}"`;
}

/** Starts PgBouncer in front of the PostgreSQL server on `upstreamPort`; rejects with PgBouncer's log when it cannot start. */
export async function startPgBouncer(options: PgBouncerOptions): Promise<PgBouncer> {
  const users = options.users ?? ['postgres'];
  const first = users[0];
  if (first === undefined) throw new RangeError('users must name at least one user');
  quoted(options.database);
  const dir = await mkdtemp(join(tmpdir(), 'tickstock-pgbouncer-'));
  const ids = asRoot ? postgresIds() : undefined;
  const port = await freePort();
  const ini = [
    '[databases]',
    `* = host=127.0.0.1 port=${options.upstreamPort}`,
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    'unix_socket_dir =',
    'auth_type = trust',
    `auth_file = ${join(dir, 'userlist.txt')}`,
    `pool_mode = ${options.poolMode ?? 'transaction'}`,
    `default_pool_size = ${options.poolSize ?? 4}`,
    'max_client_conn = 500',
    `logfile = ${join(dir, 'pgbouncer.log')}`,
    `pidfile = ${join(dir, 'pgbouncer.pid')}`,
    'ignore_startup_parameters = extra_float_digits,options',
    '',
  ].join('\n');
  await writeFile(join(dir, 'pgbouncer.ini'), ini);
  await writeFile(join(dir, 'userlist.txt'), users.map((u) => `${quoted(u)} ""\n`).join(''));
  if (ids) for (const f of ['', 'pgbouncer.ini', 'userlist.txt']) await chown(join(dir, f), ids.uid, ids.gid);
  await chmod(dir, 0o755);

  const child = spawn(PGBOUNCER, [join(dir, 'pgbouncer.ini')], { stdio: ['ignore', 'ignore', 'pipe'], ...(ids ?? {}) });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running = () => child.exitCode === null && child.signalCode === null;
  const cleanUp = async () => {
    if (running()) child.kill('SIGINT');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    if (running()) {
      child.kill('SIGKILL');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(async () => !running() || (await accepts(port)), {
      timeoutMs: 15_000,
      intervalMs: 20,
      what: `pgbouncer on port ${port}`,
    });
    if (!running()) throw new Error(`exited at start (${child.exitCode ?? child.signalCode})`);
  } catch (e) {
    const log = await readFile(join(dir, 'pgbouncer.log'), 'utf8').catch(() => '');
    await cleanUp();
    throw new Error(`pgbouncer on port ${port}: ${(e as Error).message}\n${`${stderr}\n${log}`.trim().slice(-2000)}`);
  }
  let stopped = false;
  return {
    url: `postgres://${first}@127.0.0.1:${port}/${options.database}`,
    port,
    dir,
    async stop() {
      if (stopped) return;
      stopped = true;
      await cleanUp();
    },
  };
}
