/**
 * Verification of stored bars against what the API serves now: per symbol and timeframe, the rows missing from the
 * store, the rows the API no longer serves, and the rows whose values differ (prices, volume, and vwap and
 * transactions where the table has them, compared exactly as stored). Built week and month bars are compared with
 * the API's own. With `repair`, exactly what differs is rewritten and the extra rows deleted, only in the compared
 * range. The requests are counted before any is sent.
 */

import type { CivilDate, Timeframe } from '@tickstock/market-time';
import { addDays, type Bar, newYorkDate, newYorkMidnightUtcMs, utcDateOf } from '@tickstock/market-time';
import { dateRuleForSymbol, type OhlcvStore, STORE_TIMEFRAME } from '@tickstock/ohlcv-store';
import { errorCode, errorMessage, throwIfFatal } from '../engine/errors.js';
import type { MarketDataPort, TimeframeRange } from '../engine/types.js';
import { perTickerRequests } from '../planning/request-plan.js';

export interface VerifyOptions {
  symbols: readonly string[];
  timeframes: readonly Timeframe[];
  /** Compare from this New York date (default: each timeframe's first stored bar). */
  since?: CivilDate | undefined;
  /** Compare through this New York date (default: today). */
  until?: CivilDate | undefined;
  /** Rewrite what differs and delete the extra rows (only in the compared range). */
  repair?: boolean | undefined;
  signal?: AbortSignal | undefined;
  now?: (() => number) | undefined;
  /** Called once the requests are counted, before any is sent. */
  onPlanned?(requests: number, ranges: number): void;
}

/** One differing row: its key (a `YYYY-MM-DD` date, or an ISO instant for intraday tables) and what differs. */
export interface RowDifference {
  key: string;
  kind: 'missing' | 'extra' | 'changed';
  /** Changed rows: the columns that differ, `stored → served`. */
  columns?: Record<string, { stored: number | null; served: number | null }>;
}

export interface TimeframeVerification {
  symbol: string;
  timeframe: Timeframe;
  from: CivilDate;
  to: CivilDate;
  stored: number;
  served: number;
  missing: number;
  extra: number;
  changed: number;
  /** The first differences (at most 20). */
  examples: RowDifference[];
  /** With `repair`: rows written and deleted. */
  repaired?: { written: number; deleted: number };
  error?: { code: string; message: string };
}

export interface VerifyReport {
  /** API requests counted before any was sent. */
  requests: number;
  results: TimeframeVerification[];
  /** Rows that differ over every result (missing + extra + changed). */
  differences: number;
  /** Results that could not be compared (an API or database error). */
  errors: number;
}

const EXAMPLES = 20;
const COLUMNS = ['open', 'high', 'low', 'close', 'volume', 'vwap', 'transactions'] as const;

/** `text` (a decimal, as a number is sent to PostgreSQL) rounded half away from zero to `scale` places, as NUMERIC does. */
export function roundDecimal(text: string, scale: number): number {
  if (/e/i.test(text)) return Number(Number(text).toFixed(scale));
  const negative = text.startsWith('-');
  const [int = '0', frac = ''] = (negative ? text.slice(1) : text).split('.');
  if (frac.length <= scale) return Number(text);
  const up = (frac.charCodeAt(scale) - 48 >= 5 ? 1n : 0n) + BigInt(int + frac.slice(0, scale));
  const digits = up.toString().padStart(scale + 1, '0');
  const out = scale ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  return Number(negative ? `-${out}` : out);
}

/** A served value as a column of `sqlType` stores it: `numeric(p,s)` rounds to s places, `real` to float32, integers whole. */
function asStored(value: number | null, sqlType: string | undefined): number | null {
  if (value === null || sqlType === undefined) return value;
  const scale = /^numeric\(\d+,(\d+)\)$/.exec(sqlType)?.[1];
  if (scale !== undefined) return roundDecimal(String(value), Number(scale));
  if (sqlType === 'real') return Math.fround(value);
  if (sqlType === 'bigint' || sqlType === 'integer' || sqlType === 'smallint') return Math.round(value);
  return value;
}

/** The date a stored row's start (as read back) is keyed by, or its instant for intraday tables. */
function keyOf(symbol: string, timeframe: Timeframe, ms: number): string {
  if (timeframe === '1min' || timeframe === 'hour') return new Date(ms).toISOString();
  return dateRuleForSymbol(symbol) === 'utc' ? utcDateOf(ms) : newYorkDate(ms);
}

/** The ranges to compare: each timeframe from `since` (or its first stored bar) to today; none with nothing stored. */
async function rangesToCompare(
  store: OhlcvStore,
  options: VerifyOptions,
  today: CivilDate,
): Promise<(TimeframeRange & { symbol: string })[]> {
  const out: (TimeframeRange & { symbol: string })[] = [];
  for (const symbol of options.symbols) {
    for (const timeframe of options.timeframes) {
      const extent = await store.barExtent(STORE_TIMEFRAME[timeframe], symbol);
      if (!extent && !options.since) continue;
      const first = extent
        ? timeframe === '1min' || timeframe === 'hour'
          ? newYorkDate(extent.first)
          : keyOf(symbol, timeframe, extent.first)
        : (options.since as CivilDate);
      const from = options.since && options.since > first ? options.since : first;
      if (from > today) continue;
      out.push({ symbol, timeframe, from, to: today });
    }
  }
  return out;
}

/** Compares (and with `repair`, repairs) the stored bars of every symbol and timeframe asked for. */
export async function verifyBars(store: OhlcvStore, market: MarketDataPort, options: VerifyOptions): Promise<VerifyReport> {
  const signal = options.signal ?? new AbortController().signal;
  const today = options.until ?? newYorkDate((options.now ?? Date.now)());
  const ranges = await rangesToCompare(store, options, today);
  const requests = ranges.reduce((n, r) => n + perTickerRequests(r.symbol, r), 0);
  options.onPlanned?.(requests, ranges.length);
  const results: TimeframeVerification[] = [];
  for (const r of ranges) {
    const result: TimeframeVerification = {
      symbol: r.symbol,
      timeframe: r.timeframe,
      from: r.from,
      to: r.to,
      stored: 0,
      served: 0,
      missing: 0,
      extra: 0,
      changed: 0,
      examples: [],
    };
    results.push(result);
    try {
      await compareRange(store, market, r, result, Boolean(options.repair), signal);
    } catch (error) {
      throwIfFatal(error);
      const code = errorCode(error);
      result.error = { code, message: errorMessage(error) };
    }
  }
  return {
    requests,
    results,
    differences: results.reduce((n, x) => n + x.missing + x.extra + x.changed, 0),
    errors: results.filter((x) => x.error).length,
  };
}

async function compareRange(
  store: OhlcvStore,
  market: MarketDataPort,
  r: TimeframeRange & { symbol: string },
  result: TimeframeVerification,
  repair: boolean,
  signal: AbortSignal,
): Promise<void> {
  const tf = STORE_TIMEFRAME[r.timeframe];
  const schema = store.schema.bars[tf];
  const intraday = r.timeframe === '1min' || r.timeframe === 'hour';
  const bounds = intraday
    ? { from: newYorkMidnightUtcMs(r.from), to: newYorkMidnightUtcMs(addDays(r.to, 1)) - 1 }
    : { from: r.from, to: r.to };
  const stored = new Map<string, Bar>();
  for (const b of await store.getBars(tf, r.symbol, bounds)) stored.set(keyOf(r.symbol, r.timeframe, b.timestamp), b);
  const served = new Map<string, Bar>();
  if (market.barPages) {
    for await (const page of market.barPages(r.symbol, r, signal))
      for (const b of page.bars) served.set(keyOf(r.symbol, r.timeframe, b.timestamp), b);
  } else {
    for await (const b of market.bars(r.symbol, r, signal)) served.set(keyOf(r.symbol, r.timeframe, b.timestamp), b);
  }
  result.stored = stored.size;
  result.served = served.size;
  // Columns the table has: the others cannot differ.
  const compared = COLUMNS.filter((c) => (c === 'vwap' ? schema?.hasVwap : c === 'transactions' ? schema?.hasTransactions : true));
  const toWrite: Bar[] = [];
  const note = (d: RowDifference) => {
    if (result.examples.length < EXAMPLES) result.examples.push(d);
  };
  for (const [key, bar] of served) {
    const mine = stored.get(key);
    if (!mine) {
      result.missing += 1;
      note({ key, kind: 'missing' });
      toWrite.push(bar);
      continue;
    }
    const columns: NonNullable<RowDifference['columns']> = {};
    for (const c of compared) {
      const a = mine[c] ?? null;
      // A table whose volume is NOT NULL stores a bar without volume (an index) with 0.
      const value = c === 'volume' && bar.volume === undefined && schema?.volumeRequired ? 0 : (bar[c] ?? null);
      const b = asStored(value, schema?.valueTypes[c]);
      if (a !== b) columns[c] = { stored: a, served: b };
    }
    if (Object.keys(columns).length) {
      result.changed += 1;
      note({ key, kind: 'changed', columns });
      toWrite.push(bar);
    }
  }
  for (const key of stored.keys()) {
    if (served.has(key)) continue;
    result.extra += 1;
    note({ key, kind: 'extra' });
  }
  result.examples.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  if (!repair || (toWrite.length === 0 && result.extra === 0)) return;
  const report = toWrite.length ? await store.upsertBars(tf, r.symbol, toWrite) : { written: 0 };
  const deleted = result.extra
    ? await store.deleteBarsNotIn(
        tf,
        r.symbol,
        bounds,
        [...served.values()].map((b) => b.timestamp),
      )
    : 0;
  result.repaired = { written: report.written, deleted };
}
