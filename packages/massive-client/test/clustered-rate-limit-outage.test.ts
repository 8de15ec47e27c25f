/**
 * The clustered limiter when its Redis is away, with real Redis servers and real sockets: nothing listening, a port
 * that accepts connections but never answers, a Redis restarted mid-run (shorter than the limiter waits: no request
 * fails) and a Redis down for longer than the limiter waits (a typed RATE_LIMITER_UNAVAILABLE error, and the same
 * limiter works again once Redis is back). Upper bounds are loose on purpose; the defaults are 5 s and 60 s.
 */

import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { startSimulator } from '@tickstock/massive-simulator';
import { freePort, type RedisServer, startRedisServer } from '@tickstock/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ClusteredRateLimiter,
  type ClusteredRateLimiterOptions,
  createClusteredRateLimiter,
  MassiveClient,
  MassiveError,
  MassiveRateLimiterError,
} from '../src/index.js';

const open: ClusteredRateLimiter[] = [];
afterAll(async () => {
  await Promise.all(open.splice(0).map((l) => l.disconnect()));
});

async function limiter(options: Omit<ClusteredRateLimiterOptions, 'id'>): Promise<ClusteredRateLimiter> {
  const l = await createClusteredRateLimiter({ id: `outage-${randomUUID()}`, ...options });
  open.push(l);
  return l;
}

/** How long `promise` took to reject, and with what. */
async function timedRejection(promise: Promise<unknown>): Promise<{ error: MassiveError; ms: number }> {
  const t0 = Date.now();
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(MassiveError);
    return { error: error as MassiveError, ms: Date.now() - t0 };
  }
  throw new Error('expected a rejection');
}

/** A TCP port that accepts connections and never says a word (a Redis that hangs, or a wrong service). */
async function silentPort(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const ok = async () => 'ran';

describe('a Redis that cannot be reached at start', () => {
  it('nothing listening: a request through the client fails with RATE_LIMITER_UNAVAILABLE in seconds, naming the address and not the password', async () => {
    const port = await freePort();
    const password = `pw-${randomUUID()}`;
    const l = await limiter({ redis: `redis://:${password}@127.0.0.1:${port}`, rateLimit: 'free' });
    // The API is never asked: the limiter fails before any attempt starts.
    const client = new MassiveClient({ apiKey: 'k', baseUrl: 'http://127.0.0.1:9', rateLimit: l, env: {} });
    const { error, ms } = await timedRejection(client.getMarketStatus());
    expect(error).toBeInstanceOf(MassiveRateLimiterError);
    expect([error.code, error.retryable, error.attempts]).toEqual(['RATE_LIMITER_UNAVAILABLE', true, 1]);
    expect((error as MassiveRateLimiterError).address).toBe(`127.0.0.1:${port}`);
    expect(error.message).toContain(`Redis at 127.0.0.1:${port} could not be reached`);
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).toContain('REDIS_URL');
    expect(error.message).toContain('TICKSTOCK_RATE_LIMIT_SCOPE=process');
    expect(JSON.stringify(error.toJSON()) + error.message + String(error.cause)).not.toContain(password);
    expect(ms).toBeLessThan(15_000);
    console.log(`[outage] nothing listening: RATE_LIMITER_UNAVAILABLE after ${ms} ms`);

    // Past the connect timeout, later requests fail at once (no new wait per request), ready() too.
    const second = await timedRejection(l.schedule(ok, 'normal'));
    expect(second.error.code).toBe('RATE_LIMITER_UNAVAILABLE');
    expect(second.ms).toBeLessThan(2_000);
    expect((await timedRejection(l.ready())).error.code).toBe('RATE_LIMITER_UNAVAILABLE');
  }, 30_000);

  it('ready() rejects with RATE_LIMITER_UNAVAILABLE within the connect timeout (here 1 s)', async () => {
    const l = await limiter({ redis: { host: '127.0.0.1', port: await freePort() }, connectTimeoutMs: 1_000 });
    const { error, ms } = await timedRejection(l.ready());
    expect(error.code).toBe('RATE_LIMITER_UNAVAILABLE');
    expect(ms).toBeLessThan(10_000);
  }, 20_000);

  it('a port that accepts connections but never answers: RATE_LIMITER_UNAVAILABLE, every queued request, ready() too', async () => {
    const silent = await silentPort();
    try {
      const l = await limiter({ redis: `redis://127.0.0.1:${silent.port}` });
      const t0 = Date.now();
      const results = await Promise.allSettled([l.schedule(ok, 'normal'), l.schedule(ok, 'normal'), l.ready()]);
      const ms = Date.now() - t0;
      for (const r of results) {
        expect(r.status).toBe('rejected');
        expect((r as PromiseRejectedResult).reason).toBeInstanceOf(MassiveRateLimiterError);
      }
      expect(((results[0] as PromiseRejectedResult).reason as Error).message).toContain(`127.0.0.1:${silent.port}`);
      expect(ms).toBeLessThan(15_000);
      console.log(`[outage] silent port: RATE_LIMITER_UNAVAILABLE after ${ms} ms`);
    } finally {
      await silent.close();
    }
  }, 30_000);

  it('the timeouts are checked: not positive is a CONFIGURATION error', async () => {
    await expect(createClusteredRateLimiter({ redis: 'redis://127.0.0.1:1', id: 'x', connectTimeoutMs: 0 })).rejects.toThrow(
      'clustered limiter connectTimeoutMs must be a positive number of ms, got 0',
    );
    await expect(createClusteredRateLimiter({ redis: 'redis://127.0.0.1:1', id: 'x', outageTimeoutMs: Number.NaN })).rejects.toThrow(
      'clustered limiter outageTimeoutMs must be a positive number of ms, got NaN',
    );
  });
});

describe('a Redis that goes away mid-run', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('restarted (killed, down 1 s): requests made while it is down wait for it and run; none fails', async () => {
    const sim = await startSimulator({ apiKey: 'k' });
    try {
      const l = await limiter({ redis: redis.url, rateLimit: { requestsPerSecond: 20 } });
      await l.ready();
      const client = new MassiveClient({ apiKey: 'k', baseUrl: sim.url, rateLimit: l, env: {}, maxRetries: 0 });
      expect((await client.getMarketStatus()).market).toBeTypeOf('string');
      const restart = redis.restart({ signal: 'SIGKILL', downMs: 1_000 });
      await new Promise((r) => setTimeout(r, 200)); // down now
      const during = Promise.all(Array.from({ length: 5 }, () => client.getMarketStatus()));
      await restart;
      const results = await during;
      expect(results).toHaveLength(5);
      await expect(l.ready()).resolves.toBeUndefined();
    } finally {
      await sim.close();
    }
  }, 30_000);

  it('down longer than outageTimeoutMs: RATE_LIMITER_UNAVAILABLE, then the same limiter works again once Redis is back', async () => {
    const l = await limiter({ redis: redis.url, rateLimit: { requestsPerSecond: 20 }, outageTimeoutMs: 1_000 });
    await l.ready();
    expect(await l.schedule(ok, 'normal')).toBe('ran');
    const restart = redis.restart({ signal: 'SIGKILL', downMs: 4_000 });
    await new Promise((r) => setTimeout(r, 200));
    const { error, ms } = await timedRejection(l.schedule(ok, 'normal'));
    expect(error.code).toBe('RATE_LIMITER_UNAVAILABLE');
    expect(error.message).toContain(`Redis at 127.0.0.1:${redis.port} has been unreachable`);
    expect(ms).toBeLessThan(3_500); // failed while Redis was still down
    await restart;
    // ioredis reconnects within about a second; the limiter admits again without being rebuilt.
    const t0 = Date.now();
    for (;;) {
      try {
        expect(await l.schedule(ok, 'normal')).toBe('ran');
        break;
      } catch (e) {
        expect((e as MassiveError).code).toBe('RATE_LIMITER_UNAVAILABLE');
        if (Date.now() - t0 > 10_000) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    console.log(`[outage] limiter admitting again ${Date.now() - t0} ms after Redis came back`);
  }, 30_000);
});
