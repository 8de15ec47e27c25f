// Runs under UTC, America/Los_Angeles and Asia/Tokyo: no result may depend on the machine's time zone.

import { newYorkDate } from '@tickstock/market-time';
import { describe, expect, it } from 'vitest';
import { LIVE_APP_JOB } from '../src/conformance/examples.js';
import { dataLoadRanges, lookbackDaysOf, parseDataLoadJob, timeframeLookbackDays } from '../src/index.js';

const ALL = ['1min', 'hour', 'day', 'week', 'month'] as const;

function rangesFor(years: number, now: number, timeframes: readonly (typeof ALL)[number][] = ALL) {
  const r = parseDataLoadJob({ job_id: 'j', job_type: 'multi_timeframe_load', symbols: ['AAPL'], years, timeframes }, { now });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.request;
}

describe('New York "today"', () => {
  it('is the New York date of now, not the machine date: 03:30Z on Dec 24 is still Dec 23 in New York', () => {
    expect(newYorkDate(Date.UTC(2025, 11, 24, 3, 30))).toBe('2025-12-23');
    expect(newYorkDate(Date.UTC(2025, 11, 24, 5, 0))).toBe('2025-12-24');
  });

  it('follows daylight saving time: New York midnight is 04:00Z in summer and 05:00Z in winter', () => {
    expect(newYorkDate(Date.UTC(2025, 6, 4, 3, 59))).toBe('2025-07-03'); // 23:59 EDT
    expect(newYorkDate(Date.UTC(2025, 6, 4, 4, 0))).toBe('2025-07-04'); // 00:00 EDT
    expect(newYorkDate(Date.UTC(2025, 0, 15, 4, 59))).toBe('2025-01-14'); // 23:59 EST
    expect(newYorkDate(Date.UTC(2025, 0, 15, 5, 0))).toBe('2025-01-15'); // 00:00 EST
  });

  it('a job received at 22:00 in New York on Dec 31 ends its ranges on Dec 31, though it is Jan 1 in UTC and Tokyo', () => {
    const now = Date.UTC(2026, 0, 1, 3, 0); // 22:00 EST Dec 31
    const r = rangesFor(1, now, ['day']);
    expect(r.today).toBe('2025-12-31');
    expect(r.ranges.day).toEqual({ from: '2024-12-31', to: '2025-12-31' });
  });
});

describe('ranges per timeframe', () => {
  const NOW = Date.UTC(2025, 11, 23, 17, 15, 14); // 12:15 New York, 2025-12-23

  it('days = round(years x 365)', () => {
    expect([0.003, 0.005, 0.02, 0.08, 0.25, 0.5, 1, 2, 5].map(lookbackDaysOf)).toEqual([1, 2, 7, 29, 91, 183, 365, 730, 1825]);
  });

  it('the live app job (years 0.003) loads one day back for every timeframe', () => {
    const r = parseDataLoadJob(LIVE_APP_JOB, { now: NOW });
    if (!r.ok) throw new Error('expected ok');
    expect(r.request.ranges).toEqual({
      '1min': { from: '2025-12-22', to: '2025-12-23' },
      hour: { from: '2025-12-22', to: '2025-12-23' },
      day: { from: '2025-12-22', to: '2025-12-23' },
      week: { from: '2025-12-22', to: '2025-12-23' },
      month: { from: '2025-12-22', to: '2025-12-23' },
    });
    expect(r.request.lookbackDays).toEqual({ '1min': 1, hour: 1, day: 1, week: 1, month: 1 });
  });

  it('90 days (0.25 years = 91 days): day/week/month over the whole span, hour and 1min capped at the last 2 days', () => {
    const r = rangesFor(0.25, NOW);
    expect(r.ranges).toEqual({
      '1min': { from: '2025-12-21', to: '2025-12-23' },
      hour: { from: '2025-12-21', to: '2025-12-23' },
      day: { from: '2025-09-23', to: '2025-12-23' },
      week: { from: '2025-09-23', to: '2025-12-23' },
      month: { from: '2025-09-23', to: '2025-12-23' },
    });
  });

  it('years <= 0.0027 caps hour and 1min at 1 day; just above it, at 2 days (when the span has 2)', () => {
    expect(timeframeLookbackDays('hour', 0.0027)).toBe(1);
    expect(timeframeLookbackDays('1min', 0.0027)).toBe(1);
    expect(timeframeLookbackDays('hour', 0.005)).toBe(2);
    expect(timeframeLookbackDays('hour', 5)).toBe(2);
    expect(timeframeLookbackDays('day', 5)).toBe(1825);
    // a 2-day load: 2 days back for every timeframe
    expect(rangesFor(0.005, NOW, ['hour', 'day']).ranges).toEqual({
      hour: { from: '2025-12-21', to: '2025-12-23' },
      day: { from: '2025-12-21', to: '2025-12-23' },
    });
  });

  it('a tiny years rounds to 0 days: today only', () => {
    expect(dataLoadRanges(['day', 'hour'], 0.001, NOW).ranges).toEqual({
      day: { from: '2025-12-23', to: '2025-12-23' },
      hour: { from: '2025-12-23', to: '2025-12-23' },
    });
  });

  it('5 years crosses leap day 2024-02-29 by plain day arithmetic', () => {
    expect(rangesFor(5, NOW, ['month']).ranges.month).toEqual({ from: '2020-12-24', to: '2025-12-23' });
  });

  it('only the timeframes asked for get a range', () => {
    expect(Object.keys(rangesFor(1, NOW, ['week']).ranges)).toEqual(['week']);
  });
});
