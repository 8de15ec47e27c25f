import { EventPublisher } from '@tickstock/job-protocol';
import type { Command } from 'commander';
import { MassiveMarketData } from '../../adapters/market-data.js';
import { InProcessExecutor } from '../../execution/executor.js';
import { checkHttpExposure, startHttpServer } from '../../http/server.js';
import { readImportConfig } from '../../import/config-file.js';
import { ImportCoordinator } from '../../import/coordinator.js';
import { parseImportRequest } from '../../import/request.js';
import { parseSchedule } from '../../import/schedule.js';
import { ImportScheduler } from '../../import/scheduler.js';
import { connectRedis, createMassiveClient, createSharedRateLimiter, openConfiguredStore, redisReady } from '../../runtime.js';
import { createSymbolResolver } from '../../universe/resolve.js';
import { limitHeapGrowth } from '../../worker/heap-growth.js';
import { Worker } from '../../worker/worker.js';
import { commandContext, positiveInteger, startLocalSimulator } from '../context.js';

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run the data-load worker until SIGTERM/SIGINT: jobs from Redis, bars into the database')
    .option(
      '--http-port <port>',
      'serve /health, /healthz, /metrics and the processing API on this port (the TickStock app calls localhost:8080)',
      (v) => Number(v),
    )
    .option('--http-host <host>', 'interface for the HTTP server (without TICKSTOCK_API_TOKEN: loopback only)', '127.0.0.1')
    .option('--concurrency <n>', 'symbols loaded at once within a job', positiveInteger('--concurrency'))
    .option('--job-concurrency <n>', 'jobs run at once', positiveInteger('--job-concurrency'))
    .option('--no-migrate', 'do not run database migrations at start')
    .option('--drain-timeout <seconds>', 'on shutdown, how long symbols in flight may finish', (v) => Number(v), 20)
    .option('--schedule <cron>', 'run the daily import on this cron schedule, in New York time, on trading days only')
    .option('--import-config <file>', 'JSON: what the scheduled import loads (and optionally its "schedule")')
    .option('--simulator', 'use the built-in API simulator instead of the real API (synthetic prices)')
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
        const sim = opts.simulator ? await startLocalSimulator(ctx) : undefined;
        const redis = connectRedis(config, ctx.scrubber);
        let limiter: Awaited<ReturnType<typeof createSharedRateLimiter>> | undefined;
        let store: Awaited<ReturnType<typeof openConfiguredStore>>;
        let client: ReturnType<typeof createMassiveClient>;
        try {
          await redisReady(redis, ctx.scrubber);
          const apiKey = sim?.apiKey ?? config.massive.apiKey;
          // One API budget for every replica on this Redis and key (no key: createMassiveClient explains).
          limiter = apiKey && config.rateLimitScope === 'shared' ? await createSharedRateLimiter(config, apiKey) : undefined;
          client = createMassiveClient({ ...ctx, baseUrl: sim?.simulator.url, apiKey: sim?.apiKey, limiter });
          store = await openConfiguredStore(config, logger, ctx.scrubber, { migrate: opts.migrate });
        } catch (error) {
          // Nothing may keep a worker that failed to start alive.
          await limiter?.disconnect().catch(() => undefined);
          redis.disconnect();
          await sim?.simulator.close();
          throw error;
        }
        redis.on('error', (e: Error) => logger.warn({ error: ctx.scrubber.scrub(e.message) }, 'redis connection error'));
        const market = new MassiveMarketData(client);
        const concurrency = opts.concurrency ?? config.symbolConcurrency;
        const worker = new Worker({
          redis,
          store,
          market,
          symbolConcurrency: concurrency,
          queue: { lockDurationMs: config.queueLockMs },
          resolveSymbols: createSymbolResolver({ universeDir: config.universeDir }),
          logger,
          scrubber: ctx.scrubber,
          metrics: ctx.metrics,
          jobConcurrency: opts.jobConcurrency ?? config.jobConcurrency,
          drainTimeoutMs: opts.drainTimeout * 1000,
          partialStatus: config.partialStatus,
          planning: config.planning,
          monitoring: {
            intervalMs: config.monitoringIntervalMs,
            apiRequestsPerSecond:
              config.rateLimit === 'unlimited' ? null : config.rateLimit === 'free' ? 5 / 60 : config.rateLimit.requestsPerSecond,
          },
        });
        const events = new EventPublisher(redis, { component: 'daily-import' });
        const imports = new ImportCoordinator(
          {
            market,
            store,
            executor: new InProcessExecutor(concurrency),
            logger,
            scrubber: ctx.scrubber,
            metrics: ctx.metrics,
            redis: { client: redis, events },
            universeDir: config.universeDir,
            planning: config.planning,
          },
          { lockRedis: redis, concurrency },
        );
        const scheduler = schedule
          ? new ImportScheduler({
              schedule,
              spec: importConfig?.spec ?? parseImportRequest({}),
              coordinator: imports,
              redis,
              events,
              logger,
              scrubber: ctx.scrubber,
            })
          : undefined;
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
        scheduler?.stop();
        await Promise.all([worker.stop('SIGTERM'), imports.stop(opts.drainTimeout * 1000, 'SIGTERM')]);
        await http?.close();
        await store.close();
        await limiter?.disconnect();
        await redis.quit().catch(() => redis.disconnect());
        await sim?.simulator.close();
        logger.info('worker stopped');
        logger.flush();
        process.exitCode = 0;
      },
    );
}
