/**
 * The NYSE holiday rules (NYSE Rule 7.2 and its published holiday lists), one function per rule, computed for a year.
 *
 * - Fixed-date holidays falling on a Sunday are observed on the Monday after; on a Saturday, on the Friday before,
 *   except New Year's Day: when January 1 is a Saturday the Friday before (December 31) is the end of a yearly
 *   accounting period and the exchange stays open (2005, 2011, 2022, 2028).
 * - Early closes at 13:00: July 3 when it is a Monday, Tuesday or Thursday, and a Wednesday from 2013 on; before 2013 a
 *   Thursday July 4 moved the early close to Friday July 5 instead (2002). The day after Thanksgiving. Christmas Eve,
 *   Monday to Thursday (on a Friday it is the observed Christmas holiday).
 * - One-off closures and early closes are listed in {@link NYSE_SPECIAL_CLOSURES} and {@link NYSE_SPECIAL_EARLY_CLOSES}.
 *
 * Rules are those in force since 1998 (Martin Luther King, Jr. Day) plus Juneteenth from 2022; the one-offs cover
 * 2000 on. Earlier years are computed with the same rules and are approximate.
 */
import { addDays, type CivilDate, dayOfWeek, formatCivilDate } from '../time/civil-date.js';
import type { Holiday } from './types.js';

/** Closures outside the regular rules since 2000. */
export const NYSE_SPECIAL_CLOSURES: readonly Holiday[] = [
  { date: '2001-09-11', name: 'September 11 attacks', status: 'closed' },
  { date: '2001-09-12', name: 'September 11 attacks', status: 'closed' },
  { date: '2001-09-13', name: 'September 11 attacks', status: 'closed' },
  { date: '2001-09-14', name: 'September 11 attacks', status: 'closed' },
  { date: '2004-06-11', name: 'National Day of Mourning for President Reagan', status: 'closed' },
  { date: '2007-01-02', name: 'National Day of Mourning for President Ford', status: 'closed' },
  { date: '2012-10-29', name: 'Hurricane Sandy', status: 'closed' },
  { date: '2012-10-30', name: 'Hurricane Sandy', status: 'closed' },
  { date: '2018-12-05', name: 'National Day of Mourning for President George H.W. Bush', status: 'closed' },
  { date: '2025-01-09', name: 'National Day of Mourning for President Carter', status: 'closed' },
];

/** Early closes outside the regular rules since 2000. */
export const NYSE_SPECIAL_EARLY_CLOSES: readonly Holiday[] = [{ date: '2003-12-26', name: 'Christmas', status: 'early-close' }];

/** Easter Sunday of a Gregorian year (anonymous Gregorian computus, Meeus/Jones/Butcher). */
export function easterSunday(year: number): CivilDate {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return formatCivilDate(year, month, day);
}

/** Good Friday: two days before Easter Sunday. */
export function goodFriday(year: number): CivilDate {
  return addDays(easterSunday(year), -2);
}

/** The `n`th (1-based) given weekday (0 = Sunday) of a month. */
function nthWeekday(year: number, month: number, weekday: number, n: number): CivilDate {
  const first = formatCivilDate(year, month, 1);
  return addDays(first, ((weekday - dayOfWeek(first) + 7) % 7) + (n - 1) * 7);
}

/** The last given weekday of a month. */
function lastWeekday(year: number, month: number, weekday: number): CivilDate {
  const last = addDays(month === 12 ? formatCivilDate(year + 1, 1, 1) : formatCivilDate(year, month + 1, 1), -1);
  return addDays(last, -((dayOfWeek(last) - weekday + 7) % 7));
}

/** Saturday to the Friday before, Sunday to the Monday after. */
function observed(date: CivilDate): CivilDate {
  const dow = dayOfWeek(date);
  return dow === 6 ? addDays(date, -1) : dow === 0 ? addDays(date, 1) : date;
}

const MONDAY = 1;
const WEDNESDAY = 3;
const THURSDAY = 4;
const FRIDAY = 5;

/** The regular (rule-based) closures of a year, ascending. */
export function nyseRegularClosures(year: number): Holiday[] {
  const out: Holiday[] = [];
  const newYear = formatCivilDate(year, 1, 1);
  const newYearDow = dayOfWeek(newYear);
  if (newYearDow !== 6) out.push({ date: newYearDow === 0 ? addDays(newYear, 1) : newYear, name: 'New Years Day', status: 'closed' });
  if (year >= 1998) out.push({ date: nthWeekday(year, 1, MONDAY, 3), name: 'Martin Luther King, Jr. Day', status: 'closed' });
  out.push({ date: nthWeekday(year, 2, MONDAY, 3), name: "Washington's Birthday", status: 'closed' });
  out.push({ date: goodFriday(year), name: 'Good Friday', status: 'closed' });
  out.push({ date: lastWeekday(year, 5, MONDAY), name: 'Memorial Day', status: 'closed' });
  if (year >= 2022) out.push({ date: observed(formatCivilDate(year, 6, 19)), name: 'Juneteenth', status: 'closed' });
  out.push({ date: observed(formatCivilDate(year, 7, 4)), name: 'Independence Day', status: 'closed' });
  out.push({ date: nthWeekday(year, 9, MONDAY, 1), name: 'Labor Day', status: 'closed' });
  out.push({ date: nthWeekday(year, 11, THURSDAY, 4), name: 'Thanksgiving', status: 'closed' });
  out.push({ date: observed(formatCivilDate(year, 12, 25)), name: 'Christmas', status: 'closed' });
  return out;
}

/** The regular (rule-based) early closes of a year, ascending. */
export function nyseRegularEarlyCloses(year: number): Holiday[] {
  const out: Holiday[] = [];
  const july3 = formatCivilDate(year, 7, 3);
  const july3Dow = dayOfWeek(july3);
  if (july3Dow >= MONDAY && july3Dow <= THURSDAY && (july3Dow !== WEDNESDAY || year >= 2013)) {
    out.push({ date: july3, name: 'Independence Day', status: 'early-close' });
  }
  const july5 = formatCivilDate(year, 7, 5);
  if (year < 2013 && dayOfWeek(july5) === FRIDAY) out.push({ date: july5, name: 'Independence Day', status: 'early-close' });
  out.push({ date: addDays(nthWeekday(year, 11, THURSDAY, 4), 1), name: 'Thanksgiving', status: 'early-close' });
  const christmasEve = formatCivilDate(year, 12, 24);
  const eveDow = dayOfWeek(christmasEve);
  if (eveDow >= MONDAY && eveDow <= THURSDAY) out.push({ date: christmasEve, name: 'Christmas', status: 'early-close' });
  return out;
}

/** Every closure and early close of a year on a weekday, ascending by date; one entry per date. */
export function nyseHolidays(year: number): Holiday[] {
  const prefix = `${String(year).padStart(4, '0')}-`;
  const byDate = new Map<CivilDate, Holiday>();
  const all = [
    ...nyseRegularEarlyCloses(year),
    ...NYSE_SPECIAL_EARLY_CLOSES.filter((h) => h.date.startsWith(prefix)),
    ...nyseRegularClosures(year),
    ...NYSE_SPECIAL_CLOSURES.filter((h) => h.date.startsWith(prefix)),
  ];
  for (const h of all) {
    // A closure wins over an early close on the same date; a weekend date is no holiday of a weekday market.
    const dow = dayOfWeek(h.date);
    if (dow === 0 || dow === 6 || !h.date.startsWith(prefix)) continue;
    const prev = byDate.get(h.date);
    if (!prev || (prev.status === 'early-close' && h.status === 'closed')) byDate.set(h.date, { ...h });
  }
  return [...byDate.values()].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}
