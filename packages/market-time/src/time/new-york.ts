/**
 * America/New_York time, computed from the US daylight-saving rules rather than the machine's zone database,
 * so results are the same on every machine and fast enough to stamp millions of bars.
 *
 * Rules (Energy Policy Act of 2005, in force since 2007): DST from the second Sunday in March, 02:00 local,
 * to the first Sunday in November, 02:00 local. 1987-2006: first Sunday in April to the last Sunday in October.
 * Before 1987 is outside any data Massive serves for US equities and is treated with the 1987 rule.
 * Tests compare every hour of 2000-2030 with `Intl` to prove these rules match the tz database.
 */
import { type CivilDate, civilDateToDayNumber, dayNumberToCivilDate, dayOfWeek, formatCivilDate, parseCivilDate } from './civil-date.js';

/** The IANA name of New York's time zone (for cron schedules and `Intl`; nothing here reads the zone database). */
export const NEW_YORK_TIME_ZONE = 'America/New_York';

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const EST_OFFSET_MS = -5 * HOUR_MS;
const EDT_OFFSET_MS = -4 * HOUR_MS;

/** The `n`th (1-based) Sunday of a month, or the last one when n = -1. */
function nthSunday(year: number, month: number, n: number): CivilDate {
  if (n > 0) {
    const first = formatCivilDate(year, month, 1);
    const offset = (7 - dayOfWeek(first)) % 7;
    return formatCivilDate(year, month, 1 + offset + (n - 1) * 7);
  }
  const next = month === 12 ? formatCivilDate(year + 1, 1, 1) : formatCivilDate(year, month + 1, 1);
  const last = dayNumberToCivilDate(civilDateToDayNumber(next) - 1);
  return dayNumberToCivilDate(civilDateToDayNumber(last) - dayOfWeek(last));
}

interface DstWindow {
  startUtcMs: number; // 02:00 EST = 07:00Z
  endUtcMs: number; // 02:00 EDT = 06:00Z
}

const dstCache = new Map<number, DstWindow>();

function dstWindow(year: number): DstWindow {
  let w = dstCache.get(year);
  if (!w) {
    const start = year >= 2007 ? nthSunday(year, 3, 2) : nthSunday(year, 4, 1);
    const end = year >= 2007 ? nthSunday(year, 11, 1) : nthSunday(year, 10, -1);
    w = {
      startUtcMs: civilDateToDayNumber(start) * DAY_MS + 2 * HOUR_MS - EST_OFFSET_MS,
      endUtcMs: civilDateToDayNumber(end) * DAY_MS + 2 * HOUR_MS - EDT_OFFSET_MS,
    };
    dstCache.set(year, w);
  }
  return w;
}

/** New York's UTC offset in milliseconds at the instant `ms` (-5 h in winter, -4 h in summer). */
export function newYorkOffsetMs(ms: number): number {
  const year = new Date(ms).getUTCFullYear();
  const w = dstWindow(year);
  return ms >= w.startUtcMs && ms < w.endUtcMs ? EDT_OFFSET_MS : EST_OFFSET_MS;
}

/** The New York calendar date of the instant `ms` (Unix milliseconds). This is a bar's trading date. */
export function newYorkDate(ms: number): CivilDate {
  return dayNumberToCivilDate(Math.floor((ms + newYorkOffsetMs(ms)) / DAY_MS));
}

/** Minutes since New York midnight at the instant `ms` (0-1439). */
export function newYorkMinuteOfDay(ms: number): number {
  const local = ms + newYorkOffsetMs(ms);
  return Math.floor((((local % DAY_MS) + DAY_MS) % DAY_MS) / MINUTE_MS);
}

/** New York wall-clock parts of the instant `ms`. */
export function newYorkParts(ms: number): { date: CivilDate; hour: number; minute: number; second: number } {
  const local = ms + newYorkOffsetMs(ms);
  const within = ((local % DAY_MS) + DAY_MS) % DAY_MS;
  return {
    date: dayNumberToCivilDate(Math.floor(local / DAY_MS)),
    hour: Math.floor(within / HOUR_MS),
    minute: Math.floor((within % HOUR_MS) / MINUTE_MS),
    second: Math.floor((within % MINUTE_MS) / 1000),
  };
}

/**
 * The instant (Unix ms) of a New York wall-clock time on a date. For a time skipped by the spring-forward
 * jump (02:00-02:59) the time one hour later is returned; for a repeated time in the autumn, the first occurrence.
 */
export function newYorkTimeToUtcMs(date: CivilDate, hour = 0, minute = 0): number {
  parseCivilDate(date);
  const wall = civilDateToDayNumber(date) * DAY_MS + hour * HOUR_MS + minute * MINUTE_MS;
  const guess = wall - EDT_OFFSET_MS; // assume summer time first: picks the first of a repeated hour
  if (newYorkOffsetMs(guess) === EDT_OFFSET_MS) return guess;
  const winter = wall - EST_OFFSET_MS;
  return winter; // either standard time, or a wall time skipped by the spring-forward jump (shifted forward)
}

/** The instant of 00:00 New York on `date`: the `t` of Massive's day bar for that trading date. */
export function newYorkMidnightUtcMs(date: CivilDate): number {
  return newYorkTimeToUtcMs(date, 0, 0);
}

/** Today's date in New York at the instant `now` (default: the current time). */
export function newYorkToday(now: number = Date.now()): CivilDate {
  return newYorkDate(now);
}
