import { describe, expect, it } from 'vitest';
import { dayOfWeek, easterSunday, formatCivilDate, goodFriday, nyseCalendar } from '../src/index.js';

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** Parses a date as NYSE publishes it ("Wednesday, January 1, 2025"), checking the weekday it names. */
function published(text: string): string {
  const m = /^(\w+), (\w+) (\d+), (\d{4})$/.exec(text);
  if (!m) throw new Error(`bad published date ${text}`);
  const date = formatCivilDate(Number(m[4]), MONTHS.indexOf(m[2] as string) + 1, Number(m[3]));
  expect(WEEKDAYS[dayOfWeek(date)], text).toBe(m[1]);
  return date;
}

// NYSE's published holiday and early-close lists (nyse.com "Holidays & Trading Hours"), copied as published.
const PUBLISHED: Record<number, { closed: string[]; early: string[]; tradingDays: number }> = {
  2024: {
    closed: [
      'Monday, January 1, 2024', // New Year's Day
      'Monday, January 15, 2024', // Martin Luther King, Jr. Day
      'Monday, February 19, 2024', // Washington's Birthday
      'Friday, March 29, 2024', // Good Friday
      'Monday, May 27, 2024', // Memorial Day
      'Wednesday, June 19, 2024', // Juneteenth National Independence Day
      'Thursday, July 4, 2024', // Independence Day
      'Monday, September 2, 2024', // Labor Day
      'Thursday, November 28, 2024', // Thanksgiving Day
      'Wednesday, December 25, 2024', // Christmas Day
    ],
    early: ['Wednesday, July 3, 2024', 'Friday, November 29, 2024', 'Tuesday, December 24, 2024'],
    tradingDays: 252,
  },
  2025: {
    closed: [
      'Wednesday, January 1, 2025',
      'Thursday, January 9, 2025', // National Day of Mourning for President Carter
      'Monday, January 20, 2025',
      'Monday, February 17, 2025',
      'Friday, April 18, 2025',
      'Monday, May 26, 2025',
      'Thursday, June 19, 2025',
      'Friday, July 4, 2025',
      'Monday, September 1, 2025',
      'Thursday, November 27, 2025',
      'Thursday, December 25, 2025',
    ],
    early: ['Thursday, July 3, 2025', 'Friday, November 28, 2025', 'Wednesday, December 24, 2025'],
    tradingDays: 250,
  },
  2026: {
    closed: [
      'Thursday, January 1, 2026',
      'Monday, January 19, 2026',
      'Monday, February 16, 2026',
      'Friday, April 3, 2026',
      'Monday, May 25, 2026',
      'Friday, June 19, 2026',
      'Friday, July 3, 2026', // Independence Day observed (July 4 is a Saturday)
      'Monday, September 7, 2026',
      'Thursday, November 26, 2026',
      'Friday, December 25, 2026',
    ],
    early: ['Friday, November 27, 2026', 'Thursday, December 24, 2026'],
    tradingDays: 251,
  },
};

describe('nyseCalendar against the published NYSE lists', () => {
  for (const [year, list] of Object.entries(PUBLISHED)) {
    it(`${year}: closures and early closes are exactly the published ones`, () => {
      const holidays = nyseCalendar.holidays(Number(year));
      expect(holidays.filter((h) => h.status === 'closed').map((h) => h.date)).toEqual(list.closed.map(published));
      expect(holidays.filter((h) => h.status === 'early-close').map((h) => h.date)).toEqual(list.early.map(published));
    });
    it(`${year} has ${list.tradingDays} trading days`, () => {
      expect(nyseCalendar.tradingDays(`${year}-01-01`, `${year}-12-31`)).toHaveLength(list.tradingDays);
    });
  }

  it('names holidays as Massive does', () => {
    expect(nyseCalendar.holidays(2025).map((h) => `${h.date} ${h.name} ${h.status}`)).toEqual([
      '2025-01-01 New Years Day closed',
      '2025-01-09 National Day of Mourning for President Carter closed',
      '2025-01-20 Martin Luther King, Jr. Day closed',
      "2025-02-17 Washington's Birthday closed",
      '2025-04-18 Good Friday closed',
      '2025-05-26 Memorial Day closed',
      '2025-06-19 Juneteenth closed',
      '2025-07-03 Independence Day early-close',
      '2025-07-04 Independence Day closed',
      '2025-09-01 Labor Day closed',
      '2025-11-27 Thanksgiving closed',
      '2025-11-28 Thanksgiving early-close',
      '2025-12-24 Christmas early-close',
      '2025-12-25 Christmas closed',
    ]);
  });
});

describe('trading-day counts of other years (known totals)', () => {
  // NYSE trading days per year, 2000-2023 (2001: September 11-14; 2004: Reagan; 2007: Ford; 2012: Sandy; 2018: Bush).
  const known: Record<number, number> = {
    2000: 252,
    2001: 248,
    2002: 252,
    2003: 252,
    2004: 252,
    2005: 252,
    2006: 251,
    2007: 251,
    2008: 253,
    2009: 252,
    2010: 252,
    2011: 252,
    2012: 250,
    2013: 252,
    2014: 252,
    2015: 252,
    2016: 252,
    2017: 251,
    2018: 251,
    2019: 252,
    2020: 253,
    2021: 252,
    2022: 251,
    2023: 250,
  };
  it('matches every year 2000-2023', () => {
    const counted = Object.fromEntries(Object.keys(known).map((y) => [y, nyseCalendar.tradingDays(`${y}-01-01`, `${y}-12-31`).length]));
    expect(counted).toEqual(Object.fromEntries(Object.entries(known).map(([y, n]) => [y, n])));
  });
});

describe('Good Friday by computus', () => {
  const published2000to2030 = [
    '2000-04-21',
    '2001-04-13',
    '2002-03-29',
    '2003-04-18',
    '2004-04-09',
    '2005-03-25',
    '2006-04-14',
    '2007-04-06',
    '2008-03-21',
    '2009-04-10',
    '2010-04-02',
    '2011-04-22',
    '2012-04-06',
    '2013-03-29',
    '2014-04-18',
    '2015-04-03',
    '2016-03-25',
    '2017-04-14',
    '2018-03-30',
    '2019-04-19',
    '2020-04-10',
    '2021-04-02',
    '2022-04-15',
    '2023-04-07',
    '2024-03-29',
    '2025-04-18',
    '2026-04-03',
    '2027-03-26',
    '2028-04-14',
    '2029-03-30',
    '2030-04-19',
  ];
  it('matches the published Good Fridays of 2000-2030 and the market is closed on each', () => {
    const computed = published2000to2030.map((d) => goodFriday(Number(d.slice(0, 4))));
    expect(computed).toEqual(published2000to2030);
    for (const d of computed) expect(nyseCalendar.isTradingDay(d), d).toBe(false);
  });
  it('finds the extreme Easter dates (1818-03-22, 2038-04-25)', () => {
    expect(easterSunday(1818)).toBe('1818-03-22');
    expect(easterSunday(2038)).toBe('2038-04-25');
  });
});

describe('rule edge cases', () => {
  const status = (d: string) => nyseCalendar.holidays(Number(d.slice(0, 4))).find((h) => h.date === d)?.status ?? 'open';

  it('New Year on a Saturday closes nothing: the Friday before is a full trading day', () => {
    for (const d of ['2004-12-31', '2010-12-31', '2021-12-31', '2027-12-31']) {
      expect(nyseCalendar.isTradingDay(d), d).toBe(true);
      expect(nyseCalendar.session(d)?.earlyClose, d).toBe(false);
    }
    expect(nyseCalendar.holidays(2022).some((h) => h.name === 'New Years Day')).toBe(false);
  });
  it('New Year on a Sunday is observed on Monday January 2', () => {
    for (const d of ['2006-01-02', '2012-01-02', '2017-01-02', '2023-01-02']) expect(status(d), d).toBe('closed');
  });
  it('Independence Day, Christmas and Juneteenth shift Saturday to Friday and Sunday to Monday', () => {
    expect(status('2020-07-03')).toBe('closed'); // July 4 on Saturday
    expect(status('2021-07-05')).toBe('closed'); // July 4 on Sunday
    expect(status('2021-12-24')).toBe('closed'); // Christmas on Saturday
    expect(status('2022-12-26')).toBe('closed'); // Christmas on Sunday
    expect(status('2022-06-20')).toBe('closed'); // Juneteenth on Sunday
    expect(status('2027-06-18')).toBe('closed'); // Juneteenth on Saturday
  });
  it('Juneteenth is a holiday from 2022 only', () => {
    expect(nyseCalendar.isTradingDay('2021-06-18')).toBe(true);
    expect(nyseCalendar.holidays(2021).some((h) => h.name === 'Juneteenth')).toBe(false);
    expect(status('2023-06-19')).toBe('closed');
  });
  it('early close before Independence Day only on a weekday that trades; July 5 before 2013 when July 4 is a Thursday', () => {
    expect(status('2023-07-03')).toBe('early-close'); // Monday
    expect(status('2018-07-03')).toBe('early-close'); // Tuesday
    expect(status('2013-07-03')).toBe('early-close'); // Wednesday, from 2013
    expect(status('2019-07-03')).toBe('early-close'); // Wednesday
    expect(status('2002-07-03')).toBe('open'); // Wednesday before 2013 ...
    expect(status('2002-07-05')).toBe('early-close'); // ... moved to Friday July 5
    expect(status('2015-07-03')).toBe('closed'); // Friday: the observed holiday
    expect(status('2026-07-02')).toBe('open');
    expect(status('2022-07-01')).toBe('open'); // July 4 on Monday: no early close
  });
  it('Christmas Eve closes early Monday to Thursday and is closed on a Friday', () => {
    expect(status('2018-12-24')).toBe('early-close');
    expect(status('2020-12-24')).toBe('early-close');
    expect(status('2021-12-24')).toBe('closed');
    expect(status('2003-12-26')).toBe('early-close'); // one-off
    expect(status('2008-12-26')).toBe('open');
  });
  it('lists the one-off closures', () => {
    for (const d of [
      '2001-09-11',
      '2001-09-12',
      '2001-09-13',
      '2001-09-14',
      '2004-06-11',
      '2007-01-02',
      '2012-10-29',
      '2012-10-30',
      '2018-12-05',
      '2025-01-09',
    ]) {
      expect(nyseCalendar.isTradingDay(d), d).toBe(false);
    }
    expect(nyseCalendar.isTradingDay('2001-09-17')).toBe(true);
  });
  it('weekends never trade and are not listed as holidays', () => {
    expect(nyseCalendar.isTradingDay('2025-01-04')).toBe(false);
    for (let y = 2000; y <= 2030; y++) for (const h of nyseCalendar.holidays(y)) expect([0, 6], h.date).not.toContain(dayOfWeek(h.date));
  });
});

describe('sessions in New York time', () => {
  it('hands out one frozen session per date, so a caller cannot change what the next one sees', () => {
    const a = nyseCalendar.session('2025-01-13');
    expect(a).not.toBeNull();
    expect(nyseCalendar.session('2025-01-13')).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    expect(() => {
      (a as { open: number }).open = 0;
    }).toThrow(TypeError);
    expect(nyseCalendar.session('2025-01-13')?.open).toBe(Date.parse('2025-01-13T14:30:00Z'));
    expect(nyseCalendar.session('2025-01-11')).toBeNull(); // a Saturday, cached as closed
    expect(nyseCalendar.session('2025-01-11')).toBeNull();
    expect(() => nyseCalendar.session('2025-02-30')).toThrow('not a calendar date in YYYY-MM-DD form: "2025-02-30"');
  });
  it('a regular winter day: 04:00, 09:30, 16:00, 20:00 EST', () => {
    expect(nyseCalendar.session('2025-01-10')).toEqual({
      date: '2025-01-10',
      preMarketOpen: Date.parse('2025-01-10T09:00:00Z'),
      open: Date.parse('2025-01-10T14:30:00Z'),
      close: Date.parse('2025-01-10T21:00:00Z'),
      postMarketClose: Date.parse('2025-01-11T01:00:00Z'),
      earlyClose: false,
    });
  });
  it('an early-close summer day: 13:00 and 17:00 EDT', () => {
    expect(nyseCalendar.session('2025-07-03')).toEqual({
      date: '2025-07-03',
      preMarketOpen: Date.parse('2025-07-03T08:00:00Z'),
      open: Date.parse('2025-07-03T13:30:00Z'),
      close: Date.parse('2025-07-03T17:00:00Z'),
      postMarketClose: Date.parse('2025-07-03T21:00:00Z'),
      earlyClose: true,
    });
  });
  it('the Monday after the spring-forward switch is on EDT', () => {
    expect(nyseCalendar.session('2025-03-10')?.open).toBe(Date.parse('2025-03-10T13:30:00Z'));
    expect(nyseCalendar.session('2025-03-07')?.open).toBe(Date.parse('2025-03-07T14:30:00Z'));
  });
  it('is null on a closed day', () => {
    expect(nyseCalendar.session('2025-12-25')).toBeNull();
    expect(nyseCalendar.session('2025-12-27')).toBeNull();
  });
});

describe('navigation', () => {
  it('next and previous trading days skip weekends and holidays, strictly', () => {
    expect(nyseCalendar.nextTradingDay('2025-07-03')).toBe('2025-07-07');
    expect(nyseCalendar.previousTradingDay('2025-07-07')).toBe('2025-07-03');
    expect(nyseCalendar.nextTradingDay('2025-12-31')).toBe('2026-01-02');
    expect(nyseCalendar.previousTradingDay('2025-01-02')).toBe('2024-12-31');
    expect(nyseCalendar.previousTradingDay('2025-01-10')).toBe('2025-01-08');
  });
  it('tradingDays is inclusive, ascending, empty when from > to', () => {
    expect(nyseCalendar.tradingDays('2025-04-16', '2025-04-22')).toEqual(['2025-04-16', '2025-04-17', '2025-04-21', '2025-04-22']);
    expect(nyseCalendar.tradingDays('2025-04-22', '2025-04-16')).toEqual([]);
  });
  it('rejects a date that is not YYYY-MM-DD, naming it', () => {
    expect(() => nyseCalendar.isTradingDay('2025-02-30')).toThrow(/"2025-02-30"/);
    expect(() => nyseCalendar.tradingDays('2025-1-1', '2025-01-31')).toThrow(/"2025-1-1"/);
    expect(() => nyseCalendar.holidays(2025.5)).toThrow(/not a year/);
  });
});
