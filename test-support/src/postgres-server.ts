/**
 * A private PostgreSQL 15 cluster for one test file, on a free loopback port, that can be restarted mid-test (to
 * test what survives a database restart). The recipe of scripts/services.sh: initdb as the `postgres` OS user when
 * running as root (initdb refuses root), trust authentication on 127.0.0.1 only, and `fsync=off` (a stop kills the
 * server, not the machine, so the OS still holds every write; commits stay synchronous, so nothing acknowledged is
 * lost by an immediate stop).
 */
import { spawn } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { ServerTlsFiles } from './tls.js';
import { freePort } from './util.js';

const PG_BIN = process.env.PGBIN ?? `/usr/lib/postgresql/${process.env.PG_MAJOR ?? '15'}/bin`;

export interface PostgresServerOptions {
  /** The database created at start (default `tickstock`). */
  database?: string;
  /** `max_connections` (default 200). */
  maxConnections?: number;
  /**
   * Serve TLS (`ssl=on`) with this certificate and key (copied into the data directory, owned by the server's OS
   * user, mode 0600, as PostgreSQL demands). With `required` (default true) pg_hba.conf accepts TCP connections over
   * TLS only (`hostssl`): a plain-text client is refused ("no encryption"). The URL stays `postgres://...` without
   * `sslmode`: each test says how it connects.
   */
  tls?: ServerTlsFiles & { required?: boolean };
}

export interface PostgresServer {
  /** Connection URL of the created database (user `postgres`, no password: trust on loopback). */
  url: string;
  port: number;
  /** The cluster's data directory (its `server.log` is there). */
  dataDir: string;
  /**
   * `pg_ctl stop -m immediate` (every backend killed, as in a crash: recovery replays the WAL on start), then, after
   * `downMs`, start again on the same port.
   */
  restart(options?: { downMs?: number }): Promise<void>;
  /** Stops the server (immediate) and removes its directory. */
  stop(): Promise<void>;
}

const asRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL program as the `postgres` OS user when we are root, else as ourselves; rejects on failure. */
function runPg(program: string, args: readonly string[]): Promise<void> {
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(PG_BIN, program), ...args]] : [join(PG_BIN, program), [...args]];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr?.on('data', (c: Buffer) => {
      err += c.toString('utf8');
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${program} ${args.join(' ')} exited ${code}: ${err.trim()}`)),
    );
  });
}

function run(cmd: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...args], { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}`))));
  });
}

/**
 * Copies the certificate and key to the data directory's default names (`server.crt`, `server.key`: the defaults of
 * `ssl_cert_file`/`ssl_key_file`), owned by `postgres` when we are root, the key 0600; with `required`, turns every
 * TCP `host` line of pg_hba.conf into `hostssl`.
 */
async function installTls(dataDir: string, tls: ServerTlsFiles & { required?: boolean }): Promise<void> {
  const cert = join(dataDir, 'server.crt');
  const key = join(dataDir, 'server.key');
  await copyFile(tls.certFile, cert);
  await copyFile(tls.keyFile, key);
  await chmod(cert, 0o644);
  await chmod(key, 0o600);
  if (asRoot) await run('chown', ['postgres:postgres', cert, key]);
  if (tls.required ?? true) {
    const hba = join(dataDir, 'pg_hba.conf');
    const text = await readFile(hba, 'utf8');
    await writeFile(hba, text.replace(/^host(\s)/gm, 'hostssl$1'));
  }
}

/** Starts a throwaway PostgreSQL cluster with one empty database. */
export async function startPostgresServer(options: PostgresServerOptions = {}): Promise<PostgresServer> {
  const database = options.database ?? 'tickstock';
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new RangeError(`database must be a plain lower-case identifier, got ${database}`);
  const dir = await mkdtemp(join(tmpdir(), 'tickstock-pg-'));
  await chmod(dir, 0o755);
  const dataDir = join(dir, 'data');
  await mkdir(dataDir, { mode: 0o700 });
  if (asRoot) await run('chown', ['postgres:postgres', dataDir]);
  await runPg('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
  if (options.tls) await installTls(dataDir, options.tls);
  const port = await freePort();
  const settings = [
    `-p ${port}`,
    `-k ${dataDir}`,
    '-c listen_addresses=127.0.0.1',
    '-c fsync=off',
    '-c full_page_writes=off',
    `-c max_connections=${options.maxConnections ?? 200}`,
    ...(options.tls ? ['-c ssl=on'] : []),
  ].join(' ');
  const start = async () => {
    try {
      await runPg('pg_ctl', ['-D', dataDir, '-l', join(dataDir, 'server.log'), '-w', '-t', '60', '-o', settings, 'start']);
    } catch (e) {
      const log = await readFile(join(dataDir, 'server.log'), 'utf8').catch(() => '');
      throw new Error(`${(e as Error).message}\n${log.slice(-2000)}`);
    }
  };
  const stopNow = () => runPg('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
  await start();
  // Over TLS the helper itself checks nothing: the tests check certificates.
  const ssl = options.tls ? { rejectUnauthorized: false } : undefined;
  const admin = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', ...(ssl ? { ssl } : {}) });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${database}`);
  } finally {
    await admin.end();
  }
  let stopped = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/${database}`,
    port,
    dataDir,
    async restart({ downMs = 0 } = {}) {
      await stopNow();
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopNow().catch(() => undefined); // already stopped
      await rm(dir, { recursive: true, force: true });
    },
  };
}
