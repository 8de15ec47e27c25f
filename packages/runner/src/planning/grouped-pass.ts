/**
 * The grouped-daily pass of a plan: one request per market and date, each row handed to the symbol it belongs to.
 * Runs before the symbols load; each symbol then takes its own day bars (and counts them as its own). A request that
 * fails after the client's retries fails the day bars of every symbol it served, with the request's code; a job-fatal
 * error (a bad key) stops the job.
 */
import { barsAlignToUtcDays, tradingDateOfBar, tradingDayStartMs } from '@tickstock/market-time';
import pLimit from 'p-limit';
import { DayColumnsArena, type DayColumnsBuilder } from '../engine/day-columns.js';
import { decide, throwIfFatal } from '../engine/errors.js';
import type { MarketDataPort, SuppliedDays } from '../engine/types.js';
import type { GroupedRequest } from './request-plan.js';

/**
 * The stamp a per-ticker request gives the day bar of a grouped row (stamped 16:00 New York): the start of its
 * trading date. Worked out once per distinct row stamp and day alignment, since every row of one request shares them.
 */
function stamper(): (ticker: string, rowTimestamp: number) => number {
  const memo = { utc: new Map<number, number>(), newYork: new Map<number, number>() };
  return (ticker, rowTimestamp) => {
    const seen = barsAlignToUtcDays(ticker, 'day') ? memo.utc : memo.newYork;
    let stamp = seen.get(rowTimestamp);
    if (stamp === undefined) {
      stamp = tradingDayStartMs(tradingDateOfBar({ timestamp: rowTimestamp }, { ticker }), { ticker });
      seen.set(rowTimestamp, stamp);
    }
    return stamp;
  };
}

export interface GroupedPassOptions {
  /** Requests in flight at once (the client's rate limiter still decides when each starts). Default 8. */
  concurrency?: number;
  /** Called after each request, with how many are done. */
  onProgress?(done: number, total: number): void | Promise<void>;
}

/**
 * Runs the grouped requests; resolves to each served symbol's day bars (oldest first, in columns: a year of the
 * S&P 500 is 126,000 bars) or its error.
 */
export async function runGroupedPass(
  requests: readonly GroupedRequest[],
  market: MarketDataPort,
  signal: AbortSignal,
  options: GroupedPassOptions = {},
): Promise<Map<string, SuppliedDays>> {
  // Each symbol's bars go straight into columns sized for the dates it is served on, all in one allocation.
  const servedOn = new Map<string, number>();
  for (const r of requests) for (const s of r.symbols) servedOn.set(s, (servedOn.get(s) ?? 0) + 1);
  const arena = new DayColumnsArena([...servedOn.values()]);
  const collected = new Map<string, { days: DayColumnsBuilder; error?: SuppliedDays['error'] }>();
  for (const symbol of servedOn.keys()) collected.set(symbol, { days: arena.builder(collected.size) });
  const limit = pLimit(options.concurrency ?? 8);
  let done = 0;
  await Promise.all(
    requests.map((r) =>
      limit(async () => {
        if (signal.aborted) return;
        const wanted = new Set(r.symbols);
        try {
          const rows = await market.groupedDaily(r.market, r.date, r.includeOtc, signal);
          const stampOf = stamper();
          for (const row of rows) {
            if (!wanted.has(row.ticker)) continue;
            wanted.delete(row.ticker); // one row per ticker and date
            collected.get(row.ticker)?.days.add(row, stampOf(row.ticker, row.timestamp));
          }
        } catch (error) {
          throwIfFatal(error);
          const { code, message, retryable } = decide(error);
          if (signal.aborted) return;
          for (const s of r.symbols) {
            const entry = collected.get(s);
            if (entry && !entry.error) entry.error = { code, message: `grouped daily ${r.market} ${r.date}: ${message}`, retryable };
          }
        }
        done += 1;
        await options.onProgress?.(done, requests.length);
      }),
    ),
  );
  const supplied = new Map<string, SuppliedDays>();
  for (const [symbol, { days, error }] of collected) supplied.set(symbol, error ? { days: days.build(), error } : { days: days.build() });
  return supplied;
}
