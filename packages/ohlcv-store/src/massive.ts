/**
 * Everything the store takes from `@tickstock/massive-client`: the Bar type, the New York time helpers and the
 * market calendars. One module, so the dependency is visible in one place.
 */
export type { Bar } from '@tickstock/massive-client';
export {
  addDays,
  barsAlignToUtcDays,
  type CivilDate,
  civilDateToDayNumber,
  dayOfWeek,
  isCivilDate,
  monthStart,
  newYorkDate,
  newYorkMidnightUtcMs,
  nextMonthStart,
  utcDateOf,
  weekStartSunday,
} from '@tickstock/massive-client';
export { calendarForTicker, type MarketCalendar } from '@tickstock/massive-client/calendar';
