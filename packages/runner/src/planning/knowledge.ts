/**
 * What the planner needs to know of a job's symbols, read from the store before any request: whether each symbol's
 * details are stored and fresh, whether it trades over the counter, and (incremental loads) the range still to fetch
 * of each timeframe and where its stored day bars begin.
 */
import { newYorkDate, utcDateOf } from '@tickstock/market-time';
import { type BarExtent, dateRuleForSymbol, type OhlcvStore, STORE_TIMEFRAME } from '@tickstock/ohlcv-store';
import pLimit from 'p-limit';
import type { LoadJob, TimeframeRange } from '../engine/types.js';
import { planIncrementalRange } from '../import/plan-range.js';
import type { SymbolKnowledge } from './request-plan.js';
import type { Readjustment } from './splits-check.js';

/** Default age after which stored ticker details are fetched again. */
export const DETAILS_MAX_AGE_DAYS = 30;

export interface KnowledgeOptions {
  /** Resume each timeframe at its last stored bar (daily imports); default false (load the job's ranges whole). */
  incremental?: boolean;
  /** Stored details older than this are fetched again (default 30). */
  detailsMaxAgeDays?: number;
  /** Store reads at once (default 8). */
  concurrency?: number;
  /** Symbols whose stored history is reloaded for splits (see ./splits-check.ts). */
  readjust?: ReadonlyMap<string, Readjustment>;
  now?: () => number;
}

function toMs(v: unknown): number | null {
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'string' || typeof v === 'number') {
    const t = new Date(v).getTime();
    return Number.isFinite(t) ? t : null;
  }
  return null;
}

/** The planner's knowledge of every symbol of `job`, read from `store`. */
export async function gatherKnowledge(
  store: OhlcvStore,
  job: LoadJob,
  symbols: readonly string[],
  options: KnowledgeOptions = {},
): Promise<Map<string, SymbolKnowledge>> {
  const now = (options.now ?? Date.now)();
  const maxAgeMs = (options.detailsMaxAgeDays ?? DETAILS_MAX_AGE_DAYS) * 86_400_000;
  const limit = pLimit(options.concurrency ?? 8);
  const out = new Map<string, SymbolKnowledge>();
  await Promise.all(
    symbols.map((symbol) =>
      limit(async () => {
        const row = await store.getSymbol(symbol);
        const updated = toMs(row?.last_updated);
        const detailsFresh = row != null && row.name != null && updated !== null && now - updated < maxAgeMs;
        const otc = typeof row?.market === 'string' && row.market.toLowerCase() === 'otc';
        let ranges: TimeframeRange[] = [...job.ranges];
        const skipped: TimeframeRange[] = [];
        let storedDaysFrom: string | null = null;
        if (options.incremental) {
          ranges = [];
          for (const range of job.ranges) {
            const extent: BarExtent | null = await store.barExtent(STORE_TIMEFRAME[range.timeframe], symbol);
            if (range.timeframe === 'day' && extent)
              storedDaysFrom = dateRuleForSymbol(symbol) === 'utc' ? utcDateOf(extent.first) : newYorkDate(extent.first);
            const planned = planIncrementalRange({ symbol, range, extent, now });
            if (planned) ranges.push(planned);
            else skipped.push(range);
          }
        }
        const readjust = options.readjust?.get(symbol);
        if (readjust) {
          // Every stored timeframe whole, and whatever else the job asks for: all per ticker, replacing what is stored.
          out.set(symbol, { ranges: mergeRanges([...job.ranges, ...readjust.ranges]), detailsFresh, otc, readjust: readjust.splits });
          return;
        }
        out.set(symbol, { ranges, skipped, detailsFresh, otc, storedDaysFrom });
      }),
    ),
  );
  return out;
}

/** One range per timeframe: the earliest start and the latest end of those given. */
function mergeRanges(ranges: readonly TimeframeRange[]): TimeframeRange[] {
  const by = new Map<TimeframeRange['timeframe'], TimeframeRange>();
  for (const r of ranges) {
    const seen = by.get(r.timeframe);
    if (!seen) by.set(r.timeframe, { ...r });
    else
      by.set(r.timeframe, {
        timeframe: r.timeframe,
        from: [seen.from, r.from].sort()[0] as string,
        to: [seen.to, r.to].sort()[1] as string,
      });
  }
  return [...by.values()];
}
