import type { Command } from 'commander';
import { JobStop } from '../../engine/run-job.js';
import { commandContext, daysOption, openCommandServices, positiveInteger, startLocalSimulator, yearsOption } from '../context.js';
import { buildCliJob, exitCodeOf, parseTimeframes, runCliLoad } from '../load-job.js';

export function registerLoad(program: Command): void {
  program
    .command('load')
    .description('load bars for symbols now, in this process (no Redis needed)')
    .argument('[symbols...]', 'tickers, e.g. AAPL MSFT X:BTCUSD')
    .option('--csv <file>', 'also load the symbols of a CSV file (column "symbol" or "Symbol")')
    .option('--years <years>', 'how far back (0.0014 = one day ... 50)', yearsOption())
    .option('--days <days>', 'how far back, in days (instead of --years)', daysOption())
    .option('--timeframes <list>', 'comma-separated: 1min,hour,day,week,month', 'hour,day,week,month')
    .option('--concurrency <n>', 'symbols loaded at once', positiveInteger('--concurrency'))
    .option('--simulator', 'use the built-in API simulator instead of the real API (synthetic prices)')
    .option('--allow-synthetic', 'with --simulator: write its synthetic prices into a configured PostgreSQL database too')
    .option('--json', 'print one JSON summary instead of progress and a table')
    .action(
      async (
        symbols: string[],
        opts: {
          csv?: string;
          years?: number;
          days?: number;
          timeframes: string;
          concurrency?: number;
          simulator?: boolean;
          allowSynthetic?: boolean;
          json?: boolean;
        },
      ) => {
        if (opts.years !== undefined && opts.days !== undefined) throw new Error('give --years or --days, not both');
        const ctx = commandContext({ defaultLogLevel: 'error' });
        const years = opts.days !== undefined ? opts.days / 365 : (opts.years ?? 1);
        const job = await buildCliJob({ symbols, csv: opts.csv, years, timeframes: parseTimeframes(opts.timeframes) });
        const sim = opts.simulator ? await startLocalSimulator(ctx, { allowSynthetic: opts.allowSynthetic }) : undefined;
        const services = await openCommandServices(ctx, { simulator: sim, redis: 'none' });
        const controller = new AbortController();
        const onSignal = () => controller.abort(new JobStop('cancel', 'interrupt'));
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        ctx.scope.defer(() => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        });
        const outcome = await runCliLoad(services, job, {
          json: Boolean(opts.json),
          concurrency: opts.concurrency ?? ctx.config.symbolConcurrency,
          signal: controller.signal,
        });
        process.exitCode = exitCodeOf(outcome);
      },
    );
}
