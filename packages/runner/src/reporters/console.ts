/**
 * The CLI's view of a job: a progress bar on a TTY (symbols done/failed, bars written, rate, ETA), plain lines
 * otherwise, and a summary table of bars per symbol and timeframe at the end.
 */

import type { Timeframe } from '@tickstock/market-time';
import { TIMEFRAMES } from '@tickstock/market-time';
import cliProgress from 'cli-progress';
import Table from 'cli-table3';
import type { JobReporter, JobStartInfo, ProgressSnapshot } from '../engine/progress.js';
import type { JobOutcome, SymbolResult } from '../engine/types.js';
import { describeRequests } from '../planning/request-plan.js';

export interface ConsoleReporterOptions {
  out?: NodeJS.WriteStream;
  /** Progress bar when true; plain lines when false. Default: out.isTTY. */
  tty?: boolean;
  now?: () => number;
}

function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  const s = Math.round(ms / 1000);
  return s >= 3600
    ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
    : s >= 60
      ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
      : `${s}s`;
}

export class ConsoleReporter implements JobReporter {
  readonly name = 'console';
  private bar: cliProgress.SingleBar | undefined;
  private readonly out: NodeJS.WriteStream;
  private readonly tty: boolean;
  private readonly now: () => number;
  private started = 0;

  constructor(options: ConsoleReporterOptions = {}) {
    this.out = options.out ?? process.stdout;
    this.tty = options.tty ?? Boolean(this.out.isTTY);
    this.now = options.now ?? Date.now;
  }

  private payload(s: ProgressSnapshot) {
    const elapsed = Math.max(1, this.now() - this.started);
    return {
      ok: s.successful,
      failed: s.failed,
      interrupted: s.interrupted ? ` interrupted ${s.interrupted}` : '',
      bars: s.recordsImported.toLocaleString('en-US'),
      rate: Math.round((s.recordsImported / elapsed) * 1000).toLocaleString('en-US'),
      eta: s.estimatedCompletion ? formatDuration(s.estimatedCompletion.getTime() - this.now()) : '-',
      current: s.currentSymbol ?? '',
    };
  }

  jobStarted(info: JobStartInfo, s: ProgressSnapshot): void {
    this.started = this.now();
    const planned = info.plan ? `; ${describeRequests(info.plan.requests)} planned` : '';
    if (this.tty) {
      this.out.write(`job ${s.jobId}: ${info.symbols.length} symbols${planned}\n`);
      this.bar = new cliProgress.SingleBar(
        {
          format:
            ' {bar} {value}/{total} symbols | ok {ok} failed {failed}{interrupted} | {bars} bars | {rate} bars/s | ETA {eta} | {current}',
          hideCursor: true,
          stream: this.out,
          clearOnComplete: false,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(info.symbols.length, 0, this.payload(s));
    } else {
      this.out.write(`job ${s.jobId}: ${info.symbols.length} symbols${planned}\n`);
    }
  }

  symbolStarted(_symbol: string, s: ProgressSnapshot): void {
    this.bar?.update(s.processed, this.payload(s));
  }

  symbolFinished(r: SymbolResult, s: ProgressSnapshot): void {
    if (this.bar) {
      this.bar.update(s.processed, this.payload(s));
      return;
    }
    const detail = r.ok ? `${r.recordsImported} bars` : `FAILED ${r.errorCode}: ${r.errorMessage ?? ''}`;
    this.out.write(`[${s.processed}/${s.symbolsTotal}] ${r.symbol} ${detail} (${r.processingTimeMs} ms)\n`);
  }

  symbolInterrupted(r: SymbolResult, s: ProgressSnapshot): void {
    if (this.bar) {
      this.bar.update(s.processed, this.payload(s));
      return;
    }
    this.out.write(`[${s.processed}/${s.symbolsTotal}] ${r.symbol} interrupted (${r.recordsImported} bars kept)\n`);
  }

  jobFinished(o: JobOutcome, s: ProgressSnapshot): void {
    if (this.bar) {
      this.bar.update(s.processed, this.payload(s));
      this.bar.stop();
    }
    this.out.write(`\n${renderSummaryTable(o)}\n${o.message} in ${formatDuration(o.completedAt.getTime() - o.startedAt.getTime())}\n`);
  }
}

/** A table of bars written (new or changed) + unchanged per symbol and timeframe, with failures spelled out. */
export function renderSummaryTable(o: JobOutcome): string {
  const used = TIMEFRAMES.filter((tf) => o.results.some((r) => r.timeframes.some((t) => t.timeframe === tf)));
  const table = new Table({ head: ['symbol', ...used, 'total', 'result'], style: { head: [], border: [] } });
  const sorted = [...o.results].sort((a, b) => a.symbol.localeCompare(b.symbol));
  for (const r of sorted) {
    const cell = (tf: Timeframe) => {
      const t = r.timeframes.find((x) => x.timeframe === tf);
      if (!t) return '-';
      if (t.error) return `! ${t.error.code}`;
      const notes = [t.rejected ? `${t.rejected} rejected` : '', t.duplicates ? `${t.duplicates} duplicate` : ''].filter(Boolean);
      return String(t.written + t.unchanged) + (notes.length ? ` (${notes.join(', ')})` : '');
    };
    table.push([r.symbol, ...used.map(cell), String(r.recordsImported), r.ok ? 'ok' : r.interrupted ? 'interrupted' : `${r.errorCode}`]);
  }
  return table.toString();
}
