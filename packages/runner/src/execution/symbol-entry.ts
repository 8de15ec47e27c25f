/**
 * What a symbols-queue entry carries (the work, as data) and what it returns (the symbol's result, or a job-fatal
 * error). Entries are read back by whichever replica coordinates the job, possibly another version of this code,
 * so results are validated on the way in.
 */

import type { Bar } from '@tickstock/massive-client';
import { z } from 'zod';
import type { SuppliedDays, SymbolPlan, SymbolResult, TimeframeRange } from '../engine/types.js';

export interface SymbolEntryData {
  jobId: string;
  symbol: string;
  ranges: TimeframeRange[];
  /** How the symbol loads (absent in entries of an older version: details, then every range per ticker). */
  plan?: SymbolPlan | undefined;
  /** Its day bars from the coordinator's grouped-daily pass, when its plan takes them from there (column form). */
  supplied?: SuppliedColumns | undefined;
}

/**
 * Supplied day bars as columns: half the JSON of an array of bar objects, for the hundreds of entries a grouped-daily
 * job queues at once. `null` where a bar has no volume, vwap or transactions.
 */
export interface SuppliedColumns {
  t: number[];
  o: number[];
  h: number[];
  l: number[];
  c: number[];
  v: (number | null)[];
  vw: (number | null)[];
  n: (number | null)[];
  otc?: number[] | undefined;
  error?: { code: string; message: string } | undefined;
}

/** The column form of supplied day bars. */
export function encodeSupplied(s: SuppliedDays): SuppliedColumns {
  const out: SuppliedColumns = { t: [], o: [], h: [], l: [], c: [], v: [], vw: [], n: [] };
  const otc: number[] = [];
  s.bars.forEach((b, i) => {
    out.t.push(b.timestamp);
    out.o.push(b.open);
    out.h.push(b.high);
    out.l.push(b.low);
    out.c.push(b.close);
    out.v.push(b.volume ?? null);
    out.vw.push(b.vwap ?? null);
    out.n.push(b.transactions ?? null);
    if (b.otc) otc.push(i);
  });
  if (otc.length) out.otc = otc;
  if (s.error) out.error = s.error;
  return out;
}

/** Supplied day bars back from their column form. */
export function decodeSupplied(c: SuppliedColumns): SuppliedDays {
  const otc = new Set(c.otc ?? []);
  const bars: Bar[] = c.t.map((timestamp, i) => {
    const bar: Bar = { timestamp, open: c.o[i] as number, high: c.h[i] as number, low: c.l[i] as number, close: c.c[i] as number };
    const v = c.v[i];
    const vw = c.vw[i];
    const n = c.n[i];
    if (v != null) bar.volume = v;
    if (vw != null) bar.vwap = vw;
    if (n != null) bar.transactions = n;
    if (otc.has(i)) bar.otc = true;
    return bar;
  });
  return c.error ? { bars, error: c.error } : { bars };
}

/** The value an entry completes with. */
export type SymbolEntryOutcome = { result: SymbolResult } | { fatal: { code: string; message: string } };

const timeframe = z.enum(['1min', 'hour', 'day', 'week', 'month']);
const range = z.object({ timeframe, from: z.string(), to: z.string() });
const error = z.object({ code: z.string(), message: z.string() });

const step = z.object({
  timeframe,
  from: z.string(),
  to: z.string(),
  source: z.enum(['ticker', 'grouped', 'built', 'none']),
  fetchFrom: z.string().optional(),
  fetchTo: z.string().optional(),
  store: z.boolean().optional(),
});
const column = z.array(z.number());
const optionalColumn = z.array(z.number().nullable());
const suppliedColumns = z.object({
  t: column,
  o: column,
  h: column,
  l: column,
  c: column,
  v: optionalColumn,
  vw: optionalColumn,
  n: optionalColumn,
  otc: z.array(z.number()).optional(),
  error: error.optional(),
});

export const symbolEntryDataSchema = z.object({
  jobId: z.string().min(1),
  symbol: z.string().min(1),
  ranges: z.array(range),
  plan: z.object({ symbol: z.string().min(1), details: z.boolean(), steps: z.array(step) }).optional(),
  supplied: suppliedColumns.optional(),
});

const timeframeResult = range.extend({
  source: z.enum(['ticker', 'grouped', 'built', 'none']).optional(),
  buildOnly: z.boolean().optional(),
  fetched: z.number(),
  written: z.number(),
  unchanged: z.number(),
  rejected: z.number(),
  skipped: z.boolean().optional(),
  error: error.optional(),
});

const symbolResult = z.object({
  symbol: z.string(),
  ok: z.boolean(),
  errorCode: z.string().optional(),
  errorMessage: z.string().optional(),
  timeframes: z.array(timeframeResult),
  recordsImported: z.number(),
  processingTimeMs: z.number(),
  interrupted: z.boolean(),
});

const outcome = z.union([z.object({ result: symbolResult }), z.object({ fatal: error })]);

/** A failed result for a symbol whose entry ended without one (it failed for good, or returned garbage). */
export function failedSymbolResult(symbol: string, code: string, message: string): SymbolResult {
  return {
    symbol,
    ok: false,
    errorCode: code,
    errorMessage: message,
    timeframes: [],
    recordsImported: 0,
    processingTimeMs: 0,
    interrupted: false,
  };
}

/** The result of a symbol that was stopped before it ran (its job was cancelled). */
export function notRunResult(symbol: string, message: string): SymbolResult {
  return {
    symbol,
    ok: false,
    errorCode: 'ABORTED',
    errorMessage: message,
    timeframes: [],
    recordsImported: 0,
    processingTimeMs: 0,
    interrupted: true,
  };
}

/** Reads an entry's return value; anything malformed becomes a failed result naming what was wrong. */
export function readSymbolOutcome(symbol: string, value: unknown): SymbolEntryOutcome {
  const parsed = outcome.safeParse(value);
  if (parsed.success) return parsed.data as SymbolEntryOutcome;
  const where = parsed.error.issues[0]?.path.join('.') || '(root)';
  return { result: failedSymbolResult(symbol, 'INTERNAL', `the worker that loaded ${symbol} returned a malformed result (at ${where})`) };
}
