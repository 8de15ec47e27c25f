/**
 * The scheduled daily import with several workers (two coordinators with their own Redis connections, in process):
 * a slot runs once however many workers reach it, runs never overlap, a scheduled run waits for one in progress,
 * and the timer fires at the slot and moves on to the next trading day.
 */
import { CHANNELS } from '@tickstock/job-protocol';
import { newYorkTimeToUtcMs } from '@tickstock/market-time';
import { waitFor } from '@tickstock/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMPORT_LOCK_KEY, RedisLock, scheduledSlotKey } from '../../src/import/lock.js';
import { parseImportRequest } from '../../src/import/request.js';
import { ImportScheduler } from '../../src/import/scheduler.js';
import { type Stack, startStack } from './harness.js';
import { type ImportRig, importRig } from './import-harness.js';

const NOW = newYorkTimeToUtcMs('2025-06-11', 21, 30);
const spec = parseImportRequest({ symbols: ['AAPL', 'KO'], timeframes: ['day'], lookback_days: 5 });

let stack: Stack;
let a: ImportRig;
let b: ImportRig;

beforeAll(async () => {
  stack = await startStack({ now: NOW });
  a = importRig(stack, { clock: () => NOW, owner: 'worker-a' });
  b = importRig(stack, { clock: () => NOW, owner: 'worker-b' });
}, 120_000);

afterAll(async () => {
  await a?.close();
  await b?.close();
  await stack?.close();
}, 60_000);

const scheduler = (rig: ImportRig, owner: string, extra: Partial<ConstructorParameters<typeof ImportScheduler>[0]> = {}) =>
  new ImportScheduler({
    spec,
    coordinator: rig.coordinator,
    redis: rig.redis,
    events: rig.services.redis?.events,
    logger: rig.services.logger,
    scrubber: rig.services.scrubber,
    owner,
    ...extra,
  });

describe('scheduled import across workers', () => {
  it('two workers reaching the same slot: exactly one runs it, the other sees it claimed', async () => {
    const slot = { at: newYorkTimeToUtcMs('2025-06-10', 20, 30), date: '2025-06-10' };
    const [ra, rb] = await Promise.all([scheduler(a, 'worker-a').runSlot(slot), scheduler(b, 'worker-b').runSlot(slot)]);
    const outcomes = [ra, rb].map((r) => r.kind).sort();
    expect(outcomes).toEqual(['claimed-elsewhere', 'started']);
    const started = ra.kind === 'started' ? ra : rb.kind === 'started' ? rb : undefined;
    const other = ra.kind === 'claimed-elsewhere' ? ra : rb.kind === 'claimed-elsewhere' ? rb : undefined;
    expect(started?.runId).toBe('daily_20250610');
    expect(other).toEqual({ kind: 'claimed-elsewhere', by: ra.kind === 'started' ? 'worker-a' : 'worker-b' });
    expect((await started?.done)?.status).toBe('completed');
    expect(await a.redis.get(scheduledSlotKey('2025-06-10'))).toBe(ra.kind === 'started' ? 'worker-a' : 'worker-b');
    expect(await a.redis.ttl(scheduledSlotKey('2025-06-10'))).toBeGreaterThan(6 * 86_400);
    // The app's words in its table: success, and automatic for a scheduled run.
    expect(await stack.store.getRun('daily_20250610')).toMatchObject({ status: 'success', triggerType: 'automatic' });
    // The lock was released when the run ended.
    expect(await a.redis.exists(IMPORT_LOCK_KEY)).toBe(0);
  });

  it('two workers triggering at once: one run starts, the other gets RUN_IN_PROGRESS naming it', async () => {
    const results = await Promise.allSettled([
      a.coordinator.trigger(spec, { origin: 'api', runId: 'race_a' }),
      b.coordinator.trigger(spec, { origin: 'api', runId: 'race_b' }),
    ]);
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect([ok.length, refused.length]).toEqual([1, 1]);
    const winner = ok[0]?.status === 'fulfilled' ? ok[0].value : undefined;
    expect(refused[0]?.reason).toMatchObject({
      code: 'RUN_IN_PROGRESS',
      message: `import run ${winner?.runId} is in progress (on ${winner?.runId === 'race_a' ? 'worker-a' : 'worker-b'})`,
    });
    await winner?.done;
    expect(await stack.store.getRun(winner?.runId === 'race_a' ? 'race_b' : 'race_a')).toBeNull();
  });

  it('a scheduled run waits for a run in progress, and gives up (with an error event) after its wait limit', async () => {
    const lock = new RedisLock(a.redis, IMPORT_LOCK_KEY, 30_000);
    const held = await lock.acquire({ run_id: 'import_manual', owner: 'worker-b' });
    const waiting = scheduler(a, 'worker-a', { lockRetryMs: 50, lockWaitMaxMs: 10_000 }).runSlot({
      at: newYorkTimeToUtcMs('2025-06-09', 20, 30),
      date: '2025-06-09',
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await held?.release();
    const outcome = await waiting;
    expect(outcome.kind).toBe('started');
    if (outcome.kind === 'started') expect((await outcome.done).status).toBe('completed');

    const blocked = await lock.acquire({ run_id: 'import_long', owner: 'worker-b' });
    try {
      const gaveUp = await scheduler(b, 'worker-b', { lockRetryMs: 50, lockWaitMaxMs: 200 }).runSlot({
        at: newYorkTimeToUtcMs('2025-06-06', 20, 30),
        date: '2025-06-06',
      });
      expect(gaveUp).toEqual({ kind: 'gave-up', reason: 'import run import_long is in progress (on worker-b)' });
      await waitFor(() => stack.events.json(CHANNELS.errors).find((e) => String(e.message).startsWith('scheduled import daily_20250606')), {
        what: 'the error event',
      });
      const event = stack.events.json(CHANNELS.errors).find((e) => String(e.message).startsWith('scheduled import daily_20250606'));
      expect(event).toMatchObject({
        source: 'TickStockPL',
        severity: 'error',
        category: 'RUN_IN_PROGRESS',
        message: 'scheduled import daily_20250606 not started: import run import_long is in progress (on worker-b)',
      });
    } finally {
      await blocked?.release();
    }
  });

  it('fires at the slot time and arms the next trading day', async () => {
    // A clock that reaches Friday 2025-06-13 20:30 New York 1.5 s from now (room for a busy machine before start()).
    const slotAt = newYorkTimeToUtcMs('2025-06-13', 20, 30);
    const t0 = Date.now();
    const s = scheduler(a, 'worker-a', { now: () => slotAt - 1_500 + (Date.now() - t0), schedule: '30 20 * * 1-5' });
    s.start();
    try {
      expect(s.nextSlot).toEqual({ at: slotAt, date: '2025-06-13' });
      await waitFor(() => (s.nextSlot?.date === '2025-06-16' ? true : undefined), { timeoutMs: 5_000, what: 'the next slot' });
      const run = await waitFor(
        async () => {
          const r = await stack.store.getRun('daily_20250613');
          return r && r.status !== 'running' ? r : undefined;
        },
        { timeoutMs: 30_000, what: 'the scheduled run' },
      );
      expect(run.status).toBe('success');
      expect(run.params).toMatchObject({ origin: 'schedule', symbols: ['AAPL', 'KO'], timeframes: ['day'] });
    } finally {
      s.stop();
    }
    expect(s.nextSlot).toBeNull();
  });
});
