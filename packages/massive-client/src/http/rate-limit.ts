/**
 * The rate-limit layer. Requests start through a {@link RequestLimiter}. The default one, built from a preset or
 * custom settings by {@link createRateLimiter}, is a small in-process limiter ({@link SpacingLimiter}: even start
 * spacing, a concurrency cap, priorities, pauses). It replaced bottleneck's local mode, which tops out at a few
 * hundred starts per second (it yields on ~1 ms timers between internal steps): 2,515 no-op schedules at a
 * 100,000/s budget took 6.5 s with bottleneck. A limiter can be shared by several clients (one budget), and by
 * processes through Redis with `createClusteredRateLimiter`. A bottleneck instance of the user's own is still
 * accepted as `rateLimit` (paused through its reservoir). bottleneck is an optional peer dependency: nothing here
 * imports it (not even its types), an instance is recognised by its shape ({@link BottleneckLike}).
 */
import { MassiveConfigurationError } from '../errors.js';
import { type LimiterSettings, SpacingLimiter } from './spacing-limiter.js';

export type { LimiterSettings } from './spacing-limiter.js';

/** Where a request stands in the limiter's queue: retries go `high` (first in line), everything else `normal`. */
export type LimiterPriority = 'high' | 'normal';

/**
 * What the client needs from a rate limiter. Implement it to plug in another limiter; {@link createRateLimiter}
 * builds the built-in one and {@link limiterFromBottleneck} adapts a bottleneck instance.
 */
export interface RequestLimiter {
  /** Runs `task` when the budget allows; `high` priority tasks start before queued `normal` ones. */
  schedule<T>(task: () => Promise<T>, priority: LimiterPriority): Promise<T>;
  /** Starts nothing new for `ms` milliseconds, for every caller sharing this limiter (called on a 429). */
  pauseFor(ms: number): void;
}

/** Named budgets: `free` is Massive's free plan (5 requests/minute); `unlimited` (paid plans) stays under 100/s. */
export type RateLimitPreset = 'free' | 'unlimited';

/**
 * A custom budget. Rates are enforced by spacing request starts evenly, 3% wider than the rate alone asks
 * (see {@link RATE_SAFETY_MARGIN}).
 */
export interface RateLimitSettings {
  /** At most this many request starts per minute. */
  requestsPerMinute?: number;
  /** At most this many request starts per second. */
  requestsPerSecond?: number;
  /** At most this many requests in flight at once. */
  maxConcurrent?: number;
}

/**
 * A bottleneck limiter (`new Bottleneck(...)` from the `bottleneck` package, 2.x), as {@link limiterFromBottleneck}
 * and the `rateLimit` option take it. Only the members the adapter calls are named, so that this package neither
 * loads bottleneck nor needs its types: it is an optional peer dependency, installed by whoever passes an instance.
 * A value is taken for a bottleneck when it has `schedule`, `updateSettings` and `currentReservoir` functions (not
 * `instanceof`, which would need the module, and would fail for a second copy of it anyway).
 */
export interface BottleneckLike {
  /** Runs `task` when the limiter allows; a lower `priority` (0-9, default 5) starts first. */
  schedule<R>(options: { priority?: number }, task: () => PromiseLike<R>): Promise<R>;
  /** Changes settings; the adapter only sets `reservoir` (0 to pause, the previous value to resume). */
  updateSettings(settings: { reservoir?: number | null }): unknown;
  /** The current reservoir (`null`: none). */
  currentReservoir(): Promise<number | null>;
}

/** The `rateLimit` option: a preset, custom settings, a bottleneck instance or any {@link RequestLimiter}, to share. */
export type RateLimitOption = RateLimitPreset | RateLimitSettings | RequestLimiter | BottleneckLike;

/** The presets' settings. */
export const RATE_LIMIT_PRESETS: Readonly<Record<RateLimitPreset, Readonly<RateLimitSettings>>> = {
  free: { requestsPerMinute: 5, maxConcurrent: 1 },
  unlimited: { requestsPerSecond: 100, maxConcurrent: 20 },
};

/**
 * Request starts are spaced this much wider than the nominal rate (1.03 × 1000/rps ms), so that delays between
 * the limiter and the server (event loop, network) never squeeze more than the rate into one of the server's windows.
 */
export const RATE_SAFETY_MARGIN = 1.03;

const PRIORITY: Record<LimiterPriority, number> = { high: 0, normal: 5 };

function positive(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isFinite(value) || value <= 0) {
    throw new MassiveConfigurationError(`rateLimit.${name} must be a positive number, got ${String(value)}`);
  }
  return value;
}

/**
 * The numbers a preset or custom budget comes down to: `minTime`, the spacing between request starts in ms (the
 * stricter rate, {@link RATE_SAFETY_MARGIN} wider, rounded up to 0.01 ms; 0 without a rate), and `maxConcurrent`
 * (`null`: no cap). Throws a `CONFIGURATION` error naming a bad setting.
 */
export function limiterSettings(option: RateLimitPreset | RateLimitSettings): LimiterSettings {
  const settings = typeof option === 'string' ? RATE_LIMIT_PRESETS[option] : option;
  if (settings === undefined)
    throw new MassiveConfigurationError(`rateLimit must be 'free', 'unlimited' or settings, got ${String(option)}`);
  const rpm = positive('requestsPerMinute', settings.requestsPerMinute);
  const rps = positive('requestsPerSecond', settings.requestsPerSecond);
  const maxConcurrent = positive('maxConcurrent', settings.maxConcurrent);
  if (maxConcurrent !== undefined && !Number.isInteger(maxConcurrent)) {
    throw new MassiveConfigurationError(`rateLimit.maxConcurrent must be a whole number, got ${maxConcurrent}`);
  }
  const spacing = (windowMs: number, count: number | undefined): number =>
    count ? Math.ceil(((windowMs * RATE_SAFETY_MARGIN) / count) * 100) / 100 : 0;
  const minTime = Math.max(spacing(60_000, rpm), spacing(1000, rps));
  return { minTime, maxConcurrent: maxConcurrent ?? null };
}

/**
 * Bottleneck settings for a preset or custom budget (`new Bottleneck(bottleneckSettings('free'))`): the
 * {@link limiterSettings}' `minTime` and `maxConcurrent`, which bottleneck's constructor options accept as they are.
 */
export function bottleneckSettings(option: RateLimitPreset | RateLimitSettings): LimiterSettings {
  return limiterSettings(option);
}

/** Duck typing, not `instanceof`: see {@link BottleneckLike}. */
function isBottleneck(value: unknown): value is BottleneckLike {
  const v = value as { schedule?: unknown; updateSettings?: unknown; currentReservoir?: unknown } | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.schedule === 'function' &&
    typeof v.updateSettings === 'function' &&
    typeof v.currentReservoir === 'function'
  );
}

function isRequestLimiter(value: unknown): value is RequestLimiter {
  const v = value as { schedule?: unknown; pauseFor?: unknown } | null;
  return typeof v === 'object' && v !== null && typeof v.schedule === 'function' && typeof v.pauseFor === 'function';
}

const adapters = new WeakMap<BottleneckLike, RequestLimiter>();

/**
 * A {@link RequestLimiter} over a bottleneck instance. A pause sets the reservoir to 0 (shared through Redis when the
 * limiter is clustered) and restores the previous reservoir when it ends; overlapping pauses extend it. The same
 * bottleneck always gets the same adapter, so clients handed one bottleneck share pauses too.
 */
export function limiterFromBottleneck(bottleneck: BottleneckLike): RequestLimiter {
  const existing = adapters.get(bottleneck);
  if (existing) return existing;
  let pausedUntil = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let saved: Promise<number | null> | undefined;

  const resume = (): void => {
    timer = undefined;
    pausedUntil = 0;
    const restore = saved;
    saved = undefined;
    void (restore ?? Promise.resolve(null)).then((reservoir) => bottleneck.updateSettings({ reservoir })).catch(() => undefined);
  };

  const adapter: RequestLimiter = {
    schedule<T>(task: () => Promise<T>, priority: LimiterPriority): Promise<T> {
      return bottleneck.schedule({ priority: PRIORITY[priority] }, task);
    },
    pauseFor(ms: number): void {
      const until = Date.now() + ms;
      if (ms <= 0 || until <= pausedUntil) return;
      pausedUntil = until;
      if (timer === undefined) {
        saved = bottleneck
          .currentReservoir()
          .catch(() => null)
          .then(async (reservoir) => {
            await bottleneck.updateSettings({ reservoir: 0 });
            return reservoir;
          });
      } else {
        clearTimeout(timer);
      }
      timer = setTimeout(resume, ms);
    },
  };
  adapters.set(bottleneck, adapter);
  return adapter;
}

/**
 * A new limiter for a preset or custom budget (default `unlimited`): an in-process {@link SpacingLimiter} with the
 * {@link limiterSettings}. Build one and pass it as `rateLimit` to several clients to make them share one budget.
 */
export function createRateLimiter(option: RateLimitPreset | RateLimitSettings = 'unlimited'): RequestLimiter {
  return new SpacingLimiter(limiterSettings(option));
}

/** The limiter for a `rateLimit` option. */
export function resolveRateLimiter(option: RateLimitOption | undefined): RequestLimiter {
  if (option === undefined) return createRateLimiter('unlimited');
  if (isBottleneck(option)) return limiterFromBottleneck(option);
  if (isRequestLimiter(option)) return option;
  return createRateLimiter(option as RateLimitPreset | RateLimitSettings);
}
