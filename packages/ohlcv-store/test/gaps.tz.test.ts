/** Expected periods and gap runs against the NYSE and crypto calendars (pure functions). */
import { cryptoCalendar, nyseCalendar } from '@tickstock/market-time';
import { describe, expect, it } from 'vitest';
import { expectedPeriods, findGaps } from '../src/stats/gaps.js';

describe('expectedPeriods', () => {
  it('daily: NYSE trading days only (2024-12-24..2025-01-02 skips Christmas, New Year and weekends)', () => {
    expect(expectedPeriods('daily', nyseCalendar, '2024-12-24', '2025-01-02')).toEqual([
      '2024-12-24',
      '2024-12-26',
      '2024-12-27',
      '2024-12-30',
      '2024-12-31',
      '2025-01-02',
    ]);
  });

  it('weekly: every Sunday-started week holding a trading day, from the week containing `from`', () => {
    expect(expectedPeriods('weekly', nyseCalendar, '2024-03-27', '2024-04-14')).toEqual([
      '2024-03-24',
      '2024-03-31',
      '2024-04-07',
      '2024-04-14',
    ]);
  });

  it('monthly: every month holding a trading day', () => {
    expect(expectedPeriods('monthly', nyseCalendar, '2023-11-15', '2024-02-01')).toEqual([
      '2023-11-01',
      '2023-12-01',
      '2024-01-01',
      '2024-02-01',
    ]);
  });

  it('crypto: every day', () => {
    expect(expectedPeriods('hourly', cryptoCalendar, '2024-03-09', '2024-03-11')).toEqual(['2024-03-09', '2024-03-10', '2024-03-11']);
  });

  it('is empty when from is after to', () => {
    expect(expectedPeriods('daily', nyseCalendar, '2024-03-11', '2024-03-10')).toEqual([]);
  });
});

describe('findGaps', () => {
  it('joins consecutive missing periods into one gap and counts them', () => {
    const expected = ['2024-03-25', '2024-03-26', '2024-03-27', '2024-03-28', '2024-04-01', '2024-04-02', '2024-04-03'];
    expect(findGaps(expected, new Set(['2024-03-25', '2024-03-27', '2024-04-03']))).toEqual([
      { from: '2024-03-26', to: '2024-03-26', missing: 1 },
      { from: '2024-03-28', to: '2024-04-02', missing: 3 },
    ]);
  });

  it('reports the whole range when nothing is present, and nothing when all is', () => {
    expect(findGaps(['2024-01-02', '2024-01-03'], new Set())).toEqual([{ from: '2024-01-02', to: '2024-01-03', missing: 2 }]);
    expect(findGaps(['2024-01-02'], new Set(['2024-01-02']))).toEqual([]);
  });
});
