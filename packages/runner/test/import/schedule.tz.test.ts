/**
 * When the scheduled daily import runs: cron in New York time, trading days only. Run under UTC, Los Angeles and
 * Tokyo: the answers are the same instants everywhere.
 */
import { newYorkParts, newYorkTimeToUtcMs } from '@tickstock/market-time';
import { describe, expect, it } from 'vitest';
import { IMPORT_DEFAULTS } from '../../src/import/options.js';
import { firesBeforeClose, nextScheduledSlot } from '../../src/import/schedule.js';

const next = (after: string, schedule: string = IMPORT_DEFAULTS.schedule) => {
  const slot = nextScheduledSlot(schedule, Date.parse(after));
  const ny = newYorkParts(slot.at);
  return { utc: new Date(slot.at).toISOString(), newYork: `${ny.date} ${ny.hour}:${String(ny.minute).padStart(2, '0')}`, date: slot.date };
};

describe('nextScheduledSlot (default: 20:30 New York, Monday to Friday)', () => {
  it('skips Thanksgiving (closed) and runs on the early-close Friday after it', () => {
    // Wednesday 2025-11-26 21:00 New York, after that day's run.
    expect(next('2025-11-27T02:00:00Z')).toEqual({ utc: '2025-11-29T01:30:00.000Z', newYork: '2025-11-28 20:30', date: '2025-11-28' });
  });

  it('skips Good Friday and the weekend', () => {
    expect(next('2025-04-18T01:00:00Z')).toEqual({ utc: '2025-04-22T00:30:00.000Z', newYork: '2025-04-21 20:30', date: '2025-04-21' });
  });

  it('keeps 20:30 New York across the March change to daylight time (01:30Z before, 00:30Z after)', () => {
    expect(next('2025-03-07T12:00:00Z')).toEqual({ utc: '2025-03-08T01:30:00.000Z', newYork: '2025-03-07 20:30', date: '2025-03-07' });
    expect(next('2025-03-08T01:30:00Z')).toEqual({ utc: '2025-03-11T00:30:00.000Z', newYork: '2025-03-10 20:30', date: '2025-03-10' });
  });

  it('keeps 20:30 New York across the November change back to standard time', () => {
    expect(next('2025-10-31T12:00:00Z')).toEqual({ utc: '2025-11-01T00:30:00.000Z', newYork: '2025-10-31 20:30', date: '2025-10-31' });
    expect(next('2025-11-01T00:30:00Z')).toEqual({ utc: '2025-11-04T01:30:00.000Z', newYork: '2025-11-03 20:30', date: '2025-11-03' });
  });

  it('skips Christmas and New Year’s Day, running on Christmas Eve (an early close)', () => {
    const slots: string[] = [];
    let after = Date.parse('2025-12-23T12:00:00Z');
    for (let i = 0; i < 5; i++) {
      const s = nextScheduledSlot(IMPORT_DEFAULTS.schedule, after);
      slots.push(s.date);
      after = s.at;
    }
    expect(slots).toEqual(['2025-12-23', '2025-12-24', '2025-12-26', '2025-12-29', '2025-12-30']);
    expect(nextScheduledSlot(IMPORT_DEFAULTS.schedule, newYorkTimeToUtcMs('2025-12-31', 21, 0)).date).toBe('2026-01-02');
  });

  it('a daily (every day) cron still runs on trading days only', () => {
    // Saturday 2025-06-14 noon New York: Sunday and Saturday are skipped, Monday runs.
    expect(next('2025-06-14T16:00:00Z', '15 17 * * *')).toEqual({
      utc: '2025-06-16T21:15:00.000Z',
      newYork: '2025-06-16 17:15',
      date: '2025-06-16',
    });
  });
});

describe('schedule checks', () => {
  it('knows a schedule that fires before the close', () => {
    expect(firesBeforeClose(nextScheduledSlot('0 12 * * 1-5', Date.parse('2025-06-10T00:00:00Z')))).toBe(true);
    expect(firesBeforeClose(nextScheduledSlot(IMPORT_DEFAULTS.schedule, Date.parse('2025-06-10T00:00:00Z')))).toBe(false);
    // 14:00 on the 13:00 early-close day after Thanksgiving is after that day's close.
    expect(firesBeforeClose(nextScheduledSlot('0 14 28 11 *', Date.parse('2025-11-01T00:00:00Z')))).toBe(false);
  });

  it('refuses an invalid cron expression, naming it, and one that never meets a trading day', () => {
    expect(() => nextScheduledSlot('61 20 * * 1-5', 0)).toThrow(/^invalid schedule "61 20 \* \* 1-5": .*minute/);
    expect(() => nextScheduledSlot('0 12 * * 0,6', 0)).toThrowError(expect.objectContaining({ code: 'SCHEDULE_INVALID' }));
  });
});
