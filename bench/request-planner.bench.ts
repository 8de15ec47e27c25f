/**
 * API requests per job, the request planner against per-ticker requests, side by side, and the wall time each
 * projects to at the free plan's 5 requests a minute and at 100 requests a second. Counted by the planner itself
 * (the end-to-end tests prove the simulator's request counter equals the plan, and the end-to-end bench sends job
 * (a) for real). Jobs, on the S&P 500 list (503 symbols), on Wednesday 2025-06-11 after the close:
 *   (a) the end-to-end bench's job, first load: a year of day/week/month and two days of hours;
 *   (b) the same job again the next trading day (incremental: each timeframe resumes at its last stored bar, after
 *       the splits check, one request for the universe);
 *   (c) the daily import of day/week/month the next trading day;
 *   (d) 10 symbols, a year of hour/day/week/month, first load;
 *   (e) 503 symbols, 5 years of day/week/month, first load.
 * Targets: (a) <= 1,300 requests; (c) <= 3; (d) never more than per ticker.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Timeframe } from '@tickstock/market-time';
import { addDays, newYorkTimeToUtcMs } from '../packages/market-time/src/index.js';
import type { TimeframeRange } from '../packages/runner/src/engine/types.js';
import { planRequests, type SymbolKnowledge } from '../packages/runner/src/planning/request-plan.js';
import type { BenchContext, BenchMetric } from './types.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const NOW = newYorkTimeToUtcMs('2025-06-11', 21, 30);
const NEXT = newYorkTimeToUtcMs('2025-06-12', 21, 30);

function ranges(timeframes: readonly Timeframe[], days: number, today: string): TimeframeRange[] {
  return timeframes.map((timeframe) => ({
    timeframe,
    from: addDays(today, -(timeframe === 'hour' ? Math.min(days, 2) : days)),
    to: today,
  }));
}

/** Per ticker: every range one request, details every job (what the loader did before the planner). */
function perTicker(symbols: number, timeframes: number): number {
  return symbols * (1 + timeframes);
}

interface Row {
  label: string;
  planner: number;
  perTicker: number;
  target?: string;
}

export default async function bench(ctx: BenchContext): Promise<BenchMetric[]> {
  const sp500 = readFileSync(`${root}packages/runner/universes/sp500.csv`, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(',')[0] as string);
  const plan = (symbols: string[], k: (s: string) => SymbolKnowledge, now: number, options = {}) =>
    planRequests(symbols, new Map(symbols.map((s) => [s, k(s)])), { now, ...options }).requests.total;
  // An incremental load first lists the splits since the last check: one request for the whole universe.
  const SPLITS_CHECK = 1;
  const HDWM: Timeframe[] = ['hour', 'day', 'week', 'month'];
  const DWM: Timeframe[] = ['day', 'week', 'month'];
  // The next trading day after a load: each timeframe resumes at its last stored bar; details are stored.
  const resumedFrom: Record<string, string> = { hour: '2025-06-11', day: '2025-06-11', week: '2025-06-08', month: '2025-06-01' };
  const resumed = (tfs: Timeframe[]) => tfs.map((timeframe) => ({ timeframe, from: resumedFrom[timeframe] as string, to: '2025-06-12' }));
  const rows: Row[] = [
    {
      label: '(a) S&P 500, first load, 1 y day/week/month + 2 d hours',
      planner: plan(sp500, () => ({ ranges: ranges(HDWM, 365, '2025-06-11'), detailsFresh: false }), NOW),
      perTicker: perTicker(sp500.length, 4),
      target: '<= 1,300',
    },
    {
      label: '(b) the same job the next trading day',
      planner: plan(sp500, () => ({ ranges: resumed(HDWM), detailsFresh: true, storedDaysFrom: '2024-06-03' }), NEXT) + SPLITS_CHECK,
      perTicker: perTicker(sp500.length, 4),
    },
    {
      label: '(c) daily import of day/week/month, next trading day',
      planner: plan(sp500, () => ({ ranges: resumed(DWM), detailsFresh: true, storedDaysFrom: '2024-06-03' }), NEXT) + SPLITS_CHECK,
      perTicker: perTicker(sp500.length, 3) - sp500.length, // an import already skipped the details of known symbols
      target: '<= 3',
    },
    {
      label: '(d) 10 symbols, first load, 1 y hour/day/week/month',
      planner: plan(sp500.slice(0, 10), () => ({ ranges: ranges(HDWM, 365, '2025-06-11'), detailsFresh: false }), NOW),
      perTicker: perTicker(10, 4),
      target: '<= per ticker',
    },
    {
      label: '(e) S&P 500, first load, 5 y day/week/month',
      planner: plan(sp500, () => ({ ranges: ranges(DWM, 5 * 365, '2025-06-11'), detailsFresh: false }), NOW),
      perTicker: perTicker(sp500.length, 3),
    },
  ];
  const hours = (requests: number) => (requests * 12) / 3600; // 5 a minute
  const seconds = (requests: number) => requests / 100; // 100 a second
  const fmt = (n: number) => n.toLocaleString('en-US');
  ctx.log('| job | requests: planner | per ticker | at 5/min: planner | per ticker | at 100/s: planner | per ticker | target |');
  ctx.log('|---|---:|---:|---:|---:|---:|---:|---|');
  for (const r of rows) {
    ctx.log(
      `| ${r.label} | ${fmt(r.planner)} | ${fmt(r.perTicker)} | ${hours(r.planner).toFixed(2)} h | ${hours(r.perTicker).toFixed(2)} h | ${seconds(r.planner).toFixed(1)} s | ${seconds(r.perTicker).toFixed(1)} s | ${r.target ?? ''} |`,
    );
  }
  return rows.flatMap((r) => {
    const key = r.label.slice(0, 3);
    return [
      { name: `planner ${key}: requests`, value: r.planner, unit: `requests${r.target ? ` (target ${r.target})` : ''}` },
      { name: `planner ${key}: per-ticker requests`, value: r.perTicker, unit: 'requests' },
      { name: `planner ${key}: at 5/min`, value: hours(r.planner), unit: `h (per ticker ${hours(r.perTicker).toFixed(2)} h)` },
    ];
  });
}
