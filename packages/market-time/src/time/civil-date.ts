/**
 * Calendar dates as `YYYY-MM-DD` strings, computed with UTC arithmetic only, so no result depends on the
 * machine's time zone. A "civil date" names a day on a calendar, not an instant.
 */

/** A calendar date, `YYYY-MM-DD`. */
export type CivilDate = string;

const DAY_MS = 86_400_000;
const DASH = 45;
const ZERO = 48;

/** The value of the ASCII digits s[from..to), or -1 when any is not one. */
function digitsAt(s: string, from: number, to: number): number {
  let v = 0;
  for (let i = from; i < to; i++) {
    const d = s.charCodeAt(i) - ZERO;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * The parts of `s` when it is a real calendar date in `YYYY-MM-DD` form, else null. Years 0100-9999 (JavaScript's
 * Date reads years below 100 as 19xx). Hand-rolled rather than a regex and a Date: this runs for every day of every
 * bar range, in the client and the simulator.
 */
function civilParts(s: string): { year: number; month: number; day: number } | null {
  if (typeof s !== 'string' || s.length !== 10 || s.charCodeAt(4) !== DASH || s.charCodeAt(7) !== DASH) return null;
  const year = digitsAt(s, 0, 4);
  const month = digitsAt(s, 5, 7);
  const day = digitsAt(s, 8, 10);
  if (year < 100 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return { year, month, day };
}

/** True when `s` is a real calendar date in `YYYY-MM-DD` form (2025-02-30 is not). */
export function isCivilDate(s: string): boolean {
  return civilParts(s) !== null;
}

/** Parses `YYYY-MM-DD` into its parts; throws a RangeError naming the value when it is not a real date. */
export function parseCivilDate(s: string): { year: number; month: number; day: number } {
  const parts = civilParts(s);
  if (!parts) throw new RangeError(`not a calendar date in YYYY-MM-DD form: ${JSON.stringify(s)}`);
  return parts;
}

/** Formats year, month (1-12) and day as `YYYY-MM-DD`. */
export function formatCivilDate(year: number, month: number, day: number): CivilDate {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Days since 1970-01-01 for a civil date (negative before it). */
export function civilDateToDayNumber(date: CivilDate): number {
  const { year, month, day } = parseCivilDate(date);
  return Math.round(Date.UTC(year, month - 1, day) / DAY_MS);
}

/** Dates already formatted, by day number: calendars and the simulator walk the same days over and over. */
const formatted = new Map<number, CivilDate>();
/** 100,000 days is 270 years, about 6 MB at most. */
const FORMATTED_CACHE_SIZE = 100_000;

/** The civil date `n` days after 1970-01-01. */
export function dayNumberToCivilDate(n: number): CivilDate {
  const hit = formatted.get(n);
  if (hit !== undefined) return hit;
  const t = new Date(n * DAY_MS);
  const date = formatCivilDate(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate());
  if (formatted.size >= FORMATTED_CACHE_SIZE) formatted.clear();
  formatted.set(n, date);
  return date;
}

/** `date` plus `n` days (n may be negative). */
export function addDays(date: CivilDate, n: number): CivilDate {
  return dayNumberToCivilDate(civilDateToDayNumber(date) + n);
}

/** Whole days from `a` to `b` (positive when b is later). */
export function daysBetween(a: CivilDate, b: CivilDate): number {
  return civilDateToDayNumber(b) - civilDateToDayNumber(a);
}

/** Day of the week, 0 = Sunday ... 6 = Saturday. */
export function dayOfWeek(date: CivilDate): number {
  return (((civilDateToDayNumber(date) + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
}

/** The Sunday on or before `date` (Massive's week bars start on Sunday). */
export function weekStartSunday(date: CivilDate): CivilDate {
  return addDays(date, -dayOfWeek(date));
}

/** The first day of `date`'s month. */
export function monthStart(date: CivilDate): CivilDate {
  return `${date.slice(0, 8)}01`;
}

/** The first day of the month after `date`'s month. */
export function nextMonthStart(date: CivilDate): CivilDate {
  const { year, month } = parseCivilDate(date);
  return month === 12 ? formatCivilDate(year + 1, 1, 1) : formatCivilDate(year, month + 1, 1);
}

/** Every civil date from `from` to `to`, both inclusive (empty when from > to). */
export function eachDay(from: CivilDate, to: CivilDate): CivilDate[] {
  const out: CivilDate[] = [];
  const end = civilDateToDayNumber(to);
  for (let n = civilDateToDayNumber(from); n <= end; n++) out.push(dayNumberToCivilDate(n));
  return out;
}

/** The UTC calendar date of an instant. */
export function utcDateOf(ms: number): CivilDate {
  return dayNumberToCivilDate(Math.floor(ms / DAY_MS));
}
