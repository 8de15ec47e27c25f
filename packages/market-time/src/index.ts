/**
 * `@tickstock/market-time`: New York civil dates, the NYSE, crypto and forex trading calendars, sessions, the `Bar` shape,
 * the week/month period rule (week from Sunday, month from the 1st; a period bar built from day bars) and the one
 * `Timeframe` vocabulary with its alias parser. Zero runtime dependencies; nothing reads the machine's time zone.
 * @packageDocumentation
 */
export type { Bar } from './bar.js';
export {
  allocateBarColumns,
  BAR_COLUMN_FIELDS,
  type BarColumns,
  barAt,
  barsFromColumns,
  columnsFromBars,
  headOfColumns,
  isBarColumns,
  OTC_ABSENT,
  OTC_FALSE,
  OTC_TRUE,
} from './bar-columns.js';
export { type AssetClass, assetClassOfTicker, calendarDateOf, calendarForTicker } from './calendar/asset-class.js';
export { cryptoCalendar } from './calendar/crypto.js';
export { forexCalendar } from './calendar/forex.js';
export { nyseCalendar } from './calendar/nyse.js';
export {
  easterSunday,
  goodFriday,
  NYSE_SPECIAL_CLOSURES,
  NYSE_SPECIAL_EARLY_CLOSES,
  nyseHolidays,
  nyseRegularClosures,
  nyseRegularEarlyCloses,
} from './calendar/nyse-rules.js';
export type { Holiday, MarketCalendar, TradingSession } from './calendar/types.js';
export {
  barsAlignToUtcDays,
  filterRegularSession,
  intradaySession,
  type MarketSession,
  type RegularSessionOptions,
  sessionOfBar,
  type TradingDateOptions,
  tradingDateOfBar,
  tradingDayStartMs,
} from './sessions.js';
export {
  addDays,
  type CivilDate,
  civilDateToDayNumber,
  dayNumberToCivilDate,
  dayOfWeek,
  daysBetween,
  eachDay,
  formatCivilDate,
  isCivilDate,
  monthStart,
  nextMonthStart,
  parseCivilDate,
  utcDateOf,
  weekStartSunday,
} from './time/civil-date.js';
export {
  NEW_YORK_TIME_ZONE,
  newYorkDate,
  newYorkMidnightUtcMs,
  newYorkMinuteOfDay,
  newYorkOffsetMs,
  newYorkParts,
  newYorkTimeToUtcMs,
  newYorkToday,
} from './time/new-york.js';
export {
  aggregateDayBars,
  BAR_PERIODS,
  type BarPeriod,
  mergeBars,
  type PeriodBarsOptions,
  periodRange,
  periodStart,
  VWAP_DECIMALS,
} from './time/period-bars.js';
export { isTimeframe, TIMEFRAME_ALIASES, TIMEFRAMES, type Timeframe, timeframeOf } from './timeframes.js';
export { isTimespan, TIMESPANS, type Timespan } from './timespan.js';
