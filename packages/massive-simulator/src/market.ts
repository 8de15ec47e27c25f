/** Market holidays (forward-looking) and market status, as `/v1/marketstatus/upcoming` and `/now` send them. */
import { addDays, dayOfWeek, newYorkDate, newYorkOffsetMs, newYorkParts, newYorkTimeToUtcMs, nyseCalendar } from '@tickstock/market-time';

/** A row of `/v1/marketstatus/upcoming`. */
export interface UpcomingHoliday {
  exchange: 'NYSE' | 'NASDAQ';
  name: string;
  date: string;
  status: 'closed' | 'early-close';
  open?: string;
  close?: string;
}

/** NYSE and NASDAQ closures and early closes from `now`'s New York date through the next 365 days. */
export function upcomingHolidays(now: number): UpcomingHoliday[] {
  const today = newYorkDate(now);
  const until = addDays(today, 365);
  const year = Number(today.slice(0, 4));
  const out: UpcomingHoliday[] = [];
  for (const h of [...nyseCalendar.holidays(year), ...nyseCalendar.holidays(year + 1)]) {
    if (h.date < today || h.date > until) continue;
    for (const exchange of ['NYSE', 'NASDAQ'] as const) {
      const row: UpcomingHoliday = { exchange, name: h.name, date: h.date, status: h.status };
      if (h.status === 'early-close') {
        row.open = new Date(newYorkTimeToUtcMs(h.date, 9, 30)).toISOString();
        row.close = new Date(newYorkTimeToUtcMs(h.date, 13, 0)).toISOString();
      }
      out.push(row);
    }
  }
  return out;
}

/** RFC 3339 time with New York's offset, e.g. `2022-04-28T16:48:08-04:00`. */
export function newYorkRfc3339(ms: number): string {
  const p = newYorkParts(ms);
  const offH = -newYorkOffsetMs(ms) / 3_600_000;
  const two = (n: number) => String(n).padStart(2, '0');
  return `${p.date}T${two(p.hour)}:${two(p.minute)}:${two(p.second)}-${two(offH)}:00`;
}

/** The body of `/v1/marketstatus/now` at the instant `now`. */
export function marketStatus(now: number): Record<string, unknown> {
  const today = newYorkDate(now);
  const s = nyseCalendar.session(today);
  let market: 'open' | 'closed' | 'extended-hours' = 'closed';
  let earlyHours = false;
  let afterHours = false;
  if (s && now >= s.preMarketOpen && now < s.postMarketClose) {
    if (now < s.open) {
      market = 'extended-hours';
      earlyHours = true;
    } else if (now < s.close) market = 'open';
    else {
      market = 'extended-hours';
      afterHours = true;
    }
  }
  const dow = dayOfWeek(today);
  const hour = newYorkParts(now).hour;
  const fxClosed = dow === 6 || (dow === 0 && hour < 17) || (dow === 5 && hour >= 17);
  return {
    market,
    earlyHours,
    afterHours,
    serverTime: newYorkRfc3339(now),
    exchanges: { nyse: market, nasdaq: market, otc: market },
    currencies: { fx: fxClosed ? 'closed' : 'open', crypto: 'open' },
  };
}
