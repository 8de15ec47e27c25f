/**
 * Fault: Redis goes away mid-job for ~30 s with its data kept (append-only file), comes back, and the worker is then
 * stopped with SIGTERM. The worker must still shut down within its drain limit (plus a small margin), and while it
 * runs, `/metrics` (`tickstock_jobs_running`) and `/healthz` (`activeJobs`) must agree on how many jobs run here.
 *
 * What the outage does: every queue lock expires while Redis is down (lock keys carry absolute expiry times, so the
 * restarted Redis drops them), the worker's own stalled-entry check moves the job's coordinator entry back to wait,
 * and the same worker takes it again: a second coordination of the same job in the same process, next to the first
 * one. Before, the first never settled and never let go (shutdown waited for it for ever; /healthz and /metrics
 * disagreed). Now the second coordination's lease fences the first, which stops without writing; the job settles
 * once, its status never going backwards; shutdown is bounded in every state.
 */
import { CHANNELS, FINAL_JOB_STATUSES } from '@tickstock/job-protocol';
import { freePort, waitFor } from '@tickstock/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnWorker } from '../e2e/harness.js';
import {
  currentStatus,
  FAULT_WORKER_ENV,
  type FaultStack,
  type JobSpec,
  logRecords,
  processed,
  startFaultStack,
  stopWorkers,
  submitFaultJob,
  symbolNames,
  type WorkerProcess,
  waitForFinal,
  waitForStatus,
} from './harness.js';

/** The worker's drain limit (`--drain-timeout`, seconds): the CLI default. */
const DRAIN_S = 20;
/** How much longer than the drain limit the process may take to exit (closing connections, the store, the exit). */
const EXIT_MARGIN_MS = 5_000;
/** How long Redis stays down. */
const OUTAGE_MS = 30_000;
// 60 symbols × 3 requests at 150-250 ms each, 4 at a time: about 9 s of work, so the outage lands mid-job.
const SPEC: JobSpec = { symbols: symbolNames('RTL', 60), timeframes: ['hour', 'day'], years: 0.1 };

const FINAL: ReadonlySet<string> = new Set(FINAL_JOB_STATUSES);

interface Health {
  status: string;
  activeJobs: string[];
  symbolsInFlight: number;
}

let stack: FaultStack;
let worker: WorkerProcess;
let base: string;

async function health(): Promise<Health> {
  return (await (await fetch(`${base}/healthz`)).json()) as Health;
}

/** `tickstock_jobs_running` as served at /metrics. */
async function jobsRunningGauge(): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const m = /^tickstock_jobs_running (\S+)$/m.exec(text);
  if (!m) throw new Error('no tickstock_jobs_running in /metrics');
  return Number(m[1]);
}

/** The worker's log lines at warn level and above, and its last lines, for failure messages. */
function notable(w: WorkerProcess): string {
  const warnings = logRecords(w)
    .filter((r) => Number(r.level) >= 40)
    .map((r) => `${String(r.msg)}${r.error ? `: ${String(r.error)}` : ''}`);
  return [...new Set(warnings)].slice(-20).join('\n') + '\n--- last lines ---\n' + w.lines.slice(-15).join('\n');
}

beforeAll(async () => {
  // appendfsync always: the restarted Redis has everything it acknowledged (queues, status, locks: expired by then).
  stack = await startFaultStack({ redis: { appendOnly: true }, simulator: { latency: { fixedMs: 150, jitterMs: 100 } } });
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  // The fault suite's 2 s queue lock (FAULT_WORKER_ENV), so the entries the outage left without a lock are taken
  // back within seconds of Redis returning; with the default 30 s lock the same happens within about a minute.
  worker = await spawnWorker(stack, {
    env: { ...FAULT_WORKER_ENV },
    args: ['--drain-timeout', String(DRAIN_S), '--http-port', String(port)],
  });
}, 90_000);

afterAll(async () => {
  // SIGKILL at once if the worker is still there (the hang this test is about).
  if (worker) await stopWorkers([worker], 1_000);
  await stack?.close();
}, 60_000);

describe('Redis down ~30 s mid-job (data kept), then SIGTERM', () => {
  it('the worker exits within its drain limit, and /metrics agrees with /healthz on running jobs before it stops', async () => {
    const t0 = Date.now();
    const at = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
    const jobId = await submitFaultJob(stack, SPEC);
    const before = await waitForStatus(stack, jobId, (s) => processed(s) >= 3, 'at least 3 symbols processed', 60_000);
    expect(processed(before)).toBeLessThan(SPEC.symbols.length); // mid-job
    // Sanity: both views count the job while nothing has gone wrong.
    expect({ healthz: (await health()).activeJobs, gauge: await jobsRunningGauge() }).toEqual({ healthz: [jobId], gauge: 1 });

    await stack.redisServer.restart({ signal: 'SIGTERM', downMs: OUTAGE_MS });
    const afterRestart = await currentStatus(stack, jobId);
    expect(afterRestart?.status, 'the job status survived the restart (data kept)').toBe('running');
    console.log(
      `[faults] ${at()}: Redis back after ${OUTAGE_MS / 1000} s down (job at ${processed(afterRestart ?? {})}/${SPEC.symbols.length})`,
    );

    const final = await waitForFinal(stack, jobId, 120_000);
    expect(final.status).toBe('completed');
    // /healthz settles at once when a job ends; give the worker a moment anyway before comparing.
    const h = await waitFor(
      async () => {
        const r = await health();
        return r.activeJobs.length === 0 && r.symbolsInFlight === 0 ? r : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 200, what: '/healthz to show no job and no symbol in flight' },
    );
    await new Promise((r) => setTimeout(r, 1_000));
    const gauge = await jobsRunningGauge();
    const resumed = logRecords(worker).filter((r) => r.msg === 'resuming a job its previous worker did not finish').length;
    console.log(
      `[faults] ${at()}: job ${final.status}; /healthz activeJobs=${JSON.stringify(h.activeJobs)} symbolsInFlight=${h.symbolsInFlight}, ` +
        `/metrics tickstock_jobs_running=${gauge}; coordinator entry taken again after the outage: ${resumed} time(s)`,
    );
    expect(gauge, '/metrics tickstock_jobs_running must equal /healthz activeJobs.length').toBe(h.activeJobs.length);
    // The status the app saw went forward only, to one final status.
    const seen = stack.events.json(CHANNELS.jobStatus).filter((s) => s.job_id === jobId);
    const progress = seen.map((s) => Number(s.progress));
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(seen.filter((s) => FINAL.has(String(s.status))).map((s) => s.status)).toEqual(['completed']);

    const sent = Date.now();
    worker.child.kill('SIGTERM');
    const limitMs = DRAIN_S * 1000 + EXIT_MARGIN_MS;
    const exitCode = await Promise.race([
      worker.exited,
      new Promise<'still running'>((r) => setTimeout(() => r('still running'), limitMs)),
    ]);
    const tookMs = Date.now() - sent;
    console.log(
      `[faults] ${at()}: SIGTERM -> ${exitCode === 'still running' ? `still running after ${tookMs} ms` : `exit ${exitCode} after ${tookMs} ms`}`,
    );
    expect(
      { exitCode, withinMs: exitCode === 'still running' ? null : tookMs <= limitMs },
      `the worker must exit within ${limitMs} ms of SIGTERM; its warnings and last lines:\n${notable(worker)}`,
    ).toEqual({ exitCode: 0, withinMs: true });
  }, 240_000);
});
