import { waitFor } from '@tickstock/test-support';
import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_SLOTS } from '../src/cluster-slot.js';
import {
  acquireJobLease,
  appJobStatusKey,
  CHANNELS,
  clusterHashTag,
  clusterKeySlot,
  type JobStatus,
  JobStatusWriter,
  jobHashKey,
  jobLeaseKey,
  jobStatusKey,
  jobStatusToHash,
  ProtocolError,
  sameSlotHashTag,
} from '../src/index.js';
import { useStatusRedis } from './support/status-redis.js';

/** CRC16-XMODEM, table-driven: written apart from the package's own (bitwise) one, to check it. */
const CRC_TABLE = Array.from({ length: 256 }, (_, i) => {
  let c = i << 8;
  for (let k = 0; k < 8; k++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
  return c;
});
function crc16Xmodem(text: string): number {
  let crc = 0;
  for (const b of Buffer.from(text, 'utf8')) crc = ((crc << 8) & 0xffff) ^ (CRC_TABLE[((crc >> 8) ^ b) & 0xff] as number);
  return crc;
}
/** The slot Redis Cluster gives a key (`keyHashSlot` in cluster.c), written out independently. */
function slotOf(key: string): number {
  const s = key.indexOf('{');
  if (s >= 0) {
    const e = key.indexOf('}', s + 1);
    if (e > s + 1) return crc16Xmodem(key.slice(s + 1, e)) % 16384;
  }
  return crc16Xmodem(key) % 16384;
}

describe('Redis Cluster slot of the lease key', () => {
  it('the CRC16 helper gives the published values (123456789 → 0x31C3; foo → slot 12182; somekey → 11058)', () => {
    expect(crc16Xmodem('123456789')).toBe(0x31c3);
    expect(slotOf('foo')).toBe(12182);
    expect(slotOf('somekey')).toBe(11058);
    expect(clusterKeySlot('foo')).toBe(12182);
    expect(clusterKeySlot('{user1000}.following')).toBe(slotOf('user1000'));
    expect(CLUSTER_SLOTS).toBe(16384);
  });

  it("clusterHashTag: the first non-empty {…} tag, else the whole key (Redis's rule)", () => {
    expect(clusterHashTag('tickstock.jobs.status:e33c')).toBe('tickstock.jobs.status:e33c');
    expect(clusterHashTag('tickstock.jobs.status:a{b}c')).toBe('b');
    expect(clusterHashTag('x{a}{b}')).toBe('a');
    expect(clusterHashTag('x{}{b}')).toBe('x{}{b}');
    expect(clusterHashTag('x{a')).toBe('x{a');
    expect(clusterHashTag('x}a{b')).toBe('x}a{b');
    expect(clusterHashTag('x{{a}')).toBe('{a');
  });

  it('names the lease tickstock:lease:{<status key>} with the status key as the hash tag', () => {
    expect(jobLeaseKey('e33c-1')).toBe('tickstock:lease:{tickstock.jobs.status:e33c-1}');
    expect(jobLeaseKey('job_20241030_145623_abc123')).toBe('tickstock:lease:{tickstock.jobs.status:job_20241030_145623_abc123}');
    expect(jobLeaseKey('a{grp}b')).toBe('tickstock:lease:{grp}');
    expect(sameSlotHashTag('tickstock.jobs.status:x')).toBe('tickstock.jobs.status:x');
  });

  it('puts the lease key in the status key’s slot for every job_id form, braces included', () => {
    const ids = [
      'e33c8f9a-6a3b-4d51-9f0e-2f1a7b3c4d5e',
      'job_20241030_145623_abc123',
      'a{grp}b',
      'a{}b',
      'a{}{x}',
      'a}b',
      '}',
      '{',
      '{}',
      'x}{y}',
      '{a{b}c}',
      'ünïcødé-✓',
    ];
    for (let i = 0; i < 200; i++) ids.push(`j-${i.toString(36)}-${(i * 7919).toString(16)}`);
    for (const id of ids) {
      const status = jobStatusKey(id);
      expect(status).toBe(`tickstock.jobs.status:${id}`);
      expect({ id, slot: slotOf(jobLeaseKey(id)) }).toEqual({ id, slot: slotOf(status) });
      expect(clusterKeySlot(jobLeaseKey(id))).toBe(slotOf(status));
    }
    // A status key whose slot-deciding part holds `}` cannot sit inside braces: a same-slot stand-in tag is used.
    expect(jobLeaseKey('a}b')).toMatch(/^tickstock:lease:\{~\d+\}$/);
  });
});

const rig = useStatusRedis();
const published = rig.published;
let redis: Redis;
beforeAll(() => {
  redis = rig.redis;
});

const T0 = Date.UTC(2025, 11, 23, 17, 15, 14);

function writer(jobId: string, options: Partial<ConstructorParameters<typeof JobStatusWriter>[1]> = {}): JobStatusWriter {
  return new JobStatusWriter(redis, {
    jobId,
    jobType: 'csv_universe_load',
    totalSymbols: 100,
    preWriteWaitMs: 0,
    throttleMs: 0,
    now: () => T0,
    ...options,
  });
}

async function stored(jobId: string): Promise<string | null> {
  return redis.get(jobStatusKey(jobId));
}

/** Writes a marker on the status channel and waits for it: every message published before it has arrived. */
async function drain(): Promise<string[]> {
  const marker = `marker-${Math.random()}`;
  await redis.publish(CHANNELS.jobStatus, marker);
  await waitFor(() => published.includes(marker), { what: 'the marker message' });
  return published.splice(0).filter((m) => m !== marker);
}

const progressOf = (messages: string[]) => messages.map((m) => [JSON.parse(m).status, JSON.parse(m).progress]);

describe('acquireJobLease', () => {
  it('gives epoch 1, then 2 on a takeover: the first stops holding; the lease hash has the status TTL', async () => {
    const first = await acquireJobLease(redis, 'job-l1');
    expect({ jobId: first.jobId, epoch: first.epoch, key: first.key }).toEqual({
      jobId: 'job-l1',
      epoch: 1,
      key: 'tickstock:lease:{tickstock.jobs.status:job-l1}',
    });
    expect(await first.holds()).toBe(true);
    const second = await acquireJobLease(redis, 'job-l1');
    expect(second.epoch).toBe(2);
    expect(await first.holds()).toBe(false);
    expect(await second.holds()).toBe(true);
    expect(await redis.hgetall(jobLeaseKey('job-l1'))).toEqual({ epoch: '2', holder: second.holder });
    expect(second.holder).toMatch(/^2:[0-9a-f]{16}$/);
    const ttl = await redis.ttl(jobLeaseKey('job-l1'));
    expect(ttl).toBeGreaterThan(86_300);
    expect(ttl).toBeLessThanOrEqual(86_400);
    const short = await acquireJobLease(redis, 'job-l2', { ttlSeconds: 60 });
    expect(short.epoch).toBe(1);
    expect(await redis.ttl(jobLeaseKey('job-l2'))).toBeLessThanOrEqual(60);
    await expect(acquireJobLease(redis, 'job-l3', { ttlSeconds: 0 })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
  });

  it("claimOnce('data_import_started') across epochs: 'claimed' the first time, 'done' after; per name", async () => {
    const first = await acquireJobLease(redis, 'job-once');
    expect(await first.claimOnce('data_import_started')).toBe('claimed');
    const second = await acquireJobLease(redis, 'job-once');
    expect(await second.claimOnce('data_import_started')).toBe('done');
    expect(await second.claimOnce('data_import_started')).toBe('done');
    expect(await second.claimOnce('data_import_completed')).toBe('claimed');
    expect(await second.claimOnce('data_import_completed')).toBe('done');
    expect(await redis.hgetall(jobLeaseKey('job-once'))).toEqual({
      epoch: '2',
      holder: second.holder,
      'once:data_import_started': '1',
      'once:data_import_completed': '2',
    });
  });

  it("claimOnce on a lost lease is 'lost', even for a name nobody claimed, and claims nothing", async () => {
    const first = await acquireJobLease(redis, 'job-lost');
    await acquireJobLease(redis, 'job-lost');
    expect(await first.claimOnce('data_import_completed')).toBe('lost');
    expect(await redis.hexists(jobLeaseKey('job-lost'), 'once:data_import_completed')).toBe(0);
  });

  it('a lease hash Redis lost (a restart without persistence) is taken back by its holder, and a later takeover still fences it', async () => {
    const holder = await acquireJobLease(redis, 'job-gone', { ttlSeconds: 600 });
    await acquireJobLease(redis, 'job-other'); // another job's lease, untouched
    await redis.del(jobLeaseKey('job-gone'));
    expect(await holder.holds()).toBe(true);
    expect(await redis.hgetall(jobLeaseKey('job-gone'))).toEqual({ epoch: '1', holder: holder.holder });
    expect(await redis.ttl(jobLeaseKey('job-gone'))).toBeGreaterThan(590);
    expect(await holder.claimOnce('data_import_started')).toBe('claimed');
    const next = await acquireJobLease(redis, 'job-gone');
    expect(next.epoch).toBe(2);
    expect(await holder.holds()).toBe(false);
    // The other order: lost, then a new coordinator acquires before the old one looks: the old one is fenced.
    await redis.del(jobLeaseKey('job-gone'));
    const fresh = await acquireJobLease(redis, 'job-gone');
    expect(fresh.epoch).toBe(1);
    expect(await next.holds()).toBe(false);
    expect(await fresh.holds()).toBe(true);
  });
});

describe('JobStatusWriter with a lease (fenced writes)', () => {
  it('two leases for one job: the first lease’s writes reject LEASE_LOST and the stored JSON is the second’s', async () => {
    const leaseA = await acquireJobLease(redis, 'job-f1');
    const a = writer('job-f1', { lease: leaseA });
    await a.start();
    await a.update({ processed_symbols: 32 });
    const leaseB = await acquireJobLease(redis, 'job-f1');
    expect(leaseB.epoch).toBe(2);
    const b = writer('job-f1', { lease: leaseB });
    await b.start({ processed_symbols: 40 });
    const bFinal = await b.finish('completed', { processed_symbols: 100 });
    const bJson = await stored('job-f1');
    expect(bJson).toBe(JSON.stringify(bFinal));

    // The frozen coordinator resumes: running 57, then completed.
    const lost = a.update({ processed_symbols: 57 });
    await expect(lost).rejects.toBeInstanceOf(ProtocolError);
    await expect(lost).rejects.toMatchObject({
      code: 'LEASE_LOST',
      retryable: false,
      jobId: 'job-f1',
      message: 'job job-f1: lease epoch 1 was lost (epoch 2 holds it now): status not written',
    });
    expect(a.isStopped).toBe(true);
    await expect(a.update({ processed_symbols: 82 })).rejects.toMatchObject({ code: 'LEASE_LOST' });
    await expect(a.finish('completed')).rejects.toMatchObject({ code: 'LEASE_LOST' });
    expect(await stored('job-f1')).toBe(bJson);
    expect(progressOf(await drain())).toEqual([
      ['running', 0],
      ['running', 32],
      ['running', 40],
      ['completed', 100],
    ]);
    expect(a.writeCount).toBe(2);
  });

  it('a lost lease writes nothing more: not the app’s job:status:{id}, not the hash mirror', async () => {
    await redis.setex(appJobStatusKey('job-f2'), 7200, JSON.stringify({ status: 'submitted', progress: 0, description: 'd' }));
    const leaseA = await acquireJobLease(redis, 'job-f2');
    const a = writer('job-f2', { lease: leaseA, hashMirror: true });
    await a.start();
    const before = {
      status: await stored('job-f2'),
      app: await redis.get(appJobStatusKey('job-f2')),
      hash: await redis.hgetall(jobHashKey('job-f2')),
    };
    expect(JSON.parse(before.app as string)).toMatchObject({ status: 'running', description: 'd' });
    await acquireJobLease(redis, 'job-f2');
    await expect(a.update({ processed_symbols: 50 })).rejects.toMatchObject({ code: 'LEASE_LOST' });
    expect({
      status: await stored('job-f2'),
      app: await redis.get(appJobStatusKey('job-f2')),
      hash: await redis.hgetall(jobHashKey('job-f2')),
    }).toEqual(before);
  });

  it('a final status, then a running write from a newer epoch: STATUS_FINAL and the key unchanged', async () => {
    const leaseA = await acquireJobLease(redis, 'job-f3');
    const a = writer('job-f3', { lease: leaseA });
    await a.finish('completed', { processed_symbols: 100 });
    const json = await stored('job-f3');
    const ttl = await redis.ttl(jobStatusKey('job-f3'));
    await drain();

    const b = writer('job-f3', { lease: await acquireJobLease(redis, 'job-f3') });
    const refused = b.start({ processed_symbols: 32 });
    await expect(refused).rejects.toMatchObject({
      code: 'STATUS_FINAL',
      retryable: false,
      jobId: 'job-f3',
      message: 'job job-f3 already has the final status completed: status not written over',
    });
    await expect(b.update({ processed_symbols: 57 })).rejects.toMatchObject({ code: 'STATUS_FINAL' });
    await expect(b.finish('failed')).rejects.toMatchObject({ code: 'STATUS_FINAL' });
    expect(await stored('job-f3')).toBe(json);
    expect(await redis.ttl(jobStatusKey('job-f3'))).toBe(ttl);
    expect(await drain()).toEqual([]);
    expect(b.writeCount).toBe(0);
  });

  it('every final word is final: failed, cancelled, completed_with_errors, and the app’s hash saying cancelled', async () => {
    for (const final of ['failed', 'cancelled', 'completed_with_errors'] as const) {
      const jobId = `job-final-${final}`;
      await writer(jobId, { lease: await acquireJobLease(redis, jobId), partialStatus: 'completed_with_errors' }).finish(final);
      expect(JSON.parse((await stored(jobId)) as string).status).toBe(final);
      const late = writer(jobId, { lease: await acquireJobLease(redis, jobId) });
      await expect(late.start()).rejects.toMatchObject({
        code: 'STATUS_FINAL',
        message: expect.stringContaining(`final status ${final}:`),
      });
    }
    await redis.hset(jobStatusKey('job-hash-c'), { status: 'cancelled', progress: '0' });
    const late = writer('job-hash-c', { lease: await acquireJobLease(redis, 'job-hash-c') });
    await expect(late.start()).rejects.toMatchObject({ code: 'STATUS_FINAL' });
    expect(await redis.hgetall(jobStatusKey('job-hash-c'))).toEqual({ status: 'cancelled', progress: '0' });
  });

  it('progress 83 stored, then a newer epoch writes 0 and 66: not written (nothing on the channel), then 90 is', async () => {
    const a = writer('job-f4', { lease: await acquireJobLease(redis, 'job-f4') });
    await a.start();
    await a.update({ processed_symbols: 83 });
    const at83 = await stored('job-f4');
    expect(JSON.parse(at83 as string)).toMatchObject({ status: 'running', progress: 83 });
    expect(progressOf(await drain())).toEqual([
      ['running', 0],
      ['running', 83],
    ]);

    const b = writer('job-f4', { lease: await acquireJobLease(redis, 'job-f4') });
    const started = await b.start();
    expect(started.progress).toBe(0);
    expect(await b.update({ processed_symbols: 66 })).toBe(false);
    expect(b.writeCount).toBe(0);
    expect(await stored('job-f4')).toBe(at83);
    expect(await drain()).toEqual([]);

    expect(await b.update({ processed_symbols: 90 })).toBe(true);
    const at90 = await stored('job-f4');
    expect(JSON.parse(at90 as string)).toEqual(b.current);
    expect(b.current).toMatchObject({ status: 'running', progress: 90, processed_symbols: 90 });
    expect(await drain()).toEqual([at90]);
    expect(b.writeCount).toBe(1);
  });

  it('a write skipped as behind counts for throttling: the next symbols wait their turn instead of each asking Redis', async () => {
    const a = writer('job-f4t', { lease: await acquireJobLease(redis, 'job-f4t') });
    await a.update({ processed_symbols: 83 });
    let t = T0;
    const b = writer('job-f4t', { lease: await acquireJobLease(redis, 'job-f4t'), throttleMs: 1_000, now: () => t });
    await b.start();
    const scriptCalls = async () => {
      const stats = await redis.info('commandstats');
      return [...stats.matchAll(/cmdstat_(?:evalsha|eval):calls=(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
    };
    const before = await scriptCalls();
    for (let i = 0; i < 5; i++) {
      t += 100;
      expect(await b.recordSymbol(`S${i}`, { ok: true })).toBe(false);
    }
    expect(await scriptCalls()).toBe(before);
    t += 1_000;
    expect(await b.update({ message: 'a second later' })).toBe(false); // due, sent, and behind again
    expect(await scriptCalls()).toBe(before + 1);
    expect(b.writeCount).toBe(0);
  });

  it('a final failed status with progress 40 over a stored 83 is written with progress 83', async () => {
    const a = writer('job-f5', { lease: await acquireJobLease(redis, 'job-f5') });
    await a.update({ processed_symbols: 83 });
    const b = writer('job-f5', { lease: await acquireJobLease(redis, 'job-f5') });
    await b.update({ processed_symbols: 40 }); // behind: not written
    await drain();
    const final = await b.finish('failed', { error_message: 'MASSIVE_DOWN: gave up' });
    expect(final).toMatchObject({ status: 'failed', progress: 83, processed_symbols: 40, has_errors: true });
    const json = await stored('job-f5');
    expect(json).toBe(JSON.stringify(final));
    expect(JSON.parse(json as string)).toMatchObject({ status: 'failed', progress: 83 });
    expect(b.current.progress).toBe(83);
    expect(await drain()).toEqual([json]);
    expect(b.writeCount).toBe(1);
  });

  it('replaces the hash the app pre-wrote with the JSON string (TTL 24 h), as without a lease', async () => {
    const key = jobStatusKey('job-f6');
    await redis.hset(key, {
      status: 'submitted',
      progress: '0',
      message: 'Job submitted to processing queue',
      submitted_at: '2025-12-23T12:15:13.640000',
    });
    await redis.expire(key, 86_400);
    const w = writer('job-f6', { lease: await acquireJobLease(redis, 'job-f6'), preWriteWaitMs: 2_000, totalSymbols: 500 });
    const status = await w.start();
    expect(await redis.type(key)).toBe('string');
    const ttl = await redis.ttl(key);
    expect(ttl).toBeGreaterThan(86_300);
    expect(ttl).toBeLessThanOrEqual(86_400);
    expect(JSON.parse((await stored('job-f6')) as string)).toEqual({
      job_id: 'job-f6',
      job_type: 'csv_universe_load',
      status: 'running',
      progress: 0,
      message: 'Job started',
      total_symbols: 500,
      processed_symbols: 0,
      current_symbol: null,
      successful_symbols: [],
      failed_symbols: [],
      error_message: null,
      symbols_loaded: 0,
      ohlcv_records_loaded: 0,
      started_at: '2025-12-23T17:15:14Z',
      timestamp: '2025-12-23T17:15:14Z',
      completed_at: null,
    });
    expect(await stored('job-f6')).toBe(JSON.stringify(status));
    expect(await drain()).toEqual([JSON.stringify(status)]);
  });

  it('a pre-written hash with progress 50 holds back a lower running write, not a higher one', async () => {
    await redis.hset(jobStatusKey('job-f7'), { status: 'submitted', progress: '50' });
    const w = writer('job-f7', { lease: await acquireJobLease(redis, 'job-f7') });
    await w.start();
    expect(await redis.type(jobStatusKey('job-f7'))).toBe('hash');
    expect(await w.update({ processed_symbols: 50 })).toBe(true);
    expect(JSON.parse((await stored('job-f7')) as string)).toMatchObject({ status: 'running', progress: 50 });
  });

  it('a stored value that is not a status (not JSON, a JSON array, a list) counts as none and is replaced', async () => {
    await redis.set(jobStatusKey('job-f8a'), 'not json {');
    await redis.set(jobStatusKey('job-f8b'), '[1,2,3]');
    await redis.rpush(jobStatusKey('job-f8c'), 'x');
    for (const id of ['job-f8a', 'job-f8b', 'job-f8c']) {
      const w = writer(id, { lease: await acquireJobLease(redis, id) });
      const s = await w.start();
      expect(await stored(id)).toBe(JSON.stringify(s));
    }
  });

  it("keeps the app's job:status:{id} and the hash mirror current after each fenced write", async () => {
    await redis.setex(
      appJobStatusKey('job-f9'),
      7200,
      JSON.stringify({ status: 'submitted', progress: 0, description: 'Loading sp_500.csv', submitted_at: '2025-12-23T12:15:13.640000' }),
    );
    const w = writer('job-f9', { lease: await acquireJobLease(redis, 'job-f9'), hashMirror: true, totalSymbols: 2 });
    await w.start();
    await w.recordSymbol('AAPL', { ok: true, records: 10 });
    const final = await w.finish('completed');
    expect(JSON.parse((await redis.get(appJobStatusKey('job-f9'))) as string)).toEqual({
      ...final,
      description: 'Loading sp_500.csv',
      submitted_at: '2025-12-23T12:15:13.640000',
    });
    expect(await redis.hgetall(jobHashKey('job-f9'))).toEqual(jobStatusToHash(final));
    expect(await stored('job-f9')).toBe(JSON.stringify(final));
    expect(w.writeCount).toBe(3);
  });

  it('each fenced write keeps the lease at least as long-lived as the status key', async () => {
    const w = writer('job-f10', { lease: await acquireJobLease(redis, 'job-f10', { ttlSeconds: 30 }) });
    expect(await redis.ttl(jobLeaseKey('job-f10'))).toBeLessThanOrEqual(30);
    await w.start();
    expect(await redis.ttl(jobLeaseKey('job-f10'))).toBeGreaterThan(86_300);
  });

  it('loads its scripts again after SCRIPT FLUSH (NOSCRIPT → EVAL)', async () => {
    const lease = await acquireJobLease(redis, 'job-f11');
    const w = writer('job-f11', { lease });
    await w.start();
    await redis.script('FLUSH');
    expect(await w.update({ processed_symbols: 5 })).toBe(true);
    await redis.script('FLUSH');
    expect(await lease.claimOnce('data_import_started')).toBe('claimed');
    expect(JSON.parse((await stored('job-f11')) as string).progress).toBe(5);
  });

  it('refuses a lease on another job', async () => {
    const lease = await acquireJobLease(redis, 'job-x');
    expect(() => writer('job-y', { lease })).toThrow(/the lease is on job job-x, not job-y/);
  });
});

describe('JobStatusWriter without a lease (unchanged)', () => {
  it('writes over a final status and lowers progress, as before fencing; no lease key is made', async () => {
    const first = writer('job-n1');
    await first.finish('completed');
    const second = writer('job-n1');
    const running = await second.start({ processed_symbols: 32 });
    expect(JSON.parse((await stored('job-n1')) as string)).toEqual(running as JobStatus);
    expect(running).toMatchObject({ status: 'running', progress: 32 });
    expect(await redis.exists(jobLeaseKey('job-n1'))).toBe(0);
    expect(progressOf(await drain())).toEqual([
      ['completed', 100],
      ['running', 32],
    ]);
  });
});
