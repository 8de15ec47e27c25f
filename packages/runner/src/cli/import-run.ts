/**
 * `tickstock import` and `tickstock retry` in this process: the same ImportCoordinator the worker uses, with the
 * cross-worker lock, status key and monitoring events when Redis is configured (without Redis only this process is
 * guarded), the console view or one JSON summary, and the load's exit codes.
 */
import { JobStop } from '../engine/run-job.js';
import type { JobOutcome } from '../engine/types.js';
import { ImportCoordinator, type StartedImport } from '../import/coordinator.js';
import { ConsoleReporter } from '../reporters/console.js';
import { type CommandContext, openCommandServices, startLocalSimulator } from './context.js';
import { exitCodeOfStatus, outcomeSummary } from './load-job.js';

export interface CliImportOptions {
  json: boolean;
  simulator: boolean;
  /** With `simulator`: write synthetic prices into a configured PostgreSQL database too. */
  allowSynthetic?: boolean;
  concurrency?: number | undefined;
}

/** Exit code of an import: 0 every symbol loaded, 1 completed with failed symbols, 2 failed or cancelled. */
export function importExitCode(outcome: JobOutcome): number {
  return exitCodeOfStatus(outcome.status, outcome.failedSymbols.length > 0);
}

export async function withCliImports(
  ctx: CommandContext,
  options: CliImportOptions,
  start: (imports: ImportCoordinator) => Promise<StartedImport>,
): Promise<void> {
  const sim = options.simulator ? await startLocalSimulator(ctx, { allowSynthetic: options.allowSynthetic }) : undefined;
  const controller = new AbortController();
  const onSignal = () => controller.abort(new JobStop('cancel', 'interrupt'));
  ctx.scope.defer(() => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  });
  const services = await openCommandServices(ctx, { simulator: sim, redis: 'when-configured' });
  const { redis } = services;
  if (!redis) {
    process.stderr.write('note: REDIS_URL is not set: this run takes no cross-worker import lock and publishes no status or events\n');
  }
  const concurrency = options.concurrency ?? ctx.config.symbolConcurrency;
  const imports = new ImportCoordinator(
    services.importServices({
      executor: services.executor(concurrency),
      reporters: options.json ? [] : [new ConsoleReporter({ out: process.stdout })],
    }),
    { lockRedis: redis, concurrency },
  );
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const started = await start(imports);
  controller.signal.addEventListener('abort', () => imports.cancel(started.runId, 'interrupt'), { once: true });
  const outcome = await started.done;
  const status = await imports.status(started.runId);
  if (options.json) {
    const summary = { run_id: started.runId, run: status, retry_count: started.retryCount, ...outcomeSummary(outcome) };
    process.stdout.write(`${JSON.stringify(ctx.scrubber.scrubValue(summary), null, 2)}\n`);
  } else {
    process.stdout.write(`run ${started.runId}: ${ctx.scrubber.scrub(status?.message ?? outcome.message)}\n`);
  }
  process.exitCode = importExitCode(outcome);
}
