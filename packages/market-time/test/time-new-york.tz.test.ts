/**
 * The New York time helpers against the tz database (through Intl) for every hour of 2000–2030, plus the DST
 * dates the fixtures exercise. Runs under UTC, America/Los_Angeles and Asia/Tokyo: results must not move.
 */
import { describe, expect, it } from 'vitest';
import {
  addDays,
  dayOfWeek,
  eachDay,
  isCivilDate,
  monthStart,
  newYorkDate,
  newYorkMidnightUtcMs,
  newYorkOffsetMs,
  newYorkParts,
  newYorkTimeToUtcMs,
  parseCivilDate,
  weekStartSunday,
} from '../src/index.js';

const intl = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/New_York',
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
});

function intlParts(ms: number): string {
  const p = Object.fromEntries(intl.formatToParts(ms).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

function ourParts(ms: number): string {
  const p = newYorkParts(ms);
  return `${p.date} ${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}`;
}

describe('New York time', () => {
  it('matches the tz database (Intl) at every hour from 2000 to 2030', () => {
    const start = Date.UTC(2000, 0, 1);
    const end = Date.UTC(2031, 0, 1);
    const mismatches: string[] = [];
    let checked = 0;
    for (let ms = start; ms < end; ms += 3_600_000) {
      checked += 1;
      if (ourParts(ms) !== intlParts(ms)) mismatches.push(`${new Date(ms).toISOString()}: ${ourParts(ms)} vs ${intlParts(ms)}`);
    }
    expect(checked).toBe(271_752);
    expect(mismatches.slice(0, 5)).toEqual([]);
  });

  it('puts the fixture day bars at New York midnight across the 2005 change (Apr 3)', () => {
    expect(newYorkMidnightUtcMs('2005-04-01')).toBe(1112331600000); // 05:00Z, EST
    expect(newYorkMidnightUtcMs('2005-04-04')).toBe(1112587200000); // 04:00Z, EDT
    expect(newYorkDate(1112331600000)).toBe('2005-04-01');
    expect(newYorkDate(1112587200000)).toBe('2005-04-04');
    expect(newYorkOffsetMs(1112331600000) / 3_600_000).toBe(-5);
    expect(newYorkOffsetMs(1112587200000) / 3_600_000).toBe(-4);
  });

  it('handles the 2025 spring-forward (Mar 9) and fall-back (Nov 2) hours', () => {
    // 02:30 does not exist on Mar 9: the helper returns 03:30 EDT.
    expect(new Date(newYorkTimeToUtcMs('2025-03-09', 2, 30)).toISOString()).toBe('2025-03-09T07:30:00.000Z');
    expect(new Date(newYorkTimeToUtcMs('2025-03-09', 1, 59)).toISOString()).toBe('2025-03-09T06:59:00.000Z');
    expect(new Date(newYorkTimeToUtcMs('2025-03-09', 3, 0)).toISOString()).toBe('2025-03-09T07:00:00.000Z');
    // 01:30 happens twice on Nov 2: the first (EDT) is returned.
    expect(new Date(newYorkTimeToUtcMs('2025-11-02', 1, 30)).toISOString()).toBe('2025-11-02T05:30:00.000Z');
    expect(new Date(newYorkTimeToUtcMs('2025-11-02', 2, 0)).toISOString()).toBe('2025-11-02T07:00:00.000Z');
    expect(newYorkParts(Date.UTC(2025, 10, 2, 6, 30))).toEqual({ date: '2025-11-02', hour: 1, minute: 30, second: 0 }); // the second 01:30 (EST)
    // The day bar of the change days still starts at local midnight.
    expect(new Date(newYorkMidnightUtcMs('2025-03-09')).toISOString()).toBe('2025-03-09T05:00:00.000Z');
    expect(new Date(newYorkMidnightUtcMs('2025-03-10')).toISOString()).toBe('2025-03-10T04:00:00.000Z');
    expect(new Date(newYorkMidnightUtcMs('2025-11-02')).toISOString()).toBe('2025-11-02T04:00:00.000Z');
    expect(new Date(newYorkMidnightUtcMs('2025-11-03')).toISOString()).toBe('2025-11-03T05:00:00.000Z');
  });

  it('computes calendar dates without the machine zone', () => {
    expect(isCivilDate('2024-02-29')).toBe(true);
    expect(isCivilDate('2025-02-29')).toBe(false);
    expect(addDays('2024-12-31', 1)).toBe('2025-01-01');
    expect(dayOfWeek('2024-04-28')).toBe(0); // Sunday
    expect(weekStartSunday('2024-05-02')).toBe('2024-04-28');
    expect(monthStart('2024-05-31')).toBe('2024-05-01');
    expect(eachDay('2024-02-27', '2024-03-01')).toEqual(['2024-02-27', '2024-02-28', '2024-02-29', '2024-03-01']);
  });

  it('accepts exactly the real dates of years 0100-9999 in YYYY-MM-DD form, as a Date round trip does', () => {
    // The reference: what the regex-and-Date check before the hand-rolled parser accepted.
    const reference = (s: string) => {
      const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
      if (!m) return false;
      const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
      const t = new Date(Date.UTC(y, mo - 1, d));
      return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
    };
    let checked = 0;
    for (const y of [99, 100, 1600, 1900, 1999, 2000, 2023, 2024, 2100, 2400, 9999]) {
      for (let mo = 0; mo <= 13; mo++) {
        for (let d = 0; d <= 32; d++) {
          const s = `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
          expect(isCivilDate(s), s).toBe(reference(s));
          checked++;
        }
      }
    }
    expect(checked).toBe(11 * 14 * 33);
    for (const s of [
      '2024-2-01',
      '2024-02-1',
      '2024/02/01',
      '2024-02-01 ',
      ' 2024-02-01',
      '2024-0a-01',
      '２０２４-02-01',
      '',
      '2024-02-01T00:00',
    ]) {
      expect(isCivilDate(s), s).toBe(false);
    }
    expect(() => parseCivilDate('2025-02-29')).toThrow('not a calendar date in YYYY-MM-DD form: "2025-02-29"');
    expect(parseCivilDate('2024-02-29')).toEqual({ year: 2024, month: 2, day: 29 });
  });
});
