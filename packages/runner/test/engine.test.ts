/**
 * The job engine on its own: plan, per-symbol load and final status, with small in-memory ports standing in
 * for the API and the store (the end-to-end tests run the same engine against the simulator, PostgreSQL and Redis).
 */
import { describe, expect, it } from 'vitest';
import type { JobReporter } from '../src/engine/progress.js';
import { JobStop, runLoadJob } from '../src/engine/run-job.js';
import type { LoadJob, MarketDataPort, StorePort, SymbolMeta, TimeframeRange } from '../src/engine/types.js';
import { InProcessExecutor } from '../src/execution/executor.js';

interface Bar {
  timestamp: number;
  open: number;
  high: number;
  low: number;
  close: number;
}

class CodedError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const bar = (t: number): Bar => ({ timestamp: t, open: 1, high: 2, low: 0.5, close: 1.5 });

function market(
  opts: {
    unknown?: string[];
    failTimeframe?: { symbol: string; timeframe: string; code: string };
    keyInvalid?: boolean;
    onBars?: (s: string) => Promise<void> | void;
  } = {},
) {
  const calls: string[] = [];
  const port: MarketDataPort = {
    async details(symbol): Promise<SymbolMeta | null> {
      calls.push(`details ${symbol}`);
      if (opts.keyInvalid) throw new CodedError('API_KEY_INVALID', 'Unknown API Key');
      return opts.unknown?.includes(symbol) ? null : { symbol, name: `${symbol} Inc.` };
    },
    async *bars(symbol: string, range: TimeframeRange) {
      calls.push(`bars ${symbol} ${range.timeframe}`);
      await opts.onBars?.(symbol);
      if (opts.failTimeframe && opts.failTimeframe.symbol === symbol && opts.failTimeframe.timeframe === range.timeframe) {
        throw new CodedError(opts.failTimeframe.code, 'entitlement');
      }
      if (opts.unknown?.includes(symbol)) return;
      yield bar(1);
      yield bar(2);
    },
    async groupedDaily() {
      return [];
    },
  };
  return { port, calls };
}

function store() {
  const registered: SymbolMeta[] = [];
  const rows = new Map<string, number>();
  const port: StorePort = {
    async registerSymbol(meta) {
      registered.push(meta);
    },
    async writeBars(timeframe, symbol, bars) {
      let n = 0;
      for await (const b of bars) {
        rows.set(`${timeframe}|${symbol}|${b.timestamp}`, b.close);
        n++;
      }
      return { fetched: n, written: n, unchanged: 0, rejected: 0 };
    },
    async readDayBars() {
      return [];
    },
  };
  return { port, registered, rows };
}

const job = (symbols: string[], timeframes: ('day' | 'hour')[] = ['day', 'hour']): LoadJob => ({
  jobId: 'job-1',
  jobType: 'csv_universe_load',
  source: { kind: 'symbols', symbols },
  ranges: timeframes.map((timeframe) => ({ timeframe, from: '2025-01-02', to: '2025-01-03' })),
});

const deps = (m: MarketDataPort, s: StorePort, reporters: JobReporter[] = [], concurrency = 2) => ({
  market: m,
  store: s,
  executor: new InProcessExecutor(concurrency),
  resolveSymbols: async (src: LoadJob['source']) => (src.kind === 'symbols' ? src.symbols : []),
  reporters,
});

describe('runLoadJob', () => {
  it('loads every timeframe of every symbol and completes', async () => {
    const m = market();
    const s = store();
    const out = await runLoadJob(job(['AAPL', 'MSFT']), deps(m.port, s.port));
    expect(out.status).toBe('completed');
    expect(out.successfulSymbols.sort()).toEqual(['AAPL', 'MSFT']);
    expect(out.recordsImported).toBe(8);
    expect(s.rows.size).toBe(8);
    expect(s.registered.map((r) => r.symbol).sort()).toEqual(['AAPL', 'MSFT']);
  });

  it('marks an unknown ticker failed with SYMBOL_NOT_FOUND, registers it alone, and completes the rest with errors', async () => {
    const m = market({ unknown: ['ZZZZ'] });
    const s = store();
    const out = await runLoadJob(job(['AAPL', 'ZZZZ']), deps(m.port, s.port));
    expect(out.status).toBe('completed_with_errors');
    expect(out.failedSymbols).toEqual(['ZZZZ']);
    expect(out.results.find((r) => r.symbol === 'ZZZZ')?.errorCode).toBe('SYMBOL_NOT_FOUND');
    expect(s.registered).toContainEqual({ symbol: 'ZZZZ' });
    expect(out.recordsImported).toBe(4);
  });

  it('records a failed timeframe but still loads the symbol’s other timeframes', async () => {
    const m = market({ failTimeframe: { symbol: 'AAPL', timeframe: 'hour', code: 'NOT_ENTITLED' } });
    const s = store();
    const out = await runLoadJob(job(['AAPL']), deps(m.port, s.port));
    const r = out.results[0];
    expect(r?.ok).toBe(false);
    expect(r?.errorCode).toBe('NOT_ENTITLED');
    expect(r?.timeframes.map((t) => [t.timeframe, t.written, t.error?.code])).toEqual([
      ['day', 2, undefined],
      ['hour', 0, 'NOT_ENTITLED'],
    ]);
    expect(out.status).toBe('failed');
    expect(out.errorCode).toBe('NOT_ENTITLED');
  });

  it('stops the whole job at once on API_KEY_INVALID', async () => {
    const m = market({ keyInvalid: true });
    const s = store();
    const out = await runLoadJob(job(Array.from({ length: 20 }, (_, i) => `S${i}`)), deps(m.port, s.port, [], 1));
    expect(out.status).toBe('failed');
    expect(out.errorCode).toBe('API_KEY_INVALID');
    expect(m.calls).toEqual(['details S0']);
    expect(out.message).toContain('API_KEY_INVALID');
  });

  it('fails the job with the resolver’s reason when the symbols cannot be read', async () => {
    const m = market();
    const s = store();
    const d = deps(m.port, s.port);
    d.resolveSymbols = async () => {
      throw new CodedError('UNIVERSE_INVALID', 'CSV file "../../etc" is outside the universe directory; refused');
    };
    const out = await runLoadJob(job([]), d);
    expect(out.status).toBe('failed');
    expect(out.errorCode).toBe('UNIVERSE_INVALID');
    expect(out.errorMessage).toContain('outside the universe directory');
    expect(m.calls).toEqual([]);
  });

  it('is cancelled mid-job, keeping what was written and starting nothing new', async () => {
    const controller = new AbortController();
    let loaded = 0;
    const m = market({
      onBars: () => {
        loaded++;
        if (loaded === 3) controller.abort(new JobStop('cancel', 'admin'));
      },
    });
    const s = store();
    const symbols = Array.from({ length: 10 }, (_, i) => `S${i}`);
    const out = await runLoadJob(job(symbols, ['day']), deps(m.port, s.port, [], 1), controller.signal);
    expect(out.status).toBe('cancelled');
    expect(out.message).toContain('cancelled by admin');
    expect(out.successfulSymbols).toEqual(['S0', 'S1', 'S2']);
    expect(s.rows.size).toBe(6);
    expect(m.calls.filter((c) => c.startsWith('details')).length).toBe(3);
  });

  it('reports progress to every reporter and survives one that throws', async () => {
    const seen: string[] = [];
    const reporters: JobReporter[] = [
      {
        name: 'broken',
        symbolFinished() {
          throw new Error('boom');
        },
      },
      {
        name: 'recorder',
        jobStarted: (info, snap) => void seen.push(`start ${info.symbols.length} ${snap.percent}`),
        symbolFinished: (r, snap) => void seen.push(`${r.symbol} ${snap.processed}/${snap.symbolsTotal} ${snap.percent}%`),
        jobFinished: (o, snap) => void seen.push(`end ${o.status} ${snap.percent}`),
      },
    ];
    const errors: string[] = [];
    const d = { ...deps(market().port, store().port, reporters, 1), onReporterError: (name: string) => void errors.push(name) };
    const out = await runLoadJob(job(['A', 'B', 'C', 'D']), d);
    expect(out.status).toBe('completed');
    expect(seen).toEqual(['start 4 0', 'A 1/4 25%', 'B 2/4 50%', 'C 3/4 75%', 'D 4/4 100%', 'end completed 100']);
    expect(errors).toEqual(['broken', 'broken', 'broken', 'broken']);
  });
});

describe('runLoadJob for daily imports', () => {
  it('fetches only what the plan keeps of each range, and makes no call for a range it skips', async () => {
    const m = market();
    const s = store();
    const d = {
      ...deps(m.port, s.port, [], 1),
      planning: {
        knowledge: async (j: LoadJob, symbols: readonly string[]) =>
          new Map(
            symbols.map((symbol) => [
              symbol,
              {
                ranges: j.ranges.filter((r) => r.timeframe === 'day').map((r) => ({ ...r, from: '2025-01-03' })),
                skipped: j.ranges.filter((r) => r.timeframe === 'hour'),
                detailsFresh: false,
              },
            ]),
          ),
        options: { groupedDaily: false },
      },
    };
    const out = await runLoadJob(job(['AAPL']), d);
    expect(m.calls).toEqual(['details AAPL', 'bars AAPL day']);
    expect(out.results[0]?.timeframes.map((t) => [t.timeframe, t.from, t.skipped ?? false, t.fetched])).toEqual([
      ['hour', '2025-01-02', true, 0],
      ['day', '2025-01-03', false, 2],
    ]);
    expect(out.status).toBe('completed');
  });

  it('skips the details call for a symbol whose details are stored and fresh; everything skipped still counts as loaded', async () => {
    const m = market();
    const s = store();
    const d = {
      ...deps(m.port, s.port, [], 1),
      planning: {
        knowledge: async (j: LoadJob, symbols: readonly string[]) =>
          new Map(symbols.map((symbol) => [symbol, { ranges: [], skipped: j.ranges, detailsFresh: true }])),
      },
    };
    const out = await runLoadJob(job(['AAPL']), d);
    expect(m.calls).toEqual([]);
    expect(s.registered).toEqual([]);
    expect(out).toMatchObject({ status: 'completed', successfulSymbols: ['AAPL'], recordsImported: 0 });
  });

  it('with a success threshold, completes at or above it and fails below it', async () => {
    const symbols = ['A', 'B', 'C', 'D', 'ZZZZ'];
    const at = await runLoadJob({ ...job(symbols), successThreshold: 0.8 }, deps(market({ unknown: ['ZZZZ'] }).port, store().port));
    expect(at).toMatchObject({ status: 'completed', failedSymbols: ['ZZZZ'], errorCode: undefined });
    expect(at.message).toBe('completed: 4 of 5 symbols loaded, 1 failed (80% loaded; success threshold 80%)');
    const below = await runLoadJob({ ...job(symbols), successThreshold: 0.81 }, deps(market({ unknown: ['ZZZZ'] }).port, store().port));
    expect(below).toMatchObject({ status: 'failed', errorCode: 'BELOW_SUCCESS_THRESHOLD' });
    expect(below.message).toBe('failed: 4 of 5 symbols loaded, 1 failed (80% loaded, below the success threshold of 81%)');
  });

  it('with stopOnError, starts no symbol after the first failure and fails the job', async () => {
    const m = market({ unknown: ['B'] });
    const out = await runLoadJob({ ...job(['A', 'B', 'C', 'D']), stopOnError: true }, deps(m.port, store().port, [], 1));
    expect(out).toMatchObject({ status: 'failed', errorCode: 'STOPPED_ON_ERROR', successfulSymbols: ['A'], failedSymbols: ['B'] });
    expect(out.message).toBe('stopped after B failed (continue_on_error is off): 1 of 4 symbols loaded, 1 failed, 2 not started');
    expect(m.calls.filter((c) => c.startsWith('details'))).toEqual(['details A', 'details B']);
  });

  describe('with a grouped-daily pass', () => {
    const symbols = ['AAA', 'BBB', 'CCC', 'DDD', 'EEE'];
    // Wednesday 2025-06-11 after the close: the week built from its days needs 06-09, 06-10 and 06-11 (3 dates for
    // 5 symbols: grouped daily).
    const now = Date.UTC(2025, 5, 12, 1, 30);
    const stamp = (date: string) => Date.parse(`${date}T20:00:00Z`); // 16:00 New York, as grouped daily stamps rows
    const dayJob: LoadJob = {
      jobId: 'job-g',
      jobType: 'csv_universe_load',
      source: { kind: 'symbols', symbols },
      ranges: [
        { timeframe: 'day', from: '2025-06-11', to: '2025-06-11' },
        { timeframe: 'week', from: '2025-06-11', to: '2025-06-11' },
      ],
    };
    const planning = {
      knowledge: async (j: LoadJob, list: readonly string[]) => new Map(list.map((s) => [s, { ranges: j.ranges, detailsFresh: true }])),
      now: () => now,
    };

    function groupedMarket(failDate?: string) {
      const m = market();
      const dates: string[] = [];
      m.port.groupedDaily = async (_market, date) => {
        dates.push(date);
        if (date === failDate) throw new CodedError('API_SERVER_ERROR', 'HTTP 503 after 5 attempts');
        const day = Number(date.slice(-2));
        return symbols.map((ticker) => ({
          ticker,
          timestamp: stamp(date),
          open: day,
          high: day + 1,
          low: day - 1,
          close: day + 0.5,
          volume: 100,
        }));
      };
      return { ...m, dates };
    }

    it("stores each symbol's day bars of its range from the grouped rows, builds the week from all its days, and sends no per-ticker request", async () => {
      const m = groupedMarket();
      const s = store();
      const out = await runLoadJob(dayJob, { ...deps(m.port, s.port, [], 2), planning });
      expect(out.status).toBe('completed');
      expect(m.dates.sort()).toEqual(['2025-06-09', '2025-06-10', '2025-06-11']);
      expect(m.calls).toEqual([]); // no details (stored and fresh), no per-ticker bars
      expect(out.plannedRequests).toEqual({ details: 0, grouped: 3, perTicker: 0, total: 3 });
      // The day table gets 06-11 only (the job's day range); the week is built from 06-09..06-11 by the API's rule.
      const aaa = [...s.rows.entries()].filter(([k]) => k.includes('|AAA|'));
      expect(aaa.map(([k, close]) => [k.split('|')[0], close])).toEqual([
        ['day', 11.5],
        ['week', 11.5],
      ]);
      expect(out.results.find((r) => r.symbol === 'AAA')?.timeframes.map((t) => [t.timeframe, t.source, t.written])).toEqual([
        ['day', 'grouped', 1],
        ['week', 'built', 1],
      ]);
    });

    it('fails the symbols a grouped request served, with its code, when it fails after retries; the week built from those days fails too', async () => {
      const m = groupedMarket('2025-06-10');
      const out = await runLoadJob(dayJob, { ...deps(m.port, store().port, [], 2), planning });
      expect(out.status).toBe('failed');
      expect(out.failedSymbols.sort()).toEqual(symbols);
      const aaa = out.results.find((r) => r.symbol === 'AAA');
      expect(aaa?.errorCode).toBe('API_SERVER_ERROR');
      expect(aaa?.timeframes.map((t) => [t.timeframe, t.error?.code])).toEqual([
        ['day', 'API_SERVER_ERROR'],
        ['week', 'API_SERVER_ERROR'],
      ]);
      expect(aaa?.errorMessage).toContain('grouped daily stocks 2025-06-10: HTTP 503 after 5 attempts');
    });
  });
});
