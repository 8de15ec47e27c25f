/**
 * The rows `/v3/reference/dividends` serves: a deterministic dividend history per stock or ETF of the universe, from
 * the seed alone. Keys in the documented (alphabetical) order: `cash_amount, currency, declaration_date,
 * dividend_type, ex_dividend_date, frequency, id, pay_date, record_date, ticker`.
 */
import { addDays, type CivilDate, civilDateToDayNumber, nyseCalendar } from '@tickstock/market-time';
import { hash2, hashString, unit } from './random.js';
import type { UniverseTicker } from './reference.js';

/** A row of the simulator's `/v3/reference/dividends`, in the API's shape. */
export interface SimulatedDividendRow {
  cash_amount: number;
  currency: string;
  declaration_date: CivilDate;
  dividend_type: 'CD' | 'SC';
  ex_dividend_date: CivilDate;
  frequency: number;
  id: string;
  pay_date: CivilDate;
  record_date: CivilDate;
  ticker: string;
}

/** The first ex-dividend date the simulator generates (older history is not needed by anything it serves). */
const FIRST_YEAR = 2000;
/** US settlement went from T+2 to T+1 on this date: since then the ex-dividend date is the record date. */
const T_PLUS_ONE = '2024-05-28';

const pad = (n: number) => String(n).padStart(2, '0');

/** The trading day on or after `date` (NYSE). */
function onOrAfter(date: CivilDate): CivilDate {
  return nyseCalendar.isTradingDay(date) ? date : nyseCalendar.nextTradingDay(date);
}

/** The `id`: `E` and 64 hex digits, from the seed, ticker, ex-dividend date and type. */
function dividendId(key: number, date: CivilDate, type: string): string {
  let h = hash2(hash2(key, civilDateToDayNumber(date)), hashString(type));
  let id = 'E';
  for (let i = 0; i < 8; i++) {
    h = hash2(h, i);
    id += (h >>> 0).toString(16).padStart(8, '0');
  }
  return id;
}

function row(key: number, ticker: string, ex: CivilDate, cash: number, type: 'CD' | 'SC', frequency: number): SimulatedDividendRow {
  const record = ex >= T_PLUS_ONE ? ex : nyseCalendar.nextTradingDay(ex);
  const pay = onOrAfter(addDays(record, 7 + (hash2(key, civilDateToDayNumber(ex)) % 21)));
  const declaration = nyseCalendar.previousTradingDay(addDays(ex, -(14 + (hash2(key, 7) % 30))));
  return {
    cash_amount: Math.round(cash * 10_000) / 10_000,
    currency: 'USD',
    declaration_date: declaration,
    dividend_type: type,
    ex_dividend_date: ex,
    frequency,
    id: dividendId(key, ex, type),
    pay_date: pay,
    record_date: record,
    ticker,
  };
}

const cache = new Map<string, readonly SimulatedDividendRow[]>();

/**
 * Every dividend of one ticker declared on or before `today` (a New York date), ascending by ex-dividend date. Stocks
 * and ETFs only (indices, crypto and forex pay none); about a fifth of the stocks pay none either. A payer pays
 * quarterly (most), monthly, semi-annually or annually, on the same day of its months (moved to the next trading
 * day), from a year after `listDate` (and 2000) on; the amount steps up about 5% a year; a rare special dividend
 * (`SC`, frequency 0) falls mid-year. Record date: the next trading day (T+2 settlement), the ex-dividend date itself
 * from 2024-05-28 (T+1); pay date 7–27 days after the record date; declared 2–6 weeks before the ex-dividend date.
 */
export function dividendsOf(seed: number, entry: UniverseTicker, listDate: CivilDate, today: CivilDate): readonly SimulatedDividendRow[] {
  const cacheKey = `${seed}|${entry.ticker}|${listDate}|${today}`;
  const cached = cache.get(cacheKey);
  if (cached) return cached;
  const rows: SimulatedDividendRow[] = [];
  const key = hash2(seed, hashString(`dividends:${entry.ticker}`));
  const isFund = entry.type === 'ETF';
  if ((entry.market === 'stocks' || entry.market === 'otc') && (isFund || unit(hash2(key, 1)) >= 0.2)) {
    const u = unit(hash2(key, 2));
    const frequency = isFund ? (u < 0.3 ? 12 : 4) : u < 0.08 ? 12 : u < 0.12 ? 2 : u < 0.16 ? 1 : 4;
    const step = 12 / frequency;
    const firstMonth = 1 + (hash2(key, 3) % step);
    const day = 1 + (hash2(key, 4) % 25);
    const base = (0.05 + 1.2 * unit(hash2(key, 5))) / (frequency / 4);
    const startYear = Math.max(FIRST_YEAR, Number(listDate.slice(0, 4)) + 1);
    const endYear = Number(today.slice(0, 4)) + 1;
    for (let year = startYear; year <= endYear; year++) {
      const cash = base * 1.05 ** (year - FIRST_YEAR);
      for (let month = firstMonth; month <= 12; month += step) {
        const ex = onOrAfter(`${year}-${pad(month)}-${pad(day)}`);
        if (ex <= listDate) continue;
        const r = row(key, entry.ticker, ex, cash, 'CD', frequency);
        if (r.declaration_date <= today) rows.push(r);
      }
      if (unit(hash2(key, 1000 + year)) < 0.04) {
        const ex = onOrAfter(`${year}-07-${pad(1 + (hash2(key, 2000 + year) % 28))}`);
        const r = row(key, entry.ticker, ex, base * 4, 'SC', 0);
        if (ex > listDate && r.declaration_date <= today) rows.push(r);
      }
    }
    rows.sort((a, b) => (a.ex_dividend_date < b.ex_dividend_date ? -1 : a.ex_dividend_date > b.ex_dividend_date ? 1 : 0));
  }
  if (cache.size >= 10_000) cache.clear();
  cache.set(cacheKey, rows);
  return rows;
}
