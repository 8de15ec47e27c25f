import { STORE_TIMEFRAME, TIMEFRAMES as STORE_TIMEFRAMES, type Timeframe as StoreTimeframe } from '@tickstock/ohlcv-store';
import Table from 'cli-table3';
import type { Command } from 'commander';
import { commandContext, openCommandStore } from '../context.js';
import { parseTimeframes } from '../load-job.js';

export function registerStats(program: Command): void {
  program
    .command('stats')
    .description('record count, date range, validation rate and gaps of a symbol, per timeframe')
    .argument('<symbol>', 'ticker')
    .option('--timeframes <list>', 'comma-separated (default: all five)')
    .option('--json', 'print JSON')
    .action(async (symbol: string, opts: { timeframes?: string; json?: boolean }) => {
      const ctx = commandContext({ defaultLogLevel: 'warn' });
      // The same spellings as `load` and jobs (one alias table: @tickstock/market-time timeframeOf).
      const timeframes: StoreTimeframe[] = opts.timeframes
        ? parseTimeframes(opts.timeframes).map((tf) => STORE_TIMEFRAME[tf])
        : [...STORE_TIMEFRAMES];
      const store = await openCommandStore(ctx, { migrate: false });
      const stats = [];
      for (const tf of timeframes) stats.push(await store.symbolStats(symbol.toUpperCase(), tf));
      if (stats.every((x) => x.records === 0)) {
        // Zeros alone read like a result: say there is nothing, where we looked, and how to load it.
        process.stderr.write(
          `tickstock: no bars of ${symbol.toUpperCase()} are stored in ${store.target}; load them first: tickstock load ${symbol.toUpperCase()}\n`,
        );
        process.exitCode = 1;
      }
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(stats, null, 2)}\n`);
        return;
      }
      const table = new Table({
        head: ['timeframe', 'records', 'first', 'last', 'valid %', 'gaps', 'missing'],
        style: { head: [], border: [] },
      });
      for (const s of stats) {
        table.push([
          s.timeframe,
          String(s.records),
          s.firstDate ?? '-',
          s.lastDate ?? '-',
          s.validationRate === null ? '-' : (s.validationRate * 100).toFixed(2),
          String(s.gaps.length),
          String(s.missingPeriods),
        ]);
      }
      process.stdout.write(`${symbol.toUpperCase()}\n${table.toString()}\n`);
      const gaps = stats.flatMap((s) => s.gaps.slice(0, 10).map((g) => `  ${s.timeframe}: ${g.from} .. ${g.to} (${g.missing} missing)`));
      if (gaps.length) process.stdout.write(`gaps (first 10 per timeframe):\n${gaps.join('\n')}\n`);
    });
}
