/**
 * The durable executor: a job's symbols become entries of the symbols queue (one per symbol, with stable ids), any
 * replica's {@link SymbolRunner} loads them, and the coordinator (the replica holding the job's own queue entry)
 * collects their results in order to settle the job. Results live in Redis with the entries, so a coordinator that
 * dies is replaced by another that re-plans the job, finds the entries already there, and collects what is
 * finished without loading it again. Entries lost with Redis (a restart without persistence) are added again.
 */

import type { RedisClient } from '@tickstock/job-protocol';
import { Job, type Queue, type QueueEvents } from 'bullmq';
import { errorMessage, FatalJobError, JobFenced, JobHandedOff } from '../engine/errors.js';
import { JobStop } from '../engine/run-job.js';
import type { SuppliedDays, SymbolResult } from '../engine/types.js';
import type { Logger } from '../logging/logger.js';
import type { SecretScrubber } from '../logging/secrets.js';
import type { DayHandoff } from './day-handoff.js';
import type { SymbolExecutionHooks, SymbolExecutor } from './executor.js';
import { keepFinished, markJobCancelled, type QueueSettings, symbolEntryId } from './queues.js';
import { failedSymbolResult, readSymbolOutcome, type SymbolEntryData, type SymbolEntryOutcome } from './symbol-entry.js';

export interface QueueExecutorOptions {
  /** The symbols queue. */
  queue: Queue<SymbolEntryData, SymbolEntryOutcome>;
  /** Events of the symbols queue (prompt results; a periodic check covers anything missed). */
  events: QueueEvents;
  /** Connection for the cancel marks. */
  redis: RedisClient;
  settings: QueueSettings;
  /** Where the day bars of a grouped-daily pass are handed to the symbols' entries. */
  handoff: DayHandoff;
  logger: Logger;
  scrubber: SecretScrubber;
}

/** How long a cancelled job waits for its symbols in flight to report before it settles. */
const CANCEL_GRACE_MS = 10_000;
/** Entries checked at once. */
const CHECK_BATCH = 100;

/** One job's symbols while its coordinator waits for them. */
class Collection {
  readonly pending = new Map<string, string>(); // entry id -> symbol
  readonly started = new Set<string>();
  fatal: FatalJobError | undefined;
  stopping = false;
  private closed = false;
  private chain: Promise<void> = Promise.resolve();
  private wake: () => void = () => {};

  constructor(
    readonly data: Omit<SymbolEntryData, 'symbol'>,
    readonly hooks: SymbolExecutionHooks,
  ) {}

  /** Resolves at the next change (an entry settled) or after `ms`. */
  changed(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  markStarted(id: string): void {
    const symbol = this.pending.get(id);
    if (this.closed || symbol === undefined || this.started.has(id)) return;
    this.started.add(id);
    this.chain = this.chain.then(() => this.hooks.onStart(symbol));
  }

  settle(id: string, outcome: SymbolEntryOutcome): void {
    const symbol = this.pending.get(id);
    if (this.closed || symbol === undefined) return;
    this.pending.delete(id);
    if ('fatal' in outcome) {
      this.fatal ??= new FatalJobError(outcome.fatal.code, outcome.fatal.message);
    } else {
      const first = !this.started.has(id);
      this.started.add(id);
      this.chain = this.chain.then(async () => {
        if (first) await this.hooks.onStart(symbol);
        await this.hooks.onResult(outcome.result);
      });
    }
    this.wake();
  }

  /** Forgets an entry that will never report (removed after a cancel). */
  drop(id: string): void {
    this.pending.delete(id);
    this.wake();
  }

  /**
   * Takes no more starts or results, and waits until every one already taken has reached the hooks. Without the
   * closing, a start reported while the job waited here (a symbol's `active` event arriving after a fatal error or a
   * cancel) reached the hooks after the job had settled its unfinished symbols: its `processing` row was written last
   * and stayed.
   */
  close(): Promise<void> {
    this.closed = true;
    return this.chain;
  }
}

export class QueueExecutor implements SymbolExecutor {
  private readonly collections = new Map<string, Collection>(); // entry id -> its job's collection

  constructor(private readonly options: QueueExecutorOptions) {
    const { events } = options;
    events.on('active', ({ jobId }) => this.collections.get(jobId)?.markStarted(jobId));
    events.on('completed', ({ jobId }) => void this.checkOne(jobId, { exists: true, started: true, finished: true }));
    events.on('failed', ({ jobId }) => void this.checkOne(jobId, { exists: true, started: true, finished: true }));
    events.on('error', (e) => options.logger.warn({ error: options.scrubber.scrub(errorMessage(e)) }, 'symbol queue events error'));
  }

  async run(symbols: readonly string[], _work: unknown, hooks: SymbolExecutionHooks): Promise<void> {
    const { jobId, ranges } = hooks.task;
    const early = this.stopReason(hooks);
    if (early?.kind === 'fenced') throw new JobFenced(jobId);
    if (early?.kind === 'shutdown') throw new JobHandedOff(jobId);
    if (early) return; // cancelled before any symbol was queued
    const { handoff } = this.options;
    const c = new Collection({ jobId, ranges: [...ranges] }, hooks);
    for (const symbol of symbols) c.pending.set(symbolEntryId(jobId, symbol), symbol);
    for (const id of c.pending.keys()) this.collections.set(id, c);
    let handedOff = false;
    try {
      await this.add(c, [...c.pending.keys()]);
      await this.check([...c.pending.keys()]);
      let lastCheck = Date.now();
      while (c.pending.size > 0 && !c.fatal) {
        const stop = this.stopReason(hooks);
        if (stop) {
          await this.stop(c, stop);
          break;
        }
        await c.changed(Math.min(250, this.options.settings.reconcileIntervalMs));
        if (Date.now() - lastCheck >= this.options.settings.reconcileIntervalMs) {
          lastCheck = Date.now();
          await this.check([...c.pending.keys()]);
        }
      }
      if (c.fatal) {
        await this.markCancelled(jobId);
        // Starts already reported reach the hooks first: the job then settles those symbols as interrupted.
        await c.close();
        throw c.fatal;
      }
      await c.close();
    } catch (error) {
      handedOff = error instanceof JobHandedOff;
      throw error;
    } finally {
      // Only this collection's: a newer coordination of the same job in this process (it was taken back after this
      // one lost it) keeps its own.
      for (const [id, owner] of this.collections) if (owner === c) this.collections.delete(id);
      // Settled (or stopped for good): nobody needs the job's day bars any more. A job handed off keeps them for the
      // replicas still loading its symbols and the coordinator that takes it next.
      if (!handedOff) {
        await handoff
          .release(jobId)
          .catch((e: unknown) =>
            this.options.logger.warn({ jobId, error: this.options.scrubber.scrub(errorMessage(e)) }, 'could not delete the job’s day bars'),
          );
      }
    }
  }

  /** Why the coordinator must stop waiting: a cancel (signal), or a drain (stop on error, or shutdown). */
  private stopReason(hooks: SymbolExecutionHooks): JobStop | undefined {
    for (const s of [hooks.signal, hooks.drain]) {
      if (s?.aborted) return s.reason instanceof JobStop ? s.reason : new JobStop('cancel');
    }
    return undefined;
  }

  private async stop(c: Collection, stop: JobStop): Promise<void> {
    // Shutdown: the other replicas keep loading this job's symbols; whoever takes the job next collects them.
    if (stop.kind === 'shutdown') throw new JobHandedOff(c.data.jobId);
    // Another coordinator has the job: its symbols are its business now (no cancel mark, nothing written).
    if (stop.kind === 'fenced') throw new JobFenced(c.data.jobId);
    c.stopping = true;
    await this.markCancelled(c.data.jobId);
    // Entries no replica has taken yet are removed; those in flight see the mark (or the cancel message) and report.
    await Promise.all(
      [...c.pending.keys()].map(async (id) => {
        if (c.started.has(id)) return;
        const removed = await this.options.queue
          .remove(id)
          .then((n) => n === 1)
          .catch(() => false);
        if (removed) c.drop(id);
      }),
    );
    const until = Date.now() + CANCEL_GRACE_MS;
    while (c.pending.size > 0 && Date.now() < until) {
      await c.changed(250);
      await this.check([...c.pending.keys()]);
    }
  }

  private async markCancelled(jobId: string): Promise<void> {
    await markJobCancelled(this.options.redis, jobId, this.options.settings.keepFinishedSeconds).catch((e: unknown) =>
      this.options.logger.warn({ jobId, error: this.options.scrubber.scrub(errorMessage(e)) }, 'could not mark the job cancelled'),
    );
  }

  /** An entry's data: the job's, the symbol, and its plan when the job planned one. */
  private entryData(c: Collection, symbol: string): SymbolEntryData {
    const planned = c.hooks.task.planned?.get(symbol);
    return planned ? { ...c.data, symbol, plan: planned.plan } : { ...c.data, symbol };
  }

  /**
   * Hands the supplied day bars of the symbols in `ids` on (before their entries exist, so no replica looks for
   * them too early); the job's own copy is released.
   */
  private async handOnDays(c: Collection, ids: readonly string[]): Promise<void> {
    const days = new Map<string, SuppliedDays>();
    for (const id of ids) {
      const symbol = c.pending.get(id) as string;
      const planned = c.hooks.task.planned?.get(symbol);
      if (!planned?.supplied) continue;
      days.set(symbol, planned.supplied);
      planned.supplied = undefined;
    }
    await this.options.handoff.put(c.data.jobId, days);
  }

  private async add(c: Collection, ids: string[]): Promise<void> {
    const s = this.options.settings;
    const keep = keepFinished(s, 'symbols');
    // Ids are stable: an entry that already exists (this job re-planned by a new coordinator) is left as it is.
    const batch = 500;
    for (let i = 0; i < ids.length; i += batch) {
      await this.handOnDays(c, ids.slice(i, i + batch));
      await this.options.queue.addBulk(
        ids.slice(i, i + batch).map((id) => ({
          name: 'symbol',
          data: this.entryData(c, c.pending.get(id) as string),
          opts: {
            jobId: id,
            attempts: s.symbolAttempts,
            backoff: { type: 'exponential', delay: s.symbolBackoffMs },
            removeOnComplete: keep,
            removeOnFail: keep,
          },
        })),
      );
    }
  }

  /**
   * Reads the entries' state from the queue: settles finished ones, re-adds lost ones. One pipelined read of three
   * fields per entry; only finished entries are then read whole.
   */
  private async check(ids: string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += CHECK_BATCH) {
      const batch = ids.slice(i, i + CHECK_BATCH).filter((id) => this.collections.get(id)?.pending.has(id));
      if (batch.length === 0) continue;
      const pipeline = this.options.redis.pipeline();
      for (const id of batch) pipeline.hmget(this.options.queue.toKey(id), 'timestamp', 'processedOn', 'finishedOn');
      let replies: [Error | null, unknown][] | null;
      try {
        replies = await pipeline.exec();
      } catch (e) {
        this.options.logger.debug(
          { error: this.options.scrubber.scrub(errorMessage(e)) },
          'could not read symbol entries; will check again',
        );
        return;
      }
      await Promise.all(
        batch.map((id, k) => {
          const [error, fields] = replies?.[k] ?? [null, null];
          if (error || !Array.isArray(fields)) return undefined;
          const [created, processedOn, finishedOn] = fields as (string | null)[];
          return this.checkOne(id, { exists: created !== null, started: processedOn !== null, finished: finishedOn !== null });
        }),
      );
    }
  }

  private async checkOne(id: string, seen: { exists: boolean; started: boolean; finished: boolean }): Promise<void> {
    const c = this.collections.get(id);
    if (!c?.pending.has(id)) return;
    const symbol = c.pending.get(id) as string;
    if (!seen.exists) {
      if (c.stopping) {
        c.drop(id);
        return;
      }
      // Gone from Redis while unfinished (Redis restarted without persistence): add it again.
      this.options.logger.warn({ jobId: c.data.jobId, symbol }, 'symbol entry lost from Redis: adding it again');
      await this.add(c, [id]).catch(() => undefined);
      return;
    }
    if (!seen.finished) {
      if (seen.started) c.markStarted(id);
      return;
    }
    let entry: Job<SymbolEntryData, SymbolEntryOutcome> | undefined;
    let state: string;
    try {
      entry = await Job.fromId<SymbolEntryData, SymbolEntryOutcome>(this.options.queue, id);
      state = entry ? await entry.getState() : 'unknown';
    } catch (e) {
      this.options.logger.debug({ error: this.options.scrubber.scrub(errorMessage(e)) }, 'could not read a symbol entry; will check again');
      return;
    }
    if (!entry) return; // removed since: the next check decides
    if (state === 'completed') c.settle(id, readSymbolOutcome(symbol, entry.returnvalue));
    else if (state === 'failed') {
      const reason = this.options.scrubber.scrub(entry.failedReason || 'unknown error');
      // A transient failure that used up its attempts reads `CODE: message`: keep the code.
      const code = /^([A-Z][A-Z0-9_]{2,40}): /.exec(reason)?.[1] ?? 'SYMBOL_FAILED';
      const result: SymbolResult = failedSymbolResult(symbol, code, `${symbol} failed after ${entry.attemptsMade} attempt(s): ${reason}`);
      c.settle(id, { result });
    }
  }
}
