/**
 * The in-process limiter behind {@link createRateLimiter}: request starts spaced evenly by `minTime`, at most
 * `maxConcurrent` tasks running, two priorities, and pauses. Hand-written because bottleneck's local mode yields
 * between its internal steps on ~1 ms timers, which caps it at a few hundred starts per second whatever the budget
 * (see the package README, "Rate limiting").
 *
 * Time is `Date.now()` (so fake timers drive it), in whole milliseconds. Starts take slots on a schedule kept in
 * microseconds: each start takes the next slot, `max(previous slot + minTime, now)`, and runs once the clock reaches
 * the millisecond its slot falls in. Consecutive slots are never closer than `minTime`, so any window of `W` ms on
 * the clock holds at most `ceil(W / minTime)` starts, fractional `minTime` included (10.3 ms spacing gives starts at
 * 0, 10, 20, 30, 41, ... ms: 97 a second). A start the timer made late keeps its slot when it is less than half a
 * spacing late, so timer lateness does not lower the rate; any other slot in the past (an idle spell, a start held
 * up by the concurrency cap) restarts the schedule from now, with no catch-up burst.
 *
 * Starts due now happen at once, in the same tick (the task itself is called from a microtask). Otherwise one
 * timer waits for the earliest possible next start, whatever the queue's length. That timer exists only while tasks
 * are queued, and then keeps the process alive until they have run, as a pending `schedule()` should; an idle
 * limiter holds no timer at all (a pause on it is a timestamp).
 */
import type { LimiterPriority, RequestLimiter } from './rate-limit.js';

/** The numbers a {@link SpacingLimiter} enforces. */
export interface LimiterSettings {
  /** Minimum spacing between two starts, in ms (fractions allowed, counted to the microsecond); 0: no spacing. */
  minTime: number;
  /** At most this many tasks running at once; `null`: no cap. */
  maxConcurrent: number | null;
}

interface Job {
  task: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

/** A first-in first-out queue with O(1) `shift` (an array and a head index, compacted as it drains). */
class Fifo<T> {
  #items: (T | undefined)[] = [];
  #head = 0;

  get size(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  /** The oldest item; only call when `size > 0`. */
  shift(): T {
    const item = this.#items[this.#head] as T;
    this.#items[this.#head] = undefined;
    this.#head += 1;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
}

/** setTimeout's longest delay; longer waits (a huge pause) re-arm when it fires. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * A {@link RequestLimiter} in process memory. Within a priority tasks start first in, first out; every queued `high`
 * task starts before any queued `normal` one. A task holds its concurrency slot only while it runs, and its result
 * or rejection passes through to the caller of `schedule`.
 */
export class SpacingLimiter implements RequestLimiter {
  /** `minTime` in microseconds, so the schedule is exact integer arithmetic. */
  readonly #spacingUs: number;
  readonly #maxConcurrent: number;
  readonly #high = new Fifo<Job>();
  readonly #normal = new Fifo<Job>();
  #running = 0;
  /** The earliest slot the next start may take, in µs since the epoch. */
  #nextSlotUs = Number.NEGATIVE_INFINITY;
  /** Nothing starts before this time (ms since the epoch). */
  #pausedUntil = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** The time (ms) the armed timer waits for. */
  #timerFor = 0;
  /** This drain was started by the timer (see the late-start rule in {@link SpacingLimiter.#drain}). */
  #timerFired = false;

  constructor(settings: LimiterSettings) {
    // The epsilon absorbs binary fractions (10.3 * 1000 = 10300.000000000002); anything coarser rounds up, never faster.
    this.#spacingUs = Math.max(0, Math.ceil(settings.minTime * 1000 - 1e-6));
    this.#maxConcurrent = settings.maxConcurrent ?? Number.POSITIVE_INFINITY;
  }

  schedule<T>(task: () => Promise<T>, priority: LimiterPriority): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      (priority === 'high' ? this.#high : this.#normal).push({ task, resolve: resolve as (value: unknown) => void, reject });
      this.#drain();
    });
  }

  pauseFor(ms: number): void {
    const until = Date.now() + ms;
    if (!(ms > 0) || until <= this.#pausedUntil) return;
    this.#pausedUntil = until;
    this.#drain(); // moves the timer, if one is waiting, to the pause's end
  }

  /** Starts every queued task the budget allows now, then arms the one timer for the next start, if any is queued. */
  #drain(): void {
    let fromTimer = this.#timerFired;
    this.#timerFired = false;
    for (;;) {
      if (this.#high.size + this.#normal.size === 0 || this.#running >= this.#maxConcurrent) {
        // Nothing to wait for, or a finishing task drains again.
        this.#disarm();
        return;
      }
      const now = Date.now();
      const tickUs = Math.floor(now) * 1000;
      // The next slot is at most one millisecond and one spacing ahead of the clock; more means the clock was set back.
      this.#nextSlotUs = Math.min(this.#nextSlotUs, tickUs + 1000 + this.#spacingUs);
      const openAt = Math.max(this.#pausedUntil, Math.floor(this.#nextSlotUs / 1000));
      if (now < openAt) {
        this.#arm(openAt, now);
        return;
      }
      // A start the timer made late (timers fire up to a millisecond or two after their time) keeps its slot, so the
      // lateness does not accumulate into a lower rate: up to half a spacing, so no two starts come closer than that.
      // Any other slot in the past (idle time, a start held up by the cap) restarts the schedule from now.
      const lateUs = tickUs - this.#nextSlotUs;
      const keep = fromTimer && lateUs > 0 && lateUs * 2 <= this.#spacingUs;
      fromTimer = false;
      this.#nextSlotUs = (keep ? this.#nextSlotUs : Math.max(this.#nextSlotUs, tickUs)) + this.#spacingUs;
      this.#start(this.#high.size > 0 ? this.#high.shift() : this.#normal.shift());
    }
  }

  #start(job: Job): void {
    this.#running += 1;
    const settle = (): void => {
      this.#running -= 1;
      this.#drain();
    };
    Promise.resolve()
      .then(job.task)
      .then(
        (value) => {
          settle();
          job.resolve(value);
        },
        (reason: unknown) => {
          settle();
          job.reject(reason);
        },
      );
  }

  #arm(at: number, now: number): void {
    if (this.#timer !== undefined) {
      if (this.#timerFor === at) return;
      clearTimeout(this.#timer);
    }
    this.#timerFor = at;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#timerFired = true;
        this.#drain();
      },
      Math.min(Math.ceil(at - now), MAX_TIMER_MS),
    );
  }

  #disarm(): void {
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
