/**
 * The in-process load shared by `tickstock load` and `tickstock demo`: builds a job from command-line input, runs
 * it through the same engine as the worker (without Redis), shows progress, and maps the outcome to an exit code.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dataLoadRanges, MAX_SYMBOLS_PER_JOB, SYMBOL_PATTERN } from '@tickstock/job-protocol';
import { TIMEFRAMES, type Timeframe, timeframeOf } from '@tickstock/market-time';
import { InvalidArgumentError } from 'commander';
import type { JobOutcome, LoadJob } from '../engine/types.js';
import { runJobWithServices } from '../jobs/run-with-services.js';
import { ConsoleReporter } from '../reporters/console.js';
import type { RunnerServices } from '../services.js';
import { symbolsFromCsv } from '../universe/csv.js';

/** Parses `hour,day,week` (aliases: hourly, daily, minute, ...) into timeframes in canonical order. */
export function parseTimeframes(list: string): Timeframe[] {
  const out = new Set<Timeframe>();
  for (const raw of list
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean)) {
    const tf = timeframeOf(raw);
    if (!tf) throw new InvalidArgumentError(`unknown timeframe ${JSON.stringify(raw)}; use ${TIMEFRAMES.join(', ')}`);
    out.add(tf);
  }
  if (out.size === 0) throw new InvalidArgumentError('no timeframes given');
  return TIMEFRAMES.filter((t) => out.has(t));
}

export interface CliLoadInput {
  symbols: string[];
  csv?: string | undefined;
  years: number;
  timeframes: Timeframe[];
  now?: number;
}

/** Validates symbols (the job protocol's rule) and builds the job with the contract's date ranges. */
export async function buildCliJob(input: CliLoadInput): Promise<LoadJob> {
  const symbols = input.symbols.map((s) => s.trim().toUpperCase());
  if (input.csv) symbols.push(...symbolsFromCsv(await readFile(input.csv, 'utf8'), `CSV file ${input.csv}`));
  const bad = symbols.filter((s) => !SYMBOL_PATTERN.test(s));
  if (bad.length)
    throw new InvalidArgumentError(
      `invalid symbol${bad.length > 1 ? 's' : ''}: ${bad
        .slice(0, 5)
        .map((s) => JSON.stringify(s))
        .join(', ')}`,
    );
  const unique = [...new Set(symbols)];
  if (unique.length === 0) throw new InvalidArgumentError('no symbols given: name them or pass --csv FILE');
  if (unique.length > MAX_SYMBOLS_PER_JOB)
    throw new InvalidArgumentError(`at most ${MAX_SYMBOLS_PER_JOB} symbols per job (got ${unique.length})`);
  const { ranges } = dataLoadRanges(input.timeframes, input.years, input.now ?? Date.now());
  return {
    jobId: `cli_${new Date(input.now ?? Date.now()).toISOString().replace(/\D/g, '').slice(0, 14)}_${randomBytes(3).toString('hex')}`,
    jobType: 'cli_load',
    source: { kind: 'symbols', symbols: unique },
    ranges: input.timeframes.flatMap((timeframe) => {
      const r = ranges[timeframe];
      return r ? [{ timeframe, from: r.from, to: r.to }] : [];
    }),
  };
}

/**
 * The CLI's exit code for a job's final status (`load`, `import`, `submit --wait`): 0 completed, 1 completed with errors
 * (`completed_with_errors`, or `completed` when `withErrors`), 2 failed, cancelled or anything else.
 */
export function exitCodeOfStatus(status: string, withErrors = false): number {
  if (status === 'completed') return withErrors ? 1 : 0;
  return status === 'completed_with_errors' ? 1 : 2;
}

/** Exit code of a load: 0 completed, 1 completed with errors, 2 failed (or cancelled). */
export function exitCodeOf(outcome: JobOutcome): number {
  return exitCodeOfStatus(outcome.status);
}

/** A JSON summary of a finished job (for `--json`). */
export function outcomeSummary(o: JobOutcome) {
  return {
    job_id: o.jobId,
    status: o.status,
    message: o.message,
    error_code: o.errorCode ?? null,
    symbols_total: o.symbolsTotal,
    successful_symbols: o.successfulSymbols,
    failed_symbols: o.failedSymbols,
    records_imported: o.recordsImported,
    rejected_bars: o.rejectedBars
      ? { total: o.rejectedBars.total, by_reason: o.rejectedBars.byReason, by_symbol: o.rejectedBars.bySymbol }
      : null,
    duplicate_bars: o.duplicateBars ? { total: o.duplicateBars.total, by_symbol: o.duplicateBars.bySymbol } : null,
    planned_requests: o.plannedRequests
      ? {
          total: o.plannedRequests.total,
          details: o.plannedRequests.details,
          grouped_daily: o.plannedRequests.grouped,
          per_ticker: o.plannedRequests.perTicker,
          splits_check: o.plannedRequests.splits ?? 0,
        }
      : null,
    started_at: o.startedAt.toISOString(),
    completed_at: o.completedAt.toISOString(),
    duration_seconds: (o.completedAt.getTime() - o.startedAt.getTime()) / 1000,
    symbols: Object.fromEntries(
      [...o.results]
        .sort((a, b) => a.symbol.localeCompare(b.symbol))
        .map((r) => [
          r.symbol,
          {
            ok: r.ok,
            error_code: r.errorCode ?? null,
            error_message: r.errorMessage ?? null,
            records: r.recordsImported,
            ...(r.readjusted
              ? {
                  readjusted: {
                    splits: r.readjusted.splits.map((x) => ({
                      execution_date: x.executionDate,
                      split_from: x.splitFrom,
                      split_to: x.splitTo,
                    })),
                    rows_rewritten: r.readjusted.rowsRewritten,
                  },
                }
              : {}),
            timeframes: Object.fromEntries(
              r.timeframes.map((t) => [
                t.timeframe,
                {
                  from: t.from,
                  to: t.to,
                  fetched: t.fetched,
                  written: t.written,
                  unchanged: t.unchanged,
                  rejected: t.rejected,
                  ...(t.rejectedByReason ? { rejected_by_reason: t.rejectedByReason } : {}),
                  ...(t.duplicates ? { duplicates: t.duplicates } : {}),
                  ...(t.deleted !== undefined ? { deleted: t.deleted } : {}),
                  error: t.error ?? null,
                },
              ]),
            ),
          },
        ]),
    ),
  };
}

export interface RunCliLoadOptions {
  json: boolean;
  concurrency: number;
  signal?: AbortSignal;
}

/** Runs `job` in this process on the command's services: the console view (or one JSON summary with `--json`). */
export async function runCliLoad(services: RunnerServices, job: LoadJob, options: RunCliLoadOptions): Promise<JobOutcome> {
  const reporters = options.json ? [] : [new ConsoleReporter({ out: process.stdout })];
  const outcome = await runJobWithServices(
    job,
    services.jobServices({ executor: services.executor(options.concurrency), reporters }),
    options.signal ? { signal: options.signal } : {},
  );
  if (options.json) process.stdout.write(`${JSON.stringify(services.scrubber.scrubValue(outcomeSummary(outcome)), null, 2)}\n`);
  return outcome;
}
