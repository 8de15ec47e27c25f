/**
 * Day columns (the compact form of a grouped-daily pass's day bars) and their handoff through Redis: exact round
 * trips, unreadable bytes named, and the copies in memory and in Redis dropped when they are no longer needed.
 */

import type { Bar } from '@tickstock/market-time';
import { type RedisServer, startRedisServer, uniquePrefix } from '@tickstock/test-support';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DayColumns, DayColumnsArena } from '../src/engine/day-columns.js';
import type { SuppliedDays } from '../src/engine/types.js';
import { DayHandoff, suppliedDaysKey, withoutGroupedDays } from '../src/execution/day-handoff.js';

const bars: Bar[] = [
  { timestamp: 1_767_675_600_000, open: 10.5, high: 11.25, low: 10.01, close: 11, volume: 1_234_567, vwap: 10.8732, transactions: 4321 },
  { timestamp: 1_767_589_200_000, open: 0.0001, high: 0.00012, low: 0.00009, close: 0.0001, volume: 1e12, otc: true },
  { timestamp: 1_767_762_000_000, open: 99.99, high: 99.99, low: 99.99, close: 99.99 },
];
const oldestFirst = [bars[1], bars[0], bars[2]];

describe('DayColumns', () => {
  it('round-trips bars through bytes exactly, oldest first, absent fields left absent and otc kept', () => {
    const columns = DayColumns.fromBars(bars);
    expect(columns.length).toBe(3);
    expect(columns.toBars()).toEqual(oldestFirst);
    const bytes = columns.toBytes();
    expect(bytes.byteLength).toBe(8 + 3 * 9 * 8);
    expect(DayColumns.fromBytes(bytes).toBars()).toEqual(oldestFirst);
    // From an unaligned view (a Buffer inside a larger pool), as Redis replies arrive.
    const padded = new Uint8Array(bytes.byteLength + 3);
    padded.set(bytes, 3);
    expect(DayColumns.fromBytes(padded.subarray(3)).toBars()).toEqual(oldestFirst);
  });

  it('builders of one arena keep their own bars, stamped with the timestamp given; an empty one builds to no bars', () => {
    const arena = new DayColumnsArena([2, 1, 0]);
    const [a, b, c] = [arena.builder(0), arena.builder(1), arena.builder(2)];
    a.add(bars[2] as Bar);
    b.add(bars[0] as Bar, 1_000);
    a.add(bars[0] as Bar);
    expect(() => b.add(bars[1] as Bar)).toThrow('day columns: more than the 1 bars expected');
    expect(a.build().toBars()).toEqual([bars[0], bars[2]]);
    expect(b.build().toBars()).toEqual([{ ...bars[0], timestamp: 1_000 }]);
    expect(c.build().toBars()).toEqual([]);
    expect(() => arena.builder(3)).toThrow('day columns arena: no slot 3');
    expect(DayColumns.empty.toBytes().byteLength).toBe(8);
  });

  it('names what is wrong with bytes of another form', () => {
    expect(() => DayColumns.fromBytes(new Uint8Array(3))).toThrow('day columns: 3 bytes is shorter than the header');
    const bytes = DayColumns.fromBars(bars).toBytes();
    const other = bytes.slice();
    other[0] = 7;
    expect(() => DayColumns.fromBytes(other)).toThrow('day columns: unknown format 7 (this version reads 1)');
    expect(() => DayColumns.fromBytes(bytes.subarray(0, 100))).toThrow('day columns: 100 bytes for 3 bars (expected 224)');
  });
});

describe('DayHandoff', () => {
  let server: RedisServer;
  let redis: Redis;
  beforeAll(async () => {
    server = await startRedisServer();
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  it('hands day bars to any process through Redis, keeps errors as errors, and deletes them on release', async () => {
    const jobId = uniquePrefix('job');
    const coordinator = new DayHandoff(redis, 120);
    const failed = { days: DayColumns.empty, error: { code: 'SERVER_ERROR', message: 'grouped daily stocks 2026-01-05: HTTP 502' } };
    await coordinator.put(
      jobId,
      new Map<string, SuppliedDays>([
        ['AAA', { days: DayColumns.fromBars(bars) }],
        ['BBB', failed],
      ]),
    );
    const replica = new DayHandoff(redis, 120);
    expect((await replica.take(jobId, 'AAA'))?.days.toBars()).toEqual(oldestFirst);
    expect(await replica.take(jobId, 'BBB')).toEqual(failed);
    expect(await replica.take(jobId, 'CCC')).toBeUndefined();
    expect(await redis.hstrlen(suppliedDaysKey(jobId), 'AAA')).toBe(8 + 3 * 9 * 8);
    const ttl = await redis.ttl(suppliedDaysKey(jobId));
    expect(ttl).toBeGreaterThan(110);
    expect(ttl).toBeLessThanOrEqual(120);
    await coordinator.release(jobId);
    expect(await redis.exists(suppliedDaysKey(jobId))).toBe(0);
    expect(await replica.take(jobId, 'AAA')).toBeUndefined();
  });

  it('a plan whose day bars cannot be had fetches them per ticker instead, nothing else changed', () => {
    const plan = {
      symbol: 'AAA',
      details: false,
      steps: [
        { timeframe: 'day' as const, from: '2026-01-02', to: '2026-01-30', fetchFrom: '2025-12-28', source: 'grouped' as const },
        { timeframe: 'week' as const, from: '2025-12-28', to: '2026-01-30', source: 'built' as const },
      ],
    };
    expect(withoutGroupedDays(plan).steps).toEqual([
      { timeframe: 'day', from: '2026-01-02', to: '2026-01-30', fetchFrom: '2025-12-28', source: 'ticker' },
      { timeframe: 'week', from: '2025-12-28', to: '2026-01-30', source: 'built' },
    ]);
  });
});
