/**
 * What a symbols-queue entry carries (the work, as data) and what it returns (the symbol's result, or a job-fatal
 * error). Entries are read back by whichever replica coordinates the job, possibly another version of this code,
 * so results are validated on the way in.
 */

import { TIMEFRAMES } from '@tickstock/market-time';
import { z } from 'zod';
import type { SymbolPlan, SymbolResult, TimeframeRange } from '../engine/types.js';

export interface SymbolEntryData {
  jobId: string;
  symbol: string;
  ranges: TimeframeRange[];
  /**
   * How the symbol loads (absent in entries of an older version: details, then every range per ticker). Day bars
   * its plan takes from a grouped-daily pass are not in the entry: see ./day-handoff.ts.
   */
  plan?: SymbolPlan | undefined;
  /** Time budget used by earlier attempts (see ./symbol-budget.ts). */
  budgetSpentMs?: number | undefined;
}

/** The value an entry completes with. */
export type SymbolEntryOutcome = { result: SymbolResult } | { fatal: { code: string; message: string } };

const timeframe = z.enum(TIMEFRAMES);
const range = z.object({ timeframe, from: z.string(), to: z.string() });
const error = z.object({ code: z.string(), message: z.string(), retryable: z.boolean().optional() });

const step = z.object({
  timeframe,
  from: z.string(),
  to: z.string(),
  source: z.enum(['ticker', 'grouped', 'built', 'none']),
  fetchFrom: z.string().optional(),
  fetchTo: z.string().optional(),
  store: z.boolean().optional(),
  replace: z.boolean().optional(),
});
const split = z.object({ executionDate: z.string(), splitFrom: z.number().positive(), splitTo: z.number().positive() });
export const symbolEntryDataSchema = z.object({
  jobId: z.string().min(1),
  symbol: z.string().min(1),
  ranges: z.array(range),
  plan: z.object({ symbol: z.string().min(1), details: z.boolean(), steps: z.array(step), readjust: z.array(split).optional() }).optional(),
  budgetSpentMs: z.number().nonnegative().optional(),
});

const timeframeResult = range.extend({
  source: z.enum(['ticker', 'grouped', 'built', 'none']).optional(),
  buildOnly: z.boolean().optional(),
  fetched: z.number(),
  written: z.number(),
  unchanged: z.number(),
  rejected: z.number(),
  rejectedByReason: z.record(z.string(), z.number()).optional(),
  duplicates: z.number().optional(),
  resumed: z.number().optional(),
  skipped: z.boolean().optional(),
  deleted: z.number().optional(),
  error: error.optional(),
});

const symbolResult = z.object({
  symbol: z.string(),
  ok: z.boolean(),
  errorCode: z.string().optional(),
  errorMessage: z.string().optional(),
  retryable: z.boolean().optional(),
  timeframes: z.array(timeframeResult),
  recordsImported: z.number(),
  processingTimeMs: z.number(),
  interrupted: z.boolean(),
  readjusted: z.object({ splits: z.array(split), rowsRewritten: z.number() }).optional(),
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
