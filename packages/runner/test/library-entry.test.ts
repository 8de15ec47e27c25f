/**
 * `@tickstock/runner` as a library, imported by its package name and used through exported names only: services
 * built from a configuration against real PostgreSQL, a private Redis and the API simulator over HTTP; a worker
 * runs a job published the way the app publishes it, a daily import runs through the coordinator, and the tables
 * hold exactly the bars the simulator serves. And the built entry (`dist/index.js`, `dist/index.cjs`) loads none of
 * the CLI's modules (commander, the progress bar and tables, the simulator) nor the HTTP server's (fastify).
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type DataLoadJob, dataLoadRanges, FINAL_JOB_STATUSES, readJobStatus, submitJob } from '@tickstock/job-protocol';
import { addDays, newYorkDate } from '@tickstock/market-time';
import { type RunningSimulator, simulatedBars, startSimulator } from '@tickstock/massive-simulator';
import {
  createRunnerServices,
  ImportCoordinator,
  loadConfig,
  parseImportRequest,
  type RunnerConfig,
  type RunnerServices,
  Worker,
} from '@tickstock/runner';
import { createTestDatabase, type RedisServer, startRedisServer, type TestDatabase, waitFor } from '@tickstock/test-support';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const dist = fileURLToPath(new URL('../dist/', import.meta.url));

let db: TestDatabase;
let redisServer: RedisServer;
let simulator: RunningSimulator;
let simulatorNow: number;
let config: RunnerConfig;
const apiKey = `library-key-${randomUUID()}`;

beforeAll(async () => {
  db = await createTestDatabase('library');
  redisServer = await startRedisServer();
  simulatorNow = Date.now();
  simulator = await startSimulator({ apiKey, now: simulatorNow });
  config = loadConfig(
    {
      DATABASE_URL: db.url,
      REDIS_URL: redisServer.url,
      MASSIVE_API_KEY: apiKey,
      MASSIVE_API_BASE_URL: simulator.url,
      LOG_LEVEL: 'silent',
    },
    fileURLToPath(new URL('.', import.meta.url)),
  );
}, 60_000);

afterAll(async () => {
  await simulator?.close();
  await redisServer?.stop();
  await db?.drop();
});

/** What the simulator serves for a symbol's day bars from `from` to `to`, as the store returns them. */
function expectedDays(symbol: string, from: string, to: string) {
  return simulatedBars({ ticker: symbol, timespan: 'day', from, to }, { now: simulatorNow }).map(
    ({ timestamp, open, high, low, close }) => ({
      timestamp,
      open,
      high,
      low,
      close,
    }),
  );
}

async function storedDays(services: RunnerServices, symbol: string) {
  return (await services.store.getBars('daily', symbol)).map(({ timestamp, open, high, low, close }) => ({
    timestamp,
    open,
    high,
    low,
    close,
  }));
}

/** Clients connected to the private Redis server, this test's own connection left out. */
async function redisClients(): Promise<number> {
  const probe = new Redis(redisServer.url);
  try {
    const list = (await probe.client('LIST')) as string;
    return list.trim().split('\n').length - 1;
  } finally {
    probe.disconnect();
  }
}

describe('@tickstock/runner as a library', () => {
  it('builds its services, runs a worker job and a daily import, and stores exactly the bars the API serves', async () => {
    const services = await createRunnerServices(config, { redis: 'required', sharedRateLimit: true });
    const redis = services.redis;
    if (!redis) throw new Error('no Redis connection');
    const worker = new Worker(services.workerOptions({ drainTimeoutMs: 5_000, monitoring: { intervalMs: 0 } }));
    const imports = new ImportCoordinator(services.importServices({ clock: () => simulatorNow }), { lockRedis: redis });
    try {
      await worker.start();
      // A job as the app publishes it: status hash, durable stream, pub/sub.
      const jobId = randomUUID();
      await submitJob(redis, {
        job_id: jobId,
        job_type: 'historical_load',
        symbols: ['AAPL'],
        years: 0.02,
        timespan: 'day',
      } as DataLoadJob);
      const status = await waitFor(
        async () => {
          const s = await readJobStatus(redis, jobId);
          const value = s?.ok ? (s.value as unknown as Record<string, unknown>) : undefined;
          return value && (FINAL_JOB_STATUSES as readonly string[]).includes(String(value.status)) ? value : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 100, what: `job ${jobId} to finish` },
      );
      expect(status).toMatchObject({ status: 'completed' });
      const range = dataLoadRanges(['day'], 0.02, Date.now()).ranges.day;
      if (!range) throw new Error('no day range');
      const jobBars = expectedDays('AAPL', range.from, range.to);
      expect(jobBars.length).toBeGreaterThanOrEqual(3);
      expect(await storedDays(services, 'AAPL')).toEqual(jobBars);

      // The daily import: five days back from the (simulator's) today, New York time.
      const run = await imports.trigger(parseImportRequest({ symbols: ['MSFT'], timeframes: ['day'], lookback_days: 5 }), {
        origin: 'api',
      });
      const outcome = await run.done;
      expect(outcome).toMatchObject({ status: 'completed', successfulSymbols: ['MSFT'], failedSymbols: [] });
      expect(await imports.status(run.runId)).toMatchObject({ status: 'completed' });
      const today = newYorkDate(simulatorNow);
      const importBars = expectedDays('MSFT', addDays(today, -5), today);
      expect(importBars.length).toBeGreaterThanOrEqual(2);
      expect(await storedDays(services, 'MSFT')).toEqual(importBars);
    } finally {
      await worker.stop('SIGTERM');
      await imports.stop(5_000);
      await services.close();
    }
    await services.close(); // idempotent
    await waitFor(() => (redis.status === 'end' ? true : undefined), { timeoutMs: 5_000, what: 'the Redis connection to end' });
  }, 120_000);

  it('closes what it opened when a later step fails: Redis connected, then the database refused', async () => {
    const before = await redisClients();
    const unreachable = loadConfig({ DATABASE_URL: 'postgres://u:p@127.0.0.1:1/x', REDIS_URL: redisServer.url, LOG_LEVEL: 'silent' });
    await expect(
      createRunnerServices(unreachable, { redis: 'required', massive: { apiKey, baseUrl: simulator.url } }),
    ).rejects.toMatchObject({
      code: 'CONNECTION_FAILED',
    });
    await waitFor(async () => ((await redisClients()) === before ? true : undefined), {
      timeoutMs: 5_000,
      what: 'the Redis connection to close',
    });
  });

  it('refuses a worker without Redis, naming the variable', async () => {
    const services = await createRunnerServices(config, { redis: 'none' });
    try {
      expect(services.redis).toBeUndefined();
      expect(() => services.workerOptions()).toThrow('the worker needs Redis: set REDIS_URL');
    } finally {
      await services.close();
    }
  });
});

/** Every module a fresh Node process loads for `script` (ESM URLs from a resolve hook, and `require.cache`). */
async function modulesLoadedBy(script: string, type: 'module' | 'commonjs'): Promise<string[]> {
  const hook = `
    let port;
    export function initialize(data) { port = data.port; }
    export async function resolve(specifier, context, next) { const r = await next(specifier, context); port.postMessage(r.url); return r; }
  `;
  const esm = `
    import { register, createRequire } from 'node:module';
    import { MessageChannel } from 'node:worker_threads';
    const seen = [];
    const { port1, port2 } = new MessageChannel();
    port1.on('message', (url) => seen.push(url));
    register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}), { data: { port: port2 }, transferList: [port2] });
    ${script}
    await new Promise((r) => setTimeout(r, 200));
    port1.close();
    console.log(JSON.stringify([...seen, ...Object.keys(createRequire(import.meta.url).cache)]));
  `;
  const cjs = `${script}; console.log(JSON.stringify(Object.keys(require.cache)));`;
  const { stdout } = await exec(process.execPath, ['--input-type', type, '-e', type === 'module' ? esm : cjs], {
    cwd: dist,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' },
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '[]') as string[];
}

/** The CLI's and the HTTP server's modules among `loaded`. */
const cliModules = (loaded: string[]) =>
  [
    ...new Set(
      loaded.flatMap((m) => {
        const hit = /node_modules\/(commander|fastify|cli-progress|cli-table3)\/|massive-simulator\/(?:dist|src)\//.exec(m);
        return hit ? [hit[1] ?? 'the simulator'] : [];
      }),
    ),
  ].sort();

describe('the built library entry', () => {
  it('loads neither the CLI (commander, cli-progress, cli-table3, the simulator) nor fastify, through import or require', async () => {
    if (!existsSync(`${dist}index.js`)) throw new Error(`no build in ${dist}: run pnpm --filter @tickstock/runner build first`);
    const viaImport = await modulesLoadedBy(`await import('./index.js');`, 'module');
    expect(viaImport.some((m) => m.includes('/pino/'))).toBe(true); // the check sees what loads
    expect(cliModules(viaImport)).toEqual([]);
    expect(cliModules(await modulesLoadedBy(`require('./index.cjs')`, 'commonjs'))).toEqual([]);
    // The CLI's own entry does load them: the check would catch them.
    expect(cliModules(await modulesLoadedBy(`await import('./cli/index.js');`, 'module'))).toEqual([
      'cli-progress',
      'cli-table3',
      'commander',
      'the simulator',
    ]);
  }, 30_000);
});
