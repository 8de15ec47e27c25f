/**
 * The CLI's start-up rule, as a user meets it: a command whose start-up fails prints one clear line and exits with
 * its documented code within seconds (what it had started is closed), numeric flags are refused at parse time, and
 * `--version` answers. Most commands run in this process through `main` (the exit code is what it returns); where
 * the process itself is the point (it must exit promptly once the worker, store, Redis and simulator it started
 * are closed; the bin's own `--version`) the command runs as a child process with a bounded timeout: a hang is a
 * failure, not a stuck suite.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { CHANNELS, KEYS } from '@tickstock/job-protocol';
import { createTestDatabase, redisUrl, startRedisServer, type TestDatabase } from '@tickstock/test-support';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from './support/run-cli.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = `${root}packages/runner/src/cli.ts`;
/** Once it printed its error, the process must be gone within this. */
const EXIT_AFTER_ERROR_MS = 10_000;
/** The child is killed after this whatever happens (tsx start-up under a loaded full suite is slow). */
const KILL_AFTER_MS = 60_000;
/** Nothing listens here. */
const UNREACHABLE_DB = 'postgres://u:p@127.0.0.1:1/x';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('cli_startup');
});
afterAll(async () => {
  await db?.drop();
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** From the first line on stderr to the exit (null: nothing on stderr). */
  exitAfterErrorMs: number | null;
  killed: boolean;
}

/** The CLI as a child process, bounded: killed after KILL_AFTER_MS. */
function tickstock(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        TZ: 'UTC',
        LOG_LEVEL: 'error',
        TICKSTOCK_ALLOW_SYNTHETIC: 'true',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let firstError: number | undefined;
    let killed = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString('utf8');
    });
    child.stderr.on('data', (d: Buffer) => {
      firstError ??= Date.now();
      stderr += d.toString('utf8');
    });
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, KILL_AFTER_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, killed, exitAfterErrorMs: firstError === undefined ? null : Date.now() - firstError });
    });
  });
}

/** Asserts the child printed an error and then exited 2 promptly (not killed, not hanging on open handles). */
function expectPromptFailure(r: Run, message: string): void {
  expect(r.killed, `still running after ${KILL_AFTER_MS / 1000} s; stderr: ${r.stderr}`).toBe(false);
  expect(r.stderr).toContain(message);
  expect(r.code).toBe(2);
  expect(r.exitAfterErrorMs).not.toBeNull();
  expect(r.exitAfterErrorMs as number).toBeLessThan(EXIT_AFTER_ERROR_MS);
  // Closed by the command scope, not by main's last-resort exit.
  expect(r.stderr).not.toContain('still running');
}

/** The configuration a child process would be given (LOG_LEVEL error, synthetic prices allowed), plus `env`. */
function inProcess(args: string[], env: Record<string, string | undefined> = {}) {
  return runCliInProcess(args, {
    LOG_LEVEL: 'error',
    TICKSTOCK_ALLOW_SYNTHETIC: 'true',
    DATABASE_URL: undefined,
    REDIS_URL: undefined,
    REDIS_HOST: undefined,
    MASSIVE_API_KEY: undefined,
    ...env,
  });
}

/** In process: main returned 2 promptly with the message (what the command had started is closed by its scope). */
function expectPromptReturn(r: Awaited<ReturnType<typeof inProcess>>, message: string): void {
  expect(r.stderr).toContain(message);
  expect(r.code).toBe(2);
  expect(r.durationMs).toBeLessThan(EXIT_AFTER_ERROR_MS);
  expect(r.stderr).not.toContain('took over');
}

describe('a failed start-up closes what the command started and exits within seconds', { timeout: KILL_AFTER_MS + 30_000 }, () => {
  it.each([
    ['load', ['load', 'AAPL', '--days', '3', '--timeframes', 'day', '--simulator']],
    ['demo', ['demo', '--days', '3', '--timeframes', 'day']],
    ['import', ['import', '--symbols', 'AAPL', '--timeframes', 'day', '--simulator']],
  ])('%s --simulator with an unreachable database: CONNECTION_FAILED, exit 2 (in process)', async (_name, args) => {
    const r = await inProcess(args, { DATABASE_URL: UNREACHABLE_DB, REDIS_URL: await redisUrl() });
    expectPromptReturn(r, 'CONNECTION_FAILED: could not connect to postgres://u@127.0.0.1:1/x');
    expect(r.stderr).not.toContain(':p@');
  });

  it('worker --simulator with an unreachable database: CONNECTION_FAILED, and the process exits 2 within seconds', async () => {
    const r = await tickstock(['worker', '--simulator'], { DATABASE_URL: UNREACHABLE_DB, REDIS_URL: await redisUrl() });
    expectPromptFailure(r, 'CONNECTION_FAILED: could not connect to postgres://u@127.0.0.1:1/x');
    expect(r.stderr).not.toContain(':p@');
  });

  it('worker --simulator without Redis: says REDIS_URL is needed, exit 2', async () => {
    const r = await inProcess(['worker', '--simulator'], { DATABASE_URL: db.url });
    expectPromptReturn(r, 'REDIS_URL (or REDIS_HOST/REDIS_PORT/REDIS_DB) is not set: this command needs Redis');
  });

  it('worker --http-port abc (with Redis and a database configured): usage error, exit 2', async () => {
    const r = await inProcess(['worker', '--simulator', '--http-port', 'abc'], { DATABASE_URL: db.url, REDIS_URL: await redisUrl() });
    expectPromptReturn(r, '--http-port must be a whole number from 0 to 65535 (0: any free port) (got "abc")');
  });

  describe('worker --http-port on a port in use', () => {
    let busy: Server;
    beforeAll(async () => {
      busy = createServer();
      await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => busy.close(() => resolve()));
    });

    it('EADDRINUSE, exit 2, and the worker, store, Redis and simulator it had started are closed', async () => {
      const port = (busy.address() as { port: number }).port;
      const r = await tickstock(['worker', '--simulator', '--http-port', String(port)], {
        DATABASE_URL: db.url,
        REDIS_URL: await redisUrl(),
      });
      expectPromptFailure(r, `EADDRINUSE: listen EADDRINUSE: address already in use 127.0.0.1:${port}`);
    });
  });
});

describe('numeric flags are checked at parse time (usage error, exit 2, before anything starts)', {
  timeout: KILL_AFTER_MS + 30_000,
}, () => {
  it.each([
    [['worker', '--http-port', 'abc'], '--http-port must be a whole number from 0 to 65535 (0: any free port) (got "abc")'],
    [['worker', '--http-port', '99999'], '--http-port must be a whole number from 0 to 65535 (0: any free port) (got "99999")'],
    [['worker', '--http-port', '80.5'], '--http-port must be a whole number from 0 to 65535'],
    [['worker', '--drain-timeout', 'soon'], '--drain-timeout must be a number from 0 to 3600 (got "soon")'],
    [['worker', '--drain-timeout', '-1'], '--drain-timeout must be a number from 0 to 3600 (got "-1")'],
    [['worker', '--concurrency', '0'], '--concurrency must be a whole number >= 1 (got "0")'],
    [['worker', '--job-concurrency', 'two'], '--job-concurrency must be a whole number >= 1 (got "two")'],
    [['load', 'AAPL', '--years', '100'], '--years must be a number from 0.0014 (one day) to 50 (got "100")'],
    [['load', 'AAPL', '--years', '0.001'], '--years must be a number from 0.0014 (one day) to 50 (got "0.001")'],
    [['load', 'AAPL', '--days', '99999'], '--days must be a whole number from 1 to 18250 (50 years) (got "99999")'],
    [['plan', 'AAPL', '--years', '51'], '--years must be a number from 0.0014 (one day) to 50 (got "51")'],
    [['submit', 'AAPL', '--years', '50.5'], '--years must be a number from 0.0014 (one day) to 50 (got "50.5")'],
    [['demo', '--days', '0'], '--days must be a whole number from 1 to 18250'],
    [['simulator', '--port', '70000'], '--port must be a whole number from 0 to 65535'],
    [['simulator', '--fault-rate', '2'], '--fault-rate must be a number from 0 to 1 (got "2")'],
  ])('tickstock %j', async (args, message) => {
    const r = await inProcess(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toContain('CONNECTION_FAILED');
  });

  it('accepts the bounds themselves (50 years is planned, not refused)', async () => {
    const r = await inProcess(['plan', 'AAPL', '--years', '50', '--timeframes', 'day', '--json'], { DATABASE_URL: db.url });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).requests.total).toBeGreaterThan(0);
  });
});

describe('tickstock --version', { timeout: KILL_AFTER_MS + 30_000 }, () => {
  it("prints the runner package's version", async () => {
    const { version } = JSON.parse(readFileSync(`${root}packages/runner/package.json`, 'utf8')) as { version: string };
    const bin = await tickstock(['--version']);
    expect(bin).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: '' });
    expect(await inProcess(['-V'])).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: '' });
  });
});

describe('tickstock --help', () => {
  it('names the variables a first run needs: the database, Redis and the API key', async () => {
    const help = await inProcess(['--help']);
    expect(help.code).toBe(0);
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'MASSIVE_API_KEY', 'MASSIVE_RATE_LIMIT', 'LOG_LEVEL', './.tickstock/db']) {
      expect(help.stdout).toContain(name);
    }
  });
});

describe('tickstock submit on another Redis database than the worker', { timeout: KILL_AFTER_MS + 30_000 }, () => {
  it('warns when workers hear the job but none beats in its database number, and not when one does', async () => {
    const server = await startRedisServer();
    // A "worker" on database 0: it hears every job on pub/sub, whatever database it was published from.
    const listener = new Redis(`${server.url}/0`);
    const db5 = new Redis(`${server.url}/5`);
    try {
      await listener.subscribe(CHANNELS.dataLoad);
      const other = await inProcess(['submit', 'AAPL', '--years', '0.01'], { REDIS_URL: `${server.url}/5` });
      expect(other.code).toBe(0);
      expect(other.stderr).toBe(
        'tickstock: warning: 1 listener(s) heard the job, but no worker heartbeat is in Redis database 5: a worker on another database number may run it while its status is written there (pub/sub crosses database numbers, keys do not); give the worker, the app and this command the same REDIS_URL\n',
      );
      await db5.set(KEYS.producerHeartbeat, String(Date.now() / 1000));
      const same = await inProcess(['submit', 'AAPL', '--years', '0.01'], { REDIS_URL: `${server.url}/5` });
      expect({ code: same.code, stderr: same.stderr }).toEqual({ code: 0, stderr: '' });
    } finally {
      listener.disconnect();
      db5.disconnect();
      await server.stop();
    }
  });
});

describe('tickstock submit --wait', { timeout: KILL_AFTER_MS + 30_000 }, () => {
  it('gives up with exit 2 and a hint when no worker takes the job in --pickup-timeout', async () => {
    // A Redis of its own: no worker of another test may take the job.
    const redis = await startRedisServer();
    try {
      const started = Date.now();
      const r = await inProcess(['submit', 'AAPL', '--years', '0.01', '--wait', '--pickup-timeout', '1'], { REDIS_URL: redis.url });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        /^tickstock: no worker took job [0-9a-f-]{36} in 1 s: is a worker running on this Redis \(same REDIS_URL, same database number\)\?; the job stays queued, follow it with: tickstock status [0-9a-f-]{36}\n$/,
      );
      expect(Date.now() - started).toBeLessThan(KILL_AFTER_MS);
    } finally {
      await redis.stop();
    }
  });
});
