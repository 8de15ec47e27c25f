/**
 * Takes symbols-queue entries, of any job, and loads them: every replica runs one. A transient failure (network,
 * API 5xx/429, database connection) is retried by the queue with exponential backoff; a cancelled job's entries
 * stop at once; on shutdown, entries in flight get `drainTimeoutMs` to finish and are then handed back to the queue.
 */
import { setMaxListeners } from 'node:events';
import type { RedisClient } from '@tickstock/job-protocol';
import { type Job, Worker as QueueWorker, WaitingError } from 'bullmq';
import { errorMessage, FatalJobError } from '../engine/errors.js';
import { landedNote } from '../engine/load-symbol.js';
import { JobStop } from '../engine/run-job.js';
import { failedForOutage, type StoreOutage, StoreOutageTimeout } from '../engine/store-outage.js';
import type { SymbolResult } from '../engine/types.js';
import type { Logger } from '../logging/logger.js';
import type { SecretScrubber } from '../logging/secrets.js';
import { isJobCancelled, markJobCancelled, QUEUE_PREFIX, type QueueSettings, SYMBOLS_QUEUE } from './queues.js';
import { SymbolBudget } from './symbol-budget.js';
import { failedSymbolResult, notRunResult, type SymbolEntryData, type SymbolEntryOutcome, symbolEntryDataSchema } from './symbol-entry.js';

export interface SymbolRunnerOptions {
  /** Connection for the queue (BullMQ needs `maxRetriesPerRequest: null`). */
  connection: RedisClient;
  /** Connection for the cancel marks. */
  redis: RedisClient;
  /** Symbols loaded at once by this replica. */
  concurrency: number;
  settings: QueueSettings;
  load(entry: SymbolEntryData, signal: AbortSignal): Promise<SymbolResult>;
  /**
   * The database's availability: a symbol waits here before it starts while the database is away, and one that
   * failed because the database went away waits for it and loads again (see ../engine/store-outage.ts).
   */
  outage?: StoreOutage | undefined;
  logger: Logger;
  scrubber: SecretScrubber;
}

/** How long a replica takes no symbol after the API limited a request past the client's retries. */
const RATE_LIMIT_PAUSE_MS = 5000;

/** BullMQ's marker error for "back to the queue, no attempt spent" (thrown by `Worker.RateLimitError()`). */
function isRateLimitError(error: unknown): boolean {
  return error instanceof Error && error.name === QueueWorker.RateLimitError().name;
}

/** Raised inside the processor so the queue retries the entry later. */
class TransientSymbolFailure extends Error {
  constructor(code: string, message: string) {
    super(`${code}: ${message}`);
    this.name = 'TransientSymbolFailure';
  }
}

export class SymbolRunner {
  private readonly worker: QueueWorker<SymbolEntryData, SymbolEntryOutcome>;
  private readonly inFlight = new Map<string, Set<AbortController>>();
  /** Jobs cancelled while this replica ran (the Redis mark is the shared record; this saves a round trip). */
  private readonly cancelled = new Set<string>();

  constructor(private readonly options: SymbolRunnerOptions) {
    const s = options.settings;
    this.worker = new QueueWorker(SYMBOLS_QUEUE, (entry, token) => this.process(entry, token), {
      connection: options.connection,
      prefix: QUEUE_PREFIX,
      concurrency: options.concurrency,
      lockDuration: s.lockDurationMs,
      stalledInterval: s.lockDurationMs,
      maxStalledCount: s.maxStalledCount,
      autorun: false,
    });
    this.worker.on('error', (e) => options.logger.warn({ error: options.scrubber.scrub(errorMessage(e)) }, 'symbol queue error'));
  }

  start(): void {
    void this.worker.run().catch((e: unknown) => {
      this.options.logger.error({ error: this.options.scrubber.scrub(errorMessage(e)) }, 'symbol queue stopped');
    });
  }

  /** Symbols loading here now. */
  get active(): number {
    let n = 0;
    for (const set of this.inFlight.values()) n += set.size;
    return n;
  }

  /** Stops this replica's symbols of a job now (their results say they were interrupted). */
  cancel(jobId: string, stop: JobStop): void {
    this.cancelled.add(jobId);
    for (const c of this.inFlight.get(jobId) ?? []) c.abort(stop);
  }

  /** Stops every symbol loading here now. Returns the jobs they belonged to. */
  cancelAll(stop: JobStop): string[] {
    const jobs = [...this.inFlight.keys()];
    for (const jobId of jobs) this.cancel(jobId, stop);
    return jobs;
  }

  /**
   * Takes no new entry, lets those in flight finish for up to `timeoutMs`, then stops them and hands them back to
   * the queue (another replica, or this one restarted, loads them again).
   */
  async stop(timeoutMs: number, reason: string): Promise<void> {
    const closing = this.worker.close();
    const timer = setTimeout(() => {
      if (this.active > 0)
        this.options.logger.warn({ symbols: this.active }, 'symbols in flight did not finish in time: handing them back');
      for (const set of this.inFlight.values()) for (const c of set) c.abort(new JobStop('shutdown', reason));
    }, timeoutMs);
    timer.unref();
    try {
      await closing;
    } finally {
      clearTimeout(timer);
    }
  }

  private async isCancelled(jobId: string): Promise<boolean> {
    if (this.cancelled.has(jobId)) return true;
    return isJobCancelled(this.options.redis, jobId);
  }

  /**
   * Loads the symbol; while the database is unavailable, waits for it first, and loads again a symbol that failed
   * because it went away (writes are idempotent upserts). `gaveUp`: the wait passed its limit and the result is final.
   */
  private async loadThroughOutages(
    data: SymbolEntryData,
    signal: AbortSignal,
    budget: SymbolBudget,
  ): Promise<{ result: SymbolResult; gaveUp: boolean }> {
    const { outage, logger } = this.options;
    let last: SymbolResult | undefined;
    for (;;) {
      if (outage) {
        // Waiting for the database does not use the symbol's time budget.
        budget.pause();
        try {
          await outage.whenUp(signal);
        } catch (error) {
          if (error instanceof StoreOutageTimeout) {
            const result = last ?? failedSymbolResult(data.symbol, 'STORE_UNAVAILABLE', `${data.symbol} was not loaded`);
            result.errorCode = 'STORE_UNAVAILABLE';
            result.errorMessage = `${result.errorMessage ?? data.symbol}; ${error.message}, so it was given up`;
            return { result, gaveUp: true };
          }
          // Stopped while waiting (a cancel or shutdown): nothing of this attempt was written.
          return { result: notRunResult(data.symbol, 'stopped while waiting for the database'), gaveUp: false };
        }
      }
      budget.run();
      last = await this.options.load(data, AbortSignal.any([signal, budget.signal]));
      budget.pause();
      if (budget.exhausted && !signal.aborted) return { result: outOfBudget(last, budget), gaveUp: true };
      if (!outage || signal.aborted || !failedForOutage(last)) return { result: last, gaveUp: false };
      outage.reportDown(new Error(this.options.scrubber.scrub(last.errorMessage ?? 'the database is unavailable')));
      logger.warn(
        { jobId: data.jobId, symbol: data.symbol, code: last.errorCode },
        'the database is unavailable: the symbol waits for it and loads again',
      );
    }
  }

  private async process(entry: Job<SymbolEntryData, SymbolEntryOutcome>, token: string | undefined): Promise<SymbolEntryOutcome> {
    const parsed = symbolEntryDataSchema.safeParse(entry.data);
    if (!parsed.success) {
      const { symbol = '?' } = (entry.data ?? {}) as Partial<SymbolEntryData>;
      return { result: notRunResult(String(symbol), 'the queue entry is malformed; it was not run') };
    }
    const data = parsed.data as SymbolEntryData;
    const { jobId, symbol } = data;
    if (await this.isCancelled(jobId)) return { result: notRunResult(symbol, 'the job was cancelled before this symbol started') };

    const controller = new AbortController();
    setMaxListeners(0, controller.signal);
    const set = this.inFlight.get(jobId) ?? new Set<AbortController>();
    set.add(controller);
    this.inFlight.set(jobId, set);
    const log = this.options.logger;
    const attempt = entry.attemptsMade + 1;
    const attempts = entry.opts.attempts ?? 1;
    const budget = new SymbolBudget(this.options.settings.symbolBudgetMs, data.budgetSpentMs ?? 0);
    try {
      const { result, gaveUp } = await this.loadThroughOutages(data, controller.signal, budget);
      const stop = controller.signal.aborted ? controller.signal.reason : undefined;
      if (stop instanceof JobStop && stop.kind === 'shutdown') {
        // Unfinished because this replica is stopping: back to the queue, not a result.
        await entry.moveToWait(token);
        throw new WaitingError();
      }
      // The error decides: one the API or the store says may pass later goes back to the queue; a 429 (the API's
      // own limit, after the client's retries) goes back without spending an attempt, pausing this replica's intake.
      const retry = !gaveUp && !result.ok && !result.interrupted && result.retryable === true;
      if (retry && result.errorCode === 'API_RATE_LIMIT') {
        log.warn({ jobId, symbol, pauseMs: RATE_LIMIT_PAUSE_MS }, 'the API is limiting requests: the symbol goes back to the queue');
        await entry.updateData({ ...data, budgetSpentMs: Math.round(budget.spentMs) }).catch(() => undefined);
        await this.worker.rateLimit(RATE_LIMIT_PAUSE_MS);
        throw QueueWorker.RateLimitError();
      }
      if (retry && attempt < attempts) {
        log.warn(
          { jobId, symbol, attempt, attempts, code: result.errorCode, error: this.options.scrubber.scrub(result.errorMessage ?? '') },
          'symbol failed transiently: the queue retries it',
        );
        // The next attempt continues this one's budget.
        await entry.updateData({ ...data, budgetSpentMs: Math.round(budget.spentMs) }).catch(() => undefined);
        throw new TransientSymbolFailure(result.errorCode ?? 'INTERNAL', this.options.scrubber.scrub(result.errorMessage ?? ''));
      }
      log.info(
        { jobId, symbol, ok: result.ok, records: result.recordsImported, attempt, ms: result.processingTimeMs, code: result.errorCode },
        'symbol done',
      );
      return { result };
    } catch (error) {
      if (error instanceof FatalJobError) {
        // Every other symbol of the job would fail the same way (a bad API key): stop them here and everywhere.
        this.cancel(jobId, new JobStop('error', error.code));
        await markJobCancelled(this.options.redis, jobId, this.options.settings.keepFinishedSeconds).catch(() => undefined);
        return { fatal: { code: error.code, message: this.options.scrubber.scrub(error.message) } };
      }
      if (error instanceof WaitingError || error instanceof TransientSymbolFailure || isRateLimitError(error)) throw error;
      // The queue keeps the message in Redis: scrubbed, like every text this worker writes.
      throw new Error(this.options.scrubber.scrub(errorMessage(error)));
    } finally {
      set.delete(controller);
      if (set.size === 0) this.inFlight.delete(jobId);
    }
  }
}

/** A symbol whose time budget ran out: failed (not interrupted), saying so and which timeframes are stored. */
function outOfBudget(result: SymbolResult, budget: SymbolBudget): SymbolResult {
  const ms = budget.budgetMs;
  const budgetText = ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
  const out: SymbolResult = {
    ...result,
    ok: false,
    interrupted: false,
    errorCode: 'SYMBOL_TIME_BUDGET',
    errorMessage: `${result.symbol} did not load within its time budget of ${budgetText} (every attempt and retry together)`,
    timeframes: result.timeframes.map((t) =>
      t.error?.code === 'ABORTED' ? { ...t, error: { code: 'SYMBOL_TIME_BUDGET', message: 'the time budget ran out' } } : t,
    ),
  };
  out.errorMessage += landedNote(out);
  return out;
}
