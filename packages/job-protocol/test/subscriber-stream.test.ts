import { type RedisServer, startRedisServer, waitFor } from '@tickstock/test-support';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LIVE_APP_JOB } from '../src/conformance/examples.js';
import {
  CHANNELS,
  type ControlMessage,
  type DataLoadJob,
  type DataLoadRequest,
  type ErrorEvent,
  type JobDelivery,
  JobSubscriber,
  type JobSubscriberOptions,
  jobClaimKey,
  KEYS,
  parseErrorEvent,
  readJobStatus,
  type SubscriberReport,
  submitJob,
} from '../src/index.js';
import { MAX_MESSAGE_LENGTH } from '../src/json.js';

let server: RedisServer;
let redis: Redis;
let listener: Redis;
const errorEvents: ErrorEvent[] = [];
const running: JobSubscriber[] = [];

beforeAll(async () => {
  server = await startRedisServer();
  redis = new Redis(server.url);
  listener = new Redis(server.url);
  listener.on('message', (_c: string, m: string) => {
    const r = parseErrorEvent(m);
    if (r.ok) errorEvents.push(r.value);
  });
  await listener.subscribe(CHANNELS.errors);
});

afterAll(async () => {
  await Promise.all([listener.quit(), redis.quit()]);
  await server.stop();
});

beforeEach(async () => {
  await redis.flushall();
  errorEvents.length = 0;
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

function worker(options: Partial<JobSubscriberOptions> = {}) {
  const jobs: Array<{ request: DataLoadRequest; delivery: JobDelivery }> = [];
  const reports: SubscriberReport[] = [];
  const controls: ControlMessage[] = [];
  const sub = new JobSubscriber(redis, {
    onJob: (request, delivery) => {
      jobs.push({ request, delivery });
    },
    onControl: (c) => {
      controls.push(c);
    },
    onReport: (r) => reports.push(r),
    streamBlockMs: 100,
    preWriteWaitMs: 0,
    ...options,
  });
  running.push(sub);
  return { sub, jobs, reports, controls };
}

const job = (id: string): DataLoadJob => ({ ...(JSON.parse(LIVE_APP_JOB) as DataLoadJob), job_id: id });

describe('the durable stream', () => {
  it('a job submitted while no subscriber is connected is picked up from the stream when one starts', async () => {
    const submitted = await submitJob(redis, job('offline-1'));
    expect(submitted.receivers).toBe(0); // pub/sub alone would have lost it
    expect(submitted.initialStatusWritten).toBe(true);
    const w = worker();
    await w.sub.start();
    await waitFor(() => w.jobs.length === 1, { what: 'the job from the stream' });
    expect(w.jobs[0]?.request.jobId).toBe('offline-1');
    expect(w.jobs[0]?.delivery).toEqual({ via: 'stream', raw: JSON.stringify(job('offline-1')), streamId: submitted.streamId });
    // acknowledged: nothing pending for the group
    await waitFor(async () => ((await redis.xpending(KEYS.dataLoadStream, 'tickstock-data-load-workers')) as [number])[0] === 0, {
      what: 'the ack',
    });
  });

  it('the same job via pub/sub and the stream is delivered once', async () => {
    const w = worker();
    await w.sub.start();
    const submitted = await submitJob(redis, job('both-1'));
    expect(submitted.receivers).toBe(1);
    await waitFor(() => w.reports.some((r) => r.kind === 'duplicate'), { what: 'the second copy' });
    expect(w.jobs.map((j) => j.request.jobId)).toEqual(['both-1']);
    expect(w.reports.filter((r) => r.kind === 'duplicate')).toHaveLength(1);
    expect(w.sub.stats).toMatchObject({ jobs: 1, duplicates: 1 });
    expect(await redis.get(jobClaimKey('both-1'))).toBeTypeOf('string');
    expect(await redis.ttl(jobClaimKey('both-1'))).toBeGreaterThan(86_300);
  });

  it('two workers share the stream and pub/sub, and each of 20 jobs runs exactly once', async () => {
    const a = worker({ consumer: 'worker-a' });
    const b = worker({ consumer: 'worker-b' });
    await Promise.all([a.sub.start(), b.sub.start()]);
    const ids = Array.from({ length: 20 }, (_, i) => `shared-${i}`);
    for (const id of ids) await submitJob(redis, job(id));
    // every job arrives 4 times (2 pub/sub + 1 stream entry, read by one worker of the group): 1 run, the rest duplicates
    await waitFor(() => a.sub.stats.duplicates + b.sub.stats.duplicates === 40, { what: '40 duplicates' });
    const ran = [...a.jobs, ...b.jobs].map((j) => j.request.jobId).sort();
    expect(ran).toEqual([...ids].sort());
  });

  it('a job submitted twice with the same job_id runs once', async () => {
    const w = worker();
    await w.sub.start();
    await submitJob(redis, job('twice-1'));
    await submitJob(redis, job('twice-1'));
    await waitFor(() => w.sub.stats.duplicates === 3, { what: 'three duplicates' });
    expect(w.jobs).toHaveLength(1);
  });

  it('stream entries older than maxJobAgeMs are acknowledged and skipped, never run', async () => {
    await submitJob(redis, job('old-1'));
    const w = worker({ now: () => Date.now() + 25 * 3_600_000 });
    await w.sub.start();
    await waitFor(() => w.reports.some((r) => r.kind === 'expired'), { what: 'the expired report' });
    expect(w.jobs).toEqual([]);
    expect(w.sub.stats.expired).toBe(1);
  });

  it('a stream entry without a job field becomes an error event', async () => {
    await redis.xadd(KEYS.dataLoadStream, '*', 'payload', '{}');
    const w = worker();
    await w.sub.start();
    await waitFor(() => errorEvents.length === 1, { what: 'the error event' });
    expect(errorEvents[0]).toMatchObject({ category: 'STREAM_ENTRY_INVALID', severity: 'warning' });
    expect(errorEvents[0]?.message).toMatch(/^Stream entry \d+-\d+ of tickstock.jobs.data_load.stream has no "job" field; skipped$/);
  });

  it('an invalid job read from the stream gets a failed status', async () => {
    await redis.xadd(KEYS.dataLoadStream, '*', 'job', JSON.stringify({ ...job('bad-1'), years: 500 }));
    const w = worker();
    await w.sub.start();
    const status = await waitFor(() => readJobStatus(redis, 'bad-1'), { what: 'the failed status' });
    expect(status.ok && status.value).toMatchObject({
      status: 'failed',
      error_message: 'YEARS_OUT_OF_RANGE at years: years 500 is out of range: it must be above 0 and at most 50',
    });
    expect(w.jobs).toEqual([]);
  });
});

describe('an over-long job message', () => {
  it('whose job_id is readable at its head gets a failed status naming the size limit; one without gets an error event', async () => {
    const w = worker({ stream: false });
    await w.sub.start();
    const huge = JSON.stringify({ ...job('huge-1'), symbols: Array.from({ length: 120_000 }, (_, i) => `S${i}`) });
    expect(huge.length).toBeGreaterThan(MAX_MESSAGE_LENGTH);
    await redis.publish(CHANNELS.dataLoad, huge);
    const status = await waitFor(() => readJobStatus(redis, 'huge-1'), { what: 'the failed status' });
    expect(status.ok && status.value).toMatchObject({
      status: 'failed',
      message: `Job rejected: message of ${huge.length} characters is longer than ${MAX_MESSAGE_LENGTH}`,
    });
    await redis.publish(CHANNELS.dataLoad, `{"symbols": [${'"AAPL",'.repeat(150_000)}"MSFT"]}`);
    await waitFor(() => errorEvents.some((e) => e.message.includes('is longer than')), { what: 'the error event' });
    expect(w.jobs).toEqual([]);
  });
});

describe('control, handlers and shutdown', () => {
  it('hands cancel and cancel_all to onControl, reports bad ones and ignores foreign ones quietly', async () => {
    const w = worker({ stream: false });
    await w.sub.start();
    await redis.publish(
      CHANNELS.control,
      '{"job_id": "j-1", "action": "cancel", "requested_by": "admin", "timestamp": "2025-12-23T12:20:00"}',
    );
    await redis.publish(CHANNELS.control, '{"command": "cancel_all", "reason": "shutdown"}');
    await redis.publish(CHANNELS.control, '{"test": "health_check"}');
    await redis.publish(CHANNELS.control, '{"action": "cancel"}');
    await waitFor(() => errorEvents.length === 1 && w.controls.length === 2, { what: 'controls and one error' });
    expect(w.controls).toEqual([
      { job_id: 'j-1', action: 'cancel', requested_by: 'admin', timestamp: '2025-12-23T12:20:00' },
      { command: 'cancel_all', reason: 'shutdown' },
    ]);
    expect(errorEvents[0]).toMatchObject({
      category: 'JOB_ID_MISSING',
      message: 'Rejected a message on tickstock.jobs.control: JOB_ID_MISSING at job_id: job_id is required',
    });
    expect(w.sub.stats).toMatchObject({ controls: 2, ignored: 1, invalid: 1 });
  });

  it('a throwing onJob becomes an error event (secrets scrubbed) and the subscriber carries on', async () => {
    const key = `test-key-${Math.random().toString(36).slice(2)}`;
    let calls = 0;
    const w = worker({
      stream: false,
      onJob: async () => {
        calls += 1;
        if (calls === 1) throw new Error(`GET /v2/aggs?apiKey=${key} failed`);
      },
    });
    await w.sub.start();
    await redis.publish(CHANNELS.dataLoad, JSON.stringify(job('throws-1')));
    await waitFor(() => errorEvents.length === 1, { what: 'the handler error' });
    expect(errorEvents[0]).toMatchObject({
      category: 'HANDLER_FAILED',
      severity: 'error',
      message: 'handler failed for job throws-1: GET /v2/aggs?apiKey=[REDACTED] failed',
    });
    expect(JSON.stringify(errorEvents[0])).not.toContain(key);
    await redis.publish(CHANNELS.dataLoad, JSON.stringify(job('after-1')));
    await waitFor(() => calls === 2, { what: 'the next job' });
  });

  it('stop() closes its own connections and no job is delivered afterwards', async () => {
    const before = (await redis.client('LIST')) as string;
    const w = worker();
    await w.sub.start();
    const count = async () => ((await redis.client('LIST')) as string).trim().split('\n').length;
    const baseline = before.trim().split('\n').length;
    await waitFor(async () => (await count()) === baseline + 2, { what: 'a subscriber and a stream reader connection' });
    await w.sub.stop();
    await waitFor(async () => (await count()) === baseline, { what: 'closed connections' });
    expect(await redis.publish(CHANNELS.dataLoad, JSON.stringify(job('late-1')))).toBe(0); // nobody subscribed any more
    expect(w.jobs).toEqual([]);
  });
});

describe('hand-off mode (awaitJobHandler)', () => {
  it('acknowledges the stream entry only after the handler resolved', async () => {
    let release: () => void = () => {};
    const handed = new Promise<void>((resolve) => {
      release = resolve;
    });
    const seen: string[] = [];
    const w = worker({
      stream: true,
      awaitJobHandler: true,
      onJob: async (request) => {
        seen.push(request.jobId);
        await handed;
      },
    });
    await redis.xadd(KEYS.dataLoadStream, '*', 'job', JSON.stringify(job('handoff-1')));
    await w.sub.start();
    await waitFor(() => seen.length === 1, { what: 'the handler to be called' });
    const pending = async () => ((await redis.xpending(KEYS.dataLoadStream, 'tickstock-data-load-workers')) as [number])[0];
    expect(await pending()).toBe(1);
    release();
    await waitFor(async () => (await pending()) === 0, { what: 'the entry to be acknowledged' });
    expect(seen).toEqual(['handoff-1']);
  });

  it('when the handler throws: reports it, releases the claim and leaves the entry pending, so the job is not lost', async () => {
    const w = worker({
      awaitJobHandler: true,
      onJob: () => {
        throw new Error('queue unavailable');
      },
    });
    await redis.xadd(KEYS.dataLoadStream, '*', 'job', JSON.stringify(job('handoff-2')));
    await w.sub.start();
    await waitFor(() => w.reports.some((r) => r.kind === 'error'), { what: 'the failure report' });
    const report = w.reports.find((r) => r.kind === 'error');
    expect(report?.kind === 'error' && report.error.code).toBe('HANDLER_FAILED');
    expect(report?.kind === 'error' && report.error.message).toBe('could not hand job handoff-2 over: queue unavailable');
    expect(await redis.exists(jobClaimKey('handoff-2'))).toBe(0);
    expect(((await redis.xpending(KEYS.dataLoadStream, 'tickstock-data-load-workers')) as [number])[0]).toBe(1);
  });

  it('takes over an entry a dead consumer read but never handed over, despite its claim, and acknowledges it', async () => {
    await redis.xgroup('CREATE', KEYS.dataLoadStream, 'tickstock-data-load-workers', '0', 'MKSTREAM');
    await redis.xadd(KEYS.dataLoadStream, '*', 'job', JSON.stringify(job('orphan-1')));
    // The dead consumer: read the entry and claimed the job, then died before handing it over.
    await redis.xreadgroup('GROUP', 'tickstock-data-load-workers', 'dead-worker', 'COUNT', 10, 'STREAMS', KEYS.dataLoadStream, '>');
    await redis.set(jobClaimKey('orphan-1'), 'dead-worker', 'EX', 3600);
    await new Promise((r) => setTimeout(r, 150));
    const w = worker({ awaitJobHandler: true, reclaimIdleMs: 100 });
    await w.sub.start();
    await waitFor(() => w.jobs.length === 1, { what: 'the orphaned job' });
    expect(w.jobs[0]?.request.jobId).toBe('orphan-1');
    expect(w.jobs[0]?.delivery.via).toBe('stream');
    await waitFor(async () => ((await redis.xpending(KEYS.dataLoadStream, 'tickstock-data-load-workers')) as [number])[0] === 0, {
      what: 'the entry to be acknowledged',
    });
  });
});
