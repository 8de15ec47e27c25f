/** The rows `/v3/reference/splits` serves for the configured splits. */
import { civilDateToDayNumber } from '@tickstock/market-time';
import { hash2, hashString } from './random.js';
import type { BarSource } from './source.js';

/** A row of the simulator's `/v3/reference/splits`, in the API's shape. */
export interface SimulatedSplitRow {
  ticker: string;
  execution_date: string;
  split_from: number;
  split_to: number;
  id: string;
}

/** `split_from` and `split_to` of a ratio (new shares per old one): 10 gives 1 and 10, 0.1 gives 10 and 1, 1.5 gives 2 and 3. */
export function splitShares(ratio: number): { split_from: number; split_to: number } {
  for (let from = 1; from <= 1000; from++) {
    const to = ratio * from;
    if (Math.abs(to - Math.round(to)) < 1e-9 && Math.round(to) > 0) return { split_from: from, split_to: Math.round(to) };
  }
  return { split_from: 1, split_to: ratio };
}

/** The `id` of a simulated split: `E` and 64 hex digits, from the seed, ticker and execution date. */
function splitId(seed: number, ticker: string, date: string): string {
  let h = hash2(hash2(seed, hashString(ticker)), civilDateToDayNumber(date));
  let id = 'E';
  for (let i = 0; i < 8; i++) {
    h = hash2(h, i);
    id += (h >>> 0).toString(16).padStart(8, '0');
  }
  return id;
}

/** Every split listed at `now` (from its `announced` date, default its execution date), unsorted. */
export function splitRows(source: BarSource, now: number): SimulatedSplitRow[] {
  return source.listedSplits(now).map(({ ticker, split }) => ({
    ticker,
    execution_date: split.date,
    ...splitShares(split.ratio),
    id: splitId(source.seed, ticker, split.date),
  }));
}
