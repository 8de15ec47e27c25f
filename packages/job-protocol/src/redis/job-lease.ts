/**
 * A worker's lease on a job: a per-job epoch that fences its writes. Whoever acquired the job last holds the
 * current epoch; a worker frozen past its queue lock (SIGSTOP, a long GC, a partition) resumes with an older epoch,
 * and every fenced write it attempts is refused.
 */
import type { Redis } from 'ioredis';
import { DEFAULTS } from '../defaults.js';
import { ProtocolError } from '../errors.js';
import { jobLeaseKey } from '../names.js';
import { execMulti, luaScript, redisFailure, runScript } from './exec.js';

/** Field of the lease hash holding the current epoch. */
export const JOB_LEASE_EPOCH_FIELD = 'epoch';

/** Prefix of the lease hash fields recording events already published for the job (`once:data_import_started`). */
export const JOB_LEASE_ONCE_PREFIX = 'once:';

/** What {@link JobLease.claimOnce} found: first for the job, already done (by any epoch), or the lease is lost. */
export type OnceClaim = 'claimed' | 'done' | 'lost';

/** A worker's lease on a job, from {@link acquireJobLease}. Pass it to `JobStatusWriter` (option `lease`) to fence the status. */
export interface JobLease {
  readonly jobId: string;
  /** This worker's epoch: 1 for the job's first coordinator, one more for each takeover. */
  readonly epoch: number;
  /** The lease hash, `tickstock:lease:{tickstock.jobs.status:<job_id>}` ({@link jobLeaseKey}). */
  readonly key: string;
  /** True while the epoch in Redis is still this lease's (false once another worker acquired the job, or the lease expired). */
  holds(): Promise<boolean>;
  /**
   * Claims a once-per-job action, e.g. publishing `data_import_started`: `'claimed'` the first time for the job across
   * all epochs (do it now), `'done'` after (someone did), `'lost'` when this lease no longer holds (do nothing). The
   * claim is taken before the action: a worker that dies between the two leaves it undone (at most once).
   */
  claimOnce(name: string): Promise<OnceClaim>;
}

/** Options of {@link acquireJobLease}. */
export interface JobLeaseOptions {
  /** Lifetime of the lease hash (default 86400 s, the status key's); each fenced status write extends it to the status TTL. */
  ttlSeconds?: number;
}

/** KEYS[1] lease hash; ARGV epoch, once-field. */
const CLAIM_ONCE = luaScript(`if redis.call('HGET', KEYS[1], '${JOB_LEASE_EPOCH_FIELD}') ~= ARGV[1] then return 'lost' end
if redis.call('HSETNX', KEYS[1], ARGV[2], ARGV[1]) == 1 then return 'claimed' end
return 'done'`);

class RedisJobLease implements JobLease {
  readonly key: string;

  constructor(
    private readonly redis: Redis,
    readonly jobId: string,
    readonly epoch: number,
  ) {
    this.key = jobLeaseKey(jobId);
  }

  async holds(): Promise<boolean> {
    try {
      return (await this.redis.hget(this.key, JOB_LEASE_EPOCH_FIELD)) === String(this.epoch);
    } catch (e) {
      throw redisFailure(`checking the lease on job ${this.jobId}`, e, this.jobId);
    }
  }

  async claimOnce(name: string): Promise<OnceClaim> {
    if (typeof name !== 'string' || name === '')
      throw new ProtocolError('INVALID_OPTION', 'claimOnce needs a non-empty name', { jobId: this.jobId });
    let reply: unknown;
    try {
      reply = await runScript(this.redis, CLAIM_ONCE, [this.key], [String(this.epoch), `${JOB_LEASE_ONCE_PREFIX}${name}`]);
    } catch (e) {
      throw redisFailure(`claiming ${name} of job ${this.jobId}`, e, this.jobId);
    }
    if (reply === 'claimed' || reply === 'done' || reply === 'lost') return reply;
    throw redisFailure(`claiming ${name} of job ${this.jobId}`, new Error(`unexpected reply ${JSON.stringify(reply)}`), this.jobId);
  }
}

/**
 * Takes a job over: `HINCRBY <lease> epoch 1` and `EXPIRE <lease> <ttl>` in one MULTI, so each caller gets its own
 * epoch (1, 2, 3, …) and every earlier lease of the job stops holding. The lease lives in
 * `tickstock:lease:{tickstock.jobs.status:<job_id>}`, in the status key's Redis Cluster slot.
 */
export async function acquireJobLease(redis: Redis, jobId: string, options: JobLeaseOptions = {}): Promise<JobLease> {
  if (typeof jobId !== 'string' || jobId === '') throw new ProtocolError('INVALID_OPTION', 'acquireJobLease needs a job_id');
  const ttl = options.ttlSeconds ?? DEFAULTS.statusTtlSeconds;
  if (!Number.isInteger(ttl) || ttl <= 0)
    throw new ProtocolError('INVALID_OPTION', `ttlSeconds must be a positive integer, got ${String(ttl)}`, { jobId });
  const key = jobLeaseKey(jobId);
  const what = `acquiring the lease on job ${jobId}`;
  const [incr, expire] = await execMulti(redis.multi().hincrby(key, JOB_LEASE_EPOCH_FIELD, 1).expire(key, ttl), what, jobId);
  const failed = incr?.error ?? expire?.error;
  if (failed) throw redisFailure(what, failed, jobId);
  const epoch = Number(incr?.result);
  if (!Number.isSafeInteger(epoch) || epoch < 1) throw redisFailure(what, new Error(`unexpected epoch ${String(incr?.result)}`), jobId);
  return new RedisJobLease(redis, jobId, epoch);
}
