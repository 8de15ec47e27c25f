import { type RedisServer, startRedisServer, waitFor } from '@tickstock/test-support';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIVE_APP_JOB } from '../src/conformance/examples.js';
import {
  CHANNELS,
  type ControlMessage,
  type DataLoadRequest,
  type ErrorEvent,
  JobSubscriber,
  jobStatusKey,
  parseErrorEvent,
  parseJobStatus,
  type SubscriberReport,
} from '../src/index.js';

let server: RedisServer;
let redis: Redis;
let publisher: Redis;
let listener: Redis;
const errorEvents: ErrorEvent[] = [];

beforeAll(async () => {
  server = await startRedisServer();
  redis = new Redis(server.url);
  publisher = new Redis(server.url);
  listener = new Redis(server.url);
  listener.on('message', (_c: string, m: string) => {
    const r = parseErrorEvent(m);
    if (!r.ok) throw new Error(`invalid error event: ${m}`);
    errorEvents.push(r.value);
  });
  await listener.subscribe(CHANNELS.errors);
});

afterAll(async () => {
  await Promise.all([listener.quit(), publisher.quit(), redis.quit()]);
  await server.stop();
});

describe('JobSubscriber under a flood of malformed messages', () => {
  it('survives 1,000 malformed messages, reports each clearly, ignores foreign ones and still runs the next valid job', async () => {
    const jobs: DataLoadRequest[] = [];
    const controls: ControlMessage[] = [];
    const reports: SubscriberReport[] = [];
    const sub = new JobSubscriber(redis, {
      onJob: (r) => {
        jobs.push(r);
      },
      onControl: (c) => {
        controls.push(c);
      },
      onReport: (r) => reports.push(r),
      stream: false,
      preWriteWaitMs: 20,
    });
    await sub.start();

    const live = JSON.parse(LIVE_APP_JOB);
    const messages: string[] = [];
    for (let i = 0; i < 300; i++) messages.push(`{"job_id": "broken-${i}", "job_type": `); // invalid JSON
    for (let i = 0; i < 100; i++) messages.push(['[1, 2]', '"just text"', '42', 'null'][i % 4] as string); // not objects
    for (let i = 0; i < 200; i++) messages.push(JSON.stringify({ job_type: 'csv_universe_load', symbols: ['AAPL'] })); // no job_id
    for (let i = 0; i < 100; i++) messages.push(JSON.stringify({ ...live, job_id: { nested: i } })); // unusable job_id
    for (let i = 0; i < 100; i++) messages.push(JSON.stringify({ ...live, job_id: `bad-years-${i}`, years: -1 }));
    for (let i = 0; i < 50; i++)
      messages.push(JSON.stringify({ ...live, job_id: `bad-symbol-${i}`, symbols: ['AAPL; DROP TABLE symbols'] }));
    for (let i = 0; i < 100; i++) messages.push(i % 2 ? '{"test": "health_check"}' : '{"producer": "someone-else", "n": 1}'); // foreign
    for (let i = 0; i < 50; i++) messages.push('{"action": "explode"}'); // invalid control
    expect(messages).toHaveLength(1_000);
    for (const [i, m] of messages.entries()) await publisher.publish(i >= 950 ? CHANNELS.control : CHANNELS.dataLoad, m);
    await publisher.publish(CHANNELS.dataLoad, LIVE_APP_JOB);

    await waitFor(() => jobs.length === 1, { what: 'the valid job' });
    expect(jobs[0]?.jobId).toBe('e33cca95-c71a-44ce-a377-3b232fa379ae');
    expect(jobs[0]?.target).toEqual({ kind: 'symbols', symbols: ['AAPL', 'MSFT'] });

    // 700 job messages without a usable job_id and 50 bad controls -> error events; 150 with a job_id -> failed
    // statuses and an error event each (severity error: a job the app waits on)
    await waitFor(() => errorEvents.length === 900, { what: '900 error events', timeoutMs: 20_000 });
    expect(sub.stats).toEqual({ jobs: 1, controls: 0, invalid: 900, ignored: 100, duplicates: 0, expired: 0 });
    expect(controls).toEqual([]);
    const byCode = errorEvents.reduce<Record<string, number>>((acc, e) => {
      acc[e.category as string] = (acc[e.category as string] ?? 0) + 1;
      return acc;
    }, {});
    expect(byCode).toEqual({
      INVALID_JSON: 300,
      NOT_AN_OBJECT: 100,
      JOB_ID_MISSING: 200,
      JOB_ID_INVALID: 100,
      CONTROL_INVALID: 50,
      YEARS_OUT_OF_RANGE: 100,
      SYMBOL_INVALID: 50,
    });
    expect(errorEvents.find((e) => e.context?.job_id === 'bad-years-7')).toMatchObject({
      severity: 'error',
      category: 'YEARS_OUT_OF_RANGE',
      component: 'job-subscriber',
      message: expect.stringContaining('Job bad-years-7 rejected: YEARS_OUT_OF_RANGE at years'),
    });
    const noId = errorEvents.find((e) => e.category === 'JOB_ID_MISSING');
    expect(noId).toMatchObject({
      source: 'TickStockPL',
      severity: 'warning',
      component: 'job-subscriber',
      message: 'Rejected a message on tickstock.jobs.data_load: JOB_ID_MISSING at job_id: job_id is required',
    });
    expect(noId?.context).toMatchObject({ code: 'JOB_ID_MISSING', channel: 'tickstock.jobs.data_load', via: 'pubsub' });

    for (const [prefix, code] of [
      ['bad-years', 'YEARS_OUT_OF_RANGE'],
      ['bad-symbol', 'SYMBOL_INVALID'],
    ] as const) {
      for (const i of [0, 49]) {
        const id = `${prefix}-${i}`;
        const text = await waitFor(() => redis.get(jobStatusKey(id)), { what: `failed status of ${id}` });
        const status = parseJobStatus(text);
        expect(status.ok && status.value).toMatchObject({ job_id: id, job_type: 'csv_universe_load', status: 'failed', progress: 0 });
        expect(status.ok && status.value.error_message).toMatch(new RegExp(`^${code} at `));
        expect(status.ok && status.value.completed_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      }
    }
    await sub.stop();
    expect(reports.filter((r) => r.kind === 'error' || r.kind === 'dropped')).toEqual([]);
    expect(reports.filter((r) => r.kind === 'ignored')).toHaveLength(100);
  });
});
