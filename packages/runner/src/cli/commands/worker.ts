import type { Command } from 'commander';
import { describeConfig } from '../../config/env.js';
import { checkHttpExposure, startHttpServer } from '../../http/server.js';
import { readImportConfig } from '../../import/config-file.js';
import { ImportCoordinator } from '../../import/coordinator.js';
import { parseImportRequest } from '../../import/request.js';
import { parseSchedule } from '../../import/schedule.js';
import { ImportScheduler } from '../../import/scheduler.js';
import { RUNNER_SERVICES_DEFAULTS } from '../../services.js';
import { limitHeapGrowth } from '../../worker/heap-growth.js';
import { Worker } from '../../worker/worker.js';
import { commandContext, numberIn, openCommandServices, portNumber, positiveInteger, startLocalSimulator } from '../context.js';

/** Longest `--drain-timeout` (seconds): past that an orchestrator has long since killed the process. */
const MAX_DRAIN_TIMEOUT_S = 3600;

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run the data-load worker until SIGTERM/SIGINT: jobs from Redis, bars into the database')
    .option(
      '--http-port <port>',
      'serve /health, /healthz, /metrics and the processing API on this port (the TickStock app calls localhost:8080)',
      portNumber('--http-port'),
    )
    .option('--http-host <host>', 'interface for the HTTP server (without TICKSTOCK_API_TOKEN: loopback only)', '127.0.0.1')
    .option('--concurrency <n>', 'symbols loaded at once within a job', positiveInteger('--concurrency'))
    .option('--job-concurrency <n>', 'jobs run at once', positiveInteger('--job-concurrency'))
    .option('--no-migrate', 'do not run database migrations at start')
    .option(
      '--drain-timeout <seconds>',
      'on shutdown, how long symbols in flight may finish (0 ... 3600)',
      numberIn('--drain-timeout', 0, MAX_DRAIN_TIMEOUT_S),
      20,
    )
    .option('--schedule <cron>', 'run the daily import on this cron schedule, in New York time, on trading days only')
    .option('--import-config <file>', 'JSON: what the scheduled import loads (and optionally its "schedule")')
    .option('--simulator', 'use the built-in API simulator instead of the real API (synthetic prices)')
    .option('--allow-synthetic', 'with --simulator: write its synthetic prices into a configured PostgreSQL database too')
    .action(
      async (opts: {
        httpPort?: number;
        httpHost: string;
        concurrency?: number;
        jobConcurrency?: number;
        migrate: boolean;
        drainTimeout: number;
        schedule?: string;
        importConfig?: string;
        simulator?: boolean;
        allowSynthetic?: boolean;
      }) => {
        const ctx = commandContext({ defaultMetrics: true });
        const { logger, config } = ctx;
        limitHeapGrowth(config.heapGrowingPercent);
        // Bad schedules and config files fail before anything connects.
        const importConfig = opts.importConfig ? await readImportConfig(opts.importConfig) : undefined;
        const schedule = opts.schedule ?? importConfig?.schedule;
        if (schedule) parseSchedule(schedule);
        // An open API (no token) on a reachable interface is refused before anything connects.
        if (opts.httpPort !== undefined) checkHttpExposure(opts.httpHost, config.apiToken);
        const sim = opts.simulator ? await startLocalSimulator(ctx, { allowSynthetic: opts.allowSynthetic }) : undefined;
        // Where everything is, without a secret: the first thing an operator looks for in the log.
        logger.info(
          { ...describeConfig(config), ...(sim ? { massive: `the built-in simulator at ${sim.simulator.url} (SYNTHETIC prices)` } : {}) },
          'worker configuration',
        );
        // Everything opened from here on is closed by the command scope, whether start-up fails or the worker stops.
        // One API budget for every replica on this Redis and key (no key: the services say what to set).
        const services = await openCommandServices(ctx, {
          simulator: sim,
          redis: 'required',
          // A deployment's Redis may still be starting: the worker waits the library's 15 s (commands 5 s).
          redisTimeoutMs: RUNNER_SERVICES_DEFAULTS.redisTimeoutMs,
          migrate: opts.migrate,
          sharedRateLimit: config.rateLimitScope === 'shared',
        });
        const concurrency = opts.concurrency ?? config.symbolConcurrency;
        const workerOptions = services.workerOptions({
          symbolConcurrency: concurrency,
          jobConcurrency: opts.jobConcurrency ?? config.jobConcurrency,
          drainTimeoutMs: opts.drainTimeout * 1000,
        });
        const { redis } = workerOptions;
        const worker = new Worker(workerOptions);
        ctx.scope.use(worker, (w) => w.stop('SIGTERM'), { name: 'worker', timeoutMs: opts.drainTimeout * 1000 + 10_000 });
        const importServices = services.importServices({ executor: services.executor(concurrency) });
        const imports = new ImportCoordinator(importServices, { lockRedis: redis, concurrency });
        ctx.scope.use(imports, (i) => i.stop(opts.drainTimeout * 1000, 'SIGTERM'), {
          name: 'import coordinator',
          timeoutMs: opts.drainTimeout * 1000 + 10_000,
        });
        const scheduler = schedule
          ? new ImportScheduler({
              schedule,
              spec: importConfig?.spec ?? parseImportRequest({}),
              coordinator: imports,
              redis,
              events: importServices.redis?.events,
              logger,
              scrubber: ctx.scrubber,
            })
          : undefined;
        if (scheduler) ctx.scope.use(scheduler, (s) => s.stop(), { name: 'scheduler' });
        const http =
          opts.httpPort !== undefined
            ? await startHttpServer({
                port: opts.httpPort,
                host: opts.httpHost,
                metrics: ctx.metrics,
                apiToken: config.apiToken,
                imports,
                schedule: () => ({
                  cron: scheduler ? (schedule ?? null) : null,
                  spec: importConfig?.spec ?? parseImportRequest({}),
                  nextRunAt: scheduler?.nextSlot?.at ?? null,
                }),
                scrubber: ctx.scrubber,
                health: () => ({
                  ...worker.health(),
                  imports: imports.running,
                  nextScheduledImport: scheduler?.nextSlot ? new Date(scheduler.nextSlot.at).toISOString() : null,
                }),
              })
            : undefined;
        if (http) ctx.scope.use(http, (h) => h.close(), { name: 'HTTP server' });
        // On shutdown the scheduler stops and jobs drain while /health still answers; then the rest closes.
        const drain = ctx.scope.defer(
          async () => {
            scheduler?.stop();
            await Promise.all([worker.stop('SIGTERM'), imports.stop(opts.drainTimeout * 1000, 'SIGTERM')]);
          },
          { name: 'worker drain', timeoutMs: opts.drainTimeout * 1000 + 10_000 },
        );
        if (http) {
          logger.info({ url: http.url, processingApi: http.access }, 'health, metrics and processing API listening');
        }
        await worker.start();
        scheduler?.start();

        await new Promise<void>((resolve) => {
          const onSignal = (signal: NodeJS.Signals) => {
            logger.info({ signal }, 'signal received: shutting down');
            process.off('SIGINT', onSignal);
            process.off('SIGTERM', onSignal);
            resolve();
          };
          process.on('SIGINT', onSignal);
          process.on('SIGTERM', onSignal);
        });
        await drain();
        await ctx.scope.close();
        logger.info('worker stopped');
        logger.flush();
        process.exitCode = 0;
      },
    );
}
