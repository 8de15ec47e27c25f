/**
 * The "one import at a time" lock, across every worker sharing a Redis: `SET key value NX PX ttl`, where the value
 * carries a random token; renewed every third of the TTL while the run lives, and released only by its holder
 * (compare-and-delete in one Lua script), so a holder whose lock expired can never delete someone else's.
 * A crashed worker's lock lapses after the TTL.
 */
import { randomUUID } from 'node:crypto';
import type { RedisClient } from '@tickstock/job-protocol';

const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
const RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";

/** `tickstock:import:lock`: held while an import runs. */
export const IMPORT_LOCK_KEY = 'tickstock:import:lock';

/**
 * `tickstock:import:cancel:{run_id}`: a cancel asked on one worker for a run another worker holds the lock for. The
 * holder polls it while the run lives (every {@link CANCEL_POLL_MS}), cancels the run and deletes it.
 */
export function importCancelKey(runId: string): string {
  return `tickstock:import:cancel:${runId}`;
}

/** How often the worker running an import looks for a cancel asked elsewhere. */
export const CANCEL_POLL_MS = 500;

/** `tickstock:import:scheduled:{date}`: claimed (SET NX) by the one worker that runs that date's scheduled import. */
export function scheduledSlotKey(date: string): string {
  return `tickstock:import:scheduled:${date}`;
}

/** What a lock's value says about its holder. */
export interface LockHolder {
  run_id: string;
  owner: string;
  since: string;
}

export class HeldLock {
  private timer: NodeJS.Timeout | undefined;
  private released = false;
  /** True once a renewal found the lock gone or taken (the holder should know it no longer excludes others). */
  lost = false;

  constructor(
    private readonly redis: RedisClient,
    readonly key: string,
    readonly value: string,
    ttlMs: number,
    onLost: () => void,
  ) {
    this.timer = setInterval(
      () => {
        void this.redis
          .eval(RENEW, 1, key, value, String(ttlMs))
          .then((ok) => {
            if (Number(ok) !== 1 && !this.released && !this.lost) {
              this.lost = true;
              onLost();
            }
          })
          .catch(() => {});
      },
      Math.max(50, Math.floor(ttlMs / 3)),
    );
    this.timer.unref();
  }

  /** Deletes the lock if this holder still has it; true when it did. */
  async release(): Promise<boolean> {
    if (this.released) return false;
    this.released = true;
    clearInterval(this.timer);
    return Number(await this.redis.eval(RELEASE, 1, this.key, this.value)) === 1;
  }
}

export class RedisLock {
  constructor(
    private readonly redis: RedisClient,
    readonly key: string,
    private readonly ttlMs: number,
    private readonly onLost: (key: string) => void = () => {},
  ) {}

  /** Takes the lock for `holder`, or returns null when someone else has it. */
  async acquire(holder: Omit<LockHolder, 'since'>): Promise<HeldLock | null> {
    const value = JSON.stringify({ token: randomUUID(), ...holder, since: new Date().toISOString() });
    const ok = await this.redis.set(this.key, value, 'PX', this.ttlMs, 'NX');
    return ok === 'OK' ? new HeldLock(this.redis, this.key, value, this.ttlMs, () => this.onLost(this.key)) : null;
  }

  /** Who holds the lock now, or null. */
  async holder(): Promise<LockHolder | null> {
    const raw = await this.redis.get(this.key);
    if (!raw) return null;
    try {
      const v = JSON.parse(raw) as Partial<LockHolder>;
      return { run_id: String(v.run_id ?? ''), owner: String(v.owner ?? ''), since: String(v.since ?? '') };
    } catch {
      return { run_id: '', owner: '', since: '' };
    }
  }
}
