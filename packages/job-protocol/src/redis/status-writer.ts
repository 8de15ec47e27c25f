/** Writes a job's status where the app reads it: the JSON key, the `job:{id}` hash and the status channel. */
import type { Redis } from 'ioredis';
import { DEFAULTS } from '../defaults.js';
import { ProtocolError } from '../errors.js';
import { jobStatusToHash } from '../messages.js';
import { CHANNELS, jobHashKey, jobStatusKey } from '../names.js';
import type { FinalJobStatus, JobStatus, WorkerJobStatus } from '../schemas/status.js';
import { isoSeconds, sleep } from '../time.js';
import { execMulti, redisFailure } from './exec.js';

/** Options of {@link JobStatusWriter}. Defaults are in DEFAULTS. */
export interface JobStatusWriterOptions {
  jobId: string;
  jobType: string;
  totalSymbols?: number;
  /** Extra fields written with every status, e.g. `run_analysis_after_import`, `universe_key`. */
  extra?: Record<string, unknown>;
  /** How long the first write waits for the key the app pre-writes (default 2000 ms). */
  preWriteWaitMs?: number;
  /** Intermediate updates at most this often (default 1000 ms)... */
  throttleMs?: number;
  /** ...unless this many more symbols were processed (default 10). */
  throttleSymbols?: number;
  /** Key TTL (default 86400 s). */
  ttlSeconds?: number;
  /** Clock, Unix ms. */
  now?: () => number;
}

/** Fields a caller may change. `progress` is derived from processed/total when not given. */
export type JobStatusUpdate = Partial<
  Pick<
    JobStatus,
    | 'message'
    | 'total_symbols'
    | 'processed_symbols'
    | 'current_symbol'
    | 'successful_symbols'
    | 'failed_symbols'
    | 'error_message'
    | 'symbols_loaded'
    | 'ohlcv_records_loaded'
    | 'progress'
  >
>;

/** An integer 0-100 whatever comes in (NaN becomes 0). */
export function clampProgress(value: number): number {
  if (!Number.isFinite(value)) return 0;
  return Math.min(100, Math.max(0, Math.round(value)));
}

/**
 * One job's status. `start()` writes `running`; `update()` and `recordSymbol()` write at most every ~1 s or ~10
 * symbols; `finish()` always writes the final status, and nothing is written after it. Each write is
 * `SET tickstock.jobs.status:{id} <json> EX 86400`, `HSET job:{id}` (string fields) + `EXPIRE`, and
 * `PUBLISH tickstock.jobs.status <json>`, in one MULTI. The first write waits up to ~2 s for the status key the app
 * pre-writes as a hash (the `SET` then replaces it), or the app's own write after ours would fail.
 */
export class JobStatusWriter {
  private readonly redis: Redis;
  private readonly opts: Required<Omit<JobStatusWriterOptions, 'extra' | 'totalSymbols'>>;
  private readonly extra: Record<string, unknown>;
  private state: JobStatus;
  private progressGiven = false;
  private chain: Promise<unknown> = Promise.resolve();
  private waited = false;
  private lastWriteAt = Number.NEGATIVE_INFINITY;
  private lastWriteProcessed = 0;
  private writes = 0;
  private finished = false;

  constructor(redis: Redis, options: JobStatusWriterOptions) {
    this.redis = redis;
    this.opts = {
      jobId: options.jobId,
      jobType: options.jobType,
      preWriteWaitMs: options.preWriteWaitMs ?? DEFAULTS.preWriteWaitMs,
      throttleMs: options.throttleMs ?? DEFAULTS.throttleMs,
      throttleSymbols: options.throttleSymbols ?? DEFAULTS.throttleSymbols,
      ttlSeconds: options.ttlSeconds ?? DEFAULTS.statusTtlSeconds,
      now: options.now ?? Date.now,
    };
    this.extra = { ...(options.extra ?? {}) };
    const t = isoSeconds(this.opts.now());
    this.state = {
      job_id: options.jobId,
      job_type: options.jobType,
      status: 'running',
      progress: 0,
      message: '',
      total_symbols: options.totalSymbols ?? 0,
      processed_symbols: 0,
      current_symbol: null,
      successful_symbols: [],
      failed_symbols: [],
      error_message: null,
      symbols_loaded: 0,
      ohlcv_records_loaded: 0,
      started_at: null,
      timestamp: t,
      completed_at: null,
    };
  }

  /** The status as last merged (written or not). */
  get current(): JobStatus {
    return structuredClone(this.state);
  }

  /** How many writes have been made. */
  get writeCount(): number {
    return this.writes;
  }

  /** True once a final status was written (or is being written). */
  get isFinished(): boolean {
    return this.finished;
  }

  /** Writes `running` with `started_at` now. Always writes. */
  start(update: JobStatusUpdate = {}): Promise<JobStatus> {
    if (this.finished) return Promise.resolve(this.current);
    this.state.started_at ??= isoSeconds(this.opts.now());
    this.merge('running', { message: 'Job started', ...update });
    return this.enqueueWrite();
  }

  /** Merges an intermediate update; writes it unless throttled. Resolves true when written. */
  async update(update: JobStatusUpdate): Promise<boolean> {
    if (this.finished) return false;
    this.merge('running', update);
    const now = this.opts.now();
    const due =
      this.writes === 0 ||
      now - this.lastWriteAt >= this.opts.throttleMs ||
      this.state.processed_symbols - this.lastWriteProcessed >= this.opts.throttleSymbols;
    if (!due) return false;
    await this.enqueueWrite();
    return true;
  }

  /** Records one processed symbol (success or failure, records loaded) and updates, throttled. */
  recordSymbol(symbol: string, result: { ok: boolean; records?: number; message?: string }): Promise<boolean> {
    const s = this.state;
    const update: JobStatusUpdate = {
      processed_symbols: s.processed_symbols + 1,
      current_symbol: symbol,
      ohlcv_records_loaded: s.ohlcv_records_loaded + (result.records ?? 0),
      message: result.message ?? `${result.ok ? 'Loaded' : 'Failed'} ${symbol}`,
    };
    if (result.ok) {
      update.successful_symbols = [...s.successful_symbols, symbol];
      update.symbols_loaded = s.symbols_loaded + 1;
    } else update.failed_symbols = [...s.failed_symbols, symbol];
    return this.update(update);
  }

  /**
   * Writes the final status with `completed_at` now. Always writes (once). `completed` and `completed_with_errors`
   * set progress to 100; `failed` and `cancelled` keep the progress reached.
   */
  finish(status: FinalJobStatus, update: JobStatusUpdate = {}): Promise<JobStatus> {
    if (this.finished) return this.chain.then(() => this.current);
    this.finished = true;
    const progress = status === 'completed' || status === 'completed_with_errors' ? 100 : undefined;
    this.merge(status, { ...(progress === undefined ? {} : { progress }), ...update });
    this.state.completed_at = isoSeconds(this.opts.now());
    return this.enqueueWrite();
  }

  private merge(status: WorkerJobStatus, update: JobStatusUpdate): void {
    const s = this.state;
    for (const [k, v] of Object.entries(update)) if (v !== undefined) (s as Record<string, unknown>)[k] = v;
    s.status = status;
    if (update.progress !== undefined) {
      this.progressGiven = true;
      s.progress = clampProgress(update.progress);
    } else if (!this.progressGiven)
      s.progress = s.total_symbols > 0 ? clampProgress(Math.floor((s.processed_symbols * 100) / s.total_symbols)) : 0;
    s.timestamp = isoSeconds(this.opts.now());
  }

  private enqueueWrite(): Promise<JobStatus> {
    const snapshot: JobStatus = {
      ...this.extra,
      ...this.state,
      successful_symbols: [...this.state.successful_symbols],
      failed_symbols: [...this.state.failed_symbols],
    };
    this.lastWriteAt = this.opts.now();
    this.lastWriteProcessed = this.state.processed_symbols;
    const write = this.chain.then(() => this.write(snapshot));
    this.chain = write.catch(() => undefined);
    return write;
  }

  private async waitForPreWrite(): Promise<void> {
    if (this.waited) return;
    this.waited = true;
    const key = jobStatusKey(this.opts.jobId);
    const deadline = Date.now() + this.opts.preWriteWaitMs; // real time: the app's write happens in real time
    for (;;) {
      let exists: number;
      try {
        exists = await this.redis.exists(key);
      } catch (e) {
        throw redisFailure(`checking ${key}`, e, this.opts.jobId);
      }
      if (exists > 0 || Date.now() >= deadline) return;
      await sleep(DEFAULTS.preWritePollMs);
    }
  }

  private async write(status: JobStatus): Promise<JobStatus> {
    await this.waitForPreWrite();
    const json = JSON.stringify(status);
    const statusKey = jobStatusKey(status.job_id);
    const hashKey = jobHashKey(status.job_id);
    const ttl = this.opts.ttlSeconds;
    const results = await execMulti(
      this.redis
        .multi()
        .set(statusKey, json, 'EX', ttl)
        .hset(hashKey, jobStatusToHash(status))
        .expire(hashKey, ttl)
        .publish(CHANNELS.jobStatus, json),
      `writing status of job ${status.job_id}`,
      status.job_id,
    );
    const failed = results.find((r) => r.error);
    if (failed?.error)
      throw new ProtocolError('REDIS_FAILED', `writing status of job ${status.job_id} failed: ${failed.error.message}`, {
        jobId: status.job_id,
        cause: failed.error,
      });
    this.writes += 1;
    return status;
  }
}
