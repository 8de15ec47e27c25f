/**
 * The grouped-daily pass of a plan: one request per market and date, each row handed to the symbol it belongs to.
 * Runs before the symbols load; each symbol then takes its own day bars (and counts them as its own). A request that
 * fails after the client's retries fails the day bars of every symbol it served, with the request's code; a job-fatal
 * error (a bad key) stops the job.
 */
import { type Bar, barsAlignToUtcDays, newYorkMidnightUtcMs, tradingDateOfBar } from '@tickstock/massive-client';
import pLimit from 'p-limit';
import { errorCode, errorMessage, FatalJobError, JOB_FATAL_CODES } from '../engine/errors.js';
import type { CivilDate, MarketDataPort, SuppliedDays } from '../engine/types.js';
import type { GroupedRequest } from './request-plan.js';

/** The day bar a per-ticker request serves for `date`: stamped at the start of the day (00:00 New York; UTC for forex). */
function dayStamp(ticker: string, date: CivilDate): number {
  return barsAlignToUtcDays(ticker, 'day') ? Date.parse(`${date}T00:00:00Z`) : newYorkMidnightUtcMs(date);
}

export interface GroupedPassOptions {
  /** Requests in flight at once (the client's rate limiter still decides when each starts). Default 8. */
  concurrency?: number;
  /** Called after each request, with how many are done. */
  onProgress?(done: number, total: number): void | Promise<void>;
}

/** Runs the grouped requests; resolves to each served symbol's day bars (oldest first) or its error. */
export async function runGroupedPass(
  requests: readonly GroupedRequest[],
  market: MarketDataPort,
  signal: AbortSignal,
  options: GroupedPassOptions = {},
): Promise<Map<string, SuppliedDays>> {
  const supplied = new Map<string, SuppliedDays>();
  for (const r of requests) for (const s of r.symbols) if (!supplied.has(s)) supplied.set(s, { bars: [] });
  const limit = pLimit(options.concurrency ?? 8);
  let done = 0;
  await Promise.all(
    requests.map((r) =>
      limit(async () => {
        if (signal.aborted) return;
        const wanted = new Set(r.symbols);
        try {
          const rows = await market.groupedDaily(r.market, r.date, r.includeOtc, signal);
          for (const row of rows) {
            if (!wanted.has(row.ticker)) continue;
            wanted.delete(row.ticker); // one row per ticker and date
            const { ticker, ...values } = row;
            const date = tradingDateOfBar(row, { timespan: 'day', ticker });
            const bar: Bar = { ...values, timestamp: dayStamp(ticker, date) };
            supplied.get(ticker)?.bars.push(bar);
          }
        } catch (error) {
          const code = errorCode(error);
          if (JOB_FATAL_CODES.has(code)) throw new FatalJobError(code, errorMessage(error), { cause: error });
          if (signal.aborted) return;
          for (const s of r.symbols) {
            const entry = supplied.get(s);
            if (entry && !entry.error) entry.error = { code, message: `grouped daily ${r.market} ${r.date}: ${errorMessage(error)}` };
          }
        }
        done += 1;
        await options.onProgress?.(done, requests.length);
      }),
    ),
  );
  for (const entry of supplied.values()) entry.bars.sort((a, b) => a.timestamp - b.timestamp);
  return supplied;
}
