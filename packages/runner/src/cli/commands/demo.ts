import type { Command } from 'commander';
import { commandContext, daysOption, openCommandServices, startLocalSimulator } from '../context.js';
import { buildCliJob, exitCodeOf, parseTimeframes, runCliLoad } from '../load-job.js';

export const DEMO_SYMBOLS = ['AAPL', 'MSFT', 'NVDA', 'SPY', 'QQQ', 'JPM', 'XOM', 'X:BTCUSD'];

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('offline demo: a real load from the built-in API simulator into the configured (default: embedded) database')
    .option('--symbols <list>', 'comma-separated tickers', DEMO_SYMBOLS.join(','))
    .option('--days <days>', 'how far back', daysOption(), 365)
    .option('--timeframes <list>', 'comma-separated: 1min,hour,day,week,month', '1min,hour,day,week,month')
    .option('--allow-synthetic', 'write the synthetic prices into a configured PostgreSQL database too')
    .option('--json', 'print one JSON summary instead of progress and a table')
    .action(async (opts: { symbols: string; days: number; timeframes: string; allowSynthetic?: boolean; json?: boolean }) => {
      const ctx = commandContext({ defaultLogLevel: 'error' });
      const out = process.stdout;
      if (!opts.json) {
        out.write('TickStock demo: loading market history from the built-in Massive API simulator.\n');
        out.write("NOTE: the simulator's prices are SYNTHETIC (a seeded random walk), not real market data.\n");
        out.write(
          ctx.config.database.kind === 'embedded'
            ? `Database: embedded PGlite in ${ctx.config.database.dataDir} (set DATABASE_URL to use PostgreSQL).\n\n`
            : 'Database: PostgreSQL from the configuration.\n\n',
        );
      }
      const job = await buildCliJob({
        symbols: opts.symbols.split(','),
        years: opts.days / 365,
        timeframes: parseTimeframes(opts.timeframes),
      });
      const sim = await startLocalSimulator(ctx, { allowSynthetic: opts.allowSynthetic });
      const services = await openCommandServices(ctx, { simulator: sim, redis: 'none' });
      const outcome = await runCliLoad(services, job, { json: Boolean(opts.json), concurrency: ctx.config.symbolConcurrency });
      if (!opts.json) {
        const stats = sim.simulator.stats();
        out.write(
          `\nAPI requests served by the simulator: ${stats.requests}. Run it again: the upserts are idempotent, so the row counts stay the same.\n`,
        );
        out.write(`Inspect a symbol: ${howToRun('stats AAPL')}\n`);
      }
      process.exitCode = exitCodeOf(outcome);
    });
}

/**
 * How the user runs another `tickstock` command from where they ran this one: `pnpm tickstock ...` inside this
 * repository (the demo started by `pnpm demo`), `npx tickstock ...` for an installed package.
 */
export function howToRun(command: string, env: NodeJS.ProcessEnv = process.env): string {
  const fromScript = env.npm_lifecycle_event === 'demo' || env.npm_lifecycle_event === 'tickstock';
  const pm = (env.npm_config_user_agent ?? '').split('/')[0];
  if (fromScript && pm === 'pnpm') return `pnpm tickstock ${command}`;
  if (fromScript && pm === 'npm') return `npm run tickstock -- ${command}`;
  return `npx tickstock ${command}`;
}
