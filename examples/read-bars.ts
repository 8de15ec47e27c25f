/**
 * Another service reads bars back with the store: the latest daily bars of a symbol and its gap report.
 *
 *   DATABASE_URL=postgres://... pnpm --filter @tickstock/examples read-bars AAPL
 *   pnpm --filter @tickstock/examples read-bars AAPL          # the embedded database the demo wrote (../.tickstock/db)
 */
import { fileURLToPath } from 'node:url';
import { openStore } from '@tickstock/ohlcv-store';

const symbol = (process.argv[2] ?? 'AAPL').toUpperCase();
const store = process.env.DATABASE_URL
  ? await openStore({ databaseUrl: process.env.DATABASE_URL, migrate: false })
  : await openStore({ embedded: { dataDir: fileURLToPath(new URL('../.tickstock/db', import.meta.url)) } });

try {
  const latest = await store.getBars('daily', symbol, { order: 'desc', limit: 5 });
  console.log(`${symbol}: last ${latest.length} daily bars`);
  for (const b of latest.reverse()) {
    console.log(
      `  ${new Date(b.timestamp).toISOString().slice(0, 10)}  o ${b.open}  h ${b.high}  l ${b.low}  c ${b.close}  v ${b.volume ?? '-'}`,
    );
  }
  const stats = await store.symbolStats(symbol, 'daily');
  console.log(
    `records ${stats.records}, ${stats.firstDate} .. ${stats.lastDate}, gaps: ${stats.gaps.length} (${stats.missingPeriods} trading days missing)`,
  );
} finally {
  await store.close();
}
