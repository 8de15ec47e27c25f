/**
 * `tickstock import` and `tickstock retry` in this process: the same ImportCoordinator the worker uses, with the
 * cross-worker lock, status key and monitoring events when Redis is configured (without Redis only this process is
 * guarded), the console view or one JSON summary, and the load's exit codes.
 */
import { EventPublisher } from '@tickstock/job-protocol';
import { MassiveMarketData } from '../adapters/market-data.js';
import { JobStop } from '../engine/run-job.js';
import type { JobOutcome } from '../engine/types.js';
import { InProcessExecutor } from '../execution/executor.js';
import { ImportCoordinator, type StartedImport } from '../import/coordinator.js';
import { ConsoleReporter } from '../reporters/console.js';
import { createMassiveClient } from '../runtime.js';
import { type CommandContext, connectCommandRedis, openCommandStore, startLocalSimulator } from './context.js';
import { outcomeSummary } from './load-job.js';

export interface CliImportOptions {
  json: boolean;
  simulator: boolean;
  /** With `simulator`: write synthetic prices into a configured PostgreSQL database too. */
  allowSynthetic?: boolean;
  concurrency?: number | undefined;
}

/** Exit code of an import: 0 every symbol loaded, 1 completed with failed symbols, 2 failed or cancelled. */
export function importExitCode(outcome: JobOutcome): number {
  if (outcome.status === 'completed') return outcome.failedSymbols.length ? 1 : 0;
  return outcome.status === 'completed_with_errors' ? 1 : 2;
}

export async function withCliImports(
  ctx: CommandContext,
  options: CliImportOptions,
  start: (imports: ImportCoordinator) => Promise<StartedImport>,
): Promise<void> {
  const sim = options.simulator ? await startLocalSimulator(ctx, { allowSynthetic: options.allowSynthetic }) : undefined;
  const store = await openCommandStore(ctx);
  const controller = new AbortController();
  const onSignal = () => controller.abort(new JobStop('cancel', 'interrupt'));
  ctx.scope.defer(() => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  });
  const client = createMassiveClient({ ...ctx, baseUrl: sim?.simulator.url, apiKey: sim?.apiKey });
  const redis = ctx.config.redis ? await connectCommandRedis(ctx) : undefined;
  if (redis) {
    redis.on('error', (e: Error) => ctx.logger.warn({ error: ctx.scrubber.scrub(e.message) }, 'redis connection error'));
  } else {
    process.stderr.write('note: REDIS_URL is not set: this run takes no cross-worker import lock and publishes no status or events\n');
  }
  const concurrency = options.concurrency ?? ctx.config.symbolConcurrency;
  const imports = new ImportCoordinator(
    {
      market: new MassiveMarketData(client),
      store,
      executor: new InProcessExecutor(concurrency),
      logger: ctx.logger,
      scrubber: ctx.scrubber,
      metrics: ctx.metrics,
      redis: redis ? { client: redis, events: new EventPublisher(redis, { component: 'daily-import' }) } : undefined,
      universeDir: ctx.config.universeDir,
      reporters: options.json ? [] : [new ConsoleReporter({ out: process.stdout })],
      planning: ctx.config.planning,
    },
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
