/**
 * Starts, retries and stops import runs in this process, one at a time across every worker: with Redis, a run (and
 * a retry) first takes the {@link IMPORT_LOCK_KEY} lock; without Redis (the CLI with no REDIS_URL) only this
 * process is guarded. Runs go on in the background; `done` settles with the outcome.
 */
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { JobStop } from '../engine/run-job.js';
import type { JobOutcome } from '../engine/types.js';
import { RunnerError } from '../errors.js';
import { DATA_IMPORT_PHASE } from '../reporters/db-progress.js';
import { type HeldLock, IMPORT_LOCK_KEY, RedisLock } from './lock.js';
import { IMPORT_DEFAULTS } from './options.js';
import type { ImportSpec } from './request.js';
import { ImportRun, type ImportServices, newRunId } from './run-import.js';
import type { ImportOrigin } from './run-record.js';
import { type ImportStatusView, readImportStatus } from './status.js';

export interface CoordinatorOptions {
  /** The cross-worker lock lives here; without it only this process is guarded. */
  lockRedis?: Redis | undefined;
  /** Names this process in the lock (default host-pid). */
  owner?: string;
  lockTtlMs?: number;
  /** Symbols loaded at once (for the duration estimate). */
  concurrency?: number;
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
      if (held) await this.settleAbandoned();
      run = await prepare();
    } catch (error) {
      this.active.delete(runId);
      await held?.release().catch(() => {});
      throw error;
    }
    const done = run.start({ signal: cancel.signal, drain: drain.signal }).finally(async () => {
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
      phase: DATA_IMPORT_PHASE,
      status: 'running',
      to: 'failed',
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
