import type { Command } from 'commander';
import { parseImportRequest } from '../../import/request.js';
import { commandContext, positiveInteger, positiveNumber } from '../context.js';
import { withCliImports } from '../import-run.js';

const list = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

export function registerImport(program: Command): void {
  program
    .command('import')
    .description('run the daily import now, in this process: universes and symbols, incremental unless --full')
    .option('--universe <list>', 'comma-separated: sp500, nasdaq100, dow30, etf, tracked, or a CSV file in TICKSTOCK_UNIVERSE_DIR')
    .option('--symbols <list>', 'comma-separated tickers (loaded after the universes)')
    .option('--timeframes <list>', 'comma-separated: 1min,hour,day,week,month (default hour,day,week,month)')
    .option(
      '--lookback-days <days>',
      'days of history for every timeframe (default: hourly 90, daily 365, weekly 730, monthly 1825)',
      positiveInteger('--lookback-days'),
    )
    .option('--full', 'reload every range whole instead of resuming from the latest stored bar')
    .option(
      '--success-threshold <share>',
      'share of symbols (0-1) that must load for the run to complete',
      positiveNumber('--success-threshold'),
    )
    .option('--stop-on-error', 'stop at the first failed symbol (continue_on_error off)')
    .option('--concurrency <n>', 'symbols loaded at once', positiveInteger('--concurrency'))
    .option('--simulator', 'use the built-in API simulator instead of the real API (synthetic prices)')
    .option('--allow-synthetic', 'with --simulator: write its synthetic prices into a configured PostgreSQL database too')
    .option('--json', 'print one JSON summary instead of progress and a table')
    .action(
      async (opts: {
        universe?: string;
        symbols?: string;
        timeframes?: string;
        lookbackDays?: number;
        full?: boolean;
        successThreshold?: number;
        stopOnError?: boolean;
        concurrency?: number;
        simulator?: boolean;
        allowSynthetic?: boolean;
        json?: boolean;
      }) => {
        const spec = parseImportRequest(
          {
            ...(opts.universe ? { universes: list(opts.universe) } : {}),
            ...(opts.symbols ? { symbols: list(opts.symbols) } : {}),
            ...(opts.timeframes ? { timeframes: list(opts.timeframes) } : {}),
            ...(opts.lookbackDays ? { lookback_days: opts.lookbackDays } : {}),
            ...(opts.full ? { full_reload: true } : {}),
            ...(opts.successThreshold !== undefined ? { success_threshold: opts.successThreshold } : {}),
            ...(opts.stopOnError ? { continue_on_error: false } : {}),
            requested_by: 'cli',
          },
          'import options',
        );
        const ctx = commandContext({ defaultLogLevel: 'error' });
        await withCliImports(
          ctx,
          {
            json: Boolean(opts.json),
            simulator: Boolean(opts.simulator),
            allowSynthetic: Boolean(opts.allowSynthetic),
            concurrency: opts.concurrency,
          },
          (imports) => imports.trigger(spec, { origin: 'cli' }),
        );
      },
    );
}
