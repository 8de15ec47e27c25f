/**
 * Starts, retries and stops import runs in this process, one at a time across every worker: with Redis, a run (and
 * a retry) first takes the {@link IMPORT_LOCK_KEY} lock; without Redis (the CLI with no REDIS_URL) only this
 * process is guarded. Runs go on in the background; `done` settles with the outcome.
 *
 * Any replica answers for the run in progress anywhere: the lock's value names the run and the worker holding it,
 * and the run's rows in the database say how far it got. A cancel asked on a replica that is not running the run is
 * left in Redis ({@link importCancelKey}) for the holder, which looks for it every {@link CANCEL_POLL_MS}.
 */
import { hostname } from 'node:os';
import type { RedisClient } from '@tickstock/job-protocol';
import { JobStop } from '../engine/run-job.js';
import type { JobOutcome } from '../engine/types.js';
import { RunnerError } from '../errors.js';
import { CANCEL_POLL_MS, type HeldLock, IMPORT_LOCK_KEY, importCancelKey, RedisLock } from './lock.js';
import { IMPORT_DEFAULTS } from './options.js';
import type { ImportSpec } from './request.js';
import { ImportRun, type ImportServices, newRunId } from './run-import.js';
import { IMPORT_RUN_KIND, type ImportOrigin, importRunStatus, RUN_ROW_PHASE, RUN_ROW_STATUS } from './run-record.js';
import {
  type HistoryRunView,
  type ImportStatusView,
  type ProcessingStatusView,
  type RunningImport,
  readImportStatus,
  readProcessingHistory,
  readProcessingStatus,
} from './status.js';

export interface CoordinatorOptions {
  /** The cross-worker lock lives here; without it only this process is guarded. */
  lockRedis?: RedisClient | undefined;
  /** Names this process in the lock (default host-pid). */
  owner?: string;
  lockTtlMs?: number;
  /** Symbols loaded at once (for the duration estimate). */
  concurrency?: number;
  /** How often a run in progress here looks for a cancel asked on another worker (default {@link CANCEL_POLL_MS}). */
  cancelPollMs?: number;
}

/** A run that has started. */
export interface StartedImport {
  runId: string;
  symbolsTotal: number;
  /** Symbols this attempt loads (all of a run; the retried ones of a retry). */
  symbols: readonly string[];
  retryCount: number;
  estimatedDurationMinutes: number;
  done: Promise<JobOutcome>;
}

interface ActiveRun {
  cancel: AbortController;
  drain: AbortController;
  done: Promise<unknown>;
}

export class ImportCoordinator {
  private readonly active = new Map<string, ActiveRun>();
  private readonly lock: RedisLock | undefined;
  private readonly owner: string;
  private stopping = false;

  constructor(
    private readonly services: ImportServices,
    private readonly options: CoordinatorOptions = {},
  ) {
    this.owner = options.owner ?? `${hostname()}-${process.pid}`;
    this.lock = options.lockRedis
      ? new RedisLock(options.lockRedis, IMPORT_LOCK_KEY, options.lockTtlMs ?? IMPORT_DEFAULTS.lockTtlMs, (key) =>
          services.logger.error({ key }, 'lost the import lock while a run was in progress (Redis unreachable or the key was removed)'),
        )
      : undefined;
  }

  /** Run ids in progress here. */
  get running(): string[] {
    return [...this.active.keys()];
  }

  /** Starts an import; throws `RUN_IN_PROGRESS` when one is running (here or on another worker), or a universe error. */
  async trigger(spec: ImportSpec, options: { origin: ImportOrigin; runId?: string }): Promise<StartedImport> {
    const runId = options.runId ?? newRunId((this.services.clock ?? Date.now)());
    return this.start(runId, () => ImportRun.prepare(spec, this.services, { runId, origin: options.origin }));
  }

  /** Retries failed symbols of a finished run (all, or those named), under the same lock as a run. */
  async retry(runId: string, symbols: readonly string[] = []): Promise<StartedImport> {
    return this.start(runId, () => ImportRun.prepareRetry(runId, symbols, this.services));
  }

  /** The status view of a run (from the database), or null when there is no such import run. */
  status(runId: string): Promise<ImportStatusView | null> {
    return readImportStatus(this.services.store, runId);
  }

  /** The name this process holds the import lock under (host-pid unless configured). */
  get ownerName(): string {
    return this.owner;
  }

  /**
   * The import run in progress on any worker, or null: this process's, else the one whose worker holds the import
   * lock (with Redis), else (without Redis) the latest import run whose row still says `running`.
   */
  async current(): Promise<RunningImport | null> {
    const here = this.running[0];
    if (here) return { runId: here, owner: this.owner, here: true };
    if (this.lock) {
      const holder = await this.lock.holder();
      return holder?.run_id ? { runId: holder.run_id, owner: holder.owner || null, here: false } : null;
    }
    const [latest] = await this.services.store.listRuns({ kind: IMPORT_RUN_KIND, limit: 1 });
    return latest && importRunStatus(latest.status) === 'running' ? { runId: latest.runId, owner: null, here: false } : null;
  }

  /** `GET /api/processing/status`: the run in progress anywhere, else the latest import run. */
  async processingStatus(): Promise<ProcessingStatusView> {
    return readProcessingStatus(this.services.store, await this.current());
  }

  /** `GET /api/processing/history`: `processing_runs` rows of the last `days` days, newest first. */
  history(days: number, limit: number): Promise<HistoryRunView[]> {
    return readProcessingHistory(this.services.store, days, limit);
  }

  /**
   * Cancels the import run in progress (the one named, when `runId` is given): here at once, on another worker
   * through Redis (its holder sees the request within {@link CANCEL_POLL_MS}). Null when no run is in progress;
   * throws `RUN_NOT_FOUND` when the run named is not the one in progress, `RUN_IN_PROGRESS` when it cannot be reached.
   */
  async requestCancel(runId?: string, by = 'request'): Promise<RunningImport | null> {
    const current = await this.current();
    if (!current) return null;
    if (runId !== undefined && runId !== current.runId) {
      throw new RunnerError('RUN_NOT_FOUND', `import run ${JSON.stringify(runId)} is not in progress (run ${current.runId} is)`);
    }
    if (current.here && this.cancel(current.runId, by)) return current;
    const redis = this.options.lockRedis;
    if (!redis) {
      throw new RunnerError(
        'RUN_IN_PROGRESS',
        `import run ${current.runId} is not running in this process, and without Redis it cannot reach the one running it`,
      );
    }
    await redis.set(importCancelKey(current.runId), by, 'PX', 10 * 60_000);
    return current;
  }

  /** Looks for a cancel asked on another worker while a run is in progress here (with Redis). */
  private watchCancel(runId: string, cancel: AbortController): () => void {
    const redis = this.options.lockRedis;
    if (!redis) return () => {};
    const key = importCancelKey(runId);
    const timer = setInterval(() => {
      void redis
        .get(key)
        .then(async (by) => {
          if (by === null || cancel.signal.aborted) return;
          await redis.del(key).catch(() => {});
          this.services.logger.info({ runId, by }, 'import run cancelled at the request of another worker');
          cancel.abort(new JobStop('cancel', by));
        })
        .catch(() => {});
    }, this.options.cancelPollMs ?? CANCEL_POLL_MS);
    timer.unref();
    return () => clearInterval(timer);
  }

  private async start(runId: string, prepare: () => Promise<ImportRun>): Promise<StartedImport> {
    if (this.stopping) throw new RunnerError('RUN_IN_PROGRESS', 'the worker is shutting down: no new import starts');
    const busy = this.running[0];
    if (busy) throw new RunnerError('RUN_IN_PROGRESS', `import run ${busy} is in progress`);
    // Reserved before any await, so two requests in this process cannot both pass the check above.
    const cancel = new AbortController();
    const drain = new AbortController();
    const entry: ActiveRun = { cancel, drain, done: Promise.resolve() };
    this.active.set(runId, entry);
    let held: HeldLock | undefined;
    if (this.lock) {
      try {
        held = (await this.lock.acquire({ run_id: runId, owner: this.owner })) ?? undefined;
      } catch (error) {
        this.active.delete(runId);
        throw error;
      }
      if (!held) {
        this.active.delete(runId);
        const holder = await this.lock.holder();
        throw new RunnerError(
          'RUN_IN_PROGRESS',
          holder?.run_id ? `import run ${holder.run_id} is in progress (on ${holder.owner})` : 'an import run is in progress',
        );
      }
    }
    let run: ImportRun;
    try {
      if (held) {
        await this.settleAbandoned();
        // A cancel left for an earlier attempt under the same run id (a retry) is not for this one.
        await this.options.lockRedis?.del(importCancelKey(runId));
      }
      run = await prepare();
    } catch (error) {
      this.active.delete(runId);
      await held?.release().catch(() => {});
      throw error;
    }
    const unwatch = this.watchCancel(runId, cancel);
    const done = run.start({ signal: cancel.signal, drain: drain.signal }).finally(async () => {
      unwatch();
      this.active.delete(runId);
      await held?.release().catch(() => {});
    });
    entry.done = done.catch(() => {});
    done.catch((error: unknown) =>
      this.services.logger.error({ runId, error: this.services.scrubber.scrub(String(error)) }, 'import run crashed'),
    );
    const concurrency = this.options.concurrency ?? 4;
    const fetches = run.symbols.length * Math.max(1, run.spec.timeframes.length);
    return {
      runId,
      symbolsTotal: run.selection.symbols.length,
      symbols: run.symbols,
      retryCount: run.retryCount,
      estimatedDurationMinutes: Math.max(1, Math.ceil((fetches * IMPORT_DEFAULTS.estimateSecondsPerFetch) / concurrency / 60)),
      done,
    };
  }

  /**
   * Holding the import lock proves no run is in progress anywhere: a run still `running` in the database was left
   * so by a worker that died. It is settled `failed`, saying so, and can be retried.
   */
  private async settleAbandoned(): Promise<void> {
    const runs = await this.services.store.settleRuns({
      kind: IMPORT_RUN_KIND,
      status: RUN_ROW_STATUS.running,
      to: RUN_ROW_STATUS.failed,
      toPhase: RUN_ROW_PHASE.failed,
      message: 'interrupted: the worker running it stopped before it finished (bars already written are kept; retry it to load the rest)',
    });
    if (runs.length) this.services.logger.warn({ runs }, 'settled import runs left running by a worker that stopped');
  }

  /** Cancels a run in progress here; false when it is not running here. */
  cancel(runId: string, by = 'request'): boolean {
    const run = this.active.get(runId);
    run?.cancel.abort(new JobStop('cancel', by));
    return run !== undefined;
  }

  /** Starts nothing more; lets symbols in flight finish (up to `drainTimeoutMs`), then aborts them. */
  async stop(drainTimeoutMs = 20_000, reason = 'shutdown'): Promise<void> {
    this.stopping = true;
    const runs = [...this.active.values()];
    for (const r of runs) r.drain.abort(new JobStop('shutdown', reason));
    const all = Promise.all(runs.map((r) => r.done));
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(resolve, drainTimeoutMs, 'timeout').unref());
    if ((await Promise.race([all, timeout])) === 'timeout') {
      for (const r of runs) r.cancel.abort(new JobStop('shutdown', reason));
      await all;
    }
  }
}
