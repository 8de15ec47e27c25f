import { isCivilDate } from '@tickstock/market-time';
import { type Command, InvalidArgumentError } from 'commander';
import { shippedUniverseSymbols } from '../../universe/resolve.js';
import { type VerifyReport, verifyBars } from '../../verify/verify-bars.js';
import { commandContext, openCommandServices } from '../context.js';
import { parseTimeframes } from '../load-job.js';

function dateOption(value: string): string {
  if (!isCivilDate(value)) throw new InvalidArgumentError(`expected a YYYY-MM-DD date, got ${JSON.stringify(value)}`);
  return value;
}

/** The report as `--json` prints it (documented in the runner README). */
function reportJson(report: VerifyReport, repair: boolean) {
  return {
    requests: report.requests,
    differences: report.differences,
    errors: report.errors,
    repaired: repair,
    results: report.results.map((r) => ({
      symbol: r.symbol,
      timeframe: r.timeframe,
      from: r.from,
      to: r.to,
      stored: r.stored,
      served: r.served,
      missing: r.missing,
      extra: r.extra,
      changed: r.changed,
      examples: r.examples,
      ...(r.repaired ? { repaired: r.repaired } : {}),
      ...(r.error ? { error: r.error } : {}),
    })),
  };
}

/**
 * `tickstock verify`: compares stored bars with what the API serves now (missing, extra and changed rows per symbol
 * and timeframe) and, with `--repair`, rewrites exactly what differs. Exit 0 when equal, 1 when differences were
 * found (and repaired, with --repair), 2 on error.
 */
export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('compare stored bars with what the API serves now; --repair rewrites what differs')
    .argument('[symbols...]', 'tickers, e.g. AAPL MSFT X:BTCUSD')
    .option('--universe <name>', 'also verify a shipped universe: sp500, nasdaq100, dow30, etf')
    .option('--timeframes <list>', 'comma-separated: 1min,hour,day,week,month', 'hour,day,week,month')
    .option('--since <date>', 'compare from this New York date (default: each timeframe’s first stored bar)', dateOption)
    .option('--until <date>', 'compare through this New York date (default: today)', dateOption)
    .option('--repair', 'rewrite the rows that differ and delete the rows the API no longer serves (only in the compared range)')
    .option('--json', 'print the report as JSON')
    .action(
      async (
        symbols: string[],
        opts: { universe?: string; timeframes: string; since?: string; until?: string; repair?: boolean; json?: boolean },
      ) => {
        if (opts.since && opts.until && opts.since > opts.until)
          throw new InvalidArgumentError(`--since ${opts.since} is after --until ${opts.until}`);
        const all = [
          ...new Set([...symbols.map((s) => s.toUpperCase()), ...(opts.universe ? await shippedUniverseSymbols(opts.universe) : [])]),
        ];
        if (all.length === 0) throw new InvalidArgumentError('name at least one symbol, or --universe');
        const timeframes = parseTimeframes(opts.timeframes);
        const ctx = commandContext({ defaultLogLevel: 'error' });
        const { store, market } = await openCommandServices(ctx, { redis: 'none', migrate: false });
        const repair = Boolean(opts.repair);
        const report = await verifyBars(store, market, {
          symbols: all,
          timeframes,
          since: opts.since,
          until: opts.until,
          repair,
          onPlanned: (requests, ranges) => {
            if (!opts.json)
              process.stderr.write(
                `verify: ${ranges} range${ranges === 1 ? '' : 's'}, ${requests} API request${requests === 1 ? '' : 's'}\n`,
              );
          },
        });
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(reportJson(report, repair), null, 2)}\n`);
        } else {
          const lines: string[] = [];
          for (const r of report.results) {
            const what = r.error
              ? `error ${r.error.code}: ${r.error.message}`
              : r.missing + r.extra + r.changed === 0
                ? `equal (${r.stored} rows)`
                : `${r.missing} missing, ${r.extra} extra, ${r.changed} changed` +
                  (r.repaired ? `; repaired: ${r.repaired.written} written, ${r.repaired.deleted} deleted` : '');
            lines.push(`${r.symbol} ${r.timeframe} ${r.from}..${r.to}: ${what}`);
          }
          if (report.results.length === 0) lines.push('nothing stored to verify (give --since to compare a range anyway)');
          lines.push(
            report.differences === 0
              ? `${report.errors ? 'no differences found where compared' : 'all equal'}`
              : `${report.differences} row${report.differences === 1 ? '' : 's'} differ${repair ? ', repaired' : ' (run with --repair to fix them)'}`,
          );
          process.stdout.write(`${lines.join('\n')}\n`);
        }
        process.exitCode = report.errors > 0 ? 2 : report.differences > 0 ? 1 : 0;
      },
    );
}
