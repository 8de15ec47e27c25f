/**
 * Time, calendars, sessions, `Bar` and the period rule moved to `@tickstock/market-time`; this package re-exports, by
 * name, every one it exported before, from the root and from `/calendar`: the same functions and values, not copies.
 */
import * as marketTimeModule from '@tickstock/market-time';
import { describe, expect, it } from 'vitest';
import * as calendarModule from '../src/calendar/index.js';
import * as clientModule from '../src/index.js';

const marketTime = new Map<string, unknown>(Object.entries(marketTimeModule));
const calendar = new Map<string, unknown>(Object.entries(calendarModule));
const client = new Map<string, unknown>(Object.entries(clientModule));

const ROOT_NAMES = [
  'addDays',
  'aggregateDayBars',
  'BAR_PERIODS',
  'barsAlignToUtcDays',
  'civilDateToDayNumber',
  'dayNumberToCivilDate',
  'dayOfWeek',
  'daysBetween',
  'eachDay',
  'filterRegularSession',
  'formatCivilDate',
  'intradaySession',
  'isCivilDate',
  'mergeBars',
  'monthStart',
  'NEW_YORK_TIME_ZONE',
  'newYorkDate',
  'newYorkMidnightUtcMs',
  'newYorkMinuteOfDay',
  'newYorkOffsetMs',
  'newYorkParts',
  'newYorkTimeToUtcMs',
  'newYorkToday',
  'nextMonthStart',
  'parseCivilDate',
  'periodRange',
  'sessionOfBar',
  'TIMESPANS',
  'tradingDateOfBar',
  'tradingDayStartMs',
  'utcDateOf',
  'VWAP_DECIMALS',
  'weekStartSunday',
] as const;

const CALENDAR_NAMES = [
  'assetClassOfTicker',
  'calendarForTicker',
  'cryptoCalendar',
  'easterSunday',
  'goodFriday',
  'NYSE_SPECIAL_CLOSURES',
  'NYSE_SPECIAL_EARLY_CLOSES',
  'nyseCalendar',
] as const;

describe('names moved to @tickstock/market-time', () => {
  it.each(ROOT_NAMES)('the root still exports %s, as market-time defines it', (name) => {
    expect(client.get(name)).toBeDefined();
    expect(client.get(name)).toBe(marketTime.get(name));
  });

  it.each(CALENDAR_NAMES)('/calendar still exports %s, as market-time defines it', (name) => {
    expect(calendar.get(name)).toBeDefined();
    expect(calendar.get(name)).toBe(marketTime.get(name));
  });

  it('/calendar exports nothing else', () => {
    expect([...calendar.keys()].sort()).toEqual([...CALENDAR_NAMES].sort());
  });
});
