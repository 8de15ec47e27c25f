/**
 * Runs one data-load job end to end: resolve the symbols, load each through the executor, and settle the
 * final status. Job-level problems (an unreadable universe, a bad API key) fail the job with a clear reason;
 * per-symbol problems are recorded and the job continues.
 */
import type { FinalJobStatus } from '@tickstock/job-protocol';
import type { SymbolExecutor } from '../execution/executor.js';
import { runGroupedPass } from '../planning/grouped-pass.js';
import { type JobPlan, type PlanOptions, planRequests, type SymbolKnowledge } from '../planning/request-plan.js';
import type { Readjustment, SplitsCheck } from '../planning/splits-check.js';
import { errorCode, errorMessage, FatalJobError, JobFenced, JobHandedOff } from './errors.js';
import { type LoadSymbolDeps, loadPlannedSymbol, perTickerPlan } from './load-symbol.js';
import { type JobReporter, ProgressTracker, type ReporterErrorHandler } from './progress.js';
import { describeDuplicates, describeRejected, duplicatesOf, rejectedOf } from './rejected-bars.js';
import type { StoreOutage, StoreOutageChange } from './store-outage.js';
import type { JobFence, JobOutcome, LoadJob, PlannedSymbol, SymbolResult, SymbolSource } from './types.js';

/** Why a job's signal was aborted. Pass one as `controller.abort(reason)`. */
export class JobStop {
  constructor(
    /**
     * `error`: the engine itself stopped starting symbols after a failure (`stopOnError`); `fenced`: another
     * coordinator took the job over (this one's lease was lost): stop without writing anything.
     */
    readonly kind: 'cancel' | 'shutdown' | 'error' | 'fenced',
    readonly detail = '',
  ) {}
}

const percent = (x: number) => `${Math.round(x * 10_000) / 100}%`;

/** How a job plans its requests (see ../planning/request-plan.ts). Without it every symbol loads per ticker. */
export interface JobPlanning {
  /**
   * What the planner knows of each symbol: the ranges still to fetch, stored details, OTC, stored day bars, and the
   * splits its stored history is reloaded for.
   */
  knowledge(job: LoadJob, symbols: readonly string[], readjust?: ReadonlyMap<string, Readjustment>): Promise<Map<string, SymbolKnowledge>>;
  /** The splits check before an incremental load (see ../planning/splits-check.ts); absent: none. */
  checkSplits?(symbols: readonly string[], signal: AbortSignal): Promise<SplitsCheck>;
  options?: Omit<PlanOptions, 'now'>;
  /** Grouped-daily requests in flight at once (default 8). */
  groupedConcurrency?: number;
  /** The clock the job's ranges were computed with (no day after its New York date is fetched); default `Date.now`. */
  now?: () => number;
}

export interface RunJobDeps extends LoadSymbolDeps {
  executor: SymbolExecutor;
  resolveSymbols(source: SymbolSource): Promise<string[]>;
  reporters: readonly JobReporter[];
  onReporterError?: ReporterErrorHandler;
  planning?: JobPlanning | undefined;
  /** The database's availability: planning waits through an outage, and the status says the job is waiting. */
  outage?: StoreOutage | undefined;
  /** The coordinator's lease: checked before the job settles, so a coordinator taken over settles nothing. */
  fence?: JobFence | undefined;
}

/** The status message for a change of the database's availability. */
function outageNote(change: StoreOutageChange, maxWaitMs: number): string {
  if (change.kind === 'down') {
    return `waiting for the database since ${new Date(change.since).toISOString()}: loading pauses until it answers (up to ${Math.round(maxWaitMs / 60_000)} min)`;
  }
  return `the database answers again after ${Math.round(change.downMs / 1000)} s: loading resumes`;
}

/** The plan of a job without planning: every symbol per ticker, details included. */
function plainPlan(job: LoadJob, symbols: readonly string[]): JobPlan {
  const plans = symbols.map((s) => perTickerPlan(s, job.ranges));
  const perTicker = plans.reduce((n, p) => n + p.steps.length, 0);
  return { symbols: plans, grouped: [], requests: { details: plans.length, grouped: 0, perTicker, total: plans.length + perTicker } };
}

const ratioText = (s: { splitFrom: number; splitTo: number }) => `${s.splitTo}-for-${s.splitFrom}`;

/** What the final message says of splits: the symbols whose history was reloaded, or why none could be checked. */
function splitsNote(results: readonly SymbolResult[], splits: SplitsCheck | undefined): string {
  const done = results.filter((r) => r.readjusted).sort((a, b) => (a.symbol < b.symbol ? -1 : 1));
  const parts: string[] = [];
  if (done.length) {
    const each = done.map((r) => {
      const s = r.readjusted?.splits ?? [];
      const rows = r.readjusted?.rowsRewritten ?? 0;
      return `${r.symbol} (${s.map((x) => `${ratioText(x)} on ${x.executionDate}`).join(', ')}; ${rows.toLocaleString('en-US')} rows rewritten)`;
    });
    parts.push(`history readjusted for splits: ${each.join(', ')}`);
  }
  const pending = [...(splits?.readjust.keys() ?? [])].filter((s) => !done.some((r) => r.symbol === s));
  if (pending.length) parts.push(`split readjustment left for the next run: ${pending.join(', ')}`);
  if (splits?.error) parts.push(`${splits.error.message} (the next run checks again)`);
  return parts.length ? `; ${parts.join('; ')}` : '';
}

function settle(
  job: LoadJob,
  results: readonly SymbolResult[],
  total: number,
  stop: JobStop | undefined,
  fatal: FatalJobError | undefined,
) {
  const ok = results.filter((r) => r.ok);
  // Interrupted symbols (a cancel, shutdown or fatal error stopped them) are neither loaded nor failed.
  const interrupted = results.filter((r) => !r.ok && r.interrupted);
  const failed = results.filter((r) => !r.ok && !r.interrupted);
  const notRun = total - results.length;
  const summary =
    `${ok.length} of ${total} symbols loaded` +
    (failed.length ? `, ${failed.length} failed` : '') +
    (interrupted.length ? `, ${interrupted.length} interrupted` : '') +
    (notRun > 0 ? `, ${notRun} not started` : '');
  let status: FinalJobStatus;
  let message: string;
  let code: string | undefined;
  const threshold = job.successThreshold;
  if (fatal) {
    status = 'failed';
    message = `job stopped: ${fatal.code}: ${fatal.message} (${summary})`;
  } else if (stop?.kind === 'cancel') {
    status = 'cancelled';
    message = `cancelled${stop.detail ? ` by ${stop.detail}` : ''} (${summary}; bars already written are kept)`;
  } else if (stop?.kind === 'shutdown') {
    status = 'failed';
    message = `interrupted by worker shutdown (${summary}; bars already written are kept; resubmit to load the rest)`;
  } else if (job.stopOnError && failed.length) {
    status = 'failed';
    code = 'STOPPED_ON_ERROR';
    message = `stopped after ${failed[0]?.symbol} failed (continue_on_error is off): ${summary}`;
  } else if (total === 0 || ok.length === 0) {
    status = 'failed';
    message = total === 0 ? 'no symbols to load' : `nothing loaded (${summary})`;
  } else if (failed.length && threshold !== undefined) {
    const rate = ok.length / total;
    if (rate >= threshold) {
      status = 'completed';
      message = `completed: ${summary} (${percent(rate)} loaded; success threshold ${percent(threshold)})`;
    } else {
      status = 'failed';
      code = 'BELOW_SUCCESS_THRESHOLD';
      message = `failed: ${summary} (${percent(rate)} loaded, below the success threshold of ${percent(threshold)})`;
    }
  } else if (failed.length) {
    status = 'completed_with_errors';
    message = `completed with errors: ${summary}`;
  } else {
    status = 'completed';
    message = `completed: ${summary}`;
  }
  return { status, message, code, ok, failed, interrupted };
}

/**
 * `signal` stops the job now (cancel); `drain` only stops new symbols from starting (graceful shutdown). Abort
 * either with a {@link JobStop} as the reason so the final status says why.
 */
export async function runLoadJob(
  job: LoadJob,
  deps: RunJobDeps,
  signal: AbortSignal = new AbortController().signal,
  drain?: AbortSignal,
): Promise<JobOutcome> {
  const now = deps.now ?? Date.now;
  const tracker = new ProgressTracker(job, deps.reporters, deps.onReporterError, now);
  const results: SymbolResult[] = [];
  let symbols: string[] = [];
  let fatal: FatalJobError | undefined;
  let jobError: { code: string; message: string } | undefined;

  // Work that reads the database waits through an outage instead of failing the job.
  const withStore = <T>(fn: () => Promise<T>): Promise<T> => (deps.outage ? deps.outage.retry(fn, signal) : fn());
  const unsubscribe = deps.outage?.subscribe((change) => {
    void tracker.note(outageNote(change, deps.outage?.settings.maxWaitMs ?? 0), { urgent: true });
  });
  try {
    return await runJob();
  } catch (error) {
    // Handed back or taken over: settled elsewhere; what counts running jobs here lets go of it.
    if (error instanceof JobHandedOff) await tracker.abandoned();
    throw error;
  } finally {
    unsubscribe?.();
  }

  async function runJob(): Promise<JobOutcome> {
    let plan: JobPlan | undefined;
    try {
      symbols = await withStore(() => deps.resolveSymbols(job.source));
    } catch (error) {
      jobError = { code: errorCode(error, 'UNIVERSE_INVALID'), message: errorMessage(error) };
    }
    let splits: SplitsCheck | undefined;
    if (!jobError) {
      try {
        const planning = deps.planning;
        if (planning?.checkSplits && symbols.length > 0) {
          const check = planning.checkSplits;
          splits = await withStore(() => check(symbols, signal));
        }
        plan = planning
          ? planRequests(symbols, await withStore(() => planning.knowledge(job, symbols, splits?.readjust)), {
              ...planning.options,
              now: (planning.now ?? now)(),
            })
          : plainPlan(job, symbols);
        if (splits?.requests) {
          plan.requests.splits = splits.requests;
          plan.requests.total += splits.requests;
        }
      } catch (error) {
        jobError = { code: errorCode(error, 'STORAGE_FAILED'), message: `planning the job's requests failed: ${errorMessage(error)}` };
      }
    }

    await tracker.started(jobError ? [] : symbols, plan);

    // The grouped-daily pass: every symbol's day bars of the planned dates, before the symbols load.
    const planned = new Map<string, PlannedSymbol>();
    for (const p of plan?.symbols ?? []) planned.set(p.symbol, { plan: p });
    if (!jobError && plan && plan.grouped.length > 0) {
      try {
        const supplied = await runGroupedPass(plan.grouped, deps.market, signal, {
          concurrency: deps.planning?.groupedConcurrency ?? 8,
          onProgress: (done, total) => tracker.note(`grouped daily: ${done} of ${total} dates fetched`),
        });
        for (const [symbol, days] of supplied) {
          const entry = planned.get(symbol);
          if (entry) entry.supplied = days;
        }
      } catch (error) {
        if (error instanceof FatalJobError) fatal = error;
        else if (!signal.aborted) jobError = { code: errorCode(error), message: errorMessage(error) };
      }
    }

    // stopOnError: the first failure stops new symbols from starting (those in flight finish), like a drain.
    const onError = new AbortController();
    const drains = [drain, job.stopOnError ? onError.signal : undefined].filter((s): s is AbortSignal => s !== undefined);
    const drainAll = drains.length > 1 ? AbortSignal.any(drains) : drains[0];

    if (!jobError && !fatal && !signal.aborted) {
      try {
        const work = (symbol: string, s: AbortSignal) => {
          const p = planned.get(symbol) ?? { plan: perTickerPlan(symbol, job.ranges) };
          const supplied = p.supplied;
          p.supplied = undefined; // the symbol holds its day bars from here: the job's copy is released
          return loadPlannedSymbol(p.plan, deps, s, supplied);
        };
        await deps.executor.run(symbols, work, {
          task: { jobId: job.jobId, ranges: job.ranges, planned },
          signal,
          drain: drainAll,
          onStart: (symbol) => tracker.symbolStarted(symbol),
          onResult: async (result) => {
            results.push(result);
            if (!result.ok && !result.interrupted && !onError.signal.aborted) onError.abort(new JobStop('error', result.symbol));
            await tracker.symbolFinished(result);
          },
        });
      } catch (error) {
        // Handed back to the queue: another worker continues the job and settles it; nothing is written here.
        if (error instanceof JobHandedOff) throw error;
        if (error instanceof FatalJobError) fatal = error;
        else jobError = { code: errorCode(error), message: errorMessage(error) };
      }
    }

    // Symbols that started and never reported (the job stopped waiting for them: a fatal error, a cancel's grace
    // period over) were interrupted: recorded as such, so no progress row or count is left in between.
    for (const symbol of tracker.unfinishedSymbols()) {
      const result: SymbolResult = {
        symbol,
        ok: false,
        errorCode: 'ABORTED',
        errorMessage: 'stopped before it reported',
        timeframes: [],
        recordsImported: 0,
        processingTimeMs: 0,
        interrupted: true,
      };
      results.push(result);
      await tracker.symbolFinished(result);
    }

    const reasonOf = (s: AbortSignal | undefined) => (s?.aborted && s.reason instanceof JobStop ? s.reason : undefined);
    // A drain that started every symbol anyway changed nothing: it only counts when symbols were left unstarted.
    // A stop on error is not a stop here: the job is settled from its results (it failed because a symbol failed).
    const drained = results.length < symbols.length ? reasonOf(drain) : undefined;
    const stop = reasonOf(signal) ?? drained;
    const settled = settle(job, results, symbols.length, stop, fatal);
    let { status, message } = settled;
    const rejectedBars = rejectedOf(results);
    const duplicateBars = duplicatesOf(results);
    message +=
      splitsNote(results, splits) +
      (rejectedBars ? `; ${describeRejected(rejectedBars)}` : '') +
      (duplicateBars ? `; ${describeDuplicates(duplicateBars)}` : '');
    let errorCodeOut = fatal?.code ?? settled.code;
    let errorMessageOut = fatal?.message ?? (settled.code ? message : undefined);
    if (jobError) {
      status = 'failed';
      message = `job failed: ${jobError.code}: ${jobError.message}`;
      errorCodeOut = jobError.code;
      errorMessageOut = jobError.message;
    } else if (status === 'failed' && !errorCodeOut) {
      const firstFailure = settled.failed[0];
      errorCodeOut = stop ? 'WORKER_SHUTDOWN' : (firstFailure?.errorCode ?? 'NOTHING_LOADED');
      errorMessageOut = message;
    }

    const outcome: JobOutcome = {
      jobId: job.jobId,
      status,
      message,
      errorCode: errorCodeOut,
      errorMessage: errorMessageOut,
      symbolsTotal: symbols.length,
      results,
      successfulSymbols: settled.ok.map((r) => r.symbol),
      failedSymbols: settled.failed.map((r) => r.symbol),
      interruptedSymbols: settled.interrupted.map((r) => r.symbol),
      recordsImported: results.reduce((n, r) => n + r.recordsImported, 0),
      hasErrors: status === 'failed' || settled.failed.length > 0 || settled.ok.length < symbols.length,
      ...(plan ? { plannedRequests: { ...plan.requests } } : {}),
      ...(rejectedBars ? { rejectedBars } : {}),
      ...(duplicateBars ? { duplicateBars } : {}),
      startedAt: tracker.startedAt,
      completedAt: new Date(now()),
    };
    // Settled here only while this process still coordinates the job: one taken over settles nothing.
    if (deps.fence && !(await deps.fence.holds().catch(() => true))) throw new JobFenced(job.jobId);
    await tracker.finished(outcome);
    return outcome;
  }
}
