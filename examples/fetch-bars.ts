/**
 * Prints a short table of bars for one ticker.
 *
 *   MASSIVE_API_KEY=... pnpm --filter @tickstock/examples fetch-bars AAPL [timespan] [from] [to]
 *
 * timespan defaults to `day`, the range to the last 10 days. MASSIVE_API_BASE_URL points it at another server
 * (the simulator, for one). Exits 1 with the client's error code and message on one line on failure (the key is never
 * printed). Without a network it fails at once: a host that does not resolve is not retried, and a connection that
 * cannot be made gets two quick retries (under a second) before `NETWORK_ERROR: ... cannot connect to ...`.
 */

import { addDays, newYorkParts, newYorkToday, type Timespan, tradingDateOfBar } from '@tickstock/market-time';
import { isMassiveError, MassiveClient } from '@tickstock/massive-client';

const [ticker, timespan = 'day', from, to] = process.argv.slice(2);
if (!ticker) {
  console.error('usage: fetch-bars <TICKER> [timespan=day] [from=YYYY-MM-DD] [to=YYYY-MM-DD]');
  process.exit(2);
}

const end = to ?? newYorkToday();
const start = from ?? addDays(end, -10);
const intraday = timespan === 'second' || timespan === 'minute' || timespan === 'hour';

function when(ms: number): string {
  if (!intraday) return tradingDateOfBar({ timestamp: ms }, { ticker, timespan: timespan as Timespan });
  const p = newYorkParts(ms);
  return `${p.date} ${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')} ET`;
}

function num(value: number | undefined, digits = 2): string {
  return value === undefined ? '-' : value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

try {
  const client = new MassiveClient({ rateLimit: 'free' });
  const bars = await client.getBars({ ticker, timespan: timespan as Timespan, from: start, to: end });
  const rows = bars.slice(-20).map((b) => [when(b.timestamp), num(b.open), num(b.high), num(b.low), num(b.close), num(b.volume, 0)]);
  const header = [intraday ? 'time (New York)' : 'date', 'open', 'high', 'low', 'close', 'volume'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  console.log(
    `${ticker} ${timespan} bars ${start} to ${end} from ${client.baseUrl}: ${bars.length} bar(s)${bars.length > 20 ? ', last 20 shown' : ''}`,
  );
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
} catch (error) {
  if (isMassiveError(error)) {
    console.error(`${error.code}: ${error.message.replace(/\s*\n\s*/g, ' ')}`);
    process.exit(1);
  }
  throw error;
}
