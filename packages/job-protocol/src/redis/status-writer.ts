/** Writes a job's status where the app reads it: the JSON key, the app's `job:status:{id}` when it exists, and the status channel. */

import { DEFAULTS } from '../defaults.js';
import { ProtocolError } from '../errors.js';
import { jobStatusToHash } from '../messages.js';
import { appJobStatusKey, CHANNELS, jobHashKey, jobLeaseKey, jobStatusKey } from '../names.js';
import {
  FINAL_JOB_STATUSES,
  type FinalJobStatus,
  type JobStatus,
  PARTIAL_JOB_STATUSES,
  type PartialJobStatus,
  type WorkerJobStatus,
} from '../schemas/status.js';
import { isoSeconds, sleep } from '../time.js';
import { execBySlot, type RedisClient, type SlotCommand } from './client.js';
import { luaScript, redisFailure, runScript } from './exec.js';
import { JOB_LEASE_EPOCH_FIELD, type JobLease, leaseCheckLua } from './job-lease.js';

/** Options of {@link JobStatusWriter}. Defaults are in DEFAULTS. */
export interface JobStatusWriterOptions {
  jobId: string;
  jobType: string;
  totalSymbols?: number;
  /** Extra fields written with every status, e.g. `run_analysis_after_import`, `universe_key`. */
  extra?: Record<string, unknown>;
  /**
   * Whether the first write waits for the key the app pre-writes (default true). Pass
   * `appMayPreWriteStatus(request)`: jobs the app writes no status for get theirs at once.
   */
  awaitAppPreWrite?: boolean;
  /** How long the first write waits for the key the app pre-writes (default 2000 ms). */
  preWriteWaitMs?: number;
  /** Intermediate updates at most this often (default 1000 ms)... */
  throttleMs?: number;
  /** ...unless this many more symbols were processed (default 10). */
  throttleSymbols?: number;
  /** Key TTL (default 86400 s). */
  ttlSeconds?: number;
  /** TTL of the app's `job:status:{id}` key while the worker keeps it current (default 7200 s, the app's). */
  appStatusTtlSeconds?: number;
  /**
   * The final word of a job some of whose symbols failed: `completed` with `has_errors: true` (default: the app's
   * pages end on completed/failed/cancelled only) or the seeds' `completed_with_errors`.
   */
  partialStatus?: PartialJobStatus;
  /** Also keep the seeds' `job:{id}` hash mirror (default false: nothing in the app reads it). */
  hashMirror?: boolean;
  /**
   * This worker's lease on the job ({@link acquireJobLease}). With it every write of the status key is fenced: refused
   * with `LEASE_LOST` once another worker acquired the job (and nothing is written after that), with `STATUS_FINAL`
   * over a final status, and skipped when it would lower the stored progress (see the README, "Fencing a job's writes").
   */
  lease?: JobLease;
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
    | 'interrupted_symbols'
    | 'error_message'
    | 'symbols_loaded'
    | 'ohlcv_records_loaded'
    | 'progress'
    | 'has_errors'
  >
>;

/** An integer 0-100 whatever comes in (NaN becomes 0). */
export function clampProgress(value: number): number {
  if (!Number.isFinite(value)) return 0;
  return Math.min(100, Math.max(0, Math.round(value)));
}

/** The fields of the app's own `job:status:{id}` JSON that the worker keeps when it rewrites the key. */
const APP_STATUS_FIELDS = ['description', 'submitted_at'] as const;

/**
 * The fenced status write. KEYS: status key, lease hash. ARGV: epoch, json, progress, isFinal (`1`/`0`), ttl, channel.
 * Replies `{'lost', current epoch or false}`, `{'final', stored status}`, `{'behind', stored progress}` (a non-final
 * write below the stored progress), `{'raise', stored progress}` (a final write below it: write again with that
 * progress) or `{'ok'}` after `SET status EX ttl`, the lease's TTL raised to at least ttl, and `PUBLISH`. The stored
 * status is the worker's JSON string (decoded in pcall) or the app's pre-written hash; anything else counts as none.
 */
// ARGV: holder, json, progress, isFinal, ttl, channel, epoch.
const FENCED_WRITE =
  luaScript(`${leaseCheckLua(2, 1, 7, 5, `{'lost', redis.call('HGET', KEYS[2], '${JOB_LEASE_EPOCH_FIELD}')}`)}local final = {${FINAL_JOB_STATUSES.map((s) => `['${s}'] = true`).join(', ')}}
local status, progress = nil, nil
local kind = redis.call('TYPE', KEYS[1])['ok']
if kind == 'string' then
  local ok, value = pcall(cjson.decode, redis.call('GET', KEYS[1]))
  if ok and type(value) == 'table' then status, progress = value['status'], value['progress'] end
elseif kind == 'hash' then
  local fields = redis.call('HMGET', KEYS[1], 'status', 'progress')
  status, progress = fields[1], fields[2]
end
if type(status) == 'string' and final[status] then return {'final', status} end
local stored = tonumber(progress)
if stored ~= nil and stored == stored then
  if stored > 100 then stored = 100 end
  if tonumber(ARGV[3]) < stored then
    if ARGV[4] ~= '1' then return {'behind', math.floor(stored)} end
    return {'raise', math.ceil(stored)}
  end
end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[5])
if redis.call('TTL', KEYS[2]) < tonumber(ARGV[5]) then redis.call('EXPIRE', KEYS[2], ARGV[5]) end
redis.call('PUBLISH', ARGV[6], ARGV[2])
return {'ok'}`);

/** Fenced writes of a final status tried before giving up when the stored progress keeps rising under it. */
const RAISE_ATTEMPTS = 4;

/** Why a fenced writer stopped for good. */
interface StopReason {
  code: 'LEASE_LOST' | 'STATUS_FINAL';
  message: string;
}

/** What one write did: the status as written (or as it would have been), and whether it was written. */
interface WriteOutcome {
  status: JobStatus;
  written: boolean;
}

/**
 * One job's status. `start()` writes `running`; `update()` and `recordSymbol()` write at most every ~1 s or ~10
 * symbols; `finish()` always writes the final status, and nothing is written after it. Each write is
 * `SET tickstock.jobs.status:{id} <json> EX 86400` and `PUBLISH tickstock.jobs.status <json>` in one MULTI, plus
 * `SET job:status:{id}` when the app created that key, and the `job:{id}` hash when asked for.
 *
 * The first write waits up to ~2 s for the status key the app pre-writes as a hash right after publishing the job
 * (the `SET` then replaces it; a `SET` before the app's `HSET` would make the app's write fail), or for its
 * `job:status:{id}`; jobs the app writes nothing for skip the wait (`awaitAppPreWrite: false`).
 *
 * Progress rule: an integer 0-100, `floor(100 × finished symbols / total)` where finished = loaded + failed
 * (interrupted symbols are not finished); never lower than a value already written; `completed` is 100; `failed`
 * and `cancelled` keep the progress reached (0 when no symbol finished, e.g. an unreadable universe).
 *
 * With a `lease`, the status key is written by one Lua script instead (fenced: see {@link JobStatusWriterOptions.lease}),
 * then `job:status:{id}` and the hash mirror in a MULTI. A write refused with `LEASE_LOST` or `STATUS_FINAL` stops the
 * writer: every later write rejects with the same code. A non-final write below the stored progress is skipped
 * (`update()` resolves false; `start()` resolves the status it did not write).
 */
export class JobStatusWriter {
  private readonly redis: RedisClient;
  private readonly opts: Required<Omit<JobStatusWriterOptions, 'extra' | 'totalSymbols' | 'lease'>>;
  private readonly extra: Record<string, unknown>;
  private readonly lease: JobLease | undefined;
  /** Why the writer stopped for good (a lost lease, a final status already stored); null while it may write. */
  private stopped: StopReason | null = null;
  private state: JobStatus;
  private progressGiven = false;
  private chain: Promise<unknown> = Promise.resolve();
  private waited = false;
  /** The app's `job:status:{id}` fields, once that key was found (null: the app did not create it). */
  private appStatus: Record<string, unknown> | null = null;
  private lastWriteAt = Number.NEGATIVE_INFINITY;
  private lastWriteProcessed = 0;
  private writtenProgress = 0;
  private writes = 0;
  /** Fenced writes skipped as behind the stored progress (they count as writes for throttling). */
  private skipped = 0;
  private finished = false;

  constructor(redis: RedisClient, options: JobStatusWriterOptions) {
    this.redis = redis;
    this.opts = {
      jobId: options.jobId,
      jobType: options.jobType,
      awaitAppPreWrite: options.awaitAppPreWrite ?? true,
      preWriteWaitMs: options.preWriteWaitMs ?? DEFAULTS.preWriteWaitMs,
      throttleMs: options.throttleMs ?? DEFAULTS.throttleMs,
      throttleSymbols: options.throttleSymbols ?? DEFAULTS.throttleSymbols,
      ttlSeconds: options.ttlSeconds ?? DEFAULTS.statusTtlSeconds,
      appStatusTtlSeconds: options.appStatusTtlSeconds ?? DEFAULTS.appStatusTtlSeconds,
      partialStatus: options.partialStatus ?? DEFAULTS.partialStatus,
      hashMirror: options.hashMirror ?? false,
      now: options.now ?? Date.now,
    };
    if (!(PARTIAL_JOB_STATUSES as readonly string[]).includes(this.opts.partialStatus))
      throw new ProtocolError('INVALID_OPTION', `partialStatus must be one of ${PARTIAL_JOB_STATUSES.join(', ')}`);
    if (options.lease !== undefined && options.lease.jobId !== options.jobId)
      throw new ProtocolError('INVALID_OPTION', `the lease is on job ${options.lease.jobId}, not ${options.jobId}`, {
        jobId: options.jobId,
      });
    this.lease = options.lease;
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

  /** True once a fenced write found the lease lost (or the status already final): the writer writes nothing more. */
  get isStopped(): boolean {
    return this.stopped !== null;
  }

  /** Writes `running` with `started_at` now. Always writes (with a lease: unless below the stored progress). */
  start(update: JobStatusUpdate = {}): Promise<JobStatus> {
    if (this.finished) return Promise.resolve(this.current);
    this.state.started_at ??= isoSeconds(this.opts.now());
    this.merge('running', { message: 'Job started', ...update });
    return this.enqueueWrite().then((o) => o.status);
  }

  /**
   * Merges an intermediate update; writes it unless throttled (or, with a lease, below the stored progress). Resolves
   * true when written. `force` writes it whatever the throttle says (a note that must reach the app now, e.g. "waiting
   * for the database since ...", when no other write may follow for a while).
   */
  async update(update: JobStatusUpdate, options: { force?: boolean } = {}): Promise<boolean> {
    if (this.finished) return false;
    if (this.stopped) throw this.stoppedError();
    this.merge('running', update);
    const now = this.opts.now();
    const due =
      options.force === true ||
      (this.writes === 0 && this.skipped === 0) ||
      now - this.lastWriteAt >= this.opts.throttleMs ||
      this.state.processed_symbols - this.lastWriteProcessed >= this.opts.throttleSymbols;
    if (!due) return false;
    return (await this.enqueueWrite()).written;
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
   * Writes the final status with `completed_at` now. Always writes (once). `completed_with_errors` is written as
   * the writer's `partialStatus` (by default `completed` with `has_errors: true`); completed jobs are at 100%;
   * `failed` and `cancelled` keep the progress reached. `has_errors` is always set on a final status: true for
   * `failed`, `completed_with_errors` and whenever failed symbols are listed, unless the update says otherwise.
   */
  finish(status: FinalJobStatus, update: JobStatusUpdate = {}): Promise<JobStatus> {
    if (this.finished) return this.chain.then(() => this.current);
    this.finished = true;
    const written: FinalJobStatus = status === 'completed_with_errors' ? this.opts.partialStatus : status;
    const completed = status === 'completed' || status === 'completed_with_errors';
    this.merge(written, { ...update, ...(completed ? { progress: 100 } : {}) });
    const failedListed = this.state.failed_symbols.length > 0;
    this.state.has_errors = update.has_errors ?? (status === 'failed' || status === 'completed_with_errors' || failedListed);
    this.state.completed_at = isoSeconds(this.opts.now());
    return this.enqueueWrite().then((o) => o.status);
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
    // Progress never goes backwards within a job.
    s.progress = Math.max(s.progress, this.writtenProgress);
    s.timestamp = isoSeconds(this.opts.now());
  }

  private enqueueWrite(): Promise<WriteOutcome> {
    const snapshot: JobStatus = {
      ...this.extra,
      ...this.state,
      successful_symbols: [...this.state.successful_symbols],
      failed_symbols: [...this.state.failed_symbols],
    };
    if (this.state.interrupted_symbols) snapshot.interrupted_symbols = [...this.state.interrupted_symbols];
    this.lastWriteAt = this.opts.now();
    this.lastWriteProcessed = this.state.processed_symbols;
    this.writtenProgress = this.state.progress;
    const write = this.chain.then(() => this.write(snapshot));
    this.chain = write.catch(() => undefined);
    return write;
  }

  /**
   * Before the first write: waits (when the app may pre-write) until the app's status hash or its `job:status:{id}`
   * exists, up to `preWriteWaitMs`; then remembers whether the app's `job:status:{id}` is there (and its fields).
   */
  private async waitForPreWrite(): Promise<void> {
    if (this.waited) return;
    this.waited = true;
    const key = jobStatusKey(this.opts.jobId);
    const appKey = appJobStatusKey(this.opts.jobId);
    const deadline = Date.now() + (this.opts.awaitAppPreWrite ? this.opts.preWriteWaitMs : 0); // real time: the app writes in real time
    for (;;) {
      let found: [number, string | null];
      try {
        const [exists, appText] = await Promise.all([this.redis.exists(key), this.readAppStatus(appKey)]);
        found = [exists, appText];
      } catch (e) {
        throw redisFailure(`checking ${key}`, e, this.opts.jobId);
      }
      const [exists, appText] = found;
      if (appText !== null) this.appStatus = appStatusFields(appText);
      if (exists > 0 || appText !== null || Date.now() >= deadline) return;
      await sleep(DEFAULTS.preWritePollMs);
    }
  }

  /** The app's `job:status:{id}` JSON text, or null when the key is absent (or not a string: the app only writes strings). */
  private async readAppStatus(appKey: string): Promise<string | null> {
    try {
      return await this.redis.get(appKey);
    } catch (e) {
      if (e instanceof Error && e.message.startsWith('WRONGTYPE')) return null;
      throw e;
    }
  }

  private stoppedError(): ProtocolError {
    const stopped = this.stopped as StopReason;
    return new ProtocolError(stopped.code, stopped.message, { jobId: this.opts.jobId });
  }

  private stop(code: StopReason['code'], message: string): ProtocolError {
    this.stopped ??= { code, message };
    return this.stoppedError();
  }

  /**
   * Writes the status key through the fenced script: the status as written (its progress raised to the stored one
   * for a final status below it), or null when skipped as behind the stored progress. Throws `LEASE_LOST` or
   * `STATUS_FINAL` (and stops the writer) when refused.
   */
  private async writeFenced(status: JobStatus, lease: JobLease): Promise<JobStatus | null> {
    const jobId = status.job_id;
    const isFinal = (FINAL_JOB_STATUSES as readonly string[]).includes(status.status);
    const keys = [jobStatusKey(jobId), jobLeaseKey(jobId)];
    let current = status;
    for (let attempt = 1; ; attempt++) {
      const json = JSON.stringify(current);
      const args = [
        lease.holder,
        json,
        String(current.progress),
        isFinal ? '1' : '0',
        String(this.opts.ttlSeconds),
        CHANNELS.jobStatus,
        String(lease.epoch),
      ];
      let reply: unknown;
      try {
        reply = await runScript(this.redis, FENCED_WRITE, keys, args);
      } catch (e) {
        throw redisFailure(`writing status of job ${jobId}`, e, jobId);
      }
      const [verdict, value] = Array.isArray(reply) ? (reply as unknown[]) : [];
      if (verdict === 'ok') return current;
      if (verdict === 'behind') return null;
      if (verdict === 'lost') {
        const now = typeof value === 'string' ? `epoch ${value} holds it now` : 'its lease is gone';
        throw this.stop('LEASE_LOST', `job ${jobId}: lease epoch ${lease.epoch} was lost (${now}): status not written`);
      }
      if (verdict === 'final')
        throw this.stop('STATUS_FINAL', `job ${jobId} already has the final status ${String(value)}: status not written over`);
      if (verdict === 'raise' && attempt < RAISE_ATTEMPTS) {
        // A final status never lowers the progress: written with the stored value instead.
        const progress = clampProgress(Number(value));
        current = { ...current, progress };
        this.state.progress = Math.max(this.state.progress, progress);
        this.writtenProgress = Math.max(this.writtenProgress, progress);
        continue;
      }
      throw redisFailure(`writing status of job ${jobId}`, new Error(`unexpected reply ${JSON.stringify(reply)}`), jobId);
    }
  }

  private async write(snapshot: JobStatus): Promise<WriteOutcome> {
    if (this.stopped) throw this.stoppedError();
    await this.waitForPreWrite();
    let status = snapshot;
    const lease = this.lease;
    if (lease) {
      const written = await this.writeFenced(snapshot, lease);
      if (!written) {
        this.skipped += 1;
        return { status: snapshot, written: false };
      }
      status = written;
    }
    const json = JSON.stringify(status);
    const statusKey = jobStatusKey(status.job_id);
    const ttl = this.opts.ttlSeconds;
    const commands: SlotCommand[] = [];
    // Without a lease the status key is written here; with one the fenced script wrote it already.
    if (!lease) {
      commands.push(
        { key: statusKey, add: (m) => m.set(statusKey, json, 'EX', ttl) },
        { key: null, add: (m) => m.publish(CHANNELS.jobStatus, json) },
      );
    }
    const appStatus = this.appStatus;
    if (appStatus) {
      const appKey = appJobStatusKey(status.job_id);
      const appJson = JSON.stringify({ ...appStatus, ...status });
      commands.push({ key: appKey, add: (m) => m.set(appKey, appJson, 'EX', this.opts.appStatusTtlSeconds) });
    }
    if (this.opts.hashMirror) {
      const hashKey = jobHashKey(status.job_id);
      const fields = jobStatusToHash(status);
      commands.push({ key: hashKey, add: (m) => m.hset(hashKey, fields) }, { key: hashKey, add: (m) => m.expire(hashKey, ttl) });
    }
    if (commands.length === 0) {
      this.writes += 1;
      return { status, written: true };
    }
    // One MULTI on a single node; on a cluster, one per slot (the app's copy and the mirror live in other slots).
    const results = await execBySlot(this.redis, commands, `writing status of job ${status.job_id}`, status.job_id);
    const failed = results.find((r) => r.error);
    if (failed?.error)
      throw new ProtocolError('REDIS_FAILED', `writing status of job ${status.job_id} failed: ${failed.error.message}`, {
        jobId: status.job_id,
        cause: failed.error,
      });
    this.writes += 1;
    return { status, written: true };
  }
}

/** The app's own fields of its `job:status:{id}` JSON (the rest is replaced by each write). */
function appStatusFields(text: string): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      for (const field of APP_STATUS_FIELDS) {
        const v = (value as Record<string, unknown>)[field];
        if (v !== undefined) kept[field] = v;
      }
    }
  } catch {
    // Not JSON: the key is replaced by the worker's status all the same.
  }
  return kept;
}
