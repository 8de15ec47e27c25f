/**
 * The in-process limiter on its own: start spacing (whole and fractional), the concurrency cap, priorities, pauses,
 * rejections, and its timers: none for a start that is due now, one at most while tasks wait, none when idle.
 * Time is faked (Date and timers), so every start time is exact.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRateLimiter, limiterSettings } from '../src/http/rate-limit.js';
import { SpacingLimiter } from '../src/http/spacing-limiter.js';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** A task that records its start time under `name` and resolves at once. */
function recorder(): { starts: Array<[string, number]>; task: (name: string) => () => Promise<string> } {
  const starts: Array<[string, number]> = [];
  return {
    starts,
    task: (name) => async () => {
      starts.push([name, Date.now()]);
      return name;
    },
  };
}

/** A task that runs until `finish()` is called. */
function held(): { task: () => Promise<string>; finish: () => void; fail: (error: Error) => void; started: () => boolean } {
  let started = false;
  let finish: () => void = () => undefined;
  let fail: (error: Error) => void = () => undefined;
  const task = (): Promise<string> => {
    started = true;
    return new Promise<string>((resolve, reject) => {
      finish = () => resolve('done');
      fail = reject;
    });
  };
  return { task, finish: () => finish(), fail: (error) => fail(error), started: () => started };
}

describe('spacing', () => {
  it('starts are spaced by exactly minTime, with one timer waiting however many tasks are queued', async () => {
    const limiter = createRateLimiter({ requestsPerSecond: 10 }); // minTime 103 ms
    const { starts, task } = recorder();
    const done = Promise.all(['a', 'b', 'c', 'd', 'e'].map((name) => limiter.schedule(task(name), 'normal')));
    await vi.advanceTimersByTimeAsync(0);
    expect(starts).toEqual([['a', 0]]);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(102);
    expect(starts).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(starts).toEqual([
      ['a', 0],
      ['b', 103],
    ]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await done).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(starts.map(([, at]) => at)).toEqual([0, 103, 206, 309, 412]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a fractional minTime starts in the millisecond its slot falls in: 10.3 ms spacing is 97 starts a second', async () => {
    expect(limiterSettings('unlimited')).toEqual({ minTime: 10.3, maxConcurrent: 20 });
    const limiter = new SpacingLimiter({ minTime: 10.3, maxConcurrent: null });
    const { starts, task } = recorder();
    for (let i = 0; i < 200; i++) void limiter.schedule(task(String(i)), 'normal');
    await vi.advanceTimersByTimeAsync(3_000);
    const times = starts.map(([, at]) => at);
    // Slots 0, 10.3, 20.6, 30.9, 41.2, ... ms.
    expect(times.slice(0, 10)).toEqual([0, 10, 20, 30, 41, 51, 61, 72, 82, 92]);
    expect(times.filter((at) => at < 1000)).toHaveLength(98); // slot 97 is 999.1 ms
    const peak = Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + 1000).length));
    expect(peak).toBe(98); // ceil(1000 / 10.3): never more in any 1000 ms window
  });

  it('an idle limiter holds no timer and starts the next task at once, without catching up on idle time', async () => {
    const limiter = createRateLimiter({ requestsPerSecond: 10 });
    const { starts, task } = recorder();
    await limiter.schedule(task('a'), 'normal'); // due now: resolves with no timer advanced
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(1_000);
    const later = Promise.all(['b', 'c', 'd'].map((name) => limiter.schedule(task(name), 'normal')));
    await vi.advanceTimersByTimeAsync(1_000);
    await later;
    expect(starts).toEqual([
      ['a', 0],
      ['b', 1_000],
      ['c', 1_103],
      ['d', 1_206],
    ]);
  });

  it('a clock set back does not stall the queue: the next start waits at most minTime + 1 ms past the next slot', async () => {
    vi.setSystemTime(10_000);
    const limiter = createRateLimiter({ requestsPerSecond: 10 });
    const { starts, task } = recorder();
    const done = Promise.all(['a', 'b'].map((name) => limiter.schedule(task(name), 'normal')));
    await vi.advanceTimersByTimeAsync(0);
    vi.setSystemTime(0); // the pending timer moves back with the clock: it fires at 103
    await vi.advanceTimersByTimeAsync(1_000);
    await done;
    expect(starts).toEqual([
      ['a', 10_000],
      ['b', 207], // its slot is clamped to 103 + 1 + 103 ms, not left 10 s ahead
    ]);
  });
});

describe('timers', () => {
  it('10,000 schedules at a 1e9/s budget start 100 a millisecond (minTime 0.01 ms) on one timer per millisecond', async () => {
    expect(limiterSettings({ requestsPerSecond: 1e9 })).toEqual({ minTime: 0.01, maxConcurrent: null });
    const limiter = createRateLimiter({ requestsPerSecond: 1e9 });
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    const perMs = new Map<number, number>();
    const task = async (): Promise<void> => {
      perMs.set(Date.now(), (perMs.get(Date.now()) ?? 0) + 1);
    };
    const done = Promise.all(Array.from({ length: 10_000 }, () => limiter.schedule(task, 'normal')));
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(99);
    await done;
    expect([...perMs.keys()]).toEqual(Array.from({ length: 100 }, (_, ms) => ms));
    expect(new Set(perMs.values())).toEqual(new Set([100]));
    expect(setTimeoutSpy).toHaveBeenCalledTimes(99);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('without a rate, 10,000 schedules never set a timer', async () => {
    const limiter = createRateLimiter({ maxConcurrent: 8 });
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    let ran = 0;
    await Promise.all(Array.from({ length: 10_000 }, () => limiter.schedule(async () => ran++, 'normal')));
    expect(ran).toBe(10_000);
    expect(setTimeoutSpy).not.toHaveBeenCalled();
  });

  it('the timer waiting for a queued task keeps the process alive', async () => {
    const limiter = createRateLimiter({ requestsPerSecond: 10 });
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    const { task } = recorder();
    const done = Promise.all([limiter.schedule(task('a'), 'normal'), limiter.schedule(task('b'), 'normal')]);
    expect(setTimeoutSpy).toHaveBeenCalledTimes(1);
    const timer = setTimeoutSpy.mock.results[0]?.value as NodeJS.Timeout | undefined;
    expect(timer?.hasRef()).toBe(true);
    await vi.advanceTimersByTimeAsync(103);
    await done;
  });
});

describe('concurrency and priority', () => {
  it('maxConcurrent caps the tasks running; the queue starts first in, first out as slots free', async () => {
    const limiter = new SpacingLimiter({ minTime: 0, maxConcurrent: 2 });
    const tasks = Array.from({ length: 5 }, () => held());
    const done = Promise.all(tasks.map((t) => limiter.schedule(t.task, 'normal')));
    await vi.advanceTimersByTimeAsync(0);
    expect(tasks.map((t) => t.started())).toEqual([true, true, false, false, false]);
    tasks[1]?.finish();
    await vi.advanceTimersByTimeAsync(0);
    expect(tasks.map((t) => t.started())).toEqual([true, true, true, false, false]);
    tasks[0]?.finish();
    tasks[2]?.finish();
    await vi.advanceTimersByTimeAsync(0);
    expect(tasks.map((t) => t.started())).toEqual([true, true, true, true, true]);
    for (const t of tasks) t.finish();
    expect(await done).toEqual(['done', 'done', 'done', 'done', 'done']);
  });

  it('a slot is held only while the task runs, and a start held up by the cap restarts the spacing from then', async () => {
    const limiter = createRateLimiter({ requestsPerSecond: 10, maxConcurrent: 1 }); // minTime 103 ms
    const { starts, task } = recorder();
    const slow = async (): Promise<string> => {
      await task('a')();
      await new Promise((resolve) => setTimeout(resolve, 500));
      return 'a';
    };
    const done = Promise.all([
      limiter.schedule(slow, 'normal'),
      limiter.schedule(task('b'), 'normal'),
      limiter.schedule(task('c'), 'normal'),
    ]);
    await vi.advanceTimersByTimeAsync(0);
    expect(vi.getTimerCount()).toBe(1); // a's own timer: a queue blocked by the cap waits on no timer
    await vi.advanceTimersByTimeAsync(2_000);
    expect(await done).toEqual(['a', 'b', 'c']);
    // b's slot was 103 but a held the only slot until 500; c then waits its full spacing after b, no catching up.
    expect(starts).toEqual([
      ['a', 0],
      ['b', 500],
      ['c', 603],
    ]);
  });

  it("'high' tasks start before every queued 'normal' one, each priority first in, first out", async () => {
    const limiter = new SpacingLimiter({ minTime: 0, maxConcurrent: 1 });
    const blocker = held();
    const { starts, task } = recorder();
    const done = Promise.all([
      limiter.schedule(blocker.task, 'normal'),
      limiter.schedule(task('n1'), 'normal'),
      limiter.schedule(task('n2'), 'normal'),
      limiter.schedule(task('h1'), 'high'),
      limiter.schedule(task('h2'), 'high'),
    ]);
    await vi.advanceTimersByTimeAsync(0);
    blocker.finish();
    await done;
    expect(starts.map(([name]) => name)).toEqual(['h1', 'h2', 'n1', 'n2']);
  });

  it("a 'high' task queued behind the spacing takes the next slot", async () => {
    const limiter = createRateLimiter({ requestsPerSecond: 10 });
    const { starts, task } = recorder();
    const done = Promise.all([
      limiter.schedule(task('n1'), 'normal'),
      limiter.schedule(task('n2'), 'normal'),
      limiter.schedule(task('n3'), 'normal'),
      limiter.schedule(task('h'), 'high'),
    ]);
    await vi.advanceTimersByTimeAsync(1_000);
    await done;
    expect(starts).toEqual([
      ['n1', 0],
      ['h', 103],
      ['n2', 206],
      ['n3', 309],
    ]);
  });
});

describe('rejections', () => {
  it("a task's rejection reaches its caller unchanged and frees its slot", async () => {
    const limiter = new SpacingLimiter({ minTime: 0, maxConcurrent: 1 });
    const failing = held();
    const { starts, task } = recorder();
    const error = new Error('boom');
    const failed = limiter.schedule(failing.task, 'normal').catch((e: unknown) => e);
    const next = limiter.schedule(task('next'), 'normal');
    await vi.advanceTimersByTimeAsync(0);
    expect(starts).toEqual([]);
    failing.fail(error);
    expect(await failed).toBe(error);
    expect(await next).toBe('next');
    expect(starts).toEqual([['next', 0]]);
  });

  it('a task that throws before returning a promise rejects its caller the same way', async () => {
    const limiter = new SpacingLimiter({ minTime: 0, maxConcurrent: 1 });
    const error = new Error('sync');
    const thrower = (): Promise<never> => {
      throw error;
    };
    await expect(limiter.schedule(thrower, 'normal')).rejects.toBe(error);
    expect(await limiter.schedule(async () => 'after', 'normal')).toBe('after');
  });
});

describe('pauseFor', () => {
  it('nothing starts until the pause ends; a shorter pause never shortens it and a longer one extends it', async () => {
    const limiter = createRateLimiter('unlimited');
    const { starts, task } = recorder();
    limiter.pauseFor(1_000);
    expect(vi.getTimerCount()).toBe(0); // a pause on an idle limiter is a timestamp
    const first = limiter.schedule(task('a'), 'normal');
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(100);
    limiter.pauseFor(300); // would end at 400
    await vi.advanceTimersByTimeAsync(400);
    expect(starts).toEqual([]);
    limiter.pauseFor(2_000); // ends at 2500
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(1_999);
    expect(starts).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await first;
    expect(starts).toEqual([['a', 2_500]]);
  });

  it('queued tasks resume spaced by minTime after a pause, high priority first', async () => {
    const limiter = createRateLimiter({ requestsPerSecond: 10 });
    const { starts, task } = recorder();
    limiter.pauseFor(1_000);
    const done = Promise.all([limiter.schedule(task('n'), 'normal'), limiter.schedule(task('h'), 'high')]);
    await vi.advanceTimersByTimeAsync(2_000);
    await done;
    expect(starts).toEqual([
      ['h', 1_000],
      ['n', 1_103],
    ]);
  });

  it('a non-positive pause does nothing', async () => {
    const limiter = createRateLimiter({ maxConcurrent: 1 });
    limiter.pauseFor(0);
    limiter.pauseFor(-5);
    expect(await limiter.schedule(async () => Date.now(), 'normal')).toBe(0);
  });
});
