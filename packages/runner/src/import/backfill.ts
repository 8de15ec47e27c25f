/**
 * Backfill status of tracked symbols: `in_progress` when a run starts loading one, then `completed` (error cleared,
 * `last_backfill` stamped) or `failed` with the error. A symbol stopped by a cancel or shutdown is marked `failed`
 * with that reason, never left `in_progress`.
 */
import type { OhlcvStore } from '@tickstock/ohlcv-store';
import type { JobReporter } from '../engine/progress.js';
import type { SymbolResult } from '../engine/types.js';
import type { SecretScrubber } from '../logging/secrets.js';

export class TrackedBackfillReporter implements JobReporter {
  readonly name = 'tracked-backfill';
  private readonly open = new Set<string>();

  constructor(
    private readonly store: OhlcvStore,
    private readonly scrubber: SecretScrubber,
    /** True for symbols in `tracked_symbols` (read when the run's symbols are resolved). */
    private readonly isTracked: (symbol: string) => boolean,
  ) {}

  async symbolStarted(symbol: string): Promise<void> {
    if (!this.isTracked(symbol)) return;
    this.open.add(symbol);
    await this.store.setBackfillStatus(symbol, 'in_progress');
  }

  async symbolFinished(r: SymbolResult): Promise<void> {
    if (!this.open.delete(r.symbol)) return;
    if (r.ok) await this.store.setBackfillStatus(r.symbol, 'completed', null);
    else await this.store.setBackfillStatus(r.symbol, 'failed', this.scrubber.scrub(`${r.errorCode}: ${r.errorMessage ?? ''}`.trim()));
  }

  async jobFinished(): Promise<void> {
    for (const symbol of this.open)
      await this.store.setBackfillStatus(symbol, 'failed', 'ABORTED: the run stopped before this symbol finished');
    this.open.clear();
  }
}
