/** Bar builders for tests: explicit instants, New York dates through the shared time helpers. */
import { type Bar, type CivilDate, newYorkMidnightUtcMs, newYorkTimeToUtcMs } from '@tickstock/market-time';

/** A day/week/month bar stamped 00:00 New York of `date`, as Massive stamps them. */
export function dayBar(date: CivilDate, close = 100, extra: Partial<Bar> = {}): Bar {
  return { timestamp: newYorkMidnightUtcMs(date), open: close - 1, high: close + 2, low: close - 2, close, volume: 1000, ...extra };
}

/** An hourly bar starting at `hour`:00 New York on `date`. */
export function hourBar(date: CivilDate, hour: number, close = 50): Bar {
  return { timestamp: newYorkTimeToUtcMs(date, hour, 0), open: close, high: close + 1, low: close - 1, close, volume: 10 };
}

/** `n` one-minute bars from `startMs`, prices varying with the index. */
export function minuteBars(startMs: number, n: number): Bar[] {
  return Array.from({ length: n }, (_, i) => {
    const base = 100 + (i % 500) / 100;
    return {
      timestamp: startMs + i * 60_000,
      open: base,
      high: base + 1,
      low: base - 1,
      close: base + 0.5,
      volume: i,
      vwap: base + 0.25,
      transactions: i % 7,
    };
  });
}

/** `n` consecutive weekdays (Monday to Friday) from `from` on, as `YYYY-MM-DD` (pure date arithmetic, no time zone). */
export function weekdays(from: CivilDate, n: number): CivilDate[] {
  const out: CivilDate[] = [];
  for (let d = new Date(`${from}T00:00:00Z`); out.length < n; d.setUTCDate(d.getUTCDate() + 1)) {
    const day = d.getUTCDay();
    if (day !== 0 && day !== 6) out.push(d.toISOString().slice(0, 10));
  }
  return out;
}

/** True for a Monday. */
export function isMonday(date: CivilDate): boolean {
  return new Date(`${date}T00:00:00Z`).getUTCDay() === 1;
}
