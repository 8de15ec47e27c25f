/** The producer heartbeat the app watches. */

import { DEFAULTS } from '../defaults.js';
import { ProtocolError } from '../errors.js';
import { KEYS } from '../names.js';
import { epochSecondsText } from '../time.js';
import { execBySlot, type RedisClient } from './client.js';
import { redisFailure } from './exec.js';

/** Options of {@link Heartbeat}. */
export interface HeartbeatOptions {
  /** Beat interval, at most 20000 ms (default 10000 ms). */
  intervalMs?: number;
  /** Both keys expire this long after the last beat (default 60 s), so a dead producer's keys vanish. */
  ttlSeconds?: number;
  /** Called when a beat fails (the timer keeps going). */
  onError?: (error: ProtocolError) => void;
  /** Clock, Unix ms. */
  now?: () => number;
}

/**
 * Sets `tickstock:producer:heartbeat` and `tickstockpl:heartbeat` to the epoch seconds as a float
 * (`1766510114.634`) with a TTL, once at `start()` and then every interval (at most 20 s: the app calls the producer
 * dead after 30-60 s). `stop()` clears the timer and waits for a beat in flight; it leaves the keys to expire.
 */
export class Heartbeat {
  private readonly redis: RedisClient;
  private readonly intervalMs: number;
  private readonly ttlSeconds: number;
  private readonly onError: ((error: ProtocolError) => void) | undefined;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(redis: RedisClient, options: HeartbeatOptions = {}) {
    const intervalMs = options.intervalMs ?? DEFAULTS.heartbeatIntervalMs;
    if (!(intervalMs > 0 && intervalMs <= DEFAULTS.heartbeatMaxIntervalMs))
      throw new ProtocolError(
        'INVALID_OPTION',
        `heartbeat intervalMs ${intervalMs} must be above 0 and at most ${DEFAULTS.heartbeatMaxIntervalMs}`,
      );
    const ttlSeconds = options.ttlSeconds ?? DEFAULTS.heartbeatTtlSeconds;
    if (!(Number.isInteger(ttlSeconds) && ttlSeconds * 1000 > intervalMs))
      throw new ProtocolError(
        'INVALID_OPTION',
        `heartbeat ttlSeconds ${ttlSeconds} must be a whole number of seconds longer than the interval`,
      );
    this.redis = redis;
    this.intervalMs = intervalMs;
    this.ttlSeconds = ttlSeconds;
    this.onError = options.onError;
    this.now = options.now ?? Date.now;
  }

  /** True while the timer runs. */
  get running(): boolean {
    return this.timer !== undefined;
  }

  /** Beats once (rejects with REDIS_FAILED if that fails), then starts the timer. */
  async start(): Promise<void> {
    if (this.timer) return;
    await this.beat();
    this.timer = setInterval(() => {
      this.inFlight = this.beat().catch((e: unknown) => this.onError?.(e as ProtocolError));
    }, this.intervalMs);
    this.timer.unref();
  }

  /** Sets both keys now. */
  async beat(): Promise<void> {
    const value = epochSecondsText(this.now());
    // The two keys are in different cluster slots: one MULTI each on a cluster.
    const results = await execBySlot(
      this.redis,
      [KEYS.producerHeartbeat, KEYS.plHeartbeat].map((key) => ({ key, add: (m) => m.set(key, value, 'EX', this.ttlSeconds) })),
      'writing the heartbeat',
    );
    const failed = results.find((r) => r.error);
    if (failed?.error) throw redisFailure('writing the heartbeat', failed.error);
  }

  /** Stops the timer and waits for a beat in flight. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }
}
