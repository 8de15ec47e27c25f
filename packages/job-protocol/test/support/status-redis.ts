import { type RedisServer, startRedisServer } from '@tickstock/test-support';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { CHANNELS } from '../../src/index.js';

/**
 * A private Redis server for a test file, flushed before each test, and every message published on the job status
 * channel in `published` (emptied before each test). Registers its hooks where it is called; `redis` is there once
 * the file's first `beforeAll` ran.
 */
export function useStatusRedis(): { readonly redis: Redis; readonly published: string[] } {
  let server: RedisServer;
  let redis: Redis | undefined;
  let listener: Redis;
  const published: string[] = [];
  beforeAll(async () => {
    server = await startRedisServer();
    redis = new Redis(server.url);
    listener = new Redis(server.url);
    listener.on('message', (_channel: string, message: string) => published.push(message));
    await listener.subscribe(CHANNELS.jobStatus);
  });
  afterAll(async () => {
    await listener?.quit();
    await redis?.quit();
    await server?.stop();
  });
  beforeEach(async () => {
    await redis?.flushall();
    published.length = 0;
  });
  return {
    get redis() {
      if (!redis) throw new Error('useStatusRedis: Redis is not started yet (use it inside a test or hook)');
      return redis;
    },
    published,
  };
}
