import type { CivilDate } from '../time/civil-date.js';

/** One trading day's session boundaries, as Unix milliseconds. */
export interface TradingSession {
  /** New York date of the session (forex: the UTC date). */
  date: CivilDate;
  /** 04:00 New York (crypto: 00:00 New York of the day; forex: `open`). */
  preMarketOpen: number;
  /** 09:30 New York (crypto: 00:00; forex: 00:00Z, on Sunday 17:00 New York). */
  open: number;
  /** 16:00 New York, or 13:00 on early-close days (crypto: 00:00 of the next day; forex: 00:00Z of the next day, on Friday 17:00 New York). */
  close: number;
  /** 20:00 New York, or 17:00 on early-close days (crypto: 00:00 of the next day; forex: `close`). */
  postMarketClose: number;
  /** True on an NYSE early-close day (13:00). */
  earlyClose: boolean;
}

/** A day on which the market is closed, or closes early. */
export interface Holiday {
  /** The New York date of the closure or early close. */
  date: CivilDate;
  /** The name Massive uses, e.g. `Thanksgiving` (also on the early close the day after). */
  name: string;
  /** `closed` all day, or `early-close` at 13:00 New York. */
  status: 'closed' | 'early-close';
}

/** Which days a market trades, and when. */
export interface MarketCalendar {
  /** Which calendar this is. */
  readonly name: 'nyse' | 'crypto' | 'forex';
  /** True when the market has a session on `date` (a New York date; forex: a UTC date). */
  isTradingDay(date: CivilDate): boolean;
  /** The session on `date` (shared: do not modify), or null when the market is closed. */
  session(date: CivilDate): Readonly<TradingSession> | null;
  /** Every trading day from `from` to `to`, both inclusive, ascending. */
  tradingDays(from: CivilDate, to: CivilDate): CivilDate[];
  /** The first trading day strictly after `date`. */
  nextTradingDay(date: CivilDate): CivilDate;
  /** The last trading day strictly before `date`. */
  previousTradingDay(date: CivilDate): CivilDate;
  /** Closures and early closes in `year`, ascending by date (empty for crypto and forex). */
  holidays(year: number): Holiday[];
}
