/**
 * What the worker does while its database is away. A storage error of the connection kind (refused, reset,
 * terminated by an administrator, too many clients, read-only: the store's `STORE_UNAVAILABLE`, or
 * `CONNECTION_FAILED`) does not fail a symbol: the work that hit it waits here until the database answers again,
 * then runs again (every write is an idempotent upsert, so nothing is counted twice). One probe loop per process
 * pings the database with backoff; every waiter shares it. Each waiter gives up after `maxWaitMs` (default 10 min),
 * and only then does the work fail, with a message saying how long the database was away.
 */
import { errorCode } from './errors.js';
import type { SymbolResult } from './types.js';

/** Error codes that mean "the database is not answering", not "this data is wrong". */
export const STORE_OUTAGE_CODES: ReadonlySet<string> = new Set(['STORE_UNAVAILABLE', 'CONNECTION_FAILED']);

/** True when `error` says the database is unavailable (a pause, not a failure). */
export function isStoreOutage(error: unknown): boolean {
  return STORE_OUTAGE_CODES.has(errorCode(error, ''));
}

/** True when a symbol failed because the database was unavailable in any of its steps. */
export function failedForOutage(result: SymbolResult): boolean {
  if (result.ok || result.interrupted) return false;
  if (STORE_OUTAGE_CODES.has(result.errorCode ?? '')) return true;
  return result.timeframes.some((t) => t.error !== undefined && STORE_OUTAGE_CODES.has(t.error.code));
}

/** The outage settings; defaults in {@link STORE_OUTAGE_DEFAULTS}. */
export interface StoreOutageSettings {
  /** How long work waits for the database before it fails. Default 10 minutes. */
  maxWaitMs: number;
  /** First delay between probes, doubled after each unanswered one. Default 500 ms. */
  probeMs: number;
  /** Longest delay between probes. Default 10 s. */
  maxProbeMs: number;
}

export const STORE_OUTAGE_DEFAULTS: StoreOutageSettings = { maxWaitMs: 600_000, probeMs: 500, maxProbeMs: 10_000 };

/** A failure this soon after the database answered again belongs to the outage that just ended. */
const ECHO_MS = 5000;

/** A change of the database's availability, for status messages and events. */
export type StoreOutageChange = { kind: 'down'; since: number; error: string } | { kind: 'up'; since: number; downMs: number };

export interface StoreOutageOptions extends Partial<StoreOutageSettings> {
  /** Resolves when the database answers a trivial query (the store's `ping()`). */
  ping(): Promise<unknown>;
  now?: () => number;
}

/** Thrown to a waiter whose wait passed `maxWaitMs`. */
export class StoreOutageTimeout extends Error {
  readonly code = 'STORE_UNAVAILABLE';
  constructor(
    readonly since: number,
    readonly waitedMs: number,
  ) {
    super(`the database did not answer for ${Math.round(waitedMs / 1000)} s (down since ${new Date(since).toISOString()})`);
    this.name = 'StoreOutageTimeout';
  }
}

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

export class StoreOutage {
  readonly settings: StoreOutageSettings;
  private readonly now: () => number;
  private downSince: number | undefined;
  private readonly waiters = new Set<Waiter>();
  private readonly listeners = new Set<(change: StoreOutageChange) => void>();
  private probing = false;
  private closed = false;
  /** Whether the current outage was announced (an echo of the last one is not). */
  private announced = false;
  private lastUp: { at: number; since: number } | undefined;

  constructor(private readonly options: StoreOutageOptions) {
    this.settings = {
      maxWaitMs: options.maxWaitMs ?? STORE_OUTAGE_DEFAULTS.maxWaitMs,
      probeMs: options.probeMs ?? STORE_OUTAGE_DEFAULTS.probeMs,
      maxProbeMs: options.maxProbeMs ?? STORE_OUTAGE_DEFAULTS.maxProbeMs,
    };
    this.now = options.now ?? Date.now;
  }

  /** When the current outage began (Unix ms), or undefined while the database answers. */
  get since(): number | undefined {
    return this.downSince;
  }

  /** Calls `listener` at every change; returns the function that stops it. */
  subscribe(listener: (change: StoreOutageChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Records that the database failed to answer (`error`); starts probing it unless already. */
  reportDown(error: unknown): void {
    if (this.closed) return;
    if (this.downSince === undefined) {
      const now = this.now();
      // Connections the outage broke can still fail just after it ended: the same outage, not news.
      const echo = this.lastUp !== undefined && now - this.lastUp.at < ECHO_MS;
      this.downSince = echo ? (this.lastUp?.since ?? now) : now;
      this.announced = !echo;
      if (!echo) this.emit({ kind: 'down', since: this.downSince, error: error instanceof Error ? error.message : String(error) });
    }
    if (!this.probing) void this.probe();
  }

  /**
   * Resolves at once while the database answers; during an outage, when it answers again. Rejects with
   * {@link StoreOutageTimeout} after `maxWaitMs` of waiting, or with the signal's reason when it aborts.
   */
  whenUp(signal?: AbortSignal): Promise<void> {
    if (this.downSince === undefined) return Promise.resolve();
    const since = this.downSince;
    const started = this.now();
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.waiters.delete(waiter);
      };
      const waiter: Waiter = {
        resolve: () => {
          done();
          resolve();
        },
        reject: (e) => {
          done();
          reject(e);
        },
      };
      const onAbort = () => waiter.reject(signal?.reason);
      const timer = setTimeout(() => waiter.reject(new StoreOutageTimeout(since, this.now() - started)), this.settings.maxWaitMs);
      timer.unref?.();
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(waiter);
    });
  }

  /**
   * Runs `fn`; when it fails because the database is unavailable, waits for the database and runs it again (up to
   * `maxWaitMs` of waiting in all). Any other error is rethrown at once.
   */
  async retry<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const deadline = this.now() + this.settings.maxWaitMs;
    for (;;) {
      await this.whenUp(signal);
      try {
        return await fn();
      } catch (error) {
        if (!isStoreOutage(error) || signal?.aborted || this.now() >= deadline) throw error;
        this.reportDown(error);
      }
    }
  }

  /** Stops probing (waiters keep waiting until their signal aborts or their limit passes). */
  close(): void {
    this.closed = true;
  }

  private emit(change: StoreOutageChange): void {
    for (const l of this.listeners) {
      try {
        l(change);
      } catch {
        // a listener's failure is its own
      }
    }
  }

  private async probe(): Promise<void> {
    this.probing = true;
    let delay = this.settings.probeMs;
    try {
      while (!this.closed && this.downSince !== undefined) {
        await new Promise((r) => setTimeout(r, delay).unref?.());
        if (this.closed) return;
        try {
          await this.options.ping();
        } catch {
          delay = Math.min(delay * 2, this.settings.maxProbeMs);
          continue;
        }
        const since = this.downSince;
        this.downSince = undefined;
        this.lastUp = { at: this.now(), since };
        if (this.announced) this.emit({ kind: 'up', since, downMs: this.now() - since });
        for (const w of [...this.waiters]) w.resolve();
      }
    } finally {
      this.probing = false;
    }
  }
}
