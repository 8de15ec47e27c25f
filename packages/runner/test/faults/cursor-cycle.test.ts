/**
 * Fault: a hostile API whose pagination never ends. A proxy in front of the simulator answers one symbol's hour bars
 * with empty pages whose `next_url` cycles (no cursor → a → b → a). Before, such a cycle was followed for thousands
 * of pages and reported `ok`. Now the client refuses the cursor it has seen before (`PAGINATION_REFUSED`), the queue
 * does not retry a refusal (it can never succeed), the symbol fails with that code in the status and one error
 * event, and the job's other symbols load every bar.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CHANNELS } from '@tickstock/job-protocol';
import { waitFor } from '@tickstock/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnWorker } from '../e2e/harness.js';
import {
  expectJobBars,
  FAULT_WORKER_ENV,
  type FaultStack,
  finishFaultRun,
  type JobSpec,
  startFaultStack,
  submitFaultJob,
  symbolNames,
  type WorkerProcess,
  waitForFinal,
} from './harness.js';

const GOOD = symbolNames('RDA', 5);
const CYCLIC = 'RDA05';
const SPEC: JobSpec = { symbols: [...GOOD, CYCLIC], timeframes: ['hour'], years: 0.1 };
const CYCLIC_BARS = `/v2/aggs/ticker/${CYCLIC}/range/1/hour/`;

let stack: FaultStack;
let proxy: Server;
let workers: WorkerProcess[] = [];
/** The cursor of each request for the cyclic symbol's bars, in order ('' for the first). */
const cyclicRequests: string[] = [];

/** Forwards everything to the simulator, except the cyclic symbol's hour bars: empty pages cycling a → b → a. */
function startProxy(target: string): Promise<Server> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    if (url.pathname.startsWith(CYCLIC_BARS)) {
      const cursor = url.searchParams.get('cursor') ?? '';
      cyclicRequests.push(cursor);
      const next = new URL(url.pathname, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      next.searchParams.set('cursor', cursor === 'a' ? 'b' : 'a');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          ticker: CYCLIC,
          queryCount: 0,
          resultsCount: 0,
          adjusted: true,
          results: [],
          status: 'OK',
          request_id: `cycle-${cyclicRequests.length}`,
          next_url: next.toString(),
        }),
      );
      return;
    }
    void (async () => {
      const upstream = await fetch(`${target}${req.url}`, { headers: { authorization: String(req.headers.authorization ?? '') } });
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
      res.end(Buffer.from(await upstream.arrayBuffer()));
    })().catch(() => {
      res.writeHead(502);
      res.end();
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
  stack = await startFaultStack();
  proxy = await startProxy(stack.simulator.url);
  const base = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  workers = [await spawnWorker(stack, { env: { ...FAULT_WORKER_ENV, MASSIVE_API_BASE_URL: base } })];
}, 90_000);

afterAll(async () => {
  await finishFaultRun(stack, workers);
  await new Promise((r) => proxy?.close(r));
}, 60_000);

describe('an API whose next_url cycles', () => {
  it('fails that symbol once with PAGINATION_REFUSED (never retried) and loads every bar of the others', async () => {
    const jobId = await submitFaultJob(stack, SPEC);
    const status = await waitForFinal(stack, jobId, 120_000);
    expect({ status: status.status, failed: status.failed_symbols, hasErrors: status.has_errors }).toEqual({
      status: 'completed',
      failed: [CYCLIC],
      hasErrors: true,
    });
    expect([...(status.successful_symbols as string[])].sort()).toEqual(GOOD);
    // The first page, then cursor a, then b, whose next_url (a again) is refused: three requests, and no retry.
    expect(cyclicRequests).toEqual(['', 'a', 'b']);
    const refused = await waitFor(() => {
      const found = stack.events.json(CHANNELS.errors).filter((e) => e.category === 'PAGINATION_REFUSED');
      return found.length ? found : undefined;
    });
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ severity: 'warning', context: { job_id: jobId, symbol: CYCLIC, code: 'PAGINATION_REFUSED' } });
    const verified = await expectJobBars(stack, { ...SPEC, symbols: GOOD });
    console.log(
      `[faults] next_url cycle: ${CYCLIC} refused after ${cyclicRequests.length} requests (not retried), ` +
        `${GOOD.length} other symbols loaded, ${verified.bars} bars verified`,
    );
  });
});
