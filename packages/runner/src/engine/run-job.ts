/**
 * Runs one data-load job end to end: resolve the symbols, load each through the executor, and settle the
 * final status. Job-level problems (an unreadable universe, a bad API key) fail the job with a clear reason;
 * per-symbol problems are recorded and the job continues.
 */
import type { SymbolExecutor } from '../execution/executor.js';
import { errorCode, errorMessage, FatalJobError } from './errors.js';
import { type LoadSymbolDeps, loadSymbol } from './load-symbol.js';
import { type JobReporter, ProgressTracker, type ReporterErrorHandler } from './progress.js';
import type { FinalStatus, JobOutcome, LoadJob, SymbolResult, SymbolSource } from './types.js';

/** Why a job's signal was aborted. Pass one as `controller.abort(reason)`. */
export class JobStop {
  constructor(
    readonly kind: 'cancel' | 'shutdown',
    readonly detail = '',
  ) {}
}

export interface RunJobDeps extends LoadSymbolDeps {
  executor: SymbolExecutor;
  resolveSymbols(source: SymbolSource): Promise<string[]>;
  reporters: readonly JobReporter[];
  onReporterError?: ReporterErrorHandler;
}

function settle(results: readonly SymbolResult[], total: number, stop: JobStop | undefined, fatal: FatalJobError | undefined) {
  const ok = results.filter((r) => r.ok);
  const failed = results.filter((r) => !r.ok);
  const notRun = total - results.length;
  const summary =
    `${ok.length} of ${total} symbols loaded` +
    (failed.length ? `, ${failed.length} failed` : '') +
    (notRun > 0 ? `, ${notRun} not started` : '');
  let status: FinalStatus;
  let message: string;
  if (fatal) {
    status = 'failed';
    message = `job stopped: ${fatal.code}: ${fatal.message} (${summary})`;
  } else if (stop?.kind === 'cancel') {
    status = 'cancelled';
    message = `cancelled${stop.detail ? ` by ${stop.detail}` : ''} (${summary}; bars already written are kept)`;
  } else if (stop?.kind === 'shutdown') {
    status = 'failed';
    message = `interrupted by worker shutdown (${summary}; bars already written are kept; resubmit to load the rest)`;
  } else if (total === 0 || ok.length === 0) {
    status = 'failed';
    message = total === 0 ? 'no symbols to load' : `nothing loaded (${summary})`;
  } else if (failed.length) {
    status = 'completed_with_errors';
    message = `completed with errors: ${summary}`;
  } else {
    status = 'completed';
    message = `completed: ${summary}`;
  }
  return { status, message, ok, failed };
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

  try {
    symbols = await deps.resolveSymbols(job.source);
  } catch (error) {
    jobError = { code: errorCode(error, 'UNIVERSE_INVALID'), message: errorMessage(error) };
  }

  await tracker.started(jobError ? [] : symbols);

  if (!jobError) {
    try {
      await deps.executor.run(symbols, (symbol, s) => loadSymbol(symbol, job.ranges, deps, s), {
        signal,
        drain,
        onStart: (symbol) => tracker.symbolStarted(symbol),
        onResult: async (result) => {
          results.push(result);
          await tracker.symbolFinished(result);
        },
      });
    } catch (error) {
      if (error instanceof FatalJobError) fatal = error;
      else jobError = { code: errorCode(error), message: errorMessage(error) };
    }
  }

  const reasonOf = (s: AbortSignal | undefined) => (s?.aborted && s.reason instanceof JobStop ? s.reason : undefined);
  // A drain that started every symbol anyway changed nothing: it only counts when symbols were left unstarted.
  const drained = results.length < symbols.length ? reasonOf(drain) : undefined;
  const stop = reasonOf(signal) ?? drained;
  const settled = settle(results, symbols.length, stop, fatal);
  let { status, message } = settled;
  let errorCodeOut = fatal?.code;
  let errorMessageOut = fatal?.message;
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
    recordsImported: results.reduce((n, r) => n + r.recordsImported, 0),
    startedAt: tracker.startedAt,
    completedAt: new Date(now()),
  };
  await tracker.finished(outcome);
  return outcome;
}
