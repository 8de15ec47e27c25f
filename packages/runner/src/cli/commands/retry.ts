import type { Command } from 'commander';
import { commandContext, positiveInteger } from '../context.js';
import { withCliImports } from '../import-run.js';

export function registerRetry(program: Command): void {
  program
    .command('retry')
    .description('re-run the failed symbols of an import run (all, or those named), counting retry_count up')
    .argument('<runId>', 'the run id')
    .argument('[symbols...]', 'only these failed symbols')
    .option('--concurrency <n>', 'symbols loaded at once', positiveInteger('--concurrency'))
    .option('--simulator', 'use the built-in API simulator instead of the real API (synthetic prices)')
    .option('--allow-synthetic', 'with --simulator: write its synthetic prices into a configured PostgreSQL database too')
    .option('--json', 'print one JSON summary instead of progress and a table')
    .action(
      async (
        runId: string,
        symbols: string[],
        opts: { concurrency?: number; simulator?: boolean; allowSynthetic?: boolean; json?: boolean },
      ) => {
        const ctx = commandContext({ defaultLogLevel: 'error' });
        await withCliImports(
          ctx,
          {
            json: Boolean(opts.json),
            simulator: Boolean(opts.simulator),
            allowSynthetic: Boolean(opts.allowSynthetic),
            concurrency: opts.concurrency,
          },
          (imports) => imports.retry(runId, symbols),
        );
      },
    );
}
