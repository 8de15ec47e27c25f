/** What an upsert did, counted per outcome. */
import type { Timeframe } from '../timeframes.js';
import type { RejectReason } from './validate.js';

/** A rejected bar, for messages: where it was in the input and why. */
export interface RejectedBar {
  /** Position in the input (0-based, counting every bar received). */
  index: number;
  symbol: string;
  timestamp: unknown;
  reason: RejectReason;
}

/** The outcome of one `upsertBars` call. */
export interface UpsertReport {
  timeframe: Timeframe;
  /** Bars received. */
  received: number;
  /** Rows inserted or changed: `inserted + updated`. */
  written: number;
  /** New rows. */
  inserted: number;
  /** Existing rows whose values changed (revised bars). */
  updated: number;
  /**
   * Bars found stored with exactly their values although the statements did not write them: identical to the stored
   * row, nothing written. Counted by reading the rows back, only in a batch that wrote fewer rows than it sent.
   */
  unchanged: number;
  /**
   * Bars sent to the table that are not in it as sent after the write: neither reported written by the database nor
   * found stored with their values (a BEFORE trigger returning NULL, a rule, a trigger changing values on an update
   * it then skips, another writer replacing them meanwhile). A call that ends with `missing > 0` throws
   * `ROWS_NOT_STORED` with this report. `inserted + updated + unchanged + missing` is every bar sent (`received -
   * rejected - duplicates`).
   */
  missing: number;
  /** Bars superseded by a later bar with the same symbol and key in the same batch (the last one wins). */
  duplicates: number;
  /** Bars rejected by validation, never written. */
  rejected: number;
  /** Rejected bars per reason. */
  rejectedByReason: Partial<Record<RejectReason, number>>;
  /** The first few rejected bars (at most 20). */
  rejectedSamples: RejectedBar[];
  /** Transactions committed. */
  batches: number;
}

/** An empty report for `timeframe`. */
export function emptyReport(timeframe: Timeframe): UpsertReport {
  return {
    timeframe,
    received: 0,
    written: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    missing: 0,
    duplicates: 0,
    rejected: 0,
    rejectedByReason: {},
    rejectedSamples: [],
    batches: 0,
  };
}
