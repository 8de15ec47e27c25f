/**
 * The worker as a least-privilege role (created by the test with a password generated per run; the test server
 * trusts loopback). `tickstock migrate --print-grants ROLE` prints the grants; the owner runs them after migrating
 * and they are exactly enough: a worker started as that role with `--no-migrate` loads a job bar for bar. Started
 * as that role against a database that needs migrating, the worker fails at start saying to run `tickstock
 * migrate` as the schema owner, with or without `--no-migrate`.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { grantsSql } from '@tickstock/ohlcv-store';
import { createTestDatabase, type TestDatabase } from '@tickstock/test-support';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, expectLoadedBars, type Stack, spawnWorker, startStack, submitCsvLoad, waitForFinalStatus } from './harness.js';

const exec = promisify(execFile);
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const ROLE = `worker_${randomBytes(4).toString('hex')}`;

let stack: Stack;
let unmigrated: TestDatabase;
let owner: pg.Client;

function asRole(url: string): string {
  const u = new URL(url);
  u.username = ROLE;
  return u.toString();
}

async function tickstock(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, ['--import', 'tsx', CLI, ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', TZ: 'UTC', ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: err.code ?? -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

beforeAll(async () => {
  stack = await startStack(); // migrated by the owner
  unmigrated = await createTestDatabase('unmigrated');
  owner = new pg.Client({ connectionString: stack.db.url });
  await owner.connect();
  await owner.query(`CREATE ROLE ${ROLE} LOGIN PASSWORD '${randomBytes(12).toString('hex')}'`);
  // PUBLIC's default TEMPORARY would hide whether the printed grants carry it.
  await owner.query(`REVOKE TEMPORARY ON DATABASE ${stack.db.name} FROM PUBLIC`);
}, 120_000);

afterAll(async () => {
  await owner?.end();
  await stack?.close();
  await unmigrated?.drop();
  const admin = new pg.Client({ connectionString: stack.db.url.replace(/\/[^/]+$/, '/postgres') });
  await admin.connect();
  await admin.query(`DROP ROLE IF EXISTS ${ROLE}`).finally(() => admin.end());
}, 60_000);

describe('tickstock migrate --print-grants', () => {
  it('prints the grants for the configured database, connecting to nothing', async () => {
    const r = await tickstock(['migrate', '--print-grants', ROLE], { DATABASE_URL: 'postgres://owner@127.0.0.1:1/tickstock_prod' });
    expect(r).toEqual({ code: 0, stderr: '', stdout: grantsSql(ROLE, { database: 'tickstock_prod' }) });
    expect(r.stdout).toBe(
      [
        `-- @tickstock/ohlcv-store: what role "${ROLE}" needs to load and read bars (run as the schema owner, after \`tickstock migrate\`)`,
        `GRANT CONNECT, TEMPORARY ON DATABASE "tickstock_prod" TO "${ROLE}";`,
        `GRANT USAGE ON SCHEMA "public" TO "${ROLE}";`,
        `GRANT SELECT, INSERT, UPDATE, DELETE ON "ohlcv_1min", "ohlcv_hourly", "ohlcv_daily", "ohlcv_weekly", "ohlcv_monthly", "symbols", "processing_progress", "symbol_processing_status", "tracked_symbols", "processing_runs", "symbol_splits", "split_checks", "bar_load_cursors" TO "${ROLE}";`,
        `GRANT SELECT ON "schema_migrations" TO "${ROLE}";`,
        '',
      ].join('\n'),
    );
  });

  it('refuses a role that is not a plain name', async () => {
    const r = await tickstock(['migrate', '--print-grants', 'x"; DROP TABLE symbols; --'], {});
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      `--print-grants: role must be a plain role name (letters, digits and _, not starting with a digit, at most 63 characters, not PUBLIC or pg_*), got "x\\"; DROP TABLE symbols; --"`,
    );
  });
});

describe('a worker as the least-privilege role', () => {
  it('with the printed grants and --no-migrate, loads a job bar for bar', async () => {
    const printed = await tickstock(['migrate', '--print-grants', ROLE], { DATABASE_URL: stack.db.url });
    expect(printed.code).toBe(0);
    await owner.query(printed.stdout);
    const worker = await spawnWorker(stack, { env: { DATABASE_URL: asRole(stack.db.url) }, args: ['--no-migrate'] });
    try {
      const symbols = ['AAPL', 'MSFT', 'IBM'];
      const jobId = await submitCsvLoad(stack.redis, symbols);
      const status = await waitForFinalStatus(stack.redis, jobId, 90_000);
      expect({ status: status.status, failed: status.failed_symbols }).toEqual({ status: 'completed', failed: [] });
      const counts = await expectLoadedBars(stack, symbols, ['day', 'hour'], 0.1);
      const total = (counts.daily ?? 0) + (counts.hourly ?? 0);
      const { rows } = await owner.query<{ n: number }>(
        'SELECT (SELECT count(*) FROM ohlcv_daily) + (SELECT count(*) FROM ohlcv_hourly) AS n',
      );
      expect(Number(rows[0]?.n)).toBe(total);
      // The rows were written by the role, not the owner.
      expect(worker.lines.find((l) => l.includes('worker configuration'))).toContain(`"database":"postgres://${ROLE}@`);
    } finally {
      expect(await worker.stop('SIGTERM')).toBe(0);
    }
  }, 120_000);

  it('with the grants and migrations on (the default), starts on a current schema: no DDL is attempted', async () => {
    const printed = await tickstock(['migrate', '--print-grants', ROLE], { DATABASE_URL: stack.db.url });
    await owner.query(printed.stdout);
    const worker = await spawnWorker(stack, { env: { DATABASE_URL: asRole(stack.db.url) } });
    expect(worker.lines.some((l) => l.includes('worker listening for data-load jobs'))).toBe(true);
    expect(worker.lines.filter((l) => /MIGRATION|permission denied/.test(l))).toEqual([]);
    expect(await worker.stop('SIGTERM')).toBe(0);
  }, 60_000);

  it.each([
    ['--no-migrate', ['--no-migrate'], `table "symbols"`],
    ['migrations on (the default)', [], 'permission denied for schema public'],
  ])(
    'on a database that needs migrating (%s), fails at start naming tickstock migrate',
    async (_name, args, reason) => {
      const start = spawnWorker(stack, { env: { DATABASE_URL: asRole(unmigrated.url) }, args });
      const e = await start.then(
        async (w) => {
          await w.stop();
          return new Error('the worker started');
        },
        (x: unknown) => x as Error,
      );
      expect(e.message).toMatch(/^worker exited at start with 2:/);
      const line = e.message.split('\n').find((l) => l.startsWith('tickstock: MIGRATION_REQUIRED: '));
      expect(line).toContain(
        `the database postgres://${ROLE}@127.0.0.1:${new URL(unmigrated.url).port}/${unmigrated.name} needs migrating before role "${ROLE}" can use it (`,
      );
      expect(line).toContain(reason);
      expect(
        line?.endsWith(
          'run `tickstock migrate` as the schema owner (library: openStore({ migrate: true }) connected as the owner), then start again',
        ),
      ).toBe(true);
    },
    60_000,
  );
});
