/**
 * One API budget across processes: limiters clustered through a real Redis (bottleneck's ioredis datastore). Proves
 * the shared id hides the key, a pause reaches every limiter of the budget and ends only when the longest pause
 * does, a reservoir left at 0 by a process that ended mid-pause is restored, and three processes with their own
 * clients stay together under one 10 requests/second budget measured by the simulator.
 */
import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { type RedisServer, startRedisServer, waitFor } from '@tickstock/test-support';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClusteredRateLimiter, clusteredLimiterId, createClusteredRateLimiter, MassiveConfigurationError } from '../src/index.js';
import { startSimulator } from '../src/simulator/index.js';

let redis: RedisServer;
let admin: Redis;
const open: ClusteredRateLimiter[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
  admin = new Redis(redis.url);
});
afterAll(async () => {
  await Promise.all(open.splice(0).map((l) => l.disconnect()));
  admin.disconnect();
  await redis.stop();
});

async function limiter(id: string, rps = 10): Promise<ClusteredRateLimiter> {
  const l = await createClusteredRateLimiter({ redis: redis.url, id, rateLimit: { requestsPerSecond: rps } });
  open.push(l);
  await l.ready();
  return l;
}

/** The shared reservoir as bottleneck stores it in Redis ('' when unlimited). */
const reservoir = (id: string) => admin.hget(`b_${id}_settings`, 'reservoir');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the shared id', () => {
  it('is massive- and the first 16 hex digits of the key SHA-256, never the key itself', () => {
    expect(clusteredLimiterId('abc')).toBe('massive-ba7816bf8f01cfea');
    const key = `test-key-${randomUUID()}`;
    const id = clusteredLimiterId(key);
    expect(id).toBe(`massive-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`);
    expect(id).not.toContain(key.slice(9));
    expect(clusteredLimiterId(`${key}x`)).not.toBe(id);
  });

  it('is derived from MASSIVE_API_KEY when neither id nor apiKey is given; the key never reaches Redis', async () => {
    const key = `test-key-${randomUUID()}`;
    const l = await createClusteredRateLimiter({ redis: { url: redis.url }, env: { MASSIVE_API_KEY: key } });
    open.push(l);
    await l.ready();
    expect(l.id).toBe(clusteredLimiterId(key));
    const keys = await admin.keys('*');
    expect(keys).toContain(`b_${l.id}_settings`);
    for (const k of keys) {
      expect(k).not.toContain(key);
      const type = await admin.type(k);
      if (type === 'hash') expect(JSON.stringify(await admin.hgetall(k))).not.toContain(key);
    }
  });

  it('refuses to guess: no id and no key, or an id Redis keys should not carry, is a CONFIGURATION error', async () => {
    await expect(createClusteredRateLimiter({ redis: redis.url, env: {} })).rejects.toThrow(
      'clustered limiter needs an id, an apiKey or MASSIVE_API_KEY to derive one',
    );
    await expect(createClusteredRateLimiter({ redis: redis.url, id: 'a b' })).rejects.toBeInstanceOf(MassiveConfigurationError);
  });
});

describe('a 429 pause reaches every limiter of the budget', () => {
  it("one limiter's pause holds another's requests (separate Redis connections) until it ends", async () => {
    const id = `pause-${randomUUID()}`;
    const [a, b] = [await limiter(id), await limiter(id)];
    a.pauseFor(1200);
    await waitFor(async () => (await reservoir(id)) === '0', { what: 'the shared reservoir at 0' });
    const pausedAt = Date.now();
    const started = await b.schedule(async () => Date.now(), 'normal');
    expect(started - pausedAt).toBeGreaterThanOrEqual(900);
    expect(await reservoir(id)).toBe('');
  });

  it('ends with the longest pause, whichever process set it', async () => {
    const id = `overlap-${randomUUID()}`;
    const [a, b] = [await limiter(id), await limiter(id)];
    b.pauseFor(2000);
    a.pauseFor(300);
    await sleep(900); // a's own pause is over; b's is not
    expect(await reservoir(id)).toBe('0');
    let ran = false;
    const task = a.schedule(async () => {
      ran = true;
    }, 'high');
    await sleep(300);
    expect(ran).toBe(false);
    await task;
    expect(await reservoir(id)).toBe('');
  });

  it('a reservoir left at 0 by a limiter that disconnected mid-pause is restored by the others', async () => {
    const id = `stale-${randomUUID()}`;
    const [a, b] = [await limiter(id), await limiter(id)];
    a.pauseFor(500);
    await waitFor(async () => (await reservoir(id)) === '0', { what: 'the shared reservoir at 0' });
    await a.disconnect();
    await expect(b.schedule(async () => 'ran', 'normal')).resolves.toBe('ran');
    expect(await reservoir(id)).toBe('');
  });
});

describe('Redis losing its data (a restart without persistence)', () => {
  it('the limiters rebuild the shared budget and keep scheduling: no request fails', async () => {
    const id = `flush-${randomUUID().slice(0, 8)}`;
    const [a, b] = [await limiter(id, 50), await limiter(id, 50)];
    expect(await a.schedule(async () => 'before', 'normal')).toBe('before');
    await admin.flushall();
    expect(await admin.exists(`b_${id}_settings`)).toBe(0);
    const after = await Promise.all([
      a.schedule(async () => 'a', 'normal'),
      b.schedule(async () => 'b', 'normal'),
      a.schedule(async () => 'a2', 'high'),
    ]);
    expect(after).toEqual(['a', 'b', 'a2']);
    expect(await admin.exists(`b_${id}_settings`)).toBe(1);
  });
});

describe('three processes, one budget of 10 requests/second', () => {
  it('together they stay within one budget over 4 s (not three) and use it; 1-second peaks are printed, not asserted', async () => {
    const apiKey = `test-key-${randomUUID()}`;
    // The simulator only counts (no 429s: a pause would measure the pause, tested above, not the spacing); 30 ms of
    // window slack absorbs loopback jitter (see peakWindowSlackMs).
    const sim = await startSimulator({ apiKey, peakWindowSlackMs: 30 });
    try {
      const script = fileURLToPath(new URL('./support/clustered-sender.ts', import.meta.url));
      type Result = { sent: number; ok: number; okBeforeDeadline: number; errors: string[] };
      const spawnSender = () => {
        const child = spawn(process.execPath, ['--import', 'tsx', script], {
          env: { ...process.env, SENDER_REDIS_URL: redis.url, SENDER_BASE_URL: sim.url, SENDER_API_KEY: apiKey, SENDER_RPS: '10' },
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        let out = '';
        let err = '';
        child.stderr.on('data', (d: Buffer) => {
          err += d.toString();
        });
        const ready = new Promise<void>((resolve) => {
          child.stdout.on('data', (d: Buffer) => {
            out += d.toString();
            if (out.startsWith('ready\n')) resolve();
          });
        });
        const done = new Promise<Result>((resolve, reject) => {
          child.on('error', reject);
          child.on('exit', (code) => {
            if (code === 0) resolve(JSON.parse(out.trim().split('\n').at(-1) as string));
            else reject(new Error(`clustered-sender exited ${code}: ${err}`));
          });
        });
        return { child, ready, done };
      };
      const senders = [spawnSender(), spawnSender(), spawnSender()];
      await Promise.all(senders.map((s) => s.ready)); // all three loaded and connected before the clock starts
      const start = Date.now() + 200;
      const until = start + 4000;
      for (const s of senders) s.child.stdin.end(`${JSON.stringify({ start, until })}\n`);
      const results = await Promise.all(senders.map((s) => s.done));
      const stats = sim.stats();
      const inWindow = results.reduce((n, r) => n + r.okBeforeDeadline, 0);
      const achieved = inWindow / 4;
      console.log(
        `clustered budget 10/s, 3 processes, 4 s: simulator peakPerSecond=${stats.peakPerSecond}, ` +
          `requests=${stats.requests}, achieved=${achieved.toFixed(2)}/s, per process=${results.map((r) => r.okBeforeDeadline).join('/')}`,
      );
      for (const r of results) {
        expect(r.okBeforeDeadline).toBeGreaterThan(0); // every process took part
        expect(r.errors).toEqual([]);
      }
      // One budget, not three: at most 10 starts in each of the 4 seconds (+1 for a window edge), where three
      // separate 10/s limiters would reach 120; and the budget is used, not starved (typically 9.5-9.75/s here;
      // a loaded two-core machine has measured 7.5/s, so the floor is 5/s, and throughput belongs to benchmarks).
      expect(inWindow).toBeLessThanOrEqual(41);
      expect(achieved).toBeGreaterThanOrEqual(5);
      // The 1-second peak depends on scheduling jitter between the
      // limiter and the server's clock (see the README); they are printed above, not asserted.
    } finally {
      await sim.close();
    }
  }, 30_000);
});
