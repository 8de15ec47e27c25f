/**
 * The worker's handling of a database outage (src/engine/store-outage.ts): work that hit an outage waits for one
 * shared probe loop and runs again; data errors are not waited for; waits end at their limit; an outage is
 * announced once, however many symbols hit it, and its echo right after it ended is not a new one.
 */
import { describe, expect, it } from 'vitest';
import { failedForOutage, StoreOutage, type StoreOutageChange, StoreOutageTimeout } from '../src/engine/store-outage.js';
import type { SymbolResult } from '../src/engine/types.js';

const unavailable = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'STORE_UNAVAILABLE' });

/** A database whose answers the test switches on and off; counts the probes. */
function database() {
  const db = {
    up: true,
    pings: 0,
    ping: async () => {
      db.pings++;
      if (!db.up) throw unavailable();
      return 1;
    },
  };
  return db;
}

function watch(outage: StoreOutage): StoreOutageChange[] {
  const changes: StoreOutageChange[] = [];
  outage.subscribe((c) => changes.push(c));
  return changes;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('StoreOutage', () => {
  it('lets work through at once while the database answers, without probing it', async () => {
    const db = database();
    const outage = new StoreOutage({ ping: db.ping, probeMs: 5 });
    await outage.whenUp();
    expect(await outage.retry(async () => 'rows')).toBe('rows');
    expect({ since: outage.since, pings: db.pings }).toEqual({ since: undefined, pings: 0 });
  });

  it('runs work again once the database answers, and announces the outage once for every waiter', async () => {
    const db = database();
    const outage = new StoreOutage({ ping: db.ping, probeMs: 5, maxProbeMs: 20 });
    const changes = watch(outage);
    db.up = false;
    let calls = 0;
    const work = (n: number) =>
      outage.retry(async () => {
        calls++;
        if (!db.up) throw unavailable();
        return n;
      });
    const results = Promise.all([work(1), work(2), work(3)]);
    await sleep(60);
    expect(outage.since).toBeTypeOf('number');
    db.up = true;
    expect(await results).toEqual([1, 2, 3]);
    expect(calls).toBe(6); // each failed once, then ran once more after the database answered
    expect(changes.map((c) => c.kind)).toEqual(['down', 'up']);
    expect(changes[0]).toMatchObject({ kind: 'down', error: 'connect ECONNREFUSED 127.0.0.1:5432' });
    expect(outage.since).toBeUndefined();
  });

  it('does not wait for a data error: it is the caller’s at once', async () => {
    const db = database();
    const outage = new StoreOutage({ ping: db.ping, probeMs: 5 });
    let calls = 0;
    const overflow = Object.assign(new Error('numeric field overflow'), { code: 'STORAGE_FAILED' });
    await expect(
      outage.retry(async () => {
        calls++;
        throw overflow;
      }),
    ).rejects.toBe(overflow);
    expect({ calls, pings: db.pings, since: outage.since }).toEqual({ calls: 1, pings: 0, since: undefined });
  });

  it('gives a waiter up after maxWaitMs with a STORE_UNAVAILABLE error saying how long it waited', async () => {
    const db = database();
    db.up = false;
    const outage = new StoreOutage({ ping: db.ping, probeMs: 5, maxWaitMs: 120 });
    outage.reportDown(unavailable());
    const error = await outage.whenUp().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreOutageTimeout);
    expect((error as StoreOutageTimeout).code).toBe('STORE_UNAVAILABLE');
    expect((error as StoreOutageTimeout).message).toMatch(/^the database did not answer for 0 s \(down since \d{4}-\d\d-\d\dT/);
    outage.close();
  });

  it('ends a wait when its signal aborts, with the signal’s reason', async () => {
    const db = database();
    db.up = false;
    const outage = new StoreOutage({ ping: db.ping, probeMs: 5 });
    outage.reportDown(unavailable());
    const controller = new AbortController();
    const waiting = outage.whenUp(controller.signal);
    controller.abort('shutdown');
    await expect(waiting).rejects.toBe('shutdown');
    outage.close();
  });

  it('treats a failure just after the database came back as the same outage (no second announcement)', async () => {
    const db = database();
    const outage = new StoreOutage({ ping: db.ping, probeMs: 5 });
    const changes = watch(outage);
    outage.reportDown(unavailable());
    await outage.whenUp();
    outage.reportDown(unavailable()); // a connection the outage broke, failing on its first use
    await outage.whenUp();
    expect(changes.map((c) => c.kind)).toEqual(['down', 'up']);
  });
});

describe('failedForOutage', () => {
  const base: SymbolResult = { symbol: 'AAPL', ok: false, timeframes: [], recordsImported: 0, processingTimeMs: 5, interrupted: false };
  it('is true for a symbol whose error, or any timeframe’s, says the database was unavailable', () => {
    expect(failedForOutage({ ...base, errorCode: 'STORE_UNAVAILABLE' })).toBe(true);
    expect(failedForOutage({ ...base, errorCode: 'CONNECTION_FAILED' })).toBe(true);
    expect(
      failedForOutage({
        ...base,
        errorCode: 'SERVER_ERROR',
        timeframes: [
          {
            timeframe: 'hour',
            from: '2026-01-02',
            to: '2026-01-05',
            fetched: 0,
            written: 0,
            unchanged: 0,
            rejected: 0,
            error: { code: 'SERVER_ERROR', message: '502' },
          },
          {
            timeframe: 'day',
            from: '2026-01-02',
            to: '2026-01-05',
            fetched: 2,
            written: 0,
            unchanged: 0,
            rejected: 0,
            error: { code: 'STORE_UNAVAILABLE', message: 'reset' },
          },
        ],
      }),
    ).toBe(true);
  });
  it('is false for data errors, successes and interrupted symbols', () => {
    expect(failedForOutage({ ...base, errorCode: 'STORAGE_FAILED' })).toBe(false);
    expect(failedForOutage({ ...base, ok: true })).toBe(false);
    expect(failedForOutage({ ...base, errorCode: 'STORE_UNAVAILABLE', interrupted: true })).toBe(false);
  });
});
