/**
 * A worker's lease on a job: a per-job epoch that fences its writes. Whoever acquired the job last holds the
 * current epoch; a worker frozen past its queue lock (SIGSTOP, a long GC, a partition) resumes with an older epoch,
 * and every fenced write it attempts is refused.
 */
import { randomBytes } from 'node:crypto';
import { DEFAULTS } from '../defaults.js';
import { ProtocolError } from '../errors.js';
import { jobLeaseKey } from '../names.js';
import type { RedisClient } from './client.js';
import { luaScript, redisFailure, runScript } from './exec.js';

/** Field of the lease hash holding the current epoch. */
export const JOB_LEASE_EPOCH_FIELD = 'epoch';

/** Prefix of the lease hash fields recording events already published for the job (`once:data_import_started`). */
export const JOB_LEASE_ONCE_PREFIX = 'once:';

/** Field of the lease hash naming the coordination that holds it: `<epoch>:<random>`, unique per acquisition. */
export const JOB_LEASE_HOLDER_FIELD = 'holder';

/**
 * The Lua lines every fenced script starts with: the lease at `KEYS[k]` is held by `ARGV[h]` (holder), or lost. A
 * lease hash that is gone altogether (Redis lost its data in a restart without persistence, or it expired) is taken
 * back by its holder, with its epoch (`ARGV[e]`) and TTL (`ARGV[t]`): nobody else can have taken it over without
 * writing one (a takeover raises the epoch and names a new holder, and a holder restoring it afterwards is then
 * refused). `lost` is what the script returns when the lease is another's.
 */
export function leaseCheckLua(k: number, h: number, e: number, t: number, lost: string): string {
  return `local holder = redis.call('HGET', KEYS[${k}], '${JOB_LEASE_HOLDER_FIELD}')
if holder == false then
  if redis.call('HEXISTS', KEYS[${k}], '${JOB_LEASE_EPOCH_FIELD}') == 1 and tonumber(redis.call('HGET', KEYS[${k}], '${JOB_LEASE_EPOCH_FIELD}')) > tonumber(ARGV[${e}]) then return ${lost} end
  redis.call('HSET', KEYS[${k}], '${JOB_LEASE_HOLDER_FIELD}', ARGV[${h}], '${JOB_LEASE_EPOCH_FIELD}', ARGV[${e}])
  redis.call('EXPIRE', KEYS[${k}], ARGV[${t}])
elseif holder ~= ARGV[${h}] then return ${lost} end
`;
}

/** What {@link JobLease.claimOnce} found: first for the job, already done (by any epoch), or the lease is lost. */
export type OnceClaim = 'claimed' | 'done' | 'lost';

/** A worker's lease on a job, from {@link acquireJobLease}. Pass it to `JobStatusWriter` (option `lease`) to fence the status. */
export interface JobLease {
  readonly jobId: string;
  /** This worker's epoch: 1 for the job's first coordinator, one more for each takeover. */
  readonly epoch: number;
  /** The lease hash, `tickstock:lease:{tickstock.jobs.status:<job_id>}` ({@link jobLeaseKey}). */
  readonly key: string;
  /** This coordination's name in the lease hash: `<epoch>:<random>`, unique per acquisition. */
  readonly holder: string;
  /** The lease hash's TTL (a lost hash is restored with it). */
  readonly ttlSeconds: number;
  /**
   * True while the lease is still this one's; false once another worker acquired the job. A lease hash that is gone
   * (Redis lost its data, or it expired) is taken back by its holder: true.
   */
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

/** KEYS[1] lease hash; ARGV: holder, once-field, epoch, ttl. */
const CLAIM_ONCE =
  luaScript(`${leaseCheckLua(1, 1, 3, 4, "'lost'")}if redis.call('HSETNX', KEYS[1], ARGV[2], ARGV[3]) == 1 then return 'claimed' end
return 'done'`);

// ARGV: holder, epoch, ttl.
const HOLDS = luaScript(`${leaseCheckLua(1, 1, 2, 3, '0')}return 1`);

// ARGV: random part of the holder, ttl. Returns the new epoch.
const ACQUIRE = luaScript(`local epoch = redis.call('HINCRBY', KEYS[1], '${JOB_LEASE_EPOCH_FIELD}', 1)
redis.call('HSET', KEYS[1], '${JOB_LEASE_HOLDER_FIELD}', epoch .. ':' .. ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return epoch`);

class RedisJobLease implements JobLease {
  readonly key: string;

  constructor(
    private readonly redis: RedisClient,
    readonly jobId: string,
    readonly epoch: number,
    readonly holder: string,
    readonly ttlSeconds: number,
  ) {
    this.key = jobLeaseKey(jobId);
  }

  async holds(): Promise<boolean> {
    try {
      const reply = await runScript(this.redis, HOLDS, [this.key], [this.holder, String(this.epoch), String(this.ttlSeconds)]);
      return Number(reply) === 1;
    } catch (e) {
      throw redisFailure(`checking the lease on job ${this.jobId}`, e, this.jobId);
    }
  }

  async claimOnce(name: string): Promise<OnceClaim> {
    if (typeof name !== 'string' || name === '')
      throw new ProtocolError('INVALID_OPTION', 'claimOnce needs a non-empty name', { jobId: this.jobId });
    let reply: unknown;
    try {
      reply = await runScript(
        this.redis,
        CLAIM_ONCE,
        [this.key],
        [this.holder, `${JOB_LEASE_ONCE_PREFIX}${name}`, String(this.epoch), String(this.ttlSeconds)],
      );
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
export async function acquireJobLease(redis: RedisClient, jobId: string, options: JobLeaseOptions = {}): Promise<JobLease> {
  if (typeof jobId !== 'string' || jobId === '') throw new ProtocolError('INVALID_OPTION', 'acquireJobLease needs a job_id');
  const ttl = options.ttlSeconds ?? DEFAULTS.statusTtlSeconds;
  if (!Number.isInteger(ttl) || ttl <= 0)
    throw new ProtocolError('INVALID_OPTION', `ttlSeconds must be a positive integer, got ${String(ttl)}`, { jobId });
  const key = jobLeaseKey(jobId);
  const what = `acquiring the lease on job ${jobId}`;
  const nonce = randomBytes(8).toString('hex');
  let reply: unknown;
  try {
    reply = await runScript(redis, ACQUIRE, [key], [nonce, String(ttl)]);
  } catch (e) {
    throw redisFailure(what, e, jobId);
  }
  const epoch = Number(reply);
  if (!Number.isSafeInteger(epoch) || epoch < 1) throw redisFailure(what, new Error(`unexpected epoch ${String(reply)}`), jobId);
  return new RedisJobLease(redis, jobId, epoch, `${epoch}:${nonce}`, ttl);
}
