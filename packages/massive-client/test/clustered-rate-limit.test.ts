/**
 * One API budget across processes: limiters sharing their state through a real Redis. Proves the shared id hides
 * the key, starts are spaced across limiters, the concurrency cap is shared and a dead process's places come back,
 * a pause reaches every limiter of the budget and ends only when the longest pause does, retries go first, Redis
 * losing its data costs no request, and three processes with their own clients stay together under one 10
 * requests/second budget measured by the simulator.
 */
import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { startSimulator } from '@tickstock/massive-simulator';
import { type RedisServer, startRedisServer, waitFor } from '@tickstock/test-support';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ClusteredRateLimiter,
  clusteredLimiterId,
  clusteredLimiterKeys,
  createClusteredRateLimiter,
  MassiveConfigurationError,
  type RateLimitSettings,
} from '../src/index.js';

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

async function limiter(
  id: string,
  rateLimit: RateLimitSettings = { requestsPerSecond: 10 },
  leaseMs?: number,
): Promise<ClusteredRateLimiter> {
  const l = await createClusteredRateLimiter({ redis: redis.url, id, rateLimit, ...(leaseMs ? { leaseMs } : {}) });
  open.push(l);
  await l.ready();
  return l;
}

/** Ms left of the budget's shared pause (-2: none). */
const pauseLeft = (id: string) => admin.pttl(clusteredLimiterKeys(id).pause);
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
    // Listed while a request runs: its lease (the 'unlimited' default caps 20 in flight) is returned when it ends.
    const keys = await l.schedule(() => admin.keys('*'), 'normal');
    expect(keys).toContain(`massive:ratelimit:{${l.id}}:leases`);
    expect(keys).toContain(`massive:ratelimit:{${l.id}}:next`);
    for (const k of keys) {
      expect(k).not.toContain(key);
      const type = await admin.type(k);
      if (type === 'string') expect(await admin.get(k)).not.toContain(key);
    }
  });

  it('refuses to guess: no id and no key, or an id Redis keys should not carry, is a CONFIGURATION error', async () => {
    await expect(createClusteredRateLimiter({ redis: redis.url, env: {} })).rejects.toThrow(
      'clustered limiter needs an id, an apiKey or MASSIVE_API_KEY to derive one',
    );
    await expect(createClusteredRateLimiter({ redis: redis.url, id: 'a b' })).rejects.toBeInstanceOf(MassiveConfigurationError);
    await expect(createClusteredRateLimiter({ redis: redis.url, id: 'x', leaseMs: 10 })).rejects.toThrow(
      'clustered limiter leaseMs must be a whole number of ms, at least 1000, got 10',
    );
  });
});

describe('one spacing and one concurrency cap across limiters', () => {
  it('starts from two limiters (two connections) are spaced by the shared interval, 51.5 ms at 20/s', async () => {
    const id = `spacing-${randomUUID()}`;
    const [a, b] = [await limiter(id, { requestsPerSecond: 20 }), await limiter(id, { requestsPerSecond: 20 })];
    const starts: number[] = [];
    const stamp = async () => {
      starts.push(performance.now());
    };
    await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).schedule(stamp, 'normal')));
    starts.sort((x, y) => x - y);
    // Admission is by the Redis clock; the replies reach the two connections with a little jitter each.
    expect(starts[11]! - starts[0]!).toBeGreaterThanOrEqual(11 * 51.5 - 10);
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThan(35);
  });

  it('two limiters with maxConcurrent 2 never have more than 2 requests in flight together', async () => {
    const id = `cap-${randomUUID()}`;
    const [a, b] = [await limiter(id, { maxConcurrent: 2 }), await limiter(id, { maxConcurrent: 2 })];
    let inFlight = 0;
    let peak = 0;
    const task = async () => {
      peak = Math.max(peak, ++inFlight);
      await sleep(60);
      inFlight--;
      return 'done';
    };
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).schedule(task, 'normal')));
    expect(results).toEqual(Array(10).fill('done'));
    expect(peak).toBe(2);
    expect(await admin.zcard(clusteredLimiterKeys(id).leases)).toBe(0); // every lease returned
  });

  it('a process that dies mid-request gives its place back when the lease runs out (leaseMs 1000)', async () => {
    const id = `lease-${randomUUID()}`;
    const a = await limiter(id, { maxConcurrent: 1 }, 1000);
    const b = await limiter(id, { maxConcurrent: 1 }, 1000);
    void a.schedule(() => new Promise(() => undefined), 'normal'); // never ends
    await waitFor(async () => (await admin.zcard(clusteredLimiterKeys(id).leases)) === 1, { what: "a's lease" });
    const t0 = Date.now();
    await a.disconnect(); // gone without returning its lease
    expect(await b.schedule(async () => Date.now() - t0, 'normal')).toBeGreaterThanOrEqual(800);
  });

  it('within a process, a retry (high) starts before normal requests queued earlier', async () => {
    const a = await limiter(`priority-${randomUUID()}`, { requestsPerSecond: 10 });
    const order: string[] = [];
    const run = (name: string) => async () => {
      order.push(name);
    };
    await a.schedule(run('n1'), 'normal'); // the next start is now ~103 ms away
    await Promise.all([a.schedule(run('n2'), 'normal'), a.schedule(run('n3'), 'normal'), a.schedule(run('h1'), 'high')]);
    expect(order).toEqual(['n1', 'h1', 'n2', 'n3']);
  });

  it('disconnect refuses new requests and fails the queued ones with a CONFIGURATION error', async () => {
    const a = await createClusteredRateLimiter({ redis: redis.url, id: `closing-${randomUUID()}`, rateLimit: { requestsPerSecond: 1 } });
    await a.schedule(async () => undefined, 'normal');
    const queued = a.schedule(async () => 'never', 'normal'); // waits ~1 s for its turn
    const refused = expect(queued).rejects.toThrow('the clustered rate limiter was disconnected');
    await a.disconnect();
    await refused;
    await expect(queued).rejects.toThrow('the clustered rate limiter was disconnected');
    await expect(a.schedule(async () => 'x', 'normal')).rejects.toBeInstanceOf(MassiveConfigurationError);
  });
});

describe('a 429 pause reaches every limiter of the budget', () => {
  it("one limiter's pause holds another's requests (separate Redis connections) until it ends", async () => {
    const id = `pause-${randomUUID()}`;
    const [a, b] = [await limiter(id), await limiter(id)];
    a.pauseFor(1200);
    await waitFor(async () => (await pauseLeft(id)) > 0, { what: 'the shared pause' });
    const end = Date.now() + (await pauseLeft(id));
    const started = await b.schedule(async () => Date.now(), 'normal');
    expect(started).toBeGreaterThanOrEqual(end - 5);
  });

  it('ends with the longest pause, whichever process set it', async () => {
    const id = `overlap-${randomUUID()}`;
    const [a, b] = [await limiter(id), await limiter(id)];
    b.pauseFor(2000);
    a.pauseFor(300);
    await sleep(900); // a's own pause is over; b's is not
    expect(await pauseLeft(id)).toBeGreaterThan(900);
    let ran = false;
    const task = a.schedule(async () => {
      ran = true;
    }, 'high');
    await sleep(300);
    expect(ran).toBe(false);
    await task;
    expect(await pauseLeft(id)).toBe(-2);
  });

  it('a pause set by a limiter that disconnected mid-pause still ends on time for the others', async () => {
    const id = `stale-${randomUUID()}`;
    const [a, b] = [await limiter(id), await limiter(id)];
    a.pauseFor(500);
    await waitFor(async () => (await pauseLeft(id)) > 0, { what: 'the shared pause' });
    await a.disconnect();
    const t0 = Date.now();
    await expect(b.schedule(async () => 'ran', 'normal')).resolves.toBe('ran');
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});

describe('Redis losing its data (a restart without persistence)', () => {
  it('the limiters load their scripts again and keep scheduling: no request fails', async () => {
    const id = `flush-${randomUUID().slice(0, 8)}`;
    const [a, b] = [await limiter(id, { requestsPerSecond: 50 }), await limiter(id, { requestsPerSecond: 50 })];
    expect(await a.schedule(async () => 'before', 'normal')).toBe('before');
    await admin.flushall();
    await admin.script('FLUSH');
    const after = await Promise.all([
      a.schedule(async () => 'a', 'normal'),
      b.schedule(async () => 'b', 'normal'),
      a.schedule(async () => 'a2', 'high'),
    ]);
    expect(after).toEqual(['a', 'b', 'a2']);
    expect(await admin.exists(clusteredLimiterKeys(id).next)).toBe(1);
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
