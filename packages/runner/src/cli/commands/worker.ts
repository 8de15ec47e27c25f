import type { Command } from 'commander';
import { MassiveMarketData } from '../../adapters/market-data.js';
import { InProcessExecutor } from '../../execution/executor.js';
import { startHttpServer } from '../../http/server.js';
import { connectRedis, createMassiveClient, openConfiguredStore } from '../../runtime.js';
import { createSymbolResolver } from '../../universe/resolve.js';
import { Worker } from '../../worker/worker.js';
import { commandContext, positiveInteger, startLocalSimulator } from '../context.js';

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run the data-load worker until SIGTERM/SIGINT: jobs from Redis, bars into the database')
    .option('--http-port <port>', 'serve /healthz and /metrics on this port', (v) => Number(v))
    .option('--http-host <host>', 'interface for the HTTP server', '127.0.0.1')
    .option('--concurrency <n>', 'symbols loaded at once within a job', positiveInteger('--concurrency'))
    .option('--job-concurrency <n>', 'jobs run at once', positiveInteger('--job-concurrency'))
    .option('--no-migrate', 'do not run database migrations at start')
    .option('--drain-timeout <seconds>', 'on shutdown, how long symbols in flight may finish', (v) => Number(v), 20)
    .option('--simulator', 'use the built-in API simulator instead of the real API (synthetic prices)')
    .action(
      async (opts: {
        httpPort?: number;
        httpHost: string;
        concurrency?: number;
        jobConcurrency?: number;
        migrate: boolean;
        drainTimeout: number;
        simulator?: boolean;
      }) => {
        const ctx = commandContext({ defaultMetrics: true });
        const { logger, config } = ctx;
        const sim = opts.simulator ? await startLocalSimulator(ctx) : undefined;
        const client = createMassiveClient({ ...ctx, baseUrl: sim?.simulator.url, apiKey: sim?.apiKey });
        const store = await openConfiguredStore(config, logger, ctx.scrubber, { migrate: opts.migrate });
        const redis = connectRedis(config, ctx.scrubber);
        redis.on('error', (e: Error) => logger.warn({ error: ctx.scrubber.scrub(e.message) }, 'redis connection error'));
        const worker = new Worker({
          redis,
          store,
          market: new MassiveMarketData(client),
          executor: new InProcessExecutor(opts.concurrency ?? config.symbolConcurrency),
          resolveSymbols: createSymbolResolver({ universeDir: config.universeDir }),
          logger,
          scrubber: ctx.scrubber,
          metrics: ctx.metrics,
          jobConcurrency: opts.jobConcurrency ?? config.jobConcurrency,
          drainTimeoutMs: opts.drainTimeout * 1000,
        });
        const http =
          opts.httpPort !== undefined
            ? await startHttpServer({ port: opts.httpPort, host: opts.httpHost, metrics: ctx.metrics, health: () => worker.health() })
            : undefined;
        if (http) logger.info({ url: http.url }, 'health and metrics listening');
        await worker.start();

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
        await worker.stop('SIGTERM');
        await http?.close();
        await store.close();
        await redis.quit().catch(() => redis.disconnect());
        await sim?.simulator.close();
        logger.info('worker stopped');
        logger.flush();
        process.exitCode = 0;
      },
    );
}
