/**
 * Runs the daily import on its schedule (see ./schedule.ts) in a worker. Several workers may run the same schedule:
 * each slot is claimed once in Redis (`SET tickstock:import:scheduled:{date} NX EX`), so exactly one of them runs it;
 * a run already in progress (an API-triggered one, say) holds the import lock, and the scheduled run waits for it,
 * trying again every `lockRetryMs` for at most `lockWaitMaxMs`.
 */
import { hostname } from 'node:os';
import type { EventPublisher, RedisClient } from '@tickstock/job-protocol';
import type { MarketCalendar } from '@tickstock/market-time';
import type { Cron } from 'croner';
import type { JobOutcome } from '../engine/types.js';
import { RunnerError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import type { SecretScrubber } from '../logging/secrets.js';
import type { ImportCoordinator } from './coordinator.js';
import { scheduledSlotKey } from './lock.js';
import { IMPORT_DEFAULTS } from './options.js';
import type { ImportSpec } from './request.js';
import { firesBeforeClose, nextScheduledSlot, parseSchedule, type ScheduledSlot } from './schedule.js';

/** setTimeout's longest delay; a later slot is reached in steps. */
const MAX_TIMER_MS = 2_147_483_647;

export interface SchedulerOptions {
  /** Cron expression in New York time (default {@link IMPORT_DEFAULTS.schedule}). */
  schedule?: string;
  /** What each scheduled run loads. */
  spec: ImportSpec;
  coordinator: ImportCoordinator;
  /** Slot claims; without Redis every worker with a schedule runs it (the CLI warns). */
  redis?: RedisClient | undefined;
  events?: EventPublisher | undefined;
  logger: Logger;
  scrubber: SecretScrubber;
  owner?: string;
  calendar?: MarketCalendar;
  lockRetryMs?: number;
  lockWaitMaxMs?: number;
  now?: () => number;
}

/** What became of one slot on this worker. */
export type SlotOutcome =
  | { kind: 'started'; runId: string; done: Promise<JobOutcome> }
  | { kind: 'claimed-elsewhere'; by: string }
  | { kind: 'gave-up'; reason: string };

export class ImportScheduler {
  private readonly cron: Cron;
  private timer: NodeJS.Timeout | undefined;
  private armed = false;
  private stopped = false;
  private next: ScheduledSlot | null = null;
  private readonly owner: string;
  private readonly now: () => number;

  constructor(private readonly options: SchedulerOptions) {
    this.cron = parseSchedule(options.schedule ?? IMPORT_DEFAULTS.schedule);
    this.owner = options.owner ?? `${hostname()}-${process.pid}`;
    this.now = options.now ?? Date.now;
  }

  /** The next slot this scheduler waits for (null when stopped). */
  get nextSlot(): ScheduledSlot | null {
    return this.next;
  }

  start(): void {
    if (this.armed) return;
    this.armed = true;
    this.stopped = false;
    const first = nextScheduledSlot(this.cron, this.now(), this.options.calendar);
    if (firesBeforeClose(first, this.options.calendar)) {
      this.options.logger.warn(
        { schedule: this.cron.getPattern() },
        'the import schedule fires before the US close (New York time): that day’s bars are incomplete until the next run',
      );
    }
    this.arm(first);
  }

  /** Stops the timer; a slot waiting for the lock gives up at its next try. */
  stop(): void {
    this.stopped = true;
    this.armed = false;
    this.next = null;
    clearTimeout(this.timer);
  }

  private arm(slot: ScheduledSlot): void {
    if (this.stopped) return;
    this.next = slot;
    this.options.logger.info({ at: new Date(slot.at).toISOString(), date: slot.date }, 'next scheduled import');
    const wait = () => {
      const delay = slot.at - this.now();
      if (delay > 0) {
        this.timer = setTimeout(wait, Math.min(delay, MAX_TIMER_MS));
        return;
      }
      if (this.stopped) return;
      this.arm(nextScheduledSlot(this.cron, slot.at, this.options.calendar));
      void this.runSlot(slot).catch((error: unknown) =>
        this.options.logger.error(
          { date: slot.date, error: this.options.scrubber.scrub(String(error)) },
          'scheduled import failed to start',
        ),
      );
    };
    wait();
  }

  /** The run id of a slot's import: `daily_20250611`. */
  static runIdOf(slot: ScheduledSlot): string {
    return `daily_${slot.date.replaceAll('-', '')}`;
  }

  /** Claims the slot and starts its import (waiting for a run in progress), unless another worker claimed it. */
  async runSlot(slot: ScheduledSlot): Promise<SlotOutcome> {
    const { redis, logger } = this.options;
    if (redis) {
      const key = scheduledSlotKey(slot.date);
      const ok = await redis.set(key, this.owner, 'EX', IMPORT_DEFAULTS.slotClaimTtlSeconds, 'NX');
      if (ok !== 'OK') {
        const by = (await redis.get(key)) ?? 'another worker';
        logger.info({ date: slot.date, by }, 'scheduled import already claimed by another worker');
        return { kind: 'claimed-elsewhere', by };
      }
    }
    const runId = ImportScheduler.runIdOf(slot);
    const retryMs = this.options.lockRetryMs ?? IMPORT_DEFAULTS.lockRetryMs;
    const deadline = this.now() + (this.options.lockWaitMaxMs ?? IMPORT_DEFAULTS.lockWaitMaxMs);
    for (;;) {
      try {
        const started = await this.options.coordinator.trigger(this.options.spec, { origin: 'schedule', runId });
        logger.info({ runId, symbols: started.symbolsTotal, date: slot.date }, 'scheduled import started');
        return { kind: 'started', runId, done: started.done };
      } catch (error) {
        const inProgress = error instanceof RunnerError && error.code === 'RUN_IN_PROGRESS';
        if (!inProgress || this.stopped || this.now() + retryMs > deadline) {
          const reason = error instanceof Error ? error.message : String(error);
          logger.error({ runId, reason: this.options.scrubber.scrub(reason) }, 'scheduled import not started');
          await this.options.events
            ?.error({
              severity: 'error',
              code: error instanceof RunnerError ? error.code : 'INTERNAL',
              component: 'import_scheduler',
              message: this.options.scrubber.scrub(`scheduled import ${runId} not started: ${reason}`),
              context: { run_id: runId, date: slot.date },
            })
            .catch(() => {});
          return { kind: 'gave-up', reason };
        }
        logger.warn({ runId, reason: error.message, retryInMs: retryMs }, 'another import is in progress: the scheduled one waits');
        // Unref'd: a worker shutting down does not wait for this pause (the next try sees `stopped` and gives up).
        await new Promise((resolve) => setTimeout(resolve, retryMs).unref());
      }
    }
  }
}
