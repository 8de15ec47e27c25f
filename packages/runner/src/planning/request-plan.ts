/**
 * The request planner: given a job's symbols, the range each symbol still needs of each timeframe, and what is
 * already stored, it chooses the cheapest set of API requests and counts them before any is sent. Pure.
 *
 * - **Ticker details** once per symbol, refreshed when older than the configured age: never per job.
 * - **Day bars** per ticker (one request per symbol), or grouped daily (one request per trading day for every
 *   symbol of a market: stocks, crypto and forex each at their own endpoint), whichever sends fewer. The planner
 *   picks a cutoff date: dates from it on come from grouped daily, and a symbol that needs days before it (a long
 *   backfill among short incremental updates) is fetched per ticker. Indices (`I:`), which grouped daily does not
 *   serve, are always per ticker; OTC symbols turn on `include_otc`.
 * - **Week and month bars** are built from day bars by the API's rule (`aggregateDayBars`) instead of requested:
 *   the day bars a period needs (from the start of its first period to the end of its last) are fetched or read
 *   from the store; days outside the job's own day range are used for building only, never stored. Building can be
 *   turned off (then week and month are requested per ticker).
 * - **Hour and minute bars** per ticker, one request per range (plus pages for long minute spans).
 * - A range in which the market has no session at all (a weekend, a holiday) costs no request: no trade, no bar.
 *
 * The count is exact for ranges of one page each (every request but long minute backfills, whose pages are
 * estimated from the calendar's minutes); retries come on top.
 */
import { type CivilDate, calendarForTicker, newYorkDate, periodRange, periodStart, TIMEFRAMES } from '@tickstock/market-time';
import { type GroupedMarket, groupedMarketOfTicker } from '@tickstock/massive-client';
import type { PlanStep, SplitReadjustment, SymbolPlan, TimeframeRange } from '../engine/types.js';

/** One grouped-daily request. */
export interface GroupedRequest {
  market: GroupedMarket;
  date: CivilDate;
  includeOtc: boolean;
  /** The job's symbols that take their day bars from it. */
  symbols: string[];
}

/** Requests of a plan, by kind. */
export interface RequestCount {
  details: number;
  grouped: number;
  perTicker: number;
  /** The splits check before an incremental load (one request for the whole universe, plus pages). */
  splits?: number;
  total: number;
}

export interface JobPlan {
  symbols: SymbolPlan[];
  grouped: GroupedRequest[];
  requests: RequestCount;
}

/** What the planner knows of one symbol. */
export interface SymbolKnowledge {
  /** The ranges still to fetch (after incremental planning). */
  ranges: readonly TimeframeRange[];
  /** Ranges incremental planning found nothing new in (no request; reported as skipped). */
  skipped?: readonly TimeframeRange[];
  /** Details are stored and fresh: no details request. */
  detailsFresh: boolean;
  /** The ticker trades over the counter (its grouped-daily rows need `include_otc`). */
  otc?: boolean;
  /** The first stored day bar's date, when there is one (incremental builds read older days from the store). */
  storedDaysFrom?: CivilDate | null;
  /**
   * Splits the stored history predates: `ranges` then cover every stored timeframe whole, each is fetched per ticker
   * and replaces what is stored (nothing built, nothing grouped: the reload is the API's own bars, as served today).
   */
  readjust?: readonly SplitReadjustment[];
}

export interface PlanOptions {
  /** Build week and month bars from day bars (default true). */
  buildPeriods?: boolean;
  /** Use grouped daily when it sends fewer requests (default true). */
  groupedDaily?: boolean;
  /** Largest number of day bars a plan keeps from grouped daily (dates × symbols); beyond it, per ticker. */
  maxGroupedBars?: number;
  /** `now`, Unix ms: no day after today's New York date is fetched. */
  now: number;
}

/** Default of {@link PlanOptions.maxGroupedBars}: about 60 MB of bars at most, held until each symbol takes its own. */
export const MAX_GROUPED_BARS = 1_000_000;

/** Base bars one page carries (`limit=50000`). */
const PAGE_BARS = 50_000;
/** Minutes of an extended-hours NYSE day (04:00-20:00), the base bars of its minute and hour bars. */
const NYSE_DAY_MINUTES = 960;

const laterOf = (a: CivilDate, b: CivilDate) => (a > b ? a : b);
const earlierOf = (a: CivilDate, b: CivilDate) => (a < b ? a : b);

/** Trading dates of `symbol`'s market from `from` to `to`, both inclusive (none when `from > to`). */
function tradingDates(symbol: string, from: CivilDate, to: CivilDate): CivilDate[] {
  return from > to ? [] : calendarForTicker(symbol).tradingDays(from, to);
}

/** Requests one per-ticker range costs: 1, or more pages for long minute and hour spans (estimated from the calendar). */
export function perTickerRequests(symbol: string, range: TimeframeRange): number {
  if (range.timeframe !== '1min' && range.timeframe !== 'hour') return 1;
  const days = tradingDates(symbol, range.from, range.to).length;
  const minutesPerDay = calendarForTicker(symbol).name === 'nyse' ? NYSE_DAY_MINUTES : 1440; // crypto, forex: around the clock
  return Math.max(1, Math.ceil((days * minutesPerDay) / PAGE_BARS));
}

/** The span of day bars building `range`'s periods needs: the first period's start to the last period's end. */
function buildSpan(range: TimeframeRange, today: CivilDate): { from: CivilDate; to: CivilDate } {
  const period = range.timeframe === 'week' ? 'week' : 'month';
  const first = periodStart(range.from, period);
  return { from: first, to: earlierOf(periodRange(range.to, period).end, today) };
}

interface DayNeed {
  symbol: string;
  market: GroupedMarket | null;
  from: CivilDate;
  to: CivilDate;
  /** Dates fetched for the symbol (trading days of its market in [from, to]). */
  dates: CivilDate[];
}

/**
 * Per market: the cutoff date from which grouped daily serves every symbol whose need starts on or after it; the
 * others go per ticker. Chooses the cutoff with the fewest requests; per ticker on a tie (and whenever grouped
 * would hold more than `maxBars` bars).
 */
function chooseGrouped(needs: DayNeed[], maxBars: number): { grouped: Set<string>; dates: CivilDate[] } {
  const none = { grouped: new Set<string>(), dates: [] as CivilDate[] };
  if (needs.length < 2) return none;
  let best = { cost: needs.length, ...none };
  const cutoffs = [...new Set(needs.map((n) => n.from))].sort();
  for (const cutoff of cutoffs) {
    const served = needs.filter((n) => n.from >= cutoff);
    const dates = new Set<CivilDate>();
    for (const n of served) for (const d of n.dates) dates.add(d);
    const cost = dates.size + (needs.length - served.length);
    if (cost < best.cost && dates.size * served.length <= maxBars) {
      best = { cost, grouped: new Set(served.map((n) => n.symbol)), dates: [...dates].sort() };
    }
  }
  return { grouped: best.grouped, dates: best.dates };
}

/** Plans a job (see the module comment). `symbols` in job order; every symbol has its knowledge. */
export function planRequests(symbols: readonly string[], knowledge: ReadonlyMap<string, SymbolKnowledge>, options: PlanOptions): JobPlan {
  const build = options.buildPeriods ?? true;
  const today = newYorkDate(options.now);
  const plans: SymbolPlan[] = [];
  const needs: DayNeed[] = [];
  for (const symbol of symbols) {
    const k = knowledge.get(symbol);
    if (!k) throw new Error(`no planning knowledge for ${symbol}`);
    if (k.readjust?.length) {
      plans.push(readjustPlan(symbol, k, today));
      continue;
    }
    const steps: PlanStep[] = [];
    const day = k.ranges.find((r) => r.timeframe === 'day');
    const periods = build ? k.ranges.filter((r) => r.timeframe === 'week' || r.timeframe === 'month') : [];
    // The day bars this symbol needs: its own day range, and the whole periods of any week or month to build.
    let needFrom = day?.from;
    let needTo = day?.to;
    for (const p of periods) {
      const span = buildSpan(p, today);
      // Older days of an incremental build are read from the store when it holds them from the span's start on.
      const stored = k.storedDaysFrom != null && k.storedDaysFrom <= span.from && day !== undefined;
      const from = stored ? (day?.from ?? span.from) : span.from;
      needFrom = needFrom === undefined ? from : earlierOf(needFrom, from);
      needTo = needTo === undefined ? span.to : laterOf(needTo, span.to);
    }
    if (needFrom !== undefined && needTo !== undefined) {
      const dates = tradingDates(symbol, needFrom, earlierOf(needTo, today));
      steps.push({
        timeframe: 'day',
        from: day?.from ?? needFrom,
        to: day?.to ?? needTo,
        source: dates.length ? 'ticker' : 'none',
        fetchFrom: needFrom,
        fetchTo: needTo,
        store: day !== undefined,
      });
      if (dates.length) needs.push({ symbol, market: groupedMarketOfTicker(symbol), from: needFrom, to: needTo, dates });
    }
    for (const r of k.ranges) {
      if (r.timeframe === 'day') continue;
      if (build && (r.timeframe === 'week' || r.timeframe === 'month')) {
        steps.push({ timeframe: r.timeframe, from: r.from, to: r.to, source: 'built' });
        continue;
      }
      const traded = tradingDates(symbol, r.from, earlierOf(r.to, today)).length > 0;
      steps.push({ timeframe: r.timeframe, from: r.from, to: r.to, source: traded ? 'ticker' : 'none' });
    }
    for (const r of k.skipped ?? []) steps.push({ timeframe: r.timeframe, from: r.from, to: r.to, source: 'none' });
    // Timeframe order (1min, hour, day, week, month): day bars are loaded before the periods built from them.
    steps.sort((a, b) => TIMEFRAMES.indexOf(a.timeframe) - TIMEFRAMES.indexOf(b.timeframe));
    plans.push({ symbol, details: !k.detailsFresh, steps });
  }

  const grouped: GroupedRequest[] = [];
  if (options.groupedDaily ?? true) {
    const markets = new Map<GroupedMarket, DayNeed[]>();
    for (const n of needs) if (n.market) markets.set(n.market, [...(markets.get(n.market) ?? []), n]);
    for (const [market, list] of markets) {
      const choice = chooseGrouped(list, options.maxGroupedBars ?? MAX_GROUPED_BARS);
      if (choice.grouped.size === 0) continue;
      const members = [...choice.grouped];
      const includeOtc = market === 'stocks' && members.some((s) => knowledge.get(s)?.otc === true);
      for (const date of choice.dates) {
        grouped.push({ market, date, includeOtc, symbols: members.filter((s) => list.find((n) => n.symbol === s)?.dates.includes(date)) });
      }
      for (const plan of plans) {
        if (!choice.grouped.has(plan.symbol)) continue;
        const dayStep = plan.steps.find((s) => s.timeframe === 'day');
        if (dayStep) dayStep.source = 'grouped';
      }
    }
  }

  let perTicker = 0;
  for (const plan of plans) {
    for (const step of plan.steps) {
      if (step.source !== 'ticker') continue;
      const range = { timeframe: step.timeframe, from: step.fetchFrom ?? step.from, to: step.fetchTo ?? step.to };
      perTicker += perTickerRequests(plan.symbol, range);
    }
  }
  const details = plans.filter((p) => p.details).length;
  return {
    symbols: plans,
    grouped,
    requests: { details, grouped: grouped.length, perTicker, total: details + grouped.length + perTicker },
  };
}

/** The plan of a symbol whose history is reloaded for splits: every range per ticker, replacing what is stored. */
function readjustPlan(symbol: string, k: SymbolKnowledge, today: CivilDate): SymbolPlan {
  const steps: PlanStep[] = k.ranges.map((r) => {
    const traded = tradingDates(symbol, r.from, earlierOf(r.to, today)).length > 0;
    return traded ? { timeframe: r.timeframe, from: r.from, to: r.to, source: 'ticker', replace: true } : { ...r, source: 'none' };
  });
  steps.sort((a, b) => TIMEFRAMES.indexOf(a.timeframe) - TIMEFRAMES.indexOf(b.timeframe));
  return { symbol, details: !k.detailsFresh, steps, readjust: [...(k.readjust ?? [])] };
}

/** A one-line account of a plan's requests, e.g. `1,011 API requests (503 ticker details, 5 grouped daily, 503 per ticker)`. */
export function describeRequests(r: RequestCount): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const parts = [
    r.details ? `${n(r.details)} ticker details` : '',
    r.grouped ? `${n(r.grouped)} grouped daily` : '',
    r.perTicker ? `${n(r.perTicker)} per ticker` : '',
    r.splits ? `${n(r.splits)} splits check` : '',
  ].filter(Boolean);
  return `${n(r.total)} API request${r.total === 1 ? '' : 's'}${parts.length ? ` (${parts.join(', ')})` : ''}`;
}
