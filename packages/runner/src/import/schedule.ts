/**
 * When the scheduled daily import runs: the next time a cron expression matches in America/New_York (croner does the
 * cron arithmetic in that zone, DST included, whatever the machine's zone), skipping days the market is closed
 * (weekends and NYSE holidays from the calendar). Early-close days are trading days and do run.
 */
import { type CivilDate, type MarketCalendar, NEW_YORK_TIME_ZONE, newYorkDate, nyseCalendar } from '@tickstock/market-time';
import { Cron } from 'croner';
import { RunnerError } from '../errors.js';

/** One scheduled run: when, and the New York trading date it imports. */
export interface ScheduledSlot {
  /** Unix ms. */
  at: number;
  date: CivilDate;
}

/** Parses a 5-field (or 6-field, with seconds) cron expression; throws `SCHEDULE_INVALID` naming the problem. */
export function parseSchedule(expression: string): Cron {
  try {
    return new Cron(expression.trim(), { timezone: NEW_YORK_TIME_ZONE, paused: true, mode: '5-or-6-parts' });
  } catch (e) {
    throw new RunnerError('SCHEDULE_INVALID', `invalid schedule ${JSON.stringify(expression)}: ${(e as Error).message}`);
  }
}

/** The first slot strictly after `after` (Unix ms) on a trading day of `calendar`. */
export function nextScheduledSlot(schedule: string | Cron, after: number, calendar: MarketCalendar = nyseCalendar): ScheduledSlot {
  const cron = typeof schedule === 'string' ? parseSchedule(schedule) : schedule;
  let from = after;
  // A cron that only ever matches closed days would loop forever: a few years of candidates is plenty.
  for (let i = 0; i < 5000; i++) {
    const next = cron.nextRun(new Date(from));
    if (!next) break;
    const at = next.getTime();
    const date = newYorkDate(at);
    if (calendar.isTradingDay(date)) return { at, date };
    from = at;
  }
  throw new RunnerError('SCHEDULE_INVALID', `schedule ${JSON.stringify(cron.getPattern())} never matches a trading day`);
}

/** True when the slot fires before that day's regular close (the day's bars will still be changing). */
export function firesBeforeClose(slot: ScheduledSlot, calendar: MarketCalendar = nyseCalendar): boolean {
  const session = calendar.session(slot.date);
  return session !== null && slot.at < session.close;
}
