/** Bars as columns: round trips, absent fields, `otc` as three states, heads as views. */
import { describe, expect, it } from 'vitest';
import {
  allocateBarColumns,
  type Bar,
  barAt,
  barsFromColumns,
  columnsFromBars,
  headOfColumns,
  isBarColumns,
  OTC_ABSENT,
  OTC_FALSE,
  OTC_TRUE,
} from '../src/index.js';

const bars: Bar[] = [
  { timestamp: 1, open: 10, high: 11, low: 9, close: 10.5, volume: 100, vwap: 10.2, transactions: 3 },
  { timestamp: 2, open: 1, high: 2, low: 0.5, close: 1.5 },
  { timestamp: 3, open: 1, high: 2, low: 0.5, close: 1.5, volume: 0.0312, otc: true },
  { timestamp: 4, open: 1, high: 2, low: 0.5, close: 1.5, transactions: 0, otc: false },
];

describe('bar columns', () => {
  it('round-trip bars exactly, absent fields absent', () => {
    const cols = columnsFromBars(bars);
    expect(cols.length).toBe(4);
    expect([...cols.timestamp]).toEqual([1, 2, 3, 4]);
    expect(Number.isNaN(cols.volume[1])).toBe(true);
    expect([...(cols.otc ?? [])]).toEqual([OTC_ABSENT, OTC_ABSENT, OTC_TRUE, OTC_FALSE]);
    expect(barsFromColumns(cols)).toEqual(bars);
    expect(Object.keys(barAt(cols, 1))).toEqual(['timestamp', 'open', 'high', 'low', 'close']);
    expect(isBarColumns(cols)).toBe(true);
  });

  it('have no otc column when no bar has the field', () => {
    const cols = columnsFromBars(bars.slice(0, 2));
    expect(cols.otc).toBeUndefined();
    expect(barsFromColumns(cols)).toEqual(bars.slice(0, 2));
  });

  it('cut a head as views of the same memory', () => {
    const cols = columnsFromBars(bars);
    const head = headOfColumns(cols, 2);
    expect(head.length).toBe(2);
    expect(head.timestamp.buffer).toBe(cols.timestamp.buffer);
    expect(barsFromColumns(head)).toEqual(bars.slice(0, 2));
    expect(headOfColumns(cols, 9)).toBe(cols);
    expect(isBarColumns(head)).toBe(true);
  });

  it('allocate empty columns with NaN optional fields', () => {
    const cols = allocateBarColumns(3);
    expect(cols.otc).toBeUndefined();
    expect(barsFromColumns(cols)).toEqual([0, 0, 0].map(() => ({ timestamp: 0, open: 0, high: 0, low: 0, close: 0 })));
    expect(isBarColumns(bars)).toBe(false);
    expect(isBarColumns({ ...cols, length: 4 })).toBe(false);
  });
});
