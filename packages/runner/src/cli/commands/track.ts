import { SYMBOL_PATTERN } from '@tickstock/job-protocol';
import { assetClassOfTicker } from '@tickstock/market-time';
import type { TrackedAssetClass } from '@tickstock/ohlcv-store';
import Table from 'cli-table3';
import { type Command, InvalidArgumentError } from 'commander';
import { RunnerError } from '../../errors.js';
import { shippedUniverseSymbols } from '../../universe/resolve.js';
import { commandContext, openCommandStore } from '../context.js';

const ASSET_CLASSES: readonly TrackedAssetClass[] = ['stock', 'etf', 'crypto'];

function symbolsFrom(args: string[]): string[] {
  const symbols = [...new Set(args.map((s) => s.trim().toUpperCase()))];
  const bad = symbols.filter((s) => !SYMBOL_PATTERN.test(s));
  if (bad.length)
    throw new InvalidArgumentError(`invalid symbol${bad.length > 1 ? 's' : ''}: ${bad.map((s) => JSON.stringify(s)).join(', ')}`);
  return symbols;
}

/** `X:` tickers are crypto, tickers on the shipped ETF list are etf, the rest stock. */
async function defaultAssetClass(symbol: string, etfs: ReadonlySet<string>): Promise<TrackedAssetClass> {
  if (assetClassOfTicker(symbol) === 'crypto') return 'crypto';
  return etfs.has(symbol) ? 'etf' : 'stock';
}

export function registerTrack(program: Command): void {
  const track = program.command('track').description('the symbols scheduled daily imports keep loaded (tracked_symbols)');

  track
    .command('add')
    .description('track symbols (or reactivate them); asset class from the ticker unless given')
    .argument('<symbols...>', 'tickers, e.g. AAPL SPY X:BTCUSD')
    .option('--asset-class <class>', 'stock, etf or crypto (default: X: tickers crypto, shipped ETF list etf, else stock)')
    .action(async (args: string[], opts: { assetClass?: string }) => {
      const symbols = symbolsFrom(args);
      if (opts.assetClass !== undefined && !ASSET_CLASSES.includes(opts.assetClass as TrackedAssetClass)) {
        throw new InvalidArgumentError(`--asset-class must be one of ${ASSET_CLASSES.join(', ')} (got ${JSON.stringify(opts.assetClass)})`);
      }
      const given = opts.assetClass as TrackedAssetClass | undefined;
      const mismatched = symbols.filter((s) => given !== undefined && (given === 'crypto') !== (assetClassOfTicker(s) === 'crypto'));
      if (mismatched.length) {
        throw new RunnerError('USAGE', `crypto tickers start with X: (X:BTCUSD) and only they are crypto: ${mismatched.join(', ')}`);
      }
      const etfs = new Set(await shippedUniverseSymbols('etf'));
      const items = await Promise.all(
        symbols.map(async (symbol) => ({ symbol, assetClass: given ?? (await defaultAssetClass(symbol, etfs)), active: true })),
      );
      const ctx = commandContext({ defaultLogLevel: 'warn' });
      const store = await openCommandStore(ctx);
      await store.trackSymbols(items);
      process.stdout.write(`tracking ${items.map((i) => `${i.symbol} (${i.assetClass})`).join(', ')}\n`);
    });

  track
    .command('deactivate')
    .description('stop loading symbols in scheduled imports (their rows and bars are kept)')
    .argument('<symbols...>', 'tracked tickers')
    .action(async (args: string[]) => {
      const symbols = symbolsFrom(args);
      const ctx = commandContext({ defaultLogLevel: 'warn' });
      const store = await openCommandStore(ctx);
      const all = new Map((await store.listTrackedSymbols({ includeInactive: true })).map((t) => [t.symbol, t]));
      const unknown = symbols.filter((s) => !all.has(s));
      if (unknown.length) throw new RunnerError('USAGE', `not tracked: ${unknown.join(', ')} (nothing changed)`);
      await store.trackSymbols(symbols.map((s) => ({ symbol: s, assetClass: all.get(s)?.assetClass ?? 'stock', active: false })));
      process.stdout.write(`deactivated ${symbols.join(', ')}\n`);
    });

  track
    .command('list')
    .description('tracked symbols with their backfill status (active ones unless --all)')
    .option('--all', 'include deactivated symbols')
    .option('--json', 'print JSON')
    .action(async (opts: { all?: boolean; json?: boolean }) => {
      const ctx = commandContext({ defaultLogLevel: 'warn' });
      const store = await openCommandStore(ctx, { migrate: false });
      const rows = await store.listTrackedSymbols({ includeInactive: Boolean(opts.all) });
      const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
      if (opts.json) {
        const out = rows.map((r) => ({
          symbol: r.symbol,
          asset_class: r.assetClass,
          active: r.active,
          backfill_status: r.backfillStatus,
          backfill_error: r.backfillError,
          last_backfill: iso(r.lastBackfill),
        }));
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
        return;
      }
      if (rows.length === 0) {
        process.stdout.write('no tracked symbols (add some with `tickstock track add SYMBOL...`)\n');
        return;
      }
      const table = new Table({
        head: ['symbol', 'class', 'active', 'backfill', 'last backfill', 'error'],
        style: { head: [], border: [] },
      });
      for (const r of rows) {
        table.push([
          r.symbol,
          r.assetClass,
          r.active ? 'yes' : 'no',
          r.backfillStatus ?? '-',
          iso(r.lastBackfill) ?? '-',
          r.backfillError ?? '',
        ]);
      }
      process.stdout.write(`${table.toString()}\n`);
    });
}
