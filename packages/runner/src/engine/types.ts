/**
 * The job engine's own vocabulary and the ports it needs. The engine (plan, per-symbol load, progress) knows
 * nothing of Redis, HTTP or SQL: adapters in ../adapters connect it to the Massive client, the store and the
 * job protocol, and an executor (../execution) decides where per-symbol work runs.
 */
import type { FinalJobStatus } from '@tickstock/job-protocol';
import type { Bar, BarColumns, CivilDate, Timeframe } from '@tickstock/market-time';
import type { GroupedMarket, TickerBar } from '@tickstock/massive-client';
import type { DayColumns } from './day-columns.js';

/** The engine speaks `@tickstock/market-time`'s one timeframe vocabulary and its New York dates (imported from there). */

export interface TimeframeRange {
  timeframe: Timeframe;
  from: CivilDate;
  to: CivilDate;
}

/** Where a timeframe's bars come from in a plan. */
export type StepSource = 'ticker' | 'grouped' | 'built' | 'none';

/** One timeframe of one symbol in a plan. */
export interface PlanStep {
  timeframe: Timeframe;
  /** The range reported for the timeframe (the job's, after incremental planning). */
  from: CivilDate;
  to: CivilDate;
  source: StepSource;
  /**
   * Day steps: the first date fetched (per ticker) or supplied (grouped), earlier than `from` when week or month
   * bars are built from days before the job's own day range.
   */
  fetchFrom?: CivilDate;
  /** Day steps: the last date fetched or supplied, later than `to` when the last period to build ends after it. */
  fetchTo?: CivilDate;
  /** Day steps: false when the job did not ask for day bars (they are fetched only to build weeks and months). */
  store?: boolean;
  /**
   * The range is reloaded whole (a split readjustment): after its bars are written, stored rows of the range that the
   * API no longer serves are deleted.
   */
  replace?: boolean;
}

/** A split a symbol's stored history is reloaded for. */
export interface SplitReadjustment {
  /** New York date from which the split applies. */
  executionDate: CivilDate;
  splitFrom: number;
  splitTo: number;
}

/** What one symbol costs and how it loads. */
export interface SymbolPlan {
  symbol: string;
  /** Fetch ticker details (missing or stale); otherwise the stored row is used. */
  details: boolean;
  /** In load order: day first (week and month are built from it), then the rest. */
  steps: PlanStep[];
  /**
   * The splits the symbol's stored history predates: every stored timeframe is reloaded whole (steps with `replace`),
   * and once all succeed the splits are marked readjusted.
   */
  readjust?: SplitReadjustment[];
}

/** A symbol's day bars from a grouped-daily pass (its fetch span, oldest first), or why they could not be had. */
export interface SuppliedDays {
  days: DayColumns;
  error?: StepError | undefined;
}

/** A symbol's plan, with its day bars when a grouped-daily pass supplied them. */
export interface PlannedSymbol {
  plan: SymbolPlan;
  supplied?: SuppliedDays | undefined;
}

/** Where a job's symbols come from. */
export type SymbolSource = { kind: 'symbols'; symbols: string[] } | { kind: 'csv'; file: string } | { kind: 'universe'; name: string };

/** One data-load job, as the engine sees it (normalised from any of the wire forms). */
export interface LoadJob {
  jobId: string;
  jobType: string;
  source: SymbolSource;
  ranges: TimeframeRange[];
  requestedBy?: string | undefined;
  /**
   * Share of symbols (0-1) that must load for the job to be `completed` when some failed; below it the job is
   * `failed`. Unset: a job with failed symbols ends `completed_with_errors` (the data-load job convention).
   */
  successThreshold?: number | undefined;
  /** Start no further symbol once one has failed, and fail the job (`continue_on_error: false`). Default false. */
  stopOnError?: boolean | undefined;
}

/** Symbol metadata, as the store registers it (`symbol` is the only required field). */
export type { SymbolMeta } from '@tickstock/ohlcv-store';

import type { SymbolMeta } from '@tickstock/ohlcv-store';

/**
 * One page of bars as the API served it (the client's `BarPage` fits): the bars as columns (what the client decoded;
 * what the engine hands the store and reads timestamps from), the same bars as one array (built on first access by
 * the client, so read only where objects are needed), and the key-free URL of the next page (null on the last page),
 * which a resumable load could persist. A port without `columns` is read through `bars`.
 */
export interface BarsPage {
  readonly columns?: BarColumns;
  readonly bars: readonly Bar[];
  readonly cursor: string | null;
}

/** Market data the engine reads (adapter over MassiveClient). */
export interface MarketDataPort {
  /** Ticker details; `null` when the API says the ticker does not exist. */
  details(symbol: string, signal: AbortSignal): Promise<SymbolMeta | null>;
  bars(symbol: string, range: TimeframeRange, signal: AbortSignal): AsyncIterable<Bar>;
  /**
   * The same bars, one array per API page, lazily: what the engine streams into the store (one await per page, not
   * per bar) when the store takes pages too. A port without it is read bar by bar.
   */
  barPages?(symbol: string, range: TimeframeRange, signal: AbortSignal, cursor?: string): AsyncIterable<BarsPage>;
  /** Every ticker's day bar of one market for one date (grouped daily). */
  groupedDaily(market: GroupedMarket, date: CivilDate, includeOtc: boolean, signal: AbortSignal): Promise<TickerBar[]>;
  /** Every split of any ticker executed from `from` to `to` (New York dates), and the requests (pages) that took. */
  splits?(from: CivilDate, to: CivilDate, signal: AbortSignal): Promise<{ splits: ListedSplit[]; requests: number }>;
}

/** A split as the API lists it. */
export interface ListedSplit extends SplitReadjustment {
  ticker: string;
  id?: string | undefined;
}

/** Why a step failed: its code, a safe message, and whether trying it again later may succeed (the error's own flag). */
export interface StepError {
  code: string;
  message: string;
  retryable?: boolean | undefined;
}

export interface WriteCounts {
  fetched: number;
  written: number;
  unchanged: number;
  /** Bars the store refused by validation (never written). */
  rejected: number;
  /** The refused bars per reason (the store's reasons, e.g. `open_outside_range`). */
  rejectedByReason?: Record<string, number> | undefined;
  /** Bars whose time the API had already served in the same range: collapsed, the last one stored. */
  duplicates?: number | undefined;
  /**
   * Bars an earlier, interrupted attempt at the same range stored before its saved cursor: this attempt resumed
   * after them and did not fetch them again (counted in neither `fetched` nor `written`).
   */
  resumed?: number | undefined;
}

/** Where an unfinished paged load of one range stopped: the next page's cursor, and what the pages before it stored. */
export interface RangeCursor {
  cursor: string;
  pages: number;
  bars: number;
}

/** A page the store has committed every bar of: what a resumable load saves its cursor from. */
export interface StoredPage {
  /** The next page's cursor (null on the last page). */
  cursor: string | null;
  /** Bars the page carried. */
  bars: number;
}

/** Storage the engine writes (adapter over the OHLCV store). */
export interface StorePort {
  registerSymbol(meta: SymbolMeta): Promise<void>;
  /** Consumes the bars and upserts them; returns what happened to them. */
  writeBars(timeframe: Timeframe, symbol: string, bars: AsyncIterable<Bar> | Iterable<Bar>, signal: AbortSignal): Promise<WriteCounts>;
  /** Consumes pages of bars (one array each) and upserts them, in order; the same counts as `writeBars`. */
  writeBarPages?(
    timeframe: Timeframe,
    symbol: string,
    pages: AsyncIterable<BarsPage>,
    signal: AbortSignal,
    onPageStored?: (page: StoredPage) => Promise<void>,
  ): Promise<WriteCounts>;
  /** The saved cursor of an unfinished paged load of the range, or null. */
  loadCursor?(symbol: string, range: TimeframeRange): Promise<RangeCursor | null>;
  /** Saves where a paged load of the range stopped (after the page before `cursor` is stored). */
  saveCursor?(symbol: string, range: TimeframeRange, cursor: RangeCursor): Promise<void>;
  /** Deletes the range's cursor: its load is done, or the cursor is no longer usable. */
  clearCursor?(symbol: string, range: TimeframeRange): Promise<void>;
  /** Stored day bars of a symbol from `from` to `to` (New York dates, inclusive), oldest first: what periods are built from. */
  readDayBars(symbol: string, from: CivilDate, to: CivilDate): Promise<Bar[]>;
  /** Deletes the symbol's rows of the range whose bar start is not in `keep`; returns how many (split readjustments). */
  deleteBarsNotIn?(timeframe: Timeframe, symbol: string, from: CivilDate, to: CivilDate, keep: ReadonlySet<number>): Promise<number>;
  /** Marks the symbol's pending splits readjusted, with the rows the reload rewrote. */
  markReadjusted?(symbol: string, rowsRewritten: number): Promise<void>;
}

export interface TimeframeResult extends WriteCounts {
  timeframe: Timeframe;
  /** The range fetched (after planning: an incremental load starts later than the job's range). */
  from: CivilDate;
  to: CivilDate;
  /** True when the planner found nothing new to fetch, or the market had no session in the range: no API call. */
  skipped?: boolean | undefined;
  /** Where the bars came from: per ticker, a grouped-daily pass, or built from day bars. */
  source?: StepSource | undefined;
  /** Day bars fetched only to build week and month bars (the job did not ask for day bars): none stored. */
  buildOnly?: boolean | undefined;
  /** Stored rows of a reloaded range the API no longer serves, deleted (split readjustments). */
  deleted?: number | undefined;
  error?: StepError | undefined;
}

export interface SymbolResult {
  symbol: string;
  ok: boolean;
  /** First error code that made the symbol fail (e.g. SYMBOL_NOT_FOUND, API_RATE_LIMIT, STORAGE_FAILED). */
  errorCode?: string | undefined;
  errorMessage?: string | undefined;
  /** Whether the error that made the symbol fail may pass if the symbol is loaded again later (the error's own flag). */
  retryable?: boolean | undefined;
  timeframes: TimeframeResult[];
  recordsImported: number;
  processingTimeMs: number;
  /** True when the job's signal ended the symbol early. */
  interrupted: boolean;
  /** The symbol's stored history was reloaded for these splits (every stored timeframe, whole), rewriting these rows. */
  readjusted?: { splits: SplitReadjustment[]; rowsRewritten: number } | undefined;
}

/**
 * A coordinator's lease on a job (e.g. job-protocol's `JobLease`): while it holds, this process is the job's only
 * coordinator; once another took the job over, `holds()` resolves false and this one writes nothing more.
 */
export interface JobFence {
  holds(): Promise<boolean>;
}

export interface JobOutcome {
  jobId: string;
  /** One of job-protocol's `FINAL_JOB_STATUSES`. */
  status: FinalJobStatus;
  message: string;
  errorCode?: string | undefined;
  errorMessage?: string | undefined;
  symbolsTotal: number;
  results: SymbolResult[];
  successfulSymbols: string[];
  /** Symbols that failed (never the interrupted ones). */
  failedSymbols: string[];
  /** Symbols a cancel, shutdown or job-fatal error stopped before they finished: neither loaded nor failed. */
  interruptedSymbols: string[];
  /** Bars written, by every symbol that wrote any (interrupted symbols' bars are kept, and counted). */
  recordsImported: number;
  /** True when the job failed, any symbol failed, or a stop left symbols unfinished: it did not load everything it was asked. */
  hasErrors: boolean;
  /** The API requests the job's plan counted before sending any (retries come on top), when it had symbols. */
  plannedRequests?: { details: number; grouped: number; perTicker: number; splits?: number; total: number } | undefined;
  /** Bars the API served that the store refused by validation, when any: never written, never silent. */
  rejectedBars?: { total: number; byReason: Record<string, number>; bySymbol: Record<string, number> } | undefined;
  /**
   * Bars the API served twice for the same time within one range, when any: collapsed into one row (the last one
   * wins), so the API's count and the rows stored differ by this much. Never silent.
   */
  duplicateBars?: { total: number; bySymbol: Record<string, number> } | undefined;
  startedAt: Date;
  completedAt: Date;
}
