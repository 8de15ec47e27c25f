/**
 * The daily schedule as the app's Daily Processing page reads it (`GET /api/processing/schedule`, read by
 * `TickStockPLAPIClient.get_schedule`: `enabled, trigger_time, timezone, next_run, universes, market_check`).
 *
 * The schedule is configured when the worker starts (`--schedule`, `--import-config`) and is the same on every
 * replica; it is not changed over HTTP: a change would reach one replica's memory and be lost at its restart, while
 * the others kept the old one. `POST /api/processing/schedule` therefore answers 200 when the request matches the
 * schedule in force and 501, saying how to change it, otherwise.
 */
import { NEW_YORK_TIME_ZONE } from '@tickstock/market-time';
import type { ImportSpec } from './request.js';

/** What the worker knows of its schedule. */
export interface ScheduleInfo {
  /** The cron expression (New York time), or null when this worker runs no scheduled import. */
  cron: string | null;
  /** What a scheduled (and a manual `trigger-manual`) run loads. */
  spec: ImportSpec;
  /** The next slot (Unix ms), or null. */
  nextRunAt: number | null;
}

/** `GET /api/processing/schedule`. */
export interface ScheduleView {
  success: true;
  enabled: boolean;
  /** `HH:MM`, New York time, when the cron fires once a day at a fixed time; else null. */
  trigger_time: string | null;
  timezone: string;
  /** ISO time of the next run, or null. */
  next_run: string | null;
  universes: string[];
  /** Symbols named one by one, beyond the universes. */
  symbols: string[];
  /** Always true: scheduled runs skip days the market is closed (NYSE calendar). */
  market_check: true;
  /** The cron expression, or null. */
  schedule: string | null;
}

/** `M H * * D` (or with a leading `0` seconds field) with plain numbers: `HH:MM`; anything else: null. */
export function triggerTimeOf(cron: string): string | null {
  const fields = cron.trim().split(/\s+/);
  const [minute, hour, dayOfMonth, month] = fields.length === 6 && fields[0] === '0' ? fields.slice(1) : fields;
  if (fields.length !== 5 && fields.length !== 6) return null;
  if (!minute || !hour || !/^\d{1,2}$/.test(minute) || !/^\d{1,2}$/.test(hour)) return null;
  if (dayOfMonth !== '*' || month !== '*') return null;
  const h = Number(hour);
  const m = Number(minute);
  if (h > 23 || m > 59) return null;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
}

export function scheduleView(info: ScheduleInfo): ScheduleView {
  return {
    success: true,
    enabled: info.cron !== null,
    trigger_time: info.cron === null ? null : triggerTimeOf(info.cron),
    timezone: NEW_YORK_TIME_ZONE,
    next_run: info.nextRunAt === null ? null : new Date(info.nextRunAt).toISOString(),
    universes: [...info.spec.universes],
    symbols: [...info.spec.symbols],
    market_check: true,
    schedule: info.cron,
  };
}

/** The fields of an update that differ from the schedule in force (`[]`: nothing to change). */
export function scheduleChanges(
  current: ScheduleView,
  update: {
    enabled?: boolean | undefined;
    trigger_time?: string | undefined;
    market_check?: boolean | undefined;
    universes?: string[] | undefined;
  },
): string[] {
  const changes: string[] = [];
  if (update.enabled !== undefined && update.enabled !== current.enabled) changes.push(`enabled ${update.enabled}`);
  if (update.trigger_time !== undefined && update.trigger_time !== current.trigger_time)
    changes.push(`trigger_time ${update.trigger_time}`);
  if (update.market_check !== undefined && update.market_check !== current.market_check)
    changes.push(`market_check ${update.market_check}`);
  if (update.universes !== undefined) {
    const same = [...new Set(update.universes)].sort().join(',') === [...new Set(current.universes)].sort().join(',');
    if (!same) changes.push(`universes ${update.universes.join(',')}`);
  }
  return changes;
}
