/**
 * The daily import on the real stack: a 30-symbol CSV universe with one ticker the API does not know, its
 * incremental rerun (counted at the simulator), a retry of the failed symbol, a later day's run that replaces an
 * unfinished bar, and a tracked stock/ETF/crypto list with backfill statuses. All in process, on a fixed clock:
 * Wednesday 2025-06-11, 21:30 New York (after the post-market close).
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHANNELS } from '@tickstock/job-protocol';
import { calendarForTicker, newYorkTimeToUtcMs } from '@tickstock/market-time';
import { type RunningSimulator, startSimulator } from '@tickstock/massive-simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseImportRequest } from '../../src/import/request.js';
import { shippedUniverseSymbols } from '../../src/universe/resolve.js';
import { expectedBars, type Stack, startStack, storedBars } from './harness.js';
import { type ImportRig, importRig, pinWriteTimes, rowCounts } from './import-harness.js';

const NOW = newYorkTimeToUtcMs('2025-06-11', 21, 30);
/** Listed by the universe; unknown to the first simulator, known to the second (listed since). */
const NEWCO = 'NEWCO';
/** Tracked; unknown to the first simulator, known to the second. */
const LATECO = 'LATECO';

let stack: Stack;
let rig: ImportRig;
let universeDir: string;
let good: string[];
/** The same market, where NEWCO exists: what a retry finds once the ticker is listed. */
let listed: RunningSimulator;

const spec = () =>
  parseImportRequest({
    universes: ['thirty.csv'],
    timeframes: ['hour', 'day', 'week'],
    lookback_days: { hourly: 3, daily: 20, weekly: 30 },
  });

beforeAll(async () => {
  stack = await startStack({ now: NOW, unknownTickers: [NEWCO, LATECO] });
  listed = await startSimulator({ apiKey: stack.apiKey, now: NOW });
  universeDir = await mkdtemp(join(tmpdir(), 'tickstock-import-'));
  good = (await shippedUniverseSymbols('dow30')).slice(0, 29);
  await writeFile(join(universeDir, 'thirty.csv'), `symbol\n${[...good.slice(0, 15), NEWCO, ...good.slice(15)].join('\n')}\n`);
  rig = importRig(stack, { clock: () => NOW, universeDir });
}, 120_000);

afterAll(async () => {
  await rig?.close();
  await listed?.close();
  const everything = [...(rig?.logs ?? []), ...stack.events.messages.map((m) => m.text)].join('\n');
  expect(everything).not.toContain(stack.apiKey);
  await stack?.close();
}, 60_000);

const RANGES = { hourly: ['2025-06-08', '2025-06-11'], daily: ['2025-05-22', '2025-06-11'], weekly: ['2025-05-12', '2025-06-11'] } as const;

async function expectStoredAsServed(symbols: string[]) {
  for (const symbol of symbols) {
    for (const [tf, [from, to]] of Object.entries(RANGES) as [keyof typeof RANGES, readonly [string, string]][]) {
      expect({ symbol, tf, bars: await storedBars(stack, symbol, tf) }).toEqual({
        symbol,
        tf,
        bars: expectedBars(stack, symbol, tf, from, to),
      });
    }
  }
}

describe('daily import of a 30-symbol universe with one unknown ticker', () => {
  let runId: string;
  let firstRequests: number;

  it('completes with 29 of 30 (above the 80% threshold), stores exactly what the API serves, and reports it', async () => {
    stack.simulator.reset();
    const started = await rig.coordinator.trigger(spec(), { origin: 'api' });
    runId = started.runId;
    expect(started.symbolsTotal).toBe(30);
    const outcome = await started.done;
    expect(outcome.status).toBe('completed');
    expect(outcome.successfulSymbols.length).toBe(29);
    expect(outcome.failedSymbols).toEqual([NEWCO]);
    expect(outcome.message).toBe('completed: 29 of 30 symbols loaded, 1 failed (96.67% loaded; success threshold 80%)');
    const stats = stack.simulator.stats();
    firstRequests = stats.requests;
    // The planner: the splits check once for the universe; details once per symbol; day bars by grouped daily, one request per trading day from the start
    // of the first week built (fewer than 30 per-ticker requests); week bars built from them; hour bars per ticker.
    const groupedDates = calendarForTicker('AAPL').tradingDays('2025-05-11', '2025-06-11').length;
    expect(groupedDates).toBe(22);
    expect(outcome.plannedRequests).toEqual({
      details: 30,
      grouped: groupedDates,
      perTicker: 30,
      splits: 1,
      total: 30 + groupedDates + 30 + 1,
    });
    expect(stats.byEndpoint).toEqual({ splits: 1, tickerDetails: 30, grouped: groupedDates, aggs: 30 });
    expect(stats.requests).toBe(outcome.plannedRequests?.total); // exactly as planned: no retries happened
    await expectStoredAsServed(good);

    const status = await rig.coordinator.status(runId);
    expect(status).toMatchObject({
      run_id: runId,
      status: 'completed',
      phase: 'data_import',
      progress: { percentage: 100, symbols_completed: 30, symbols_total: 30, current_symbol: null, estimated_completion: null },
      stats: { records_imported: outcome.recordsImported, failed_symbols: [NEWCO] },
      retry_count: 0,
    });
    const served = good.reduce((n, symbol) => {
      return (
        n +
        Object.entries(RANGES).reduce(
          (m, [tf, [from, to]]) => m + expectedBars(stack, symbol, tf as keyof typeof RANGES, from, to).length,
          0,
        )
      );
    }, 0);
    expect(outcome.recordsImported).toBe(served);

    const [progress] = await stack.store.getProgress(runId);
    expect(progress).toMatchObject({ phase: 'data_import', totalItems: 30, completedItems: 29, failedItems: 1, percentComplete: 100 });
    const statuses = await stack.store.getSymbolStatuses(runId, 'data_import');
    expect(statuses.length).toBe(30);
    expect(statuses.find((s) => s.symbol === NEWCO)).toMatchObject({ status: 'failed', retryCount: 0 });
    expect(statuses.find((s) => s.symbol === NEWCO)?.errorMessage).toMatch(/^SYMBOL_NOT_FOUND: /);

    const monitoring = [CHANNELS.dataImportStatus, CHANNELS.monitoring]
      .flatMap((channel) => stack.events.json(channel))
      .filter((e) => (e.payload as { run_id?: string } | undefined)?.run_id === runId);
    const started_ = monitoring.find((e) => e.event === 'data_import_started')?.payload;
    expect(started_).toEqual({
      run_id: runId,
      universe_names: ['thirty.csv'],
      total_symbols: 30,
      timeframes: ['hour', 'day', 'week'],
      lookback_days: { hour: 3, day: 20, week: 30 },
      planned_requests: { total: 83, details: 30, grouped_daily: 22, per_ticker: 30, splits_check: 1 },
    });
    const progressEvents = monitoring.filter((e) => e.event === 'job_progress_update').map((e) => e.payload as Record<string, unknown>);
    expect(progressEvents.length).toBeGreaterThan(0);
    expect(progressEvents.every((p) => p.phase === 'data_import')).toBe(true);
    expect(monitoring.find((e) => e.event === 'data_import_completed')?.payload).toMatchObject({
      run_id: runId,
      total_symbols: 30,
      successful_symbols: 29,
      failed_symbols: 1,
      success_rate: 96.67,
    });
  });

  it('a rerun on the same evening asks the API only about the failed ticker (3 requests and the splits check, no duplicate rows)', async () => {
    await pinWriteTimes(stack, NOW);
    const before = await rowCounts(stack, 'AAPL');
    stack.simulator.reset();
    const started = await rig.coordinator.trigger(spec(), { origin: 'api' });
    const outcome = await started.done;
    expect(outcome.status).toBe('completed');
    const stats = stack.simulator.stats();
    // The unknown ticker has nothing stored: its details, its day bars (which its week is built from) and its hour
    // range again, per ticker (grouped daily for one symbol would cost more). The 29 others: nothing.
    // And the splits check, once for the whole universe.
    expect(stats.byEndpoint).toEqual({ tickerDetails: 1, aggs: 2, splits: 1 });
    expect({ rerun: stats.requests, first: firstRequests }).toEqual({ rerun: 4, first: 83 });
    expect(outcome.plannedRequests?.total).toBe(4);
    const aapl = outcome.results.find((r) => r.symbol === 'AAPL');
    expect(aapl?.timeframes.map((t) => t.skipped)).toEqual([true, true, true]);
    expect(await rowCounts(stack, 'AAPL')).toEqual(before);
    expect(before).toEqual({
      ohlcv_hourly: expectedBars(stack, 'AAPL', 'hourly', ...RANGES.hourly).length,
      ohlcv_daily: 14,
      ohlcv_weekly: 5,
    });
    await expectStoredAsServed(good);
  });

  it('retries the failed symbol under the same run id: retry_count 1, and the run becomes 30 of 30', async () => {
    const retryRig = importRig(stack, { clock: () => NOW, universeDir, simulator: listed });
    try {
      await expect(retryRig.coordinator.retry(runId, ['AAPL'])).rejects.toMatchObject({
        code: 'USAGE',
        message: `not a failed symbol of run ${runId}: AAPL`,
      });
      const started = await retryRig.coordinator.retry(runId);
      expect(started.symbols).toEqual([NEWCO]);
      expect(started.retryCount).toBe(1);
      const outcome = await started.done;
      expect(outcome.successfulSymbols).toEqual([NEWCO]);
      const status = await retryRig.coordinator.status(runId);
      expect(status).toMatchObject({
        status: 'completed',
        retry_count: 1,
        progress: { percentage: 100, symbols_completed: 30, symbols_total: 30 },
        stats: { failed_symbols: [] },
      });
      expect(status?.message).toBe('retry 1: completed: 1 of 1 symbols loaded; run: 30 of 30 symbols loaded');
      const row = (await stack.store.getSymbolStatuses(runId, 'data_import')).find((s) => s.symbol === NEWCO);
      expect(row).toMatchObject({ status: 'completed', retryCount: 1, errorMessage: null });
      await expect(retryRig.coordinator.retry(runId)).rejects.toMatchObject({ code: 'NOTHING_TO_RETRY' });
    } finally {
      await retryRig.close();
    }
  });
});

describe('a run whose worker died', () => {
  it('is settled failed, saying why, when the next run takes the import lock; the new run is unaffected', async () => {
    await stack.store.saveRun({
      runId: 'import_dead_worker',
      phase: 'data_import',
      status: 'running',
      params: {},
      recordsImported: 120,
      message: 'loading 30 symbols',
      retryCount: 0,
      startedAt: NOW - 3_600_000,
      completedAt: null,
    });
    const started = await rig.coordinator.trigger(spec(), { origin: 'api' });
    await started.done;
    const dead = await stack.store.getRun('import_dead_worker');
    expect(dead).toMatchObject({
      status: 'failed',
      phase: 'error',
      recordsImported: 120,
      message: 'interrupted: the worker running it stopped before it finished (bars already written are kept; retry it to load the rest)',
    });
    expect(dead?.completedAt).not.toBeNull();
    // processing_runs speaks the app's words: success, with the app's columns filled (trigger_type manual for the API).
    expect(await stack.store.getRun(started.runId)).toMatchObject({
      status: 'success',
      phase: 'completed',
      kind: 'data_import',
      triggerType: 'manual',
      symbolsTotal: 30,
      // NEWCO was loaded by the retry above: nothing is left to fail.
      symbolsProcessed: 30,
      symbolsFailed: 0,
      errorMessage: null,
    });
    expect(
      rig.logs.some((l) => l.includes('settled import runs left running by a worker that stopped') && l.includes('import_dead_worker')),
    ).toBe(true);
  });
});

describe('incremental loading across days', () => {
  it('resumes at the last stored bar: an unfinished bar written mid-session is replaced by the next run', async () => {
    const midday = newYorkTimeToUtcMs('2025-06-11', 14, 0);
    const middayStack = await startStack({ now: midday });
    const later = newYorkTimeToUtcMs('2025-06-12', 21, 30);
    const laterSim = await startSimulator({ apiKey: middayStack.apiKey, now: later });
    const request = parseImportRequest({ symbols: ['MSFT', 'KO'], timeframes: ['hour', 'day'], lookback_days: 10 });
    try {
      const first = importRig(middayStack, { clock: () => midday });
      await (await first.coordinator.trigger(request, { origin: 'cli' })).done;
      await first.close();
      await pinWriteTimes(middayStack, midday);
      const partial = (await middayStack.store.getBars('daily', 'MSFT')).at(-1);

      const next = importRig(middayStack, { clock: () => later, simulator: laterSim });
      const outcome = await (await next.coordinator.trigger(request, { origin: 'cli' })).done;
      await next.close();
      const msft = outcome.results.find((r) => r.symbol === 'MSFT');
      // Details are known; each range starts at the last stored bar's day (June 11), not 10 days back.
      expect(laterSim.stats().byEndpoint).toEqual({ aggs: 4, splits: 1 });
      expect(msft?.timeframes.map((t) => [t.timeframe, t.from, t.to, t.fetched])).toEqual([
        ['hour', '2025-06-11', '2025-06-12', 32],
        ['day', '2025-06-11', '2025-06-12', 2],
      ]);
      const expectedLater = (tf: 'daily' | 'hourly', symbol: string) =>
        expectedBars({ ...middayStack, simulatorNow: later }, symbol, tf, '2025-06-01', '2025-06-12');
      const daily = await storedBars(middayStack, 'MSFT', 'daily');
      expect(daily).toEqual(expectedLater('daily', 'MSFT'));
      const june11 = daily.find((b) => b.timestamp === partial?.timestamp);
      expect(june11).not.toEqual(
        partial && { timestamp: partial.timestamp, open: partial.open, high: partial.high, low: partial.low, close: partial.close },
      );
      expect(await storedBars(middayStack, 'KO', 'hourly')).toEqual(expectedLater('hourly', 'KO'));
    } finally {
      await laterSim.close();
      await middayStack.close();
    }
  });
});

describe('tracked symbols: stocks, an ETF and crypto', () => {
  it('loads the active tracked rows by symbol and keeps each backfill status; crypto has no weekend gaps', async () => {
    await stack.store.trackSymbols([
      { symbol: 'SPY', assetClass: 'etf' },
      { symbol: 'X:BTCUSD', assetClass: 'crypto' },
      { symbol: 'JPM', assetClass: 'stock' },
      { symbol: LATECO, assetClass: 'stock' },
      { symbol: 'IBM', assetClass: 'stock', active: false },
    ]);
    const request = parseImportRequest({ universes: ['tracked'], timeframes: ['day'], lookback_days: 20, success_threshold: 0.5 });
    const started = await rig.coordinator.trigger(request, { origin: 'schedule' });
    expect(started.symbols).toEqual(['JPM', LATECO, 'SPY', 'X:BTCUSD']);
    const outcome = await started.done;
    expect(outcome.status).toBe('completed');
    expect(outcome.failedSymbols).toEqual([LATECO]);

    const tracked = await stack.store.listTrackedSymbols({ includeInactive: true });
    const view = Object.fromEntries(
      tracked.map((t) => [t.symbol, [t.backfillStatus, t.backfillError?.split(':')[0] ?? null, t.lastBackfill !== null]]),
    );
    expect(view).toEqual({
      IBM: [null, null, false],
      JPM: ['completed', null, true],
      [LATECO]: ['failed', 'SYMBOL_NOT_FOUND', false],
      SPY: ['completed', null, true],
      'X:BTCUSD': ['completed', null, true],
    });

    // 2025-05-22 .. 2025-06-11: 21 calendar days for crypto; 14 trading days for the ETF (Memorial Day closed).
    const btc = await stack.store.symbolStats('X:BTCUSD', 'daily');
    expect({ records: btc.records, first: btc.firstDate, last: btc.lastDate, gaps: btc.gaps }).toEqual({
      records: 21,
      first: '2025-05-22',
      last: '2025-06-11',
      gaps: [],
    });
    const spy = await stack.store.symbolStats('SPY', 'daily');
    expect({ records: spy.records, gaps: spy.gaps }).toEqual({ records: 14, gaps: [] });

    // The retry finds LATECO listed: its failed status (and error) is cleared.
    const retryRig = importRig(stack, { clock: () => NOW, simulator: listed });
    try {
      await (await retryRig.coordinator.retry(started.runId)).done;
    } finally {
      await retryRig.close();
    }
    const lateco = (await stack.store.listTrackedSymbols()).find((t) => t.symbol === LATECO);
    expect(lateco).toMatchObject({ backfillStatus: 'completed', backfillError: null });
    expect(lateco?.lastBackfill).not.toBeNull();
  });
});
