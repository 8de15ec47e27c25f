/**
 * The durable executor over a real Redis: a coordinator (QueueExecutor) and symbol runners (SymbolRunner) in this
 * process, with a loader that only records what it was asked to load (the storage path is covered end to end
 * elsewhere). Proves the queue semantics: each symbol once across replicas, re-planning collects instead of
 * reloading, lost entries are added again, transient failures are retried, a fatal error and a cancel stop the job.
 */
import { Writable } from 'node:stream';
import { type MassiveError, MassiveHttpError, MassivePaginationError, MassiveResponseError } from '@tickstock/massive-client';
import { StoreError } from '@tickstock/ohlcv-store';
import { type RedisServer, startRedisServer, uniquePrefix, waitFor } from '@tickstock/test-support';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DayColumns } from '../src/engine/day-columns.js';
import { FatalJobError } from '../src/engine/errors.js';
import { loadPlannedSymbol, perTickerPlan } from '../src/engine/load-symbol.js';
import { JobStop } from '../src/engine/run-job.js';
import type { MarketDataPort, PlannedSymbol, StorePort, SymbolResult } from '../src/engine/types.js';
import { DayHandoff, suppliedDaysKey } from '../src/execution/day-handoff.js';
import type { SymbolExecutionHooks } from '../src/execution/executor.js';
import { QueueExecutor } from '../src/execution/queue-executor.js';
import { cancelledKey, QUEUE_DEFAULTS, QUEUE_PREFIX, type QueueSettings, SYMBOLS_QUEUE, symbolEntryId } from '../src/execution/queues.js';
import type { SymbolEntryData, SymbolEntryOutcome } from '../src/execution/symbol-entry.js';
import { SymbolRunner } from '../src/execution/symbol-runner.js';
import { createLogger } from '../src/logging/logger.js';
import { SecretScrubber } from '../src/logging/secrets.js';

const scrubber = new SecretScrubber();
const logger = createLogger({ level: 'silent', scrubber, destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const settings: QueueSettings = { ...QUEUE_DEFAULTS, lockDurationMs: 2000, symbolBackoffMs: 50, reconcileIntervalMs: 200 };
const RANGES = [{ timeframe: 'day' as const, from: '2026-01-02', to: '2026-01-30' }];

let server: RedisServer;
let redis: Redis;
let connection: Redis;
const closers: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  server = await startRedisServer();
  redis = new Redis(server.url);
  connection = new Redis(server.url, { maxRetriesPerRequest: null });
});

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

afterAll(async () => {
  redis.disconnect();
  connection.disconnect();
  await server.stop();
});

const ok = (symbol: string): SymbolResult => ({
  symbol,
  ok: true,
  timeframes: [],
  recordsImported: 10,
  processingTimeMs: 1,
  interrupted: false,
});

type Loader = (entry: SymbolEntryData, signal: AbortSignal) => Promise<SymbolResult>;

function runner(load: Loader, concurrency = 2, overrides: Partial<QueueSettings> = {}): SymbolRunner {
  const r = new SymbolRunner({ connection, redis, concurrency, settings: { ...settings, ...overrides }, load, logger, scrubber });
  r.start();
  closers.push(() => r.stop(1000, 'test over'));
  return r;
}

async function coordinator(handoff = new DayHandoff(redis, 600), overrides: Partial<QueueSettings> = {}): Promise<QueueExecutor> {
  const queue = new Queue<SymbolEntryData, SymbolEntryOutcome>(SYMBOLS_QUEUE, { connection, prefix: QUEUE_PREFIX });
  const eventsConnection = connection.duplicate();
  const events = new QueueEvents(SYMBOLS_QUEUE, { connection: eventsConnection, prefix: QUEUE_PREFIX });
  await events.waitUntilReady();
  closers.push(async () => {
    await events.close();
    await queue.close();
    eventsConnection.disconnect();
  });
  return new QueueExecutor({ queue, events, redis, settings: { ...settings, ...overrides }, handoff, logger, scrubber });
}

function hooks(jobId: string, signal = new AbortController().signal) {
  const started: string[] = [];
  const results: SymbolResult[] = [];
  const h: SymbolExecutionHooks = {
    task: { jobId, ranges: RANGES },
    signal,
    onStart: async (symbol) => {
      started.push(symbol);
    },
    onResult: async (result) => {
      results.push(result);
    },
  };
  return { hooks: h, started, results };
}

const neverCalled = async (): Promise<SymbolResult> => {
  throw new Error('the coordinator must not run symbols itself');
};
const symbols = (n: number) => Array.from({ length: n }, (_, i) => `S${String(i).padStart(2, '0')}`);
const sorted = (xs: string[]) => [...xs].sort();

describe('durable execution on the queue', () => {
  it('loads every symbol exactly once across two replicas, and both take part', async () => {
    const loads: Record<string, string[]> = { a: [], b: [] };
    const slow =
      (who: 'a' | 'b'): Loader =>
      async (entry) => {
        loads[who]?.push(entry.symbol);
        await new Promise((r) => setTimeout(r, 20));
        return ok(entry.symbol);
      };
    runner(slow('a'));
    runner(slow('b'));
    const executor = await coordinator();
    const jobId = uniquePrefix('job');
    const h = hooks(jobId);
    await executor.run(symbols(20), neverCalled, h.hooks);
    expect(sorted(h.results.map((r) => r.symbol))).toEqual(symbols(20));
    expect(sorted([...(loads.a ?? []), ...(loads.b ?? [])])).toEqual(symbols(20));
    expect(loads.a?.length).toBeGreaterThan(0);
    expect(loads.b?.length).toBeGreaterThan(0);
    expect(sorted(h.started)).toEqual(symbols(20));
  });

  it('a new coordinator of the same job collects finished symbols from the queue without loading them again', async () => {
    const loaded: string[] = [];
    runner(async (entry) => {
      loaded.push(entry.symbol);
      return ok(entry.symbol);
    });
    const jobId = uniquePrefix('job');
    await (await coordinator()).run(symbols(5), neverCalled, hooks(jobId).hooks);
    expect(loaded.length).toBe(5);
    const again = hooks(jobId);
    await (await coordinator()).run(symbols(5), neverCalled, again.hooks);
    expect(loaded.length).toBe(5);
    expect(sorted(again.results.map((r) => r.symbol))).toEqual(symbols(5));
    expect(again.results.every((r) => r.ok && r.recordsImported === 10)).toBe(true);
  });

  it('adds entries lost from Redis again (a restart without persistence) and completes', async () => {
    let gate: () => void = () => {};
    const opened = new Promise<void>((resolve) => {
      gate = resolve;
    });
    const executor = await coordinator();
    const jobId = uniquePrefix('job');
    const h = hooks(jobId);
    const running = executor.run(symbols(4), neverCalled, h.hooks);
    // The entries are queued but nobody takes them yet; then they vanish.
    await waitFor(async () => (await redis.exists(`${QUEUE_PREFIX}:${SYMBOLS_QUEUE}:${symbolEntryId(jobId, 'S03')}`)) === 1, {
      what: 'the entries to be queued',
    });
    const keys = await redis.keys(`${QUEUE_PREFIX}:${SYMBOLS_QUEUE}:*`);
    await redis.del(...keys);
    runner(async (entry) => {
      await opened;
      return ok(entry.symbol);
    });
    gate();
    await running;
    expect(sorted(h.results.map((r) => r.symbol))).toEqual(symbols(4));
  });

  it('retries a symbol that failed transiently, and reports it loaded', async () => {
    const attempts: Record<string, number> = {};
    runner(async (entry) => {
      attempts[entry.symbol] = (attempts[entry.symbol] ?? 0) + 1;
      if (entry.symbol === 'S01' && (attempts[entry.symbol] ?? 0) < 3)
        return { ...ok(entry.symbol), ok: false, errorCode: 'CONNECTION_FAILED', errorMessage: 'database restarting', retryable: true };
      return ok(entry.symbol);
    });
    const h = hooks(uniquePrefix('job'));
    await (await coordinator()).run(symbols(3), neverCalled, h.hooks);
    expect(attempts).toEqual({ S00: 1, S01: 3, S02: 1 });
    expect(h.results.every((r) => r.ok)).toBe(true);
  });

  it('gives up after the configured attempts and reports the transient code', async () => {
    runner(async (entry) => ({
      ...ok(entry.symbol),
      ok: false,
      errorCode: 'NETWORK_ERROR',
      errorMessage: 'connection reset',
      retryable: true,
    }));
    const h = hooks(uniquePrefix('job'));
    await (await coordinator()).run(['S00'], neverCalled, h.hooks);
    expect(h.results).toEqual([
      {
        symbol: 'S00',
        ok: false,
        errorCode: 'NETWORK_ERROR',
        errorMessage: 'connection reset',
        retryable: true,
        timeframes: [],
        recordsImported: 10,
        processingTimeMs: 1,
        interrupted: false,
      },
    ]);
  });

  it('a symbol that hangs fails once with SYMBOL_TIME_BUDGET when its budget runs out, and is not retried', async () => {
    const attempts: number[] = [];
    // What a load does when its signal aborts mid-request: an interrupted result.
    runner(
      async (entry, signal) => {
        attempts.push(entry.budgetSpentMs ?? 0);
        await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
        return { ...ok(entry.symbol), ok: false, interrupted: true, errorCode: 'ABORTED', errorMessage: 'stopped while loading' };
      },
      1,
      { symbolBudgetMs: 300 },
    );
    const h = hooks(uniquePrefix('job'));
    await (await coordinator()).run(['S00'], neverCalled, h.hooks);
    expect(attempts).toEqual([0]);
    expect(h.results).toMatchObject([
      {
        symbol: 'S00',
        ok: false,
        interrupted: false,
        errorCode: 'SYMBOL_TIME_BUDGET',
        errorMessage: 'S00 did not load within its time budget of 300 ms (every attempt and retry together)',
      },
    ]);
  });

  it('a symbol’s budget spans its queue attempts: transient failures stop being retried once it is used up', async () => {
    const spent: number[] = [];
    runner(
      async (entry) => {
        spent.push(entry.budgetSpentMs ?? 0);
        await new Promise((r) => setTimeout(r, 200));
        return { ...ok(entry.symbol), ok: false, errorCode: 'NETWORK_TIMEOUT', errorMessage: 'no answer in 30 s', retryable: true };
      },
      1,
      { symbolBudgetMs: 500 },
    );
    const h = hooks(uniquePrefix('job'));
    await (await coordinator()).run(['S00'], neverCalled, h.hooks);
    // Attempts 1 and 2 used 200 ms each; attempt 3 ran out after 100 ms; there was no attempt 4.
    expect(spent.length).toBe(3);
    expect(spent[0]).toBe(0);
    expect(spent[1]).toBeGreaterThanOrEqual(200);
    expect(spent[2]).toBeGreaterThanOrEqual(400);
    expect(h.results).toMatchObject([{ symbol: 'S00', ok: false, interrupted: false, errorCode: 'SYMBOL_TIME_BUDGET' }]);
  });

  describe('the error decides whether the queue tries again (real client and store errors through the symbol loader)', () => {
    const market = (error: Error): MarketDataPort => ({
      details: async (symbol) => ({ symbol }),
      groupedDaily: async () => [],
      // biome-ignore lint/correctness/useYield: the API fails before its first bar
      async *bars() {
        throw error;
      },
    });
    const store: StorePort = {
      registerSymbol: async () => undefined,
      async writeBars(_tf, _symbol, bars) {
        let n = 0;
        for await (const _ of bars) n++;
        return { fetched: n, written: n, unchanged: 0, rejected: 0 };
      },
      readDayBars: async () => [],
    };
    const loadWith =
      (m: MarketDataPort, s: StorePort = store): Loader =>
      (entry, signal) =>
        loadPlannedSymbol(perTickerPlan(entry.symbol, entry.ranges), { market: m, store: s }, signal);
    /** Attempts the coordinator gives each symbol (`settings.symbolAttempts`). */
    const ALL = settings.symbolAttempts;
    const cases: [string, number, () => MassiveError][] = [
      [
        'a schema mismatch (INVALID_RESPONSE, not retryable)',
        1,
        () => new MassiveResponseError('results[0].t: expected number', { retryable: false }),
      ],
      [
        'a truncated body (INVALID_RESPONSE, retryable)',
        ALL,
        () => new MassiveResponseError('HTTP 200 with a body that is not JSON', { retryable: true }),
      ],
      ['a 503 after the client’s retries (SERVER_ERROR)', ALL, () => new MassiveHttpError('SERVER_ERROR', 'HTTP 503', { status: 503 })],
      ['a refused cursor (PAGINATION_REFUSED)', 1, () => new MassivePaginationError('next_url cycles')],
    ];
    it.each(cases)('%s: %i attempt(s)', async (_what, expected, makeError) => {
      let attempts = 0;
      runner((entry, signal) => {
        attempts++;
        return loadWith(market(makeError()))(entry, signal);
      }, 1);
      const h = hooks(uniquePrefix('job'));
      await (await coordinator()).run(['S00'], neverCalled, h.hooks);
      expect(attempts).toBe(expected);
      expect(h.results).toMatchObject([{ symbol: 'S00', ok: false, errorCode: makeError().code }]);
    });

    it('a constraint violation in the store (STORAGE_FAILED, not retryable): 1 attempt', async () => {
      let attempts = 0;
      const violating: StorePort = {
        ...store,
        writeBars: async () => {
          throw new StoreError('STORAGE_FAILED', 'writing a batch failed: value too long for type character varying(10)', {
            retryable: false,
          });
        },
      };
      const served: MarketDataPort = {
        ...market(new Error('unused')),
        async *bars() {
          yield { timestamp: Date.parse('2026-01-02T05:00:00Z'), open: 1, high: 1, low: 1, close: 1, volume: 1 };
        },
      };
      runner((entry, signal) => {
        attempts++;
        return loadWith(served, violating)(entry, signal);
      }, 1);
      const h = hooks(uniquePrefix('job'));
      await (await coordinator()).run(['S00'], neverCalled, h.hooks);
      expect(attempts).toBe(1);
      expect(h.results).toMatchObject([{ symbol: 'S00', ok: false, errorCode: 'STORAGE_FAILED' }]);
    });

    it('a 429 past the client’s retries goes back to the queue without spending an attempt', async () => {
      let calls = 0;
      const open: MarketDataPort = { ...market(new Error('unused')), async *bars() {} };
      const limited = market(new MassiveHttpError('API_RATE_LIMIT', 'HTTP 429', { status: 429 }));
      runner((entry, signal) => {
        calls++;
        return loadWith(calls <= 2 ? limited : open)(entry, signal);
      }, 1);
      const h = hooks(uniquePrefix('job'));
      // One attempt per symbol: a 429 that spent it would end the symbol failed.
      await (await coordinator(undefined, { symbolAttempts: 1 })).run(['S00'], neverCalled, h.hooks);
      // One attempt allowed, three runs: the two the API limited spent none.
      expect(calls).toBe(3);
      expect(h.results).toMatchObject([{ symbol: 'S00', ok: true }]);
    }, 30_000);
  });

  it('a job-fatal error (bad API key) rejects the run and stops the job’s other symbols everywhere', async () => {
    const loaded: string[] = [];
    runner(async (entry) => {
      loaded.push(entry.symbol);
      throw new FatalJobError('API_KEY_INVALID', 'the API refused the key');
    }, 1);
    const jobId = uniquePrefix('job');
    const run = (await coordinator()).run(symbols(10), neverCalled, hooks(jobId).hooks);
    await expect(run).rejects.toMatchObject({ name: 'FatalJobError', code: 'API_KEY_INVALID' });
    expect(loaded).toEqual(['S00']);
    expect(await redis.exists(cancelledKey(jobId))).toBe(1);
  });

  it('after a job-fatal error, no symbol start reaches the hooks once the run has rejected (its row would stay processing)', async () => {
    // Replicas start other symbols while the fatal one fails; the hooks are slow, so starts are still being reported
    // while the coordinator waits for them. Every start it takes reaches the hooks before it rejects, none after.
    const load: Loader = async (entry, signal) => {
      if (entry.symbol === 'S00') throw new FatalJobError('API_KEY_INVALID', 'the API refused the key');
      await new Promise((r) => setTimeout(r, 100));
      return { ...ok(entry.symbol), ok: !signal.aborted, interrupted: signal.aborted };
    };
    runner(load, 1);
    runner(load, 1);
    const jobId = uniquePrefix('job');
    const h = hooks(jobId);
    const onStart = h.hooks.onStart;
    h.hooks.onStart = async (symbol) => {
      await new Promise((r) => setTimeout(r, 150));
      await onStart(symbol);
    };
    const run = (await coordinator()).run(symbols(12), neverCalled, h.hooks);
    await expect(run).rejects.toMatchObject({ name: 'FatalJobError', code: 'API_KEY_INVALID' });
    const atRejection = [...h.started];
    await new Promise((r) => setTimeout(r, 500));
    expect(h.started).toEqual(atRejection);
  });

  it('a cancel removes the entries nobody took, marks the job cancelled, and returns', async () => {
    const controller = new AbortController();
    const loaded: string[] = [];
    runner(async (entry, signal) => {
      loaded.push(entry.symbol);
      controller.abort(new JobStop('cancel', 'test'));
      await new Promise((r) => setTimeout(r, 50));
      return { ...ok(entry.symbol), ok: !signal.aborted, interrupted: signal.aborted };
    }, 1);
    const jobId = uniquePrefix('job');
    const h = hooks(jobId, controller.signal);
    await (await coordinator()).run(symbols(10), neverCalled, h.hooks);
    expect(await redis.exists(cancelledKey(jobId))).toBe(1);
    expect(loaded.length).toBeLessThanOrEqual(2);
    const queue = new Queue(SYMBOLS_QUEUE, { connection, prefix: QUEUE_PREFIX });
    const left = await Promise.all(symbols(10).map((s) => queue.getJob(symbolEntryId(jobId, s))));
    const states = await Promise.all(left.filter((j) => j !== undefined).map((j) => j.getState()));
    await queue.close();
    // What remains are the entries a runner had taken (finished); nothing is left waiting to be loaded.
    expect(states.length).toBeGreaterThanOrEqual(loaded.length);
    expect(states.every((s) => s === 'completed')).toBe(true);
  });

  it('hands grouped-daily day bars to a symbol loading on another replica through Redis, not in the entry, and deletes them once the job settles', async () => {
    const jobId = uniquePrefix('job');
    const day = (d: number) => ({ timestamp: Date.UTC(2026, 0, d, 5), open: d, high: d + 1, low: d - 1, close: d + 0.5, volume: 100 * d });
    const planned = new Map<string, PlannedSymbol>();
    for (const symbol of ['AAA', 'BBB']) {
      planned.set(symbol, {
        plan: { symbol, details: false, steps: [{ timeframe: 'day', from: '2026-01-02', to: '2026-01-30', source: 'grouped' }] },
        supplied:
          symbol === 'AAA'
            ? { days: DayColumns.fromBars([day(6), day(5)]) }
            : { days: DayColumns.empty, error: { code: 'SERVER_ERROR', message: 'grouped daily stocks 2026-01-05: 502' } },
      });
    }
    const seen = new Map<string, unknown>();
    const entrySizes: number[] = [];
    // The replica's own handoff: nothing in memory, so it reads Redis.
    const replica = new DayHandoff(redis, 600);
    runner(async (entry) => {
      entrySizes.push(JSON.stringify(entry).length);
      seen.set(entry.symbol, await replica.take(entry.jobId, entry.symbol));
      return ok(entry.symbol);
    });
    const h = hooks(jobId);
    h.hooks.task.planned = planned;
    await (await coordinator()).run(['AAA', 'BBB'], neverCalled, h.hooks);
    const aaa = seen.get('AAA') as { days: DayColumns };
    expect(aaa.days.toBars()).toEqual([day(5), day(6)]);
    expect(seen.get('BBB')).toEqual({
      days: DayColumns.empty,
      error: { code: 'SERVER_ERROR', message: 'grouped daily stocks 2026-01-05: 502' },
    });
    // The entries carry the plan only; the job's copy was released once handed on.
    expect(Math.max(...entrySizes)).toBeLessThan(400);
    expect([...planned.values()].map((p) => p.supplied)).toEqual([undefined, undefined]);
    expect(await redis.exists(suppliedDaysKey(jobId))).toBe(0);
  });
});
