/**
 * Bars the API served that were not stored one for one: refused by validation, or served twice for the same time
 * (collapsed), summed over a job's symbols and described once.
 */
import type { JobOutcome, SymbolResult } from './types.js';

/** The bars the store refused by validation over every symbol, or undefined when none. */
export function rejectedOf(results: readonly SymbolResult[]): JobOutcome['rejectedBars'] {
  const byReason: Record<string, number> = {};
  const bySymbol: Record<string, number> = {};
  let total = 0;
  for (const r of results) {
    for (const t of r.timeframes) {
      if (!t.rejected) continue;
      total += t.rejected;
      bySymbol[r.symbol] = (bySymbol[r.symbol] ?? 0) + t.rejected;
      for (const [reason, n] of Object.entries(t.rejectedByReason ?? { unknown: t.rejected }))
        byReason[reason] = (byReason[reason] ?? 0) + n;
    }
  }
  return total ? { total, byReason, bySymbol } : undefined;
}

/** `3 bars rejected by validation (open_outside_range: 2, high_below_low: 1; AAA 2, BBB 1)`. */
export function describeRejected(r: NonNullable<JobOutcome['rejectedBars']>): string {
  const reasons = Object.entries(r.byReason).map(([k, n]) => `${k}: ${n}`);
  const symbols = Object.entries(r.bySymbol)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .slice(0, 10)
    .map(([k, n]) => `${k} ${n}`);
  const more = Object.keys(r.bySymbol).length > 10 ? ', ...' : '';
  return `${r.total} bar${r.total === 1 ? '' : 's'} rejected by validation (${reasons.join(', ')}; ${symbols.join(', ')}${more})`;
}

/** The bars served twice for the same time over every symbol, or undefined when none. */
export function duplicatesOf(results: readonly SymbolResult[]): JobOutcome['duplicateBars'] {
  const bySymbol: Record<string, number> = {};
  let total = 0;
  for (const r of results) {
    for (const t of r.timeframes) {
      if (!t.duplicates) continue;
      total += t.duplicates;
      bySymbol[r.symbol] = (bySymbol[r.symbol] ?? 0) + t.duplicates;
    }
  }
  return total ? { total, bySymbol } : undefined;
}

/** `2 bars served twice for the same time, stored once (AAA 2)`. */
export function describeDuplicates(d: NonNullable<JobOutcome['duplicateBars']>): string {
  const symbols = Object.entries(d.bySymbol)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .slice(0, 10)
    .map(([k, n]) => `${k} ${n}`);
  const more = Object.keys(d.bySymbol).length > 10 ? ', ...' : '';
  return `${d.total} bar${d.total === 1 ? '' : 's'} served twice for the same time, stored once (${symbols.join(', ')}${more})`;
}
