/**
 * `tickstock track`, `import` and `retry` through the CLI's entry point (`main`), in process to keep the suite quick:
 * output, exit codes, and usage errors before anything is touched. (test/cli.test.ts runs the CLI as a child process.)
 */
import { createTestDatabase, type TestDatabase } from '@tickstock/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from './support/run-cli.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('cli_import');
  process.env.DATABASE_URL = db.url;
  process.env.LOG_LEVEL = 'silent';
  process.env.TICKSTOCK_ALLOW_SYNTHETIC = 'true'; // the simulator's prices into this throwaway database, on purpose
  // No Redis at all, whichever way it could be configured (REDIS_HOST/PORT/DB also configure it).
  for (const name of ['REDIS_URL', 'REDIS_HOST', 'REDIS_PORT', 'REDIS_DB', 'REDIS_PASSWORD']) delete process.env[name];
  delete process.env.TICKSTOCK_API_TOKEN;
});
afterAll(async () => {
  await db?.drop();
});

const tickstock = runCliInProcess;

describe('tickstock track', () => {
  it('adds symbols with their asset class, deactivates, and lists them (active only unless --all)', async () => {
    const add = await tickstock(['track', 'add', 'aapl', 'SPY', 'X:BTCUSD']);
    expect(add).toMatchObject({ code: 0, stdout: 'tracking AAPL (stock), SPY (etf), X:BTCUSD (crypto)\n' });
    expect(await tickstock(['track', 'deactivate', 'AAPL'])).toMatchObject({ code: 0, stdout: 'deactivated AAPL\n' });
    const active = await tickstock(['track', 'list', '--json']);
    expect(JSON.parse(active.stdout).map((r: { symbol: string }) => r.symbol)).toEqual(['SPY', 'X:BTCUSD']);
    const all = JSON.parse((await tickstock(['track', 'list', '--all', '--json'])).stdout);
    expect(all).toEqual([
      { symbol: 'AAPL', asset_class: 'stock', active: false, backfill_status: null, backfill_error: null, last_backfill: null },
      { symbol: 'SPY', asset_class: 'etf', active: true, backfill_status: null, backfill_error: null, last_backfill: null },
      { symbol: 'X:BTCUSD', asset_class: 'crypto', active: true, backfill_status: null, backfill_error: null, last_backfill: null },
    ]);
    const table = await tickstock(['track', 'list']);
    expect(table.stdout).toMatch(/SPY\s*│ etf\s*│ yes\s*│ -/);
  });

  it('refuses bad input with one clear line and changes nothing', async () => {
    expect(await tickstock(['track', 'add', 'BTCUSD', '--asset-class', 'crypto'])).toMatchObject({
      code: 2,
      stdout: '',
      stderr: 'tickstock: crypto tickers start with X: (X:BTCUSD) and only they are crypto: BTCUSD\n',
    });
    expect((await tickstock(['track', 'add', 'MSFT', '--asset-class', 'bond'])).stderr).toBe(
      'tickstock: --asset-class must be one of stock, etf, crypto (got "bond")\n',
    );
    expect((await tickstock(['track', 'deactivate', 'SPY', 'NOPE'])).stderr).toBe('tickstock: not tracked: NOPE (nothing changed)\n');
    expect(JSON.parse((await tickstock(['track', 'list', '--json'])).stdout).map((r: { symbol: string }) => r.symbol)).toEqual([
      'SPY',
      'X:BTCUSD',
    ]);
  });
});

describe('tickstock import and retry', () => {
  it('imports the tracked symbols (the default universe) and records their backfill; exit 0 when all load', async () => {
    const r = await tickstock(['import', '--timeframes', 'day', '--lookback-days', '5', '--simulator', '--json']);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.run).toMatchObject({ status: 'completed', phase: 'data_import', stats: { failed_symbols: [] } });
    expect(summary.successful_symbols.sort()).toEqual(['SPY', 'X:BTCUSD']);
    const tracked = JSON.parse((await tickstock(['track', 'list', '--json'])).stdout);
    expect(tracked.map((t: { backfill_status: string }) => t.backfill_status)).toEqual(['completed', 'completed']);
  });

  it('exits 1 when symbols failed above the threshold, and retry re-runs just those (retry_count 1)', async () => {
    const r = await tickstock([
      'import',
      '--symbols',
      'KO,ZZZNOTREAL',
      '--timeframes',
      'day',
      '--lookback-days',
      '5',
      '--success-threshold',
      '0.5',
      '--simulator',
      '--json',
    ]);
    expect(r.code).toBe(1);
    const summary = JSON.parse(r.stdout);
    expect(summary.run).toMatchObject({ status: 'completed', stats: { failed_symbols: ['ZZZNOTREAL'] } });
    const retry = await tickstock(['retry', summary.run_id, '--simulator', '--json']);
    // The ticker still does not exist: the retry loads nothing (exit 2); the run stays completed, retried once.
    expect(retry.code).toBe(2);
    const after = JSON.parse(retry.stdout);
    expect(after).toMatchObject({ run_id: summary.run_id, retry_count: 1, failed_symbols: ['ZZZNOTREAL'] });
    expect(after.run).toMatchObject({ status: 'completed', retry_count: 1 });
    const none = await tickstock(['retry', 'import_nope', '--simulator']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(
      /^tickstock: using the built-in Massive API simulator \(http:\/\/127\.0\.0\.1:\d+\): prices are SYNTHETIC\n/,
    );
    expect(none.stderr.split('\n').slice(1).join('\n')).toBe(
      'note: REDIS_URL is not set: this run takes no cross-worker import lock and publishes no status or events\n' +
        'tickstock: no import run "import_nope"\n',
    );
  });

  it('refuses an unknown universe and a bad schedule before touching anything', async () => {
    expect(await tickstock(['import', '--universe', 'sp500,russell9000', '--simulator'])).toMatchObject({
      code: 2,
      stderr:
        'tickstock: invalid import options: universes.1: unknown universe "russell9000": use sp500, nasdaq100, dow30, etf, tracked, or a CSV file name in TICKSTOCK_UNIVERSE_DIR\n',
    });
    const worker = await tickstock(['worker', '--schedule', '61 20 * * 1-5']);
    expect(worker.code).toBe(2);
    expect(worker.stderr).toMatch(/^tickstock: invalid schedule "61 20 \* \* 1-5": .*minute/);
  });
});
