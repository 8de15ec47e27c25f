/**
 * The `tickstock` command as a user runs it: exit codes, --json output, usage errors, the embedded default. Each
 * command runs in this process through `main` (its exit code is what `main` returns); one runs as the bin in a
 * child process, where the exit code and a JSON summary on a piped stdout cross a real process boundary.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createTestDatabase, type TestDatabase } from '@tickstock/test-support';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from './support/run-cli.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = `${root}packages/runner/src/cli.ts`;
const exec = promisify(execFile);

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('cli');
});
afterAll(async () => {
  await db?.drop();
});

async function countRows(table: string, symbol: string): Promise<number> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    const { rows } = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE symbol = $1`, [symbol]);
    return rows[0]?.n ?? 0;
  } finally {
    await c.end();
  }
}

/** The configuration every run starts from (the variables a child process would be given). */
function baseEnv(): Record<string, string | undefined> {
  return {
    DATABASE_URL: db.url,
    // These tests load the simulator's synthetic prices into their throwaway PostgreSQL database on purpose.
    TICKSTOCK_ALLOW_SYNTHETIC: 'true',
    // Nothing else of the configuration leaks in from the test runner's environment.
    LOG_LEVEL: undefined,
    MASSIVE_API_KEY: undefined,
    MASSIVE_API_BASE_URL: undefined,
    REDIS_URL: undefined,
    REDIS_HOST: undefined,
    TICKSTOCK_DATA_DIR: undefined,
  };
}

/** `tickstock <args>` in this process. */
function tickstock(args: string[], env: Record<string, string | undefined> = {}) {
  return runCliInProcess(args, { ...baseEnv(), ...env });
}

/** `tickstock <args>` as the bin, in a child process. */
async function tickstockBin(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await exec(process.execPath, ['--import', 'tsx', CLI, ...args], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        TZ: process.env.TZ ?? 'UTC',
        DATABASE_URL: db.url,
        TICKSTOCK_ALLOW_SYNTHETIC: 'true',
        ...env,
      },
      timeout: 90_000,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: err.code ?? -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

describe('tickstock load', () => {
  it('exits 0 and prints one JSON summary with --json when every symbol loads', async () => {
    const r = await tickstock(['load', 'AAPL', 'X:BTCUSD', '--days', '10', '--timeframes', 'day,week', '--simulator', '--json']);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ status: 'completed', symbols_total: 2, failed_symbols: [], error_code: null });
    expect(summary.successful_symbols.sort()).toEqual(['AAPL', 'X:BTCUSD']);
    expect(summary.symbols['X:BTCUSD'].timeframes.day.written + summary.symbols['X:BTCUSD'].timeframes.day.unchanged).toBe(11);
  });

  it('exits 1 (completed with errors) when a ticker is unknown, naming it: the bin, in a child process', async () => {
    const r = await tickstockBin(['load', 'MSFT', 'ZZZNOTREAL', '--days', '5', '--timeframes', 'day', '--simulator', '--json']);
    expect(r.code).toBe(1);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ status: 'completed_with_errors', failed_symbols: ['ZZZNOTREAL'] });
    expect(summary.symbols.ZZZNOTREAL.error_code).toBe('SYMBOL_NOT_FOUND');
  });

  it('exits 2 with one clear line for bad usage, before touching anything', async () => {
    const bad = await tickstock(['load', 'AAPL; DROP TABLE symbols', '--simulator']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('tickstock: invalid symbol: "AAPL; DROP TABLE SYMBOLS"\n');
    const tf = await tickstock(['load', 'AAPL', '--timeframes', 'hour,fortnight', '--simulator']);
    expect(tf.code).toBe(2);
    expect(tf.stderr).toBe('tickstock: unknown timeframe "fortnight"; use 1min, hour, day, week, month\n');
    const both = await tickstock(['load', 'AAPL', '--days', '3', '--years', '1', '--simulator']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('give --years or --days, not both');
  });

  it('refuses to call the real API without a key, naming the variable and the alternative', async () => {
    const r = await tickstock(['load', 'AAPL', '--days', '3']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('MASSIVE_API_KEY is not set');
    expect(r.stderr).toContain('--simulator');
  });

  it('lists every configuration problem at once', async () => {
    const r = await tickstock(['load', 'AAPL', '--simulator'], {
      LOG_LEVEL: 'loud',
      MASSIVE_API_TIMEOUT: 'soon',
      DATABASE_URL: 'mysql://x',
      TICKSTOCK_HEAP_GROWING_PERCENT: '-5',
      TICKSTOCK_PREPARED_STATEMENTS: 'maybe',
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('invalid configuration');
    expect(r.stderr).toContain('DATABASE_URL must start with postgres://');
    expect(r.stderr).toContain('MASSIVE_API_TIMEOUT must be a positive number of seconds');
    expect(r.stderr).toContain('LOG_LEVEL must be one of');
    expect(r.stderr).toContain('TICKSTOCK_HEAP_GROWING_PERCENT must be a whole number >= 0 (got "-5")');
    expect(r.stderr).toContain('TICKSTOCK_PREPARED_STATEMENTS must be true or false (got "maybe")');
  });
});

describe('tickstock stats, migrate and the embedded default', () => {
  it('reports records and gaps of what was loaded', async () => {
    const r = await tickstock(['stats', 'AAPL', '--timeframes', 'daily', '--json']);
    expect(r.code).toBe(0);
    const [daily] = JSON.parse(r.stdout);
    expect(daily).toMatchObject({ symbol: 'AAPL', timeframe: 'daily', missingPeriods: 0, validationRate: 1 });
    expect(daily.records).toBeGreaterThanOrEqual(6);
  });

  it('stats of a symbol with nothing stored says so, where it looked and how to load it, and exits 1', async () => {
    const r = await tickstock(['stats', 'NOPE', '--timeframes', 'daily']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^tickstock: no bars of NOPE are stored in postgres:\/\/[^ ]+; load them first: tickstock load NOPE\n$/);
    expect(r.stderr).not.toContain(':p@');
  });

  it('migrate is idempotent', async () => {
    const r = await tickstock(['migrate']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^schema at version \d+: nothing to apply$/m);
  });

  it('--simulator refuses to write synthetic prices into a configured PostgreSQL unless allowed, and always says SYNTHETIC on stderr', async () => {
    const refused = await tickstock(['load', 'SPY', '--days', '5', '--timeframes', 'day', '--simulator', '--json'], {
      TICKSTOCK_ALLOW_SYNTHETIC: '',
    });
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain("the simulator's prices are SYNTHETIC and the configured database is postgres://");
    expect(refused.stderr).toContain('(DATABASE_URL): refusing to write them there');
    expect(refused.stderr).toContain('--allow-synthetic (TICKSTOCK_ALLOW_SYNTHETIC=true)');
    const before = await countRows('ohlcv_daily', 'SPY');
    const allowed = await tickstock(['load', 'SPY', '--days', '5', '--timeframes', 'day', '--simulator', '--allow-synthetic', '--json'], {
      TICKSTOCK_ALLOW_SYNTHETIC: '',
    });
    expect(allowed.code).toBe(0);
    expect(allowed.stderr).toMatch(
      /^tickstock: using the built-in Massive API simulator \(http:\/\/127\.0\.0\.1:\d+\): prices are SYNTHETIC\n$/,
    );
    expect(await countRows('ohlcv_daily', 'SPY')).toBeGreaterThan(before);
  });

  it('uses the embedded database in ./.tickstock when no database is configured, and says where', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tickstock-embedded-'));
    try {
      const r = await tickstock(['load', 'SPY', '--days', '5', '--timeframes', 'day', '--simulator', '--json'], {
        DATABASE_URL: '',
        TICKSTOCK_DATA_DIR: dir,
        LOG_LEVEL: 'info',
      });
      expect(r.code).toBe(0);
      expect(r.stderr).toContain(`using the embedded database in ${dir}`);
      expect(JSON.parse(r.stdout).status).toBe('completed');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
