/**
 * The worker over TLS only: PostgreSQL with `ssl=on` that refuses plain text (`hostssl`), reached with
 * `sslmode=verify-full` and `PGSSLROOTCERT`; Redis on a TLS port only, reached with `rediss://` and
 * `REDIS_TLS_CA_FILE`; one CA made for this file. A job published the way the app does is loaded bar for bar, its
 * status read over TLS. A wrong CA stops a command at once with a message naming the reason and the variable, exit 2.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { startSimulator } from '@tickstock/massive-simulator';
import { type OhlcvStore, openStore } from '@tickstock/ohlcv-store';
import {
  makeTestCa,
  type PostgresServer,
  type RedisServer,
  startPostgresServer,
  startRedisServer,
  type TestCa,
} from '@tickstock/test-support';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.js';
import { SecretScrubber } from '../../src/logging/secrets.js';
import { connectRedis, createSharedRateLimiter, redisReady } from '../../src/runtime.js';
import { simulatorUniverse } from '../../src/universe/simulated.js';
import { CLI, expectLoadedBars, type Stack, spawnWorker, submitCsvLoad, type WorkerProcess, waitForFinalStatus } from './harness.js';

let ca: TestCa;
let pg: PostgresServer;
let redisServer: RedisServer;
let redis: Redis;
let store: OhlcvStore;
let stack: Stack;
let simulator: Awaited<ReturnType<typeof startSimulator>>;
let worker: WorkerProcess | undefined;

/** The worker's TLS environment: the CA for PostgreSQL from PGSSLROOTCERT, for Redis from REDIS_TLS_CA_FILE. */
const tlsEnv = () => ({
  DATABASE_URL: `${pg.url}?sslmode=verify-full`,
  PGSSLROOTCERT: ca.caFile,
  REDIS_URL: redisServer.url,
  REDIS_TLS_CA_FILE: ca.caFile,
});

beforeAll(async () => {
  ca = await makeTestCa();
  [pg, redisServer] = await Promise.all([startPostgresServer({ tls: ca.serverTls }), startRedisServer({ tls: ca.serverTls })]);
  redis = new Redis(redisServer.url, { tls: { ca: ca.caPem } });
  store = await openStore({ databaseUrl: `${pg.url}?sslmode=verify-full&sslrootcert=${ca.caFile}`, env: {} });
  const apiKey = `tls-key-${randomUUID()}`;
  const simulatorNow = Date.now();
  simulator = await startSimulator({ apiKey, now: simulatorNow, tickers: simulatorUniverse() });
  // The harness's worker, told where the TLS servers are (its own database and Redis fields are not used).
  stack = { db: { url: '' }, redisServer: { url: '' }, simulator, simulatorNow, apiKey, store } as unknown as Stack;
}, 120_000);

afterAll(async () => {
  await worker?.stop('SIGTERM');
  redis?.disconnect();
  await store?.close();
  await simulator?.close();
  await redisServer?.stop();
  await pg?.stop();
  await ca?.remove();
}, 60_000);

describe('the worker over TLS PostgreSQL and TLS Redis', () => {
  it('loads a job bar for bar; its status is read over TLS', async () => {
    worker = await spawnWorker(stack, { env: { ...tlsEnv(), TICKSTOCK_QUEUE_LOCK_MS: '4000' } });
    const config = worker.lines.find((l) => l.includes('worker configuration'));
    expect(JSON.parse(config ?? '{}')).toMatchObject({
      database: `${pg.url}?sslmode=verify-full`,
      databaseTls: 'sslmode=verify-full, CA from PGSSLROOTCERT',
      redis: redisServer.url,
      redisTls: `TLS, CA ${ca.caFile}`,
    });
    const symbols = ['AAPL', 'MSFT'];
    const jobId = await submitCsvLoad(redis, symbols);
    const status = await waitForFinalStatus(redis, jobId, 90_000);
    expect({ status: status.status, failed: status.failed_symbols, processed: status.processed_symbols }).toEqual({
      status: 'completed',
      failed: [],
      processed: 2,
    });
    await expectLoadedBars(stack, symbols, ['day', 'hour'], 0.1);
    expect(await worker.stop('SIGTERM')).toBe(0);
    worker = undefined;
  }, 150_000);

  it('in process: connectRedis and the shared limiter connect over TLS; a wrong CA fails at once naming REDIS_TLS_CA_FILE', async () => {
    const scrubber = new SecretScrubber();
    const good = loadConfig({ REDIS_URL: redisServer.url, REDIS_TLS_CA_FILE: ca.caFile }, process.cwd());
    const client = connectRedis(good, scrubber);
    try {
      await redisReady(client, scrubber, { config: good.redis, timeoutMs: 5000 });
      expect(await client.ping()).toBe('PONG');
    } finally {
      client.disconnect();
    }
    const limiter = await createSharedRateLimiter(good, `tls-limiter-${randomUUID()}`);
    await limiter.disconnect();

    const wrong = loadConfig({ REDIS_URL: redisServer.url, REDIS_TLS_CA_FILE: ca.wrongCaFile }, process.cwd());
    const started = Date.now();
    const failed = await redisReady(connectRedis(wrong, scrubber), scrubber, { config: wrong.redis }).then(
      () => undefined,
      (e: unknown) => e as Error & { code?: string },
    );
    expect({ code: failed?.code, message: failed?.message }).toEqual({
      code: 'REDIS_UNAVAILABLE',
      message:
        "Redis TLS: the server's certificate is not trusted (self-signed certificate in certificate chain): " +
        `REDIS_TLS_CA_FILE (${ca.wrongCaFile}) must hold the CA that signed the Redis server's certificate (${redisServer.url})`,
    });
    expect(Date.now() - started).toBeLessThan(5000);

    const misnamed = loadConfig(
      { REDIS_URL: redisServer.url, REDIS_TLS_CA_FILE: ca.caFile, REDIS_TLS_SERVERNAME: 'cache.example.invalid' },
      process.cwd(),
    );
    const mismatch = await redisReady(connectRedis(misnamed, scrubber), scrubber, { config: misnamed.redis }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(mismatch?.message).toBe(
      "Redis TLS: the server's certificate is not for the name connected to (Hostname/IP does not match certificate's altnames: " +
        "Host: cache.example.invalid. is not in the cert's altnames: DNS:localhost, IP Address:127.0.0.1): " +
        `connect with a host name the certificate names, or set REDIS_TLS_SERVERNAME to the name it carries (${redisServer.url})`,
    );
  });

  it('in process: a cluster client with a wrong CA says why (ioredis only says no start-up node answered)', async () => {
    const scrubber = new SecretScrubber();
    const port = new URL(redisServer.url).port;
    const wrong = loadConfig({ REDIS_CLUSTER_NODES: `rediss://127.0.0.1:${port}`, REDIS_TLS_CA_FILE: ca.wrongCaFile }, process.cwd());
    const failed = await redisReady(connectRedis(wrong, scrubber), scrubber, { config: wrong.redis, timeoutMs: 10_000 }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(failed?.message).toBe(
      "Redis TLS: the server's certificate is not trusted (self-signed certificate in certificate chain): " +
        `REDIS_TLS_CA_FILE (${ca.wrongCaFile}) must hold the CA that signed the Redis server's certificate (rediss-cluster://127.0.0.1:${port})`,
    );
  });

  it('tickstock status and worker with a wrong CA exit 2 within seconds, naming the reason and the variable', async () => {
    const status = await tickstock(['status', randomUUID()], { ...tlsEnv(), REDIS_TLS_CA_FILE: ca.wrongCaFile });
    expect({ code: status.code, stderr: status.stderr }).toEqual({
      code: 2,
      stderr:
        "tickstock: Redis TLS: the server's certificate is not trusted (self-signed certificate in certificate chain): " +
        `REDIS_TLS_CA_FILE (${ca.wrongCaFile}) must hold the CA that signed the Redis server's certificate (${redisServer.url})\n`,
    });
    const workerRun = await tickstock(['worker', '--simulator', '--allow-synthetic'], { ...tlsEnv(), PGSSLROOTCERT: ca.wrongCaFile });
    expect(workerRun.code).toBe(2);
    expect(workerRun.stderr).toContain(
      `tickstock: TLS_FAILED: could not connect to ${pg.url}: TLS: the server's certificate is not trusted (unable to verify the first certificate): ` +
        "PGSSLROOTCERT must name the CA that signed the server's certificate\n",
    );
    for (const run of [status, workerRun]) expect(run.exitAfterErrorMs).toBeLessThan(10_000);
  }, 120_000);
});

interface Run {
  code: number | null;
  stderr: string;
  exitAfterErrorMs: number;
}

/** The CLI as a child process (killed after 60 s), with only the given environment. */
function tickstock(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', TZ: 'UTC', LOG_LEVEL: 'error', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let firstError: number | undefined;
    child.stderr.on('data', (d: Buffer) => {
      firstError ??= Date.now();
      stderr += d.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, exitAfterErrorMs: firstError === undefined ? Number.POSITIVE_INFINITY : Date.now() - firstError });
    });
  });
}
