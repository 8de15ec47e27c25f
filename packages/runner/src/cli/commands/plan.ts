import type { Command } from 'commander';
import { gatherKnowledge } from '../../planning/knowledge.js';
import { describeRequests, planRequests } from '../../planning/request-plan.js';
import { shippedUniverseSymbols } from '../../universe/resolve.js';
import { commandContext, daysOption, openCommandStore, yearsOption } from '../context.js';
import { buildCliJob, parseTimeframes } from '../load-job.js';

/**
 * `tickstock plan`: the API requests a load of these symbols would send, counted from what the database holds, and
 * how each symbol would load. Sends nothing to the API.
 */
export function registerPlan(program: Command): void {
  program
    .command('plan')
    .description('count the API requests a load would send (and how each symbol would load), without sending any')
    .argument('[symbols...]', 'tickers, e.g. AAPL MSFT X:BTCUSD')
    .option('--csv <file>', 'also plan the symbols of a CSV file (column "symbol" or "Symbol")')
    .option('--universe <name>', 'also plan a shipped universe: sp500, nasdaq100, dow30, etf')
    .option('--years <years>', 'how far back (0.0014 = one day ... 50)', yearsOption())
    .option('--days <days>', 'how far back, in days (instead of --years)', daysOption())
    .option('--timeframes <list>', 'comma-separated: 1min,hour,day,week,month', 'hour,day,week,month')
    .option('--incremental', 'plan as the daily import does: resume each timeframe at its last stored bar')
    .option('--json', 'print the plan as JSON')
    .action(
      async (
        symbols: string[],
        opts: { csv?: string; universe?: string; years?: number; days?: number; timeframes: string; incremental?: boolean; json?: boolean },
      ) => {
        if (opts.years !== undefined && opts.days !== undefined) throw new Error('give --years or --days, not both');
        const ctx = commandContext({ defaultLogLevel: 'error' });
        const years = opts.days !== undefined ? opts.days / 365 : (opts.years ?? 1);
        const all = [...symbols, ...(opts.universe ? await shippedUniverseSymbols(opts.universe) : [])];
        const job = await buildCliJob({ symbols: all, csv: opts.csv, years, timeframes: parseTimeframes(opts.timeframes) });
        const store = await openCommandStore(ctx);
        const names = job.source.kind === 'symbols' ? job.source.symbols : [];
        const knowledge = await gatherKnowledge(store, job, names, {
          incremental: Boolean(opts.incremental),
          detailsMaxAgeDays: ctx.config.planning.detailsMaxAgeDays,
        });
        const plan = planRequests(names, knowledge, {
          buildPeriods: ctx.config.planning.buildPeriods,
          groupedDaily: ctx.config.planning.groupedDaily,
          now: Date.now(),
        });
        if (opts.json) {
          process.stdout.write(
            `${JSON.stringify(
              {
                requests: {
                  total: plan.requests.total,
                  details: plan.requests.details,
                  grouped_daily: plan.requests.grouped,
                  per_ticker: plan.requests.perTicker,
                },
                grouped_daily: plan.grouped.map((g) => ({
                  market: g.market,
                  date: g.date,
                  include_otc: g.includeOtc,
                  symbols: g.symbols.length,
                })),
                symbols: Object.fromEntries(
                  plan.symbols.map((p) => [
                    p.symbol,
                    {
                      details: p.details,
                      timeframes: p.steps.map((s) => ({
                        timeframe: s.timeframe,
                        source: s.source,
                        from: s.from,
                        to: s.to,
                        ...(s.fetchFrom && s.fetchFrom !== s.from ? { fetch_from: s.fetchFrom } : {}),
                        ...(s.fetchTo && s.fetchTo !== s.to ? { fetch_to: s.fetchTo } : {}),
                        ...(s.store === false ? { stored: false } : {}),
                      })),
                    },
                  ]),
                ),
              },
              null,
              2,
            )}\n`,
          );
          return;
        }
        const bySource = new Map<string, number>();
        for (const p of plan.symbols)
          for (const s of p.steps) bySource.set(`${s.timeframe} ${s.source}`, (bySource.get(`${s.timeframe} ${s.source}`) ?? 0) + 1);
        const lines = [
          `${names.length} symbol${names.length === 1 ? '' : 's'}: ${describeRequests(plan.requests)}; nothing sent`,
          ...[...bySource.entries()].sort().map(([k, n]) => `  ${k}: ${n} symbol${n === 1 ? '' : 's'}`),
        ];
        if (plan.grouped.length) {
          const dates = plan.grouped.map((g) => g.date).sort();
          lines.push(
            `  grouped daily: ${plan.grouped.length} request${plan.grouped.length === 1 ? '' : 's'}, ${dates[0]} to ${dates.at(-1)}`,
          );
        }
        process.stdout.write(`${lines.join('\n')}\n`);
      },
    );
}
