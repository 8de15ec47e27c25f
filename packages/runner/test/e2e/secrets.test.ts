/**
 * No secret leaks (issue #8): the worker runs with a known Massive API key, a known PostgreSQL password (with URL
 * special characters), a known Redis password and a known HTTP API token, through good jobs and every failure we can
 * provoke: an unknown ticker, CSV paths that escape the universe directory or do not exist, the simulator's 401 for
 * a wrong key, an upstream that echoes the caller's key back in its error bodies and headers, the database password
 * changed under a running worker, start-up with a wrong (DATABASE_URL or DB_*) or unreachable database and a wrong
 * Redis password, the HTTP API with and without the token, and the CLI. Everything is captured: every line the
 * processes print, every message on every Redis channel (PSUBSCRIBE *), every Redis key's value at the end (statuses,
 * the BullMQ queues, the shared rate limiter), every row of every table, the /metrics text and every HTTP response
 * (status, headers and body). None of it may hold a secret in any form (as is, URL-encoded, JSON-escaped once or
 * twice, base64, or just its random core). The capture is checked to be substantial, so the test cannot pass by
 * seeing nothing.
 *
 * A worker that fails at start-up currently prints its error but does not exit (its Redis connection stays open), so
 * those runs are stopped once the error is printed; the test checks what they print, not how they end.
 *
 * PostgreSQL: a private cluster (test-support's startPostgresServer, which initdb's with `trust`) whose pg_hba.conf
 * is rewritten to require scram-sha-256 for every role but the admin `postgres`, so the worker's password is really
 * checked (asserted: a wrong password is refused), not just carried in DATABASE_URL.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHANNELS } from '@tickstock/job-protocol';
import { type RunningSimulator, startSimulator } from '@tickstock/massive-simulator';
import { type OhlcvStore, openStore } from '@tickstock/ohlcv-store';
import { freePort, type PostgresServer, type RedisServer, startPostgresServer, startRedisServer, waitFor } from '@tickstock/test-support';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CapturedMessages, CLI, type Stack, spawnWorker, submit, type WorkerProcess, waitForFinalStatus } from './harness.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

interface Secret {
  name: string;
  value: string;
  /** The random part: found even if the rest of the secret were cut off or re-encoded. */
  core: string;
}

function secret(name: string, prefix: string, suffix = ''): Secret {
  const core = randomUUID();
  return { name, value: `${prefix}${core}${suffix}`, core };
}

const SECRETS = {
  apiKey: secret('the Massive API key', 'massive-key-'),
  // `/`, `+`, `"` and `\` must be percent-encoded in DATABASE_URL and `"` and `\` are escaped in JSON: none of these
  // forms may leak either.
  dbPassword: secret('the database password', 'pg-pw-', '/+"\\x'),
  redisPassword: secret('the Redis password', 'redis-pw-'),
  apiToken: secret('the HTTP API token', 'api-token-'),
  wrongApiToken: secret('a wrong HTTP API token sent by a client', 'wrong-token-'),
  wrongApiKey: secret('the wrong Massive API key of worker B', 'wrong-key-'),
  echoedApiKey: secret('the API key the echoing upstream sends back', 'echoed-key-'),
  wrongDbPassword: secret('a wrong database password', 'wrong-pw-'),
  wrongRedisPassword: secret('a wrong Redis password', 'wrong-redis-pw-'),
} as const;

/** Every form a secret could take in text. */
function forms(s: Secret): string[] {
  const u = new URL('postgres://host');
  u.password = s.value;
  const json = JSON.stringify(s.value).slice(1, -1);
  const base64 = Buffer.from(s.value, 'utf8').toString('base64');
  return [...new Set([s.value, encodeURIComponent(s.value), u.password, json, JSON.stringify(json).slice(1, -1), base64, s.core])];
}

interface Captured {
  source: string;
  text: string;
}

/** `source: secret name` for each captured text holding some form of some secret. */
function leaksIn(captured: readonly Captured[], secrets: readonly Secret[]): string[] {
  const out: string[] = [];
  for (const c of captured) {
    for (const s of secrets) if (forms(s).some((f) => c.text.includes(f))) out.push(`${c.source}: ${s.name}`);
  }
  return out;
}

const captured: Captured[] = [];
const keep = (source: string, text: string) => captured.push({ source, text });

const ROLE = 'tickstock_secrets';
const DATABASE = 'tickstock_secrets';
const jobs: Record<string, string> = {};

let pgServer: PostgresServer;
let admin: pg.Client;
let redisServer: RedisServer;
let redisUrl: string;
let databaseUrl: string;
let simulator: RunningSimulator;
let echo: { server: Server; url: string; requests: string[] };
let store: OhlcvStore | undefined;
let stack: Stack;
let everyChannel: Redis;
let universeDir: string;
let httpPort: number;
const workers: { label: string; worker: WorkerProcess }[] = [];

function urlWithPassword(base: string, user: string, password: string, database?: string): string {
  const u = new URL(base);
  u.username = user;
  u.password = password;
  if (database) u.pathname = `/${database}`;
  return u.toString();
}

/** An upstream that answers every request with an error echoing the caller's Authorization header and query. */
async function startEchoUpstream(): Promise<{ server: Server; url: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const auth = req.headers.authorization ?? '';
    const url = new URL(req.url ?? '/', 'http://upstream');
    requests.push(`${url.pathname} ${auth}`);
    const echoed = `${auth} ${url.search}`;
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'x-echo-authorization': auth });
      res.end(body);
    };
    const json = (status: number, body: Record<string, unknown>) => send(status, 'application/json', JSON.stringify(body));
    const p = url.pathname;
    if (p.includes('ECHOA')) return json(403, { status: 'NOT_AUTHORIZED', request_id: 'r1', message: `not entitled: ${echoed}` });
    if (p.includes('ECHOB')) return json(400, { status: 'ERROR', request_id: 'r2', error: `bad request from ${echoed}` });
    if (p.includes('ECHOC')) return json(401, { status: 'ERROR', request_id: 'r3', error: `Unknown API Key ${echoed}` });
    return send(404, 'text/html', `<html><body>no route ${p} for ${echoed}</body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return { server, url: `http://127.0.0.1:${port}`, requests };
}

/** One inline command sent to Redis on a fresh connection, and the first line of its reply. */
function redisReply(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`${command}\r\n`));
    let reply = '';
    socket.on('data', (c: Buffer) => {
      reply += c.toString('utf8');
      const end = reply.indexOf('\r\n');
      if (end >= 0) {
        socket.destroy();
        resolve(reply.slice(0, end));
      }
    });
    socket.on('error', reject);
  });
}

/** True when nothing accepts a TCP connection on `address:port`. */
function refused(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, address);
    socket.setTimeout(5000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(true));
  });
}

const baseEnv = () => ({ PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', TZ: 'UTC' });

/**
 * Runs the CLI and collects stdout and stderr. With `until`, a process still running once its output matches is
 * stopped (SIGTERM): a worker that fails at start-up does not exit on its own (reported to the lead).
 */
async function runCli(
  label: string,
  args: string[],
  env: Record<string, string>,
  options: { until?: RegExp; timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string; stopped: boolean }> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: root,
    env: { ...baseEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => {
    stdout += c.toString('utf8');
  });
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const done = () => child.exitCode !== null || child.signalCode !== null;
  await waitFor(() => done() || (options.until?.test(stdout + stderr) ?? false), {
    timeoutMs: options.timeoutMs ?? 60_000,
    intervalMs: 50,
    what: `tickstock ${label}`,
  });
  const stopped = !done();
  if (stopped) child.kill('SIGTERM');
  const code = await exited;
  keep(`tickstock ${label} (stdout)`, stdout);
  keep(`tickstock ${label} (stderr)`, stderr);
  return { code, stdout, stderr, stopped };
}

async function startWorker(label: string, env: Record<string, string>, args: string[] = []): Promise<WorkerProcess> {
  const worker = await spawnWorker(stack, { env, args });
  workers.push({ label, worker });
  return worker;
}

async function stopWorker(worker: WorkerProcess): Promise<number | null> {
  return worker.stop('SIGTERM');
}

async function call(path: string, options: { method?: string; auth?: string | null; body?: unknown; label?: string } = {}) {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = {};
  if (options.auth) headers.authorization = options.auth;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`http://127.0.0.1:${httpPort}${path}`, {
    method,
    headers,
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await res.text();
  const head = [...res.headers.entries()].map(([k, v]) => `${k}: ${v}`).join('\n');
  keep(`HTTP ${method} ${path} ${options.label ?? ''}`.trim(), `${res.status}\n${head}\n\n${text}`);
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json, headers: res.headers };
}

/**
 * Submits a job as the app does (status pre-write, pub/sub and stream) and waits for its final status. `raw`
 * publishes the JSON as is instead: for jobs the protocol's own submit refuses.
 */
async function job(name: string, body: Record<string, unknown>, options: { raw?: boolean } = {}): Promise<Record<string, unknown>> {
  const jobId = randomUUID();
  jobs[name] = jobId;
  if (options.raw) await stack.redis.publish(CHANNELS.dataLoad, JSON.stringify({ job_id: jobId, ...body }));
  else await submit(stack, { job_id: jobId, ...body });
  const status = await waitForFinalStatus(stack.redis, jobId, 90_000);
  keep(`final status of job "${name}"`, JSON.stringify(status));
  return status;
}

/** Every key in Redis with its value, whatever its type. */
async function dumpRedis(redis: Redis): Promise<Captured[]> {
  const out: Captured[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      let value: unknown;
      if (type === 'string') value = await redis.get(key);
      else if (type === 'hash') value = await redis.hgetall(key);
      else if (type === 'list') value = await redis.lrange(key, 0, -1);
      else if (type === 'set') value = await redis.smembers(key);
      else if (type === 'zset') value = await redis.zrange(key, '0', '-1', 'WITHSCORES');
      else if (type === 'stream') value = await redis.xrange(key, '-', '+');
      else value = `(type ${type})`;
      out.push({ source: `redis key ${key} (${type})`, text: `${key}\n${JSON.stringify(value)}` });
    }
  } while (cursor !== '0');
  return out;
}

/** Every row of every table in the worker's database, as JSON. */
async function dumpDatabase(): Promise<Captured[]> {
  const c = new pg.Client({ connectionString: urlWithPassword(pgServer.url, 'postgres', '', DATABASE) });
  await c.connect();
  try {
    const { rows: tables } = await c.query<{ name: string }>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    );
    const out: Captured[] = [];
    for (const { name } of tables) {
      const { rows } = await c.query<{ j: string }>(`SELECT row_to_json(t)::text AS j FROM ${c.escapeIdentifier(name)} t`);
      out.push({ source: `table ${name} (${rows.length} rows)`, text: rows.map((r) => r.j).join('\n') });
    }
    return out;
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  // PostgreSQL with real password authentication for the worker's role.
  pgServer = await startPostgresServer({ database: 'admin_db' });
  await writeFile(
    join(pgServer.dataDir, 'pg_hba.conf'),
    [
      '# tickstock secrets test: the admin by trust, every other role by password',
      'local all postgres trust',
      'host all postgres 127.0.0.1/32 trust',
      'host all all 127.0.0.1/32 scram-sha-256',
      '',
    ].join('\n'),
  );
  admin = new pg.Client({ connectionString: pgServer.url });
  await admin.connect();
  await admin.query('SELECT pg_reload_conf()');
  await admin.query(`CREATE ROLE ${ROLE} LOGIN PASSWORD ${admin.escapeLiteral(SECRETS.dbPassword.value)}`);
  await admin.query(`CREATE DATABASE ${DATABASE} OWNER ${ROLE}`);
  databaseUrl = urlWithPassword(pgServer.url, ROLE, SECRETS.dbPassword.value, DATABASE);

  // Redis with a password (set once running: the start-up probe pings without one).
  redisServer = await startRedisServer();
  const setup = new Redis(redisServer.url);
  await setup.config('SET', 'requirepass', SECRETS.redisPassword.value);
  setup.disconnect();
  redisUrl = `redis://:${encodeURIComponent(SECRETS.redisPassword.value)}@127.0.0.1:${redisServer.port}`;

  everyChannel = new Redis(redisUrl);
  everyChannel.on('pmessage', (_pattern: string, channel: string, message: string) => keep(`redis channel ${channel}`, message));
  await everyChannel.psubscribe('*');

  simulator = await startSimulator({ apiKey: SECRETS.apiKey.value });
  echo = await startEchoUpstream();
  universeDir = await mkdtemp(join(tmpdir(), 'tickstock-secrets-'));
  await mkdir(join(universeDir, 'universes'));
  await writeFile(join(universeDir, 'universes', 'good.csv'), 'Symbol,Name\nIBM,International Business Machines\n');
  await writeFile(join(universeDir, 'universes', 'broken.csv'), 'Ticker,Name\nIBM,no symbol column\n');
  // Outside the universe directory, holding a secret: a job naming it must be refused without reading it.
  await writeFile(join(universeDir, 'outside.csv'), `Symbol\n${SECRETS.apiKey.value}\n`);
  await symlink(join(universeDir, 'outside.csv'), join(universeDir, 'universes', 'link.csv'));
  httpPort = await freePort();

  const redis = new Redis(redisUrl);
  stack = {
    db: { url: databaseUrl, name: DATABASE, drop: async () => undefined },
    redisServer: { ...redisServer, url: redisUrl },
    redis,
    simulator,
    simulatorNow: Date.now(),
    apiKey: SECRETS.apiKey.value,
    // Opened once the worker's role has created the schema (tables owned by the role, not the admin).
    get store(): OhlcvStore {
      if (!store) throw new Error('the store is opened after the migration');
      return store;
    },
    events: await CapturedMessages.start(redisUrl, [CHANNELS.jobStatus]),
    close: async () => undefined,
  };
}, 180_000);

afterAll(async () => {
  for (const { worker } of workers) if (worker.child.exitCode === null) await worker.stop('SIGKILL');
  await store?.close();
  await stack?.events.close();
  stack?.redis.disconnect();
  everyChannel?.disconnect();
  await new Promise<void>((resolve) => (echo ? echo.server.close(() => resolve()) : resolve()));
  await simulator?.close();
  await admin?.end();
  await redisServer?.stop();
  await pgServer?.stop();
  if (universeDir) await rm(universeDir, { recursive: true, force: true });
}, 60_000);

describe('the secrets this test uses', () => {
  it('are really needed: PostgreSQL refuses a wrong password for the role, Redis refuses a client without one', async () => {
    const wrong = new pg.Client({ connectionString: urlWithPassword(pgServer.url, ROLE, SECRETS.wrongDbPassword.value, DATABASE) });
    await expect(wrong.connect()).rejects.toThrow(`password authentication failed for user "${ROLE}"`);
    const right = new pg.Client({ connectionString: databaseUrl });
    await right.connect();
    expect((await right.query<{ u: string }>('SELECT current_user AS u')).rows[0]?.u).toBe(ROLE);
    await right.end();
    expect(await redisReply(redisServer.port, 'GET x')).toBe('-NOAUTH Authentication required.');
  });

  it('are found by the leak check in every form: as is, URL-encoded, base64 and by their random core', () => {
    const s = SECRETS.dbPassword;
    const probes = [
      { source: 'plain', text: `x${s.value}y` },
      { source: 'url', text: `postgres://u:${encodeURIComponent(s.value)}@h/d` },
      { source: 'base64', text: Buffer.from(s.value).toString('base64') },
      { source: 'json', text: JSON.stringify({ error: `login as ${s.value} failed` }) },
      { source: 'cut', text: `pw …${s.core}` },
      { source: 'clean', text: 'pg-pw-[REDACTED]' },
    ];
    expect(leaksIn(probes, [s])).toEqual([
      'plain: the database password',
      'url: the database password',
      'base64: the database password',
      'json: the database password',
      'cut: the database password',
    ]);
  });
});

describe('worker A: the right key, password and token', () => {
  let worker: WorkerProcess;

  it('migrates as the password-authenticated role (tickstock migrate)', async () => {
    const r = await runCli('migrate', ['migrate'], { DATABASE_URL: databaseUrl });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^schema at version \d+: applied migrations 1, 2/);
    store = await openStore({ databaseUrl: urlWithPassword(pgServer.url, 'postgres', '', DATABASE), migrate: false });
  }, 90_000);

  it('starts with its HTTP server on loopback (the default host)', async () => {
    worker = await startWorker(
      'A',
      { TICKSTOCK_API_TOKEN: SECRETS.apiToken.value, TICKSTOCK_UNIVERSE_DIR: join(universeDir, 'universes') },
      ['--http-port', String(httpPort)],
    );
    await waitFor(() => worker.lines.find((l) => l.includes('health, metrics and processing API listening')), {
      timeoutMs: 30_000,
      what: 'the HTTP server',
    });
    const line = JSON.parse(worker.lines.find((l) => l.includes('health, metrics and processing API listening')) ?? '{}');
    expect(line.url).toBe(`http://127.0.0.1:${httpPort}`);
    // Not reachable on this machine's other interfaces.
    const external = Object.values(networkInterfaces())
      .flat()
      .filter((i) => i && i.family === 'IPv4' && !i.internal)
      .map((i) => i?.address ?? '');
    for (const address of external) expect({ address, refused: await refused(address, httpPort) }).toEqual({ address, refused: true });
  }, 120_000);

  it('completes a good job', async () => {
    const status = await job('good', {
      job_type: 'multi_timeframe_load',
      symbols: ['AAPL', 'MSFT'],
      timeframes: ['hour', 'day'],
      years: 0.02,
    });
    expect(status).toMatchObject({ status: 'completed', total_symbols: 2, failed_symbols: [], error_message: null });
    expect([...(status.successful_symbols as string[])].sort()).toEqual(['AAPL', 'MSFT']);
    expect(Number(status.ohlcv_records_loaded)).toBeGreaterThan(0);
  }, 120_000);

  it('completes with errors for an unknown ticker', async () => {
    const status = await job('unknown ticker', { job_type: 'historical_load', symbols: ['IBM', 'ZZZNOPE'], years: 0.05, timespan: 'day' });
    expect(status).toMatchObject({ status: 'completed', has_errors: true, failed_symbols: ['ZZZNOPE'], successful_symbols: ['IBM'] });
  }, 120_000);

  it('loads a CSV universe inside the directory; fails jobs naming one outside it (by path or link), a missing or a broken one', async () => {
    expect(
      await job('csv good', { job_type: 'csv_universe_load', csv_file: 'good.csv', universe_type: 'custom', years: 0.02 }),
    ).toMatchObject({ status: 'completed', successful_symbols: ['IBM'] });
    // The file outside holds a secret: refused before it is read, so it cannot show up anywhere.
    const escaping = { job_type: 'csv_universe_load', csv_file: '../outside.csv', universe_type: 'custom', years: 0.02 };
    const outside = await job('csv outside', escaping, { raw: true });
    expect(outside.status).toBe('failed');
    expect(String(outside.error_message)).toContain('csv_file "../outside.csv" is not a plain .csv file name');
    const linked = await job('csv link', { job_type: 'csv_universe_load', csv_file: 'link.csv', universe_type: 'custom', years: 0.02 });
    expect(linked.status).toBe('failed');
    expect(String(linked.error_message)).toContain('"link.csv" links outside the universe directory; refused');
    const missing = await job('csv missing', { job_type: 'csv_universe_load', csv_file: 'missing.csv', universe_type: 'x', years: 0.02 });
    expect(missing.status).toBe('failed');
    expect(String(missing.error_message)).toContain('"missing.csv" not found in the universe directory');
    const broken = await job('csv broken', { job_type: 'csv_universe_load', csv_file: 'broken.csv', universe_type: 'x', years: 0.02 });
    expect(broken.status).toBe('failed');
    expect(String(broken.error_message)).toContain('has no "symbol" or "Symbol" column');
  }, 180_000);

  it('serves /healthz openly and everything else only with the token (401 naming no token)', async () => {
    expect((await call('/healthz', { label: '(no token)' })).status).toBe(200);
    const unauthorized = { success: false, error: 'unauthorized: send Authorization: Bearer <TICKSTOCK_API_TOKEN>' };
    for (const [label, auth] of [
      ['(no token)', null],
      ['(wrong token)', `Bearer ${SECRETS.wrongApiToken.value}`],
      ['(token as Basic)', `Basic ${Buffer.from(`x:${SECRETS.apiToken.value}`).toString('base64')}`],
    ] as const) {
      const metrics = await call('/metrics', { auth, label });
      expect({ label, status: metrics.status, json: metrics.json }).toEqual({ label, status: 401, json: unauthorized });
      const trigger = await call('/api/processing/import/trigger', { method: 'POST', auth, body: { symbols: ['AAPL'] }, label });
      expect({ label, status: trigger.status, json: trigger.json }).toEqual({ label, status: 401, json: unauthorized });
    }
    const bearer = `Bearer ${SECRETS.apiToken.value}`;
    const metrics = await call('/metrics', { auth: bearer, label: '(token)' });
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/^tickstock_\w+\{[^}]+\} \d/m); // labelled series: their labels are checked too
    const trigger = await call('/api/processing/import/trigger', {
      method: 'POST',
      auth: bearer,
      body: { symbols: ['AAPL', 'ZZZNOPE'], timeframes: ['day'], lookback_days: 10, requested_by: 'secrets-test' },
      label: '(token)',
    });
    expect(trigger.status).toBe(200);
    const runId = String(trigger.json?.run_id);
    const final = await waitFor(
      async () => {
        const r = await call(`/api/processing/import/status/${encodeURIComponent(runId)}`, { auth: bearer, label: '(token)' });
        return r.json && r.json.status !== 'running' ? r.json : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: `import run ${runId}` },
    );
    expect(final.run_id).toBe(runId);
    const unknown = await call('/api/processing/import/status/no-such-run', { auth: bearer, label: '(token)' });
    expect(unknown.status).toBe(404);
    const badBody = await call('/api/processing/import/trigger', { method: 'POST', auth: bearer, body: { nope: 1 }, label: '(token)' });
    expect(badBody.status).toBe(400);
  }, 120_000);

  it('tickstock status and stats print what the app reads', async () => {
    const status = await runCli('status', ['status', jobs.good ?? ''], { REDIS_URL: redisUrl });
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ job_id: jobs.good, status: 'completed' });
    const stats = await runCli('stats', ['stats', 'AAPL', '--timeframes', 'day', '--json'], { DATABASE_URL: databaseUrl });
    expect(stats.code).toBe(0);
    expect(JSON.parse(stats.stdout)).toMatchObject([{ timeframe: 'daily' }]);
    const wrongDb = await runCli('stats (wrong password)', ['stats', 'AAPL'], {
      DATABASE_URL: urlWithPassword(pgServer.url, ROLE, SECRETS.wrongDbPassword.value, DATABASE),
    });
    expect(wrongDb.code).toBe(2);
    expect(wrongDb.stderr).toContain(`password authentication failed for user "${ROLE}"`);
    const wrongRedis = await runCli('status (wrong Redis password)', ['status', jobs.good ?? ''], {
      REDIS_URL: `redis://:${SECRETS.wrongRedisPassword.value}@127.0.0.1:${redisServer.port}`,
    });
    expect(wrongRedis.code).toBe(2);
    expect(wrongRedis.stderr).toContain('WRONGPASS');
  }, 120_000);

  it('fails a job cleanly when the database refuses its password mid-run, and runs again once it is restored', async () => {
    await admin.query(`ALTER ROLE ${ROLE} PASSWORD ${admin.escapeLiteral(SECRETS.wrongDbPassword.value)}`);
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [ROLE]);
    try {
      const status = await job('database refused', { job_type: 'historical_load', symbols: ['NVDA'], years: 0.05, timespan: 'day' });
      // Planning reads the store first: the job fails there, at job level, before any symbol (none counts as failed).
      expect(status.status).toBe('failed');
      expect(status.failed_symbols).toEqual([]);
      expect(String(status.error_message)).toContain("planning the job's requests failed");
    } finally {
      await admin.query(`ALTER ROLE ${ROLE} PASSWORD ${admin.escapeLiteral(SECRETS.dbPassword.value)}`);
    }
    const again = await job('after the database came back', {
      job_type: 'historical_load',
      symbols: ['NVDA'],
      years: 0.05,
      timespan: 'day',
    });
    expect(again.status).toBe('completed');
  }, 180_000);

  it('stops cleanly', async () => {
    expect(await stopWorker(worker)).toBe(0);
  }, 60_000);
});

describe('worker B: a wrong API key (the simulator answers 401)', () => {
  it('fails the job as API_KEY_INVALID without printing either key', async () => {
    const worker = await startWorker('B', { MASSIVE_API_KEY: SECRETS.wrongApiKey.value });
    const status = await job('wrong key', { job_type: 'historical_load', symbols: ['AAPL', 'MSFT'], years: 0.02, timespan: 'day' });
    expect(status.status).toBe('failed');
    expect(String(status.error_message)).toMatch(/API_KEY_INVALID|API key/i);
    expect(simulator.stats().unauthorized).toBeGreaterThan(0);
    expect(await stopWorker(worker)).toBe(0);
  }, 180_000);
});

describe('worker C: an upstream that echoes the key back in its errors', () => {
  it('fails the symbols and the job without repeating what the upstream echoed', async () => {
    const worker = await startWorker('C', { MASSIVE_API_KEY: SECRETS.echoedApiKey.value, MASSIVE_API_BASE_URL: echo.url });
    const some = await job('echoing upstream', {
      job_type: 'historical_load',
      symbols: ['ECHOA', 'ECHOB', 'ECHOD'],
      years: 0.02,
      timespan: 'day',
    });
    expect(some.status).toBe('failed');
    expect([...(some.failed_symbols as string[])].sort()).toEqual(['ECHOA', 'ECHOB', 'ECHOD']);
    const fatal = await job('echoing upstream 401', { job_type: 'historical_load', symbols: ['ECHOC'], years: 0.02, timespan: 'day' });
    expect(fatal.status).toBe('failed');
    // The upstream really saw the key and sent it back.
    expect(echo.requests.some((r) => r.includes(`Bearer ${SECRETS.echoedApiKey.value}`))).toBe(true);
    expect(await stopWorker(worker)).toBe(0);
  }, 180_000);
});

describe('start-up failures', () => {
  it('a wrong database password: the error names the user and the server, not the password', async () => {
    const r = await runCli(
      'worker (wrong database password)',
      ['worker'],
      {
        DATABASE_URL: urlWithPassword(pgServer.url, ROLE, SECRETS.wrongDbPassword.value, DATABASE),
        REDIS_URL: redisUrl,
        MASSIVE_API_KEY: SECRETS.apiKey.value,
        MASSIVE_API_BASE_URL: simulator.url,
      },
      { until: /password authentication failed/ },
    );
    expect(r.stderr).toContain(`password authentication failed for user "${ROLE}"`);
    expect(r.stderr).toContain(`postgres://${ROLE}@127.0.0.1:${pgServer.port}/${DATABASE}`);
  }, 90_000);

  it('DB_* variables with a wrong DB_PASSWORD: the same, for the URL built from them', async () => {
    const r = await runCli(
      'worker (wrong DB_PASSWORD)',
      ['worker'],
      {
        DB_HOST: '127.0.0.1',
        DB_PORT: String(pgServer.port),
        DB_NAME: DATABASE,
        DB_USER: ROLE,
        DB_PASSWORD: SECRETS.wrongDbPassword.value,
        REDIS_URL: redisUrl,
        MASSIVE_API_KEY: SECRETS.apiKey.value,
        MASSIVE_API_BASE_URL: simulator.url,
      },
      { until: /password authentication failed/ },
    );
    expect(r.stderr).toContain(`password authentication failed for user "${ROLE}"`);
  }, 90_000);

  it('an unreachable database (the right password in the URL): the error names where, not the password', async () => {
    const closed = await freePort();
    const r = await runCli(
      'worker (unreachable database)',
      ['worker'],
      {
        DATABASE_URL: urlWithPassword(`postgres://127.0.0.1:${closed}/x`, ROLE, SECRETS.dbPassword.value, DATABASE),
        REDIS_URL: redisUrl,
        MASSIVE_API_KEY: SECRETS.apiKey.value,
        MASSIVE_API_BASE_URL: simulator.url,
      },
      { until: /could not connect/ },
    );
    expect(r.stderr).toContain(`could not connect to postgres://${ROLE}@127.0.0.1:${closed}/${DATABASE}`);
  }, 90_000);

  it('a wrong Redis password: the error says WRONGPASS, not the password', async () => {
    const r = await runCli(
      'worker (wrong Redis password)',
      ['worker'],
      {
        DATABASE_URL: databaseUrl,
        REDIS_URL: `redis://:${SECRETS.wrongRedisPassword.value}@127.0.0.1:${redisServer.port}`,
        MASSIVE_API_KEY: SECRETS.apiKey.value,
        MASSIVE_API_BASE_URL: simulator.url,
      },
      { until: /WRONGPASS/ },
    );
    expect(r.stdout + r.stderr).toContain('WRONGPASS');
  }, 90_000);
});

describe('everything captured', () => {
  let all: Captured[];
  beforeAll(async () => {
    all = [...captured];
    for (const { label, worker } of workers) {
      for (const [i, line] of worker.lines.entries()) all.push({ source: `worker ${label} line ${i + 1}`, text: line });
    }
    all.push(...(await dumpRedis(stack.redis)));
    all.push({ source: 'redis CLIENT LIST', text: String(await stack.redis.client('LIST')) });
    all.push(...(await dumpDatabase()));
  }, 60_000);

  it('is substantial: logs of every worker, messages on the contract channels, statuses, queue keys, table rows, HTTP and CLI', () => {
    const count = (prefix: string) => all.filter((c) => c.source.startsWith(prefix)).length;
    for (const label of ['A', 'B', 'C']) expect({ label, enough: count(`worker ${label} line`) >= 5 }).toEqual({ label, enough: true });
    expect(count('worker A line')).toBeGreaterThan(30);
    const channels = new Set(all.filter((c) => c.source.startsWith('redis channel ')).map((c) => c.source.slice('redis channel '.length)));
    for (const ch of [CHANNELS.jobStatus, CHANNELS.monitoring, CHANNELS.errors]) expect(channels).toContain(ch);
    for (const [name, jobId] of Object.entries(jobs)) {
      expect({ name, key: all.some((c) => c.source === `redis key tickstock.jobs.status:${jobId} (string)`) }).toEqual({ name, key: true });
    }
    expect(count('redis key ')).toBeGreaterThan(20);
    const failedRows = all.find((c) => c.source.startsWith('table symbol_processing_status'))?.text ?? '';
    expect(failedRows).toContain('"error_message":"'); // the error texts written for failed symbols are checked too
    expect(all.find((c) => c.source.startsWith('table processing_runs'))?.text ?? '').toContain('"run_id"');
    expect(count('HTTP ')).toBeGreaterThanOrEqual(12);
    expect(count('tickstock ')).toBe(18); // 9 runs, stdout and stderr each
  });

  it('holds no secret, in any form, anywhere', () => {
    expect(leaksIn(all, Object.values(SECRETS))).toEqual([]);
    expect(all.map((c) => c.text).join('\n')).not.toContain(databaseUrl);
  });
});
