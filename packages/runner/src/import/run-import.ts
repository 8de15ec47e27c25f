/**
 * A daily import run on the job engine (the same path as every data-load job): its symbols resolved from the
 * universes, one range per timeframe ending today in New York, incremental planning unless `fullReload`, the
 * success threshold and continue-on-error, the run's row in `processing_runs`, and tracked symbols' backfill status.
 * A retry re-runs failed symbols of a finished run under the same run id, counting `retry_count` up.
 */
import { randomBytes } from 'node:crypto';
import type { EventPublisher, RedisClient } from '@tickstock/job-protocol';
import { addDays, newYorkDate } from '@tickstock/market-time';
import type { OhlcvStore } from '@tickstock/ohlcv-store';
import type { JobReporter } from '../engine/progress.js';
import type { JobOutcome, LoadJob, MarketDataPort, TimeframeRange } from '../engine/types.js';
import { RunnerError } from '../errors.js';
import type { SymbolExecutor } from '../execution/executor.js';
import { type PlanningSettings, runJobWithServices } from '../jobs/run-with-services.js';
import type { Logger } from '../logging/logger.js';
import type { SecretScrubber } from '../logging/secrets.js';
import type { RunnerMetrics } from '../metrics.js';
import { DATA_IMPORT_PHASE, type ProgressBaseline } from '../reporters/db-progress.js';
import { TrackedBackfillReporter } from './backfill.js';
import type { ImportSpec } from './request.js';
import {
  IMPORT_RUN_KIND,
  type ImportOrigin,
  ImportRunRecorder,
  importRunStatus,
  RUN_ROW_STATUS,
  type RunSettler,
  runParams,
  specFromParams,
  triggerTypeOf,
} from './run-record.js';
import { type ImportSelection, resolveImportSymbols } from './universes.js';

/** What an import runs with. */
export interface ImportServices {
  market: MarketDataPort;
  store: OhlcvStore;
  executor: SymbolExecutor;
  logger: Logger;
  scrubber: SecretScrubber;
  metrics?: RunnerMetrics | undefined;
  /** Status key and monitoring events (phase `data_import`) when given. */
  redis?: { client: RedisClient; events: EventPublisher } | undefined;
  /** `TICKSTOCK_UNIVERSE_DIR`, for CSV universes. */
  universeDir?: string | undefined;
  /** The clock a run's dates and incremental plans are computed from (default `Date.now`). */
  clock?: (() => number) | undefined;
  /** Extra reporters (the CLI's console view). */
  reporters?: JobReporter[] | undefined;
  /** The request planner's settings (grouped daily, building week/month, details age); incremental is the run's. */
  planning?: Omit<PlanningSettings, 'incremental' | 'clock'> | undefined;
}

/** `import_20250611_213000_a1b2c3`: sortable, unique, readable. */
export function newRunId(now: number, prefix = 'import'): string {
  const stamp = new Date(now).toISOString().replace(/\D/g, '').slice(0, 14);
  return `${prefix}_${stamp.slice(0, 8)}_${stamp.slice(8)}_${randomBytes(3).toString('hex')}`;
}

/** One range per timeframe: `lookbackDays` back from `today` (New York), both ends inclusive. */
export function importRanges(spec: Pick<ImportSpec, 'timeframes' | 'lookbackDays'>, now: number): TimeframeRange[] {
  const today = newYorkDate(now);
  return spec.timeframes.map((timeframe) => ({ timeframe, from: addDays(today, -(spec.lookbackDays[timeframe] ?? 1)), to: today }));
}

interface AttemptOptions {
  retryCount?: (symbol: string) => number;
  baseline?: ProgressBaseline;
}

/** A prepared run (symbols resolved, row written as `running`): `start()` loads it. */
export class ImportRun {
  private constructor(
    readonly runId: string,
    readonly spec: ImportSpec,
    readonly selection: ImportSelection,
    readonly job: LoadJob,
    /** The run's retry count after this attempt (0 for a first run). */
    readonly retryCount: number,
    private readonly services: ImportServices,
    private readonly recorder: ImportRunRecorder,
    private readonly attempt: AttemptOptions,
  ) {}

  get symbols(): readonly string[] {
    return this.selection.symbols;
  }

  /** Resolves the symbols (throws a `RunnerError` for an unknown or unreadable universe) and writes the run's row. */
  static async prepare(spec: ImportSpec, services: ImportServices, options: { runId?: string; origin: ImportOrigin }): Promise<ImportRun> {
    const clock = services.clock ?? Date.now;
    const now = clock();
    const runId = options.runId ?? newRunId(now);
    const selection = await resolveImportSymbols(spec, { store: services.store, universeDir: services.universeDir });
    if (selection.symbols.length === 0) {
      throw new RunnerError(
        'UNIVERSE_INVALID',
        spec.universes.includes('tracked') && spec.universes.length === 1 && spec.symbols.length === 0
          ? 'nothing to import: tracked_symbols has no active symbol (add some with `tickstock track add`)'
          : 'nothing to import: the universes and symbols given hold no symbol',
      );
    }
    const ranges = importRanges(spec, now);
    const recorder = new ImportRunRecorder(services.store, services.scrubber, {
      runId,
      phase: DATA_IMPORT_PHASE,
      status: RUN_ROW_STATUS.running,
      kind: IMPORT_RUN_KIND,
      triggerType: triggerTypeOf(options.origin),
      params: { ...runParams(spec, ranges, options.origin, selection.symbols.length) },
      recordsImported: 0,
      message: `loading ${selection.symbols.length} symbols`,
      retryCount: 0,
      symbolsTotal: selection.symbols.length,
      startedAt: Date.now(),
      completedAt: null,
    });
    await recorder.begin();
    return new ImportRun(runId, spec, selection, importJob(runId, spec, selection, ranges), 0, services, recorder, {});
  }

  /**
   * Prepares a retry of a finished run: all its failed symbols, or the ones named (each must have failed in it).
   * Throws `RUN_NOT_FOUND`, `RUN_IN_PROGRESS`, `USAGE` (a named symbol did not fail there) or `NOTHING_TO_RETRY`.
   */
  static async prepareRetry(runId: string, symbols: readonly string[], services: ImportServices): Promise<ImportRun> {
    const { store } = services;
    const run = await store.getRun(runId);
    if (!run || run.kind !== IMPORT_RUN_KIND) throw new RunnerError('RUN_NOT_FOUND', `no import run ${JSON.stringify(runId)}`);
    if (importRunStatus(run.status) === 'running')
      throw new RunnerError('RUN_IN_PROGRESS', `run ${runId} is still running: retry it once it has finished`);
    const statuses = await store.getSymbolStatuses(runId, DATA_IMPORT_PHASE);
    const failed = statuses.filter((s) => s.status === 'failed');
    let targets = failed;
    if (symbols.length) {
      const wanted = [...new Set(symbols.map((s) => s.trim().toUpperCase()))];
      const notFailed = wanted.filter((s) => !failed.some((f) => f.symbol === s));
      if (notFailed.length) {
        throw new RunnerError('USAGE', `not a failed symbol of run ${runId}: ${notFailed.join(', ')}`);
      }
      targets = failed.filter((f) => wanted.includes(f.symbol));
    }
    if (targets.length === 0) throw new RunnerError('NOTHING_TO_RETRY', `run ${runId} has no failed symbol to retry`);

    const spec = { ...specFromParams(run.params), universes: [], symbols: targets.map((t) => t.symbol) };
    const tracked = new Map((await store.listTrackedSymbols()).map((t) => [t.symbol, t.assetClass]));
    const selection: ImportSelection = { symbols: spec.symbols, tracked };
    const ranges = importRanges(spec, (services.clock ?? Date.now)());
    const baseline: ProgressBaseline = {
      total: Math.max(statuses.length, Number(run.params.symbols_total) || 0, run.symbolsTotal),
      completed: statuses.filter((s) => s.status === 'completed').length,
      failed: failed.length - targets.length,
    };
    const counts = new Map(targets.map((t) => [t.symbol, t.retryCount + 1]));
    const retryCount = run.retryCount + 1;
    const settle: RunSettler = (o) => {
      const loaded = baseline.completed + o.successfulSymbols.length;
      const rate = baseline.total ? loaded / baseline.total : 0;
      const whole = `run: ${loaded} of ${baseline.total} symbols loaded`;
      if (o.status === 'cancelled') return { status: 'cancelled', message: `retry ${retryCount} ${o.message}; ${whole}` };
      const ok = loaded > 0 && rate >= spec.successThreshold;
      return { status: ok ? 'completed' : 'failed', message: `retry ${retryCount}: ${o.message}; ${whole}` };
    };
    const recorder = new ImportRunRecorder(
      store,
      services.scrubber,
      {
        ...run,
        // Rows written before trigger_type existed: the origin kept in params says who started the run.
        triggerType: run.triggerType ?? triggerTypeOf(run.params.origin as ImportOrigin | undefined),
        retryCount,
        message: `retrying ${targets.length} failed symbol${targets.length === 1 ? '' : 's'}`,
      },
      settle,
      baseline,
    );
    await recorder.begin();
    return new ImportRun(runId, spec, selection, importJob(runId, spec, selection, ranges), retryCount, services, recorder, {
      retryCount: (s) => counts.get(s) ?? retryCount,
      baseline,
    });
  }

  /** Loads the run. `signal` cancels it; `drain` stops new symbols from starting (graceful shutdown). */
  async start(options: { signal?: AbortSignal; drain?: AbortSignal } = {}): Promise<JobOutcome> {
    try {
      return await this.execute(options);
    } catch (error) {
      await this.recorder.fail(`run crashed: ${error instanceof Error ? error.message : String(error)}`, Date.now()).catch(() => {});
      throw error;
    }
  }

  private execute(options: { signal?: AbortSignal; drain?: AbortSignal }): Promise<JobOutcome> {
    const { services, spec, selection } = this;
    const incremental = !spec.fullReload;
    return runJobWithServices(
      this.job,
      {
        market: services.market,
        store: services.store,
        executor: services.executor,
        resolveSymbols: async () => selection.symbols,
        logger: services.logger.child({ runId: this.runId }),
        scrubber: services.scrubber,
        metrics: services.metrics,
        redis: services.redis,
        planning: { ...services.planning, incremental, ...(services.clock ? { clock: services.clock } : {}) },
        reporters: [
          ...(services.reporters ?? []),
          this.recorder,
          new TrackedBackfillReporter(services.store, services.scrubber, (s) => selection.tracked.has(s)),
        ],
      },
      {
        universeNames: spec.universes.length ? spec.universes : ['symbols'],
        // Nobody pre-writes an import's status key (the app does that only for the jobs it publishes).
        statusWriter: { preWriteWaitMs: 0 },
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.drain ? { drain: options.drain } : {}),
        ...(this.attempt.retryCount ? { retryCount: this.attempt.retryCount } : {}),
        ...(this.attempt.baseline ? { progressBaseline: this.attempt.baseline } : {}),
      },
    );
  }
}

function importJob(runId: string, spec: ImportSpec, selection: ImportSelection, ranges: TimeframeRange[]): LoadJob {
  return {
    jobId: runId,
    jobType: 'data_import',
    source: { kind: 'symbols', symbols: selection.symbols },
    ranges,
    requestedBy: spec.requestedBy,
    successThreshold: spec.successThreshold,
    stopOnError: !spec.continueOnError,
  };
}
