/**
 * One caller signal shared by many concurrent requests (a job's signal) gets one listener of the client's, however many
 * requests wait on it: Node warns of a leak at 11 listeners, which a job's 16 requests in flight used to trigger.
 */
import { getEventListeners } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { onAbort, raceAbort, sleep } from '../src/http/abort.js';
import { MassiveClient } from '../src/index.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

describe('waiting on a shared signal', () => {
  it('many waits add one listener, removed once none waits; an abort reaches every wait once', async () => {
    const controller = new AbortController();
    const { signal } = controller;
    const calls: number[] = [];
    const cancels = Array.from({ length: 20 }, (_, i) => onAbort(signal, () => calls.push(i)));
    expect(getEventListeners(signal, 'abort')).toHaveLength(1);
    for (const cancel of cancels.slice(0, 19)) cancel();
    expect(getEventListeners(signal, 'abort')).toHaveLength(1);
    cancels[19]?.();
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);

    const again = Array.from({ length: 3 }, (_, i) => onAbort(signal, () => calls.push(100 + i)));
    controller.abort();
    controller.abort();
    expect(calls).toEqual([100, 101, 102]);
    for (const cancel of again) cancel(); // after the abort: nothing left to remove, nothing thrown
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });

  it('sleeps and races on one signal: each settles, the listener goes with the last, an abort rejects the rest', async () => {
    const controller = new AbortController();
    const { signal } = controller;
    const slept = Promise.all(Array.from({ length: 15 }, () => sleep(5, signal)));
    expect(getEventListeners(signal, 'abort')).toHaveLength(1);
    await slept;
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
    const raced = Array.from({ length: 15 }, () => raceAbort(new Promise(() => {}), signal).catch((e: Error) => e.name));
    controller.abort();
    expect(await Promise.all(raced)).toEqual(Array(15).fill('CallerAbort'));
  });

  it('16 requests in flight on one signal: no MaxListenersExceededWarning, and the signal is left without listeners', async () => {
    const server = createServer((_req, res) => {
      setTimeout(() => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{"market":"open","serverTime":"2025-01-02T10:00:00-05:00","exchanges":{},"currencies":{}}');
      }, 20);
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = new MassiveClient({ apiKey: 'k', baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, env: {} });
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    const controller = new AbortController();
    try {
      const answers = await Promise.all(Array.from({ length: 16 }, () => client.getMarketStatus({ signal: controller.signal })));
      expect(answers.map((a) => a.market)).toEqual(Array(16).fill('open'));
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).toEqual([]);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});
