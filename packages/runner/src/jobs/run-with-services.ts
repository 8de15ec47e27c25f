/**
 * The job engine (../engine/run-job.ts, `runLoadJob`: the logic over ports, free of Redis and SQL) wired to the
 * runner's services: the store as the engine's bar store, the request planner reading what is stored, and the
 * reporters that fit where the job runs: always logs and the progress tables, metrics when given, Redis status and
 * events when a Redis connection is given (worker, daily import), extra ones such as the CLI's console view. Where
 * the symbols themselves run is the executor's business (../execution).
 */
import type { EventPublisher, JobLease, RedisClient } from '@tickstock/job-protocol';
import type { OhlcvStore } from '@tickstock/ohlcv-store';
import { OhlcvBarStore } from '../adapters/bar-store.js';
import type { JobReporter } from '../engine/progress.js';
import { type JobPlanning, runLoadJob } from '../engine/run-job.js';
import type { StoreOutage } from '../engine/store-outage.js';
import type { JobOutcome, LoadJob, MarketDataPort, SymbolSource } from '../engine/types.js';
import type { SymbolExecutor } from '../execution/executor.js';
import type { Logger } from '../logging/logger.js';
import type { SecretScrubber } from '../logging/secrets.js';
import type { RunnerMetrics } from '../metrics.js';
import { gatherKnowledge } from '../planning/knowledge.js';
import { checkSplits } from '../planning/splits-check.js';
import { DbProgressReporter, type ProgressBaseline } from '../reporters/db-progress.js';
import { LogReporter } from '../reporters/log.js';
import { MetricsReporter } from '../reporters/metrics.js';
import { RedisStatusReporter, type RedisStatusReporterOptions } from '../reporters/redis-status.js';

/** What a job runs with (build it with `RunnerServices.jobServices()`). */
export interface JobServices {
  market: MarketDataPort;
  store: OhlcvStore;
  executor: SymbolExecutor;
  resolveSymbols(source: SymbolSource): Promise<string[]>;
  logger: Logger;
  scrubber: SecretScrubber;
  metrics?: RunnerMetrics | undefined;
  redis?: { client: RedisClient; events: EventPublisher } | undefined;
  /** Extra reporters (the CLI's console view, the daily import's run record). */
  reporters?: JobReporter[] | undefined;
  /**
   * How requests are planned (see ../planning/request-plan.ts): on by default (stored details reused, grouped daily
   * when it sends fewer requests, week and month built from day bars); `incremental` resumes each timeframe at its
   * last stored bar (daily imports); `false` loads every symbol per ticker, details included.
   */
  planning?: PlanningSettings | false | undefined;
  /** The database's availability (the worker's): the job waits through an outage instead of failing. */
  outage?: StoreOutage | undefined;
}

/** The planner's settings (defaults in ../planning). */
export interface PlanningSettings {
  incremental?: boolean;
  /**
   * Before an incremental load, check the splits since the last check and reload the history of symbols that split
   * (see ../planning/splits-check.ts). Default: on with `incremental`.
   */
  checkSplits?: boolean;
  buildPeriods?: boolean;
  groupedDaily?: boolean;
  detailsMaxAgeDays?: number;
  clock?: () => number;
}

/** Per-run options of {@link runJobWithServices}. */
export interface JobRunOptions {
  universeNames?: string[];
  signal?: AbortSignal;
  drain?: AbortSignal;
  /** For `data_import` retries: written to `symbol_processing_status.retry_count`. */
  retryCount?: number | ((symbol: string) => number);
  /** For retries: the symbols of the run that are not retried, so `processing_progress` stays whole. */
  progressBaseline?: ProgressBaseline;
  /** Status key writer options (daily imports: no wait for an app pre-write that never comes). */
  statusWriter?: RedisStatusReporterOptions['writer'];
  /** The coordinator's lease on the job (the worker's): fences every status, event and progress write. */
  lease?: JobLease | undefined;
  /** Called when a write finds the lease lost: the coordinator stops. */
  onLeaseLost?: (() => void) | undefined;
}

/** Runs `job` on the engine with the reporters and planner `services` call for; resolves with its outcome. */
export function runJobWithServices(job: LoadJob, services: JobServices, options: JobRunOptions = {}): Promise<JobOutcome> {
  const reporters: JobReporter[] = [
    new LogReporter(services.logger),
    new DbProgressReporter(services.store, services.scrubber, {
      retryCount: options.retryCount ?? 0,
      ...(options.progressBaseline ? { baseline: options.progressBaseline } : {}),
      outage: services.outage,
      fence: options.lease,
    }),
  ];
  if (services.metrics) reporters.push(new MetricsReporter(services.metrics));
  if (services.redis) {
    reporters.push(
      new RedisStatusReporter({
        redis: services.redis.client,
        events: services.redis.events,
        scrubber: services.scrubber,
        universeNames: options.universeNames ?? [],
        ...(options.statusWriter ? { writer: options.statusWriter } : {}),
        lease: options.lease,
        onLeaseLost: options.onLeaseLost,
      }),
    );
  }
  reporters.push(...(services.reporters ?? []));
  return runLoadJob(
    job,
    {
      market: services.market,
      store: new OhlcvBarStore(services.store),
      executor: services.executor,
      resolveSymbols: services.resolveSymbols,
      planning: planningOf(services),
      outage: services.outage,
      fence: options.lease,
      reporters,
      onReporterError: (name, error) =>
        services.logger.warn(
          { reporter: name, error: services.scrubber.scrub(error instanceof Error ? error.message : String(error)) },
          'a progress reporter failed',
        ),
    },
    options.signal,
    options.drain,
  );
}

/** The engine's planning from the job services' settings (undefined: per ticker). */
function planningOf(services: JobServices): JobPlanning | undefined {
  const p = services.planning;
  if (p === false) return undefined;
  const incremental = p?.incremental ?? false;
  const clock = p?.clock ?? Date.now;
  return {
    knowledge: (job, symbols, readjust) =>
      gatherKnowledge(services.store, job, symbols, {
        incremental,
        ...(readjust ? { readjust } : {}),
        ...(p?.detailsMaxAgeDays !== undefined ? { detailsMaxAgeDays: p.detailsMaxAgeDays } : {}),
        ...(p?.clock ? { now: p.clock } : {}),
      }),
    ...((p?.checkSplits ?? incremental)
      ? { checkSplits: (symbols, signal) => checkSplits(services.store, services.market, symbols, { now: clock(), signal }) }
      : {}),
    options: { buildPeriods: p?.buildPeriods ?? true, groupedDaily: p?.groupedDaily ?? true },
    ...(p?.clock ? { now: p.clock } : {}),
  };
}
