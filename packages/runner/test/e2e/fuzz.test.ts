/**
 * The worker process under a flood of hostile messages: random and mutated JSON, messages of 1 MiB and more,
 * nesting 10,000 deep, injection strings and hostile unicode, on the job channel, the durable stream and the
 * control channel. Only what is visible from outside is checked: Redis messages in; statuses, error events, log
 * lines, metrics and database rows out. The worker must stay up, write nothing for an invalid message, report each
 * one (a `failed` status when a job_id can be read, an error event otherwise) and go on loading valid jobs exactly.
 * What each message must become is computed with the protocol's own parser, the way the subscriber uses it.
 * Rerun with FUZZ_SEED=<seed> (printed in the test names) to reproduce a failure.
 */
import { randomUUID } from 'node:crypto';
import {
  CHANNELS,
  DATA_LOAD_STREAM_FIELD,
  dataLoadRanges,
  formatIssues,
  isForeignControlMessage,
  isForeignJobMessage,
  JOB_ID_PATTERN,
  jobStatusKey,
  KEYS,
  type ProtocolIssue,
  parseControlMessage,
  parseDataLoadJob,
  readJobStatus,
} from '@tickstock/job-protocol';
import { redactCredentials } from '@tickstock/market-time/redact';
import {
  FuzzRandom,
  freePort,
  fuzzSeed,
  HOSTILE_STRINGS,
  type Json,
  nestedArrayText,
  nestedObjectText,
  setOwn,
  waitFor,
} from '@tickstock/test-support';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectedBars,
  type Stack,
  spawnWorker,
  startStack,
  storedBars,
  submit,
  type WorkerProcess,
  waitForFinalStatus,
} from './harness.js';

const SEED = fuzzSeed();
const MAX_MESSAGE = 1_048_576;
const DEEP = 10_000;
const STREAM_ENTRY_PREFIX = `Stream entry `;

let stack: Stack;
let worker: WorkerProcess;
let httpUrl: string;

beforeAll(async () => {
  stack = await startStack();
  const port = await freePort();
  worker = await spawnWorker(stack, { args: ['--http-port', String(port)] });
  httpUrl = `http://127.0.0.1:${port}`;
}, 120_000);

afterAll(async () => {
  // The worker is still the one started at the beginning, and stops cleanly.
  const code = await worker?.stop('SIGTERM');
  expect(code).toBe(0);
  await stack?.close();
}, 60_000);

// ---- what the worker must make of each message (the subscriber's rules, with the protocol's own parser) -------

type Outcome =
  | { kind: 'failed'; jobId: string; errors: ProtocolIssue[] }
  | { kind: 'event'; code: string; message: string }
  | { kind: 'ignored' };

interface Planned {
  route: 'pubsub' | 'stream' | 'control';
  label: string;
  text: string;
  outcome: Outcome;
}

function parsedObject(text: string): Record<string, unknown> | undefined {
  if (text.length > MAX_MESSAGE) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const rejection = (channel: string, errors: ProtocolIssue[]): Outcome => ({
  kind: 'event',
  code: errors[0]?.code ?? 'FIELD_INVALID',
  message: redactCredentials(`Rejected a message on ${channel}: ${formatIssues(errors)}`),
});

/** A job message: ignored when foreign, a failed status when its job_id can be read, else an error event. */
function judgeJob(text: string): Outcome | 'valid' {
  const obj = parsedObject(text);
  if (obj && isForeignJobMessage(obj)) return { kind: 'ignored' };
  const r = parseDataLoadJob(text);
  if (r.ok) return 'valid';
  return r.jobId === undefined ? rejection(CHANNELS.dataLoad, r.errors) : { kind: 'failed', jobId: r.jobId, errors: r.errors };
}

/** A control message: ignored when foreign (neither action nor command), else an error event when invalid. */
function judgeControl(text: string): Outcome | 'valid' {
  const obj = parsedObject(text);
  if (obj && isForeignControlMessage(obj)) return { kind: 'ignored' };
  const r = parseControlMessage(text);
  return r.ok ? 'valid' : rejection(CHANNELS.control, r.errors);
}

// ---- the flood -------------------------------------------------------------------------------------------------

const BASE_JOB: Record<string, Json> = { job_id: 'x', job_type: 'historical_load', symbols: ['AAPL'], years: 0.02, timespan: 'day' };
const EXAMPLES: Record<string, Json>[] = [
  BASE_JOB,
  { job_id: 'x', job_type: 'csv_universe_load', symbols: ['AAPL', 'MSFT'], timeframes: ['1min', 'day'], years: 0.003, source: 'DIA' },
  { job_id: 'x', job_type: 'csv_universe_load', csv_file: 'sp_500.csv', universe_type: 'sp_500', years: 1 },
  { job_id: 'x', job_type: 'multi_timeframe_load', symbols: ['NVDA'], years: 0.08 },
  { job_id: 'x', job_type: 'universe_seed', universe_type: 'NASDAQ100', years: 2 },
];
const CONTROLS: Record<string, Json>[] = [
  { job_id: 'x', action: 'cancel', requested_by: 'admin', timestamp: '2025-12-23T12:15:13' },
  { command: 'cancel_all', reason: 'maintenance' },
];
const FIELDS = ['job_id', 'job_type', 'symbols', 'timeframes', 'timespan', 'years', 'csv_file', 'universe_type', 'requested_by', 'source'];

function withField(value: Record<string, Json>, field: string, v: Json): Record<string, Json> {
  const out = { ...value };
  setOwn(out, field, v);
  return out;
}

/** JSON text of `value` with one field's value given as raw JSON text (for nesting JSON.stringify cannot write). */
function withRawField(value: Record<string, Json>, field: string, rawJson: string): string {
  return JSON.stringify(withField(value, field, '@@raw@@')).replace('"@@raw@@"', () => rawJson);
}

/** Plans a few hundred invalid or foreign messages; each job_id that can be read is used once. */
function planFlood(rng: FuzzRandom): Planned[] {
  const plan: Planned[] = [];
  const usedIds = new Set<string>();
  let n = 0;
  const uniqueId = () => `fuzz-${SEED}-${n++}`;
  const add = (route: Planned['route'], label: string, original: string): void => {
    // Judged as the worker receives it: Redis carries UTF-8, where a lone surrogate becomes U+FFFD.
    const text = Buffer.from(original, 'utf8').toString('utf8');
    const outcome = route === 'control' ? judgeControl(text) : judgeJob(text);
    if (outcome === 'valid') return; // the flood is hostile only: valid jobs are sent on purpose, below
    if (outcome.kind === 'failed') {
      if (usedIds.has(outcome.jobId)) return; // a second message with the job_id would only be a duplicate
      usedIds.add(outcome.jobId);
    }
    plan.push({ route, label: `${label} (seed ${SEED})`, text, outcome });
  };
  const jobRoute = (): 'pubsub' | 'stream' => (rng.chance(0.65) ? 'pubsub' : 'stream');
  const ownId = (value: Record<string, Json>) => (typeof value['job_id'] === 'string' ? withField(value, 'job_id', uniqueId()) : value);

  for (let i = 0; plan.length < 260 && i < 2_000; i++) {
    switch (i % 6) {
      case 0:
        add(jobRoute(), `random JSON #${i}`, JSON.stringify(rng.json(3)));
        break;
      case 1:
        add(jobRoute(), `job-like #${i}`, JSON.stringify(ownId(rng.jobLike())));
        break;
      case 2: {
        let job = withField(rng.pick(EXAMPLES), 'job_id', uniqueId());
        for (let k = 1 + rng.int(2); k > 0; k--) {
          const field = rng.pick(FIELDS);
          job = withField(job, field, rng.chance(0.5) ? rng.plausible(field) : rng.json(2));
        }
        add(jobRoute(), `mutated example #${i}`, JSON.stringify(job));
        break;
      }
      case 3: {
        const field = rng.pick(FIELDS);
        const h = rng.pick(HOSTILE_STRINGS);
        const base = withField(rng.pick(EXAMPLES), 'job_id', uniqueId());
        const value: Json = field === 'symbols' ? ['AAPL', h.text] : field === 'job_id' ? `${h.text}#${n++}` : h.text;
        add(jobRoute(), `${h.name} in ${field} #${i}`, JSON.stringify(withField(base, field, value)));
        break;
      }
      case 4:
        add(jobRoute(), `text mutation #${i}`, rng.mutateText(JSON.stringify(withField(rng.pick(EXAMPLES), 'job_id', uniqueId()))));
        break;
      default: {
        const control = rng.pick(CONTROLS);
        const field = rng.pick(['job_id', 'action', 'command', 'reason', 'requested_by', 'timestamp']);
        const text = rng.chance(0.3)
          ? rng.mutateText(JSON.stringify(control))
          : JSON.stringify(withField(control, field, rng.chance(0.5) ? rng.pick(HOSTILE_STRINGS).text : rng.json(2)));
        add('control', `control #${i}`, text);
        if (rng.chance(0.3)) add('control', `random control #${i}`, JSON.stringify(rng.json(2)));
      }
    }
  }

  // The big and the deep, on every route.
  const padTo = (job: Record<string, Json>, length: number) => {
    const empty = JSON.stringify({ ...job, pad: '' });
    return JSON.stringify({ ...job, pad: 'p'.repeat(length - empty.length) });
  };
  for (const route of ['pubsub', 'stream'] as const) {
    add(route, 'over 1 MiB, with a job_id', padTo({ ...BASE_JOB, job_id: uniqueId() }, MAX_MESSAGE + 1));
    const tooMany = {
      ...BASE_JOB,
      job_id: uniqueId(),
      symbols: Array.from({ length: 10_001 }, (_, k) => `T${k.toString(36).toUpperCase()}`),
    };
    add(route, '1 MiB job of 10,001 symbols', padTo(tooMany, MAX_MESSAGE - 64));
    add(route, `${DEEP}-deep array`, nestedArrayText(DEEP));
    add(route, `${DEEP}-deep object (no job_id: foreign)`, nestedObjectText(DEEP));
    add(route, `${DEEP}-deep symbols`, withRawField({ ...BASE_JOB, job_id: uniqueId() }, 'symbols', nestedArrayText(DEEP)));
    add(route, `${DEEP}-deep job_type`, withRawField({ ...BASE_JOB, job_id: uniqueId() }, 'job_type', nestedArrayText(DEEP)));
    add(route, `${DEEP}-deep job_id`, withRawField(BASE_JOB, 'job_id', nestedObjectText(DEEP)));
    add(route, 'unclosed nesting', '['.repeat(DEEP));
    add(
      route,
      'SQL in a symbol list',
      JSON.stringify({ ...BASE_JOB, job_id: uniqueId(), symbols: ['AAPL', "'; DROP TABLE ohlcv_daily; --"] }),
    );
    add(
      route,
      'CSV path escape',
      JSON.stringify({ job_id: uniqueId(), job_type: 'csv_universe_load', csv_file: '../../etc/passwd', years: 1 }),
    );
    add(route, 'health check', '{"test": "health_check"}');
  }
  add('control', 'control over 1 MiB', JSON.stringify({ command: 'cancel_all', reason: 'r'.repeat(MAX_MESSAGE) }));
  add('control', 'control with a 1 MiB command', JSON.stringify({ command: 'c'.repeat(MAX_MESSAGE - 20) }));
  add('control', `control ${DEEP}-deep job_id`, withRawField(CONTROLS[0] as Record<string, Json>, 'job_id', nestedArrayText(DEEP)));
  add('control', `control ${DEEP}-deep command`, withRawField(CONTROLS[1] as Record<string, Json>, 'command', nestedObjectText(DEEP)));
  add('control', `control ${DEEP}-deep array`, nestedArrayText(DEEP));
  return plan;
}

// ---- valid jobs sent among the flood -----------------------------------------------------------------------------

interface ValidJob {
  jobId: string;
  symbols: string[];
  timeframes: ('day' | 'week')[];
  years: number;
}

const STORE_TF = { day: 'daily', week: 'weekly' } as const;
/** Valid jobs sent, and those that completed: the only ones allowed to have written anything. */
const sentJobs: ValidJob[] = [];
const completedJobs: ValidJob[] = [];

/** The job's final status; on a timeout, what the worker logged about it (to tell "refused" from "lost"). */
async function finalStatus(job: ValidJob, timeoutMs = 20_000): Promise<Record<string, unknown>> {
  sentJobs.push(job);
  return waitForFinalStatus(stack.redis, job.jobId, timeoutMs).catch((e: unknown) => {
    const said = worker.lines.filter((l) => l.includes(job.jobId) || /"level":(50|60)/.test(l)).map((l) => l.slice(0, 600));
    throw new Error(`${String(e)}; the worker logged:\n${said.join('\n') || '(nothing about it)'}`);
  });
}

/** A completed status, and exactly the simulator's bars in every table of the job. */
async function expectLoadedExactly(job: ValidJob, status: Record<string, unknown>): Promise<void> {
  expect(status).toMatchObject({ job_id: job.jobId, status: 'completed', progress: 100, failed_symbols: [], error_message: null });
  const { ranges } = dataLoadRanges(job.timeframes, job.years, Date.now());
  for (const symbol of job.symbols)
    for (const tf of job.timeframes) {
      const range = ranges[tf];
      if (!range) throw new Error(`no range for ${tf}`);
      const expected = expectedBars(stack, symbol, STORE_TF[tf], range.from, range.to);
      expect(expected.length, `${symbol} ${tf}`).toBeGreaterThan(0);
      expect(await storedBars(stack, symbol, STORE_TF[tf]), `${symbol} ${tf}`).toEqual(expected);
    }
  completedJobs.push(job);
}

async function expectCompletedExactly(job: ValidJob): Promise<void> {
  await expectLoadedExactly(job, await finalStatus(job));
}

/** Publishes a job as text the way submitJob() does (pre-written status, stream entry, pub/sub). */
async function publishJobText(jobId: string, text: string): Promise<void> {
  await stack.redis
    .multi()
    .hset(jobStatusKey(jobId), { status: 'submitted', progress: '0', message: 'Job submitted to processing queue' })
    .expire(jobStatusKey(jobId), 86_400)
    .xadd(KEYS.dataLoadStream, '*', DATA_LOAD_STREAM_FIELD, text)
    .publish(CHANNELS.dataLoad, text)
    .exec();
}

async function invalidMetrics(): Promise<Record<string, number>> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const m of text.matchAll(/^tickstock_invalid_messages_total\{reason="([A-Z_]+)"\} (\d+)$/gm)) counts[m[1] as string] = Number(m[2]);
  return counts;
}

function tally(items: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) out[i] = (out[i] ?? 0) + 1;
  return out;
}

// ---- the tests ---------------------------------------------------------------------------------------------------

describe(`worker under fuzzed job and control messages (seed ${SEED})`, () => {
  const plan = planFlood(new FuzzRandom(SEED));
  const failed = plan.flatMap((p) => (p.outcome.kind === 'failed' ? [{ ...p, outcome: p.outcome }] : []));
  const events = plan.flatMap((p) => (p.outcome.kind === 'event' ? [p.outcome] : []));
  const ignored = plan.filter((p) => p.outcome.kind === 'ignored');
  const streamEntryEvents: string[] = [];

  it('the flood is what it should be: a few hundred messages on every route, of every outcome', () => {
    const routes = tally(plan.map((p) => p.route));
    expect(plan.length).toBeGreaterThanOrEqual(250);
    expect(routes['pubsub']).toBeGreaterThan(100);
    expect(routes['stream']).toBeGreaterThan(50);
    expect(routes['control']).toBeGreaterThan(20);
    expect(failed.length).toBeGreaterThan(50);
    expect(events.length).toBeGreaterThan(50);
    expect(ignored.length).toBeGreaterThan(4);
    expect(plan.filter((p) => p.text.length >= MAX_MESSAGE - 64).length).toBe(6);
  });

  it('survives it, writes a failed status for each invalid job with a job_id, an error event for the rest, and loads valid jobs sent in between exactly', async () => {
    const jobA: ValidJob = { jobId: randomUUID(), symbols: ['AAPL'], timeframes: ['day'], years: 0.02 };
    // Valid, with hostile values where the protocol allows them: an odd (printable) job_id, injection strings and
    // unicode in free-text fields, padded and duplicated symbols, a __proto__ key. It must load like any other.
    const jobB: ValidJob = {
      jobId: `'";--../../etc/passwd\${x}__proto__%00#${SEED}`,
      symbols: ['MSFT'],
      timeframes: ['day', 'week'],
      years: 0.05,
    };
    expect(jobB.jobId).toMatch(JOB_ID_PATTERN);
    const jobBMessage: Record<string, Json> = {
      job_id: jobB.jobId,
      job_type: 'multi_timeframe_load',
      symbols: [' msft ', 'MSFT', '\ufeffmsft'],
      timeframes: ['week', 'day'],
      years: jobB.years,
      requested_by: "'; DROP TABLE ohlcv_daily; --",
      source: '\u202eLPAA 📈 \ud800',
      universe_key: 'AAPL\r\nMSFT\u0000',
      run_analysis_after_import: 'yes',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a template injection attempt, on purpose
      timestamp: '${process.env.DATABASE_URL}',
    };
    setOwn(jobBMessage, '__proto__', { polluted: 'yes' });

    // The app pre-writes a status hash before publishing; a few are left without, so the worker waits for it first.
    const prewrite = stack.redis.multi();
    for (const f of failed.slice(4))
      prewrite
        .hset(jobStatusKey(f.outcome.jobId), { status: 'submitted', progress: '0', message: 'Job submitted to processing queue' })
        .expire(jobStatusKey(f.outcome.jobId), 86_400);
    await prewrite.exec();

    const half = Math.floor(plan.length / 2);
    for (const [i, p] of plan.entries()) {
      if (i === half)
        await submit(stack, { job_id: jobA.jobId, job_type: 'historical_load', symbols: jobA.symbols, years: jobA.years, timespan: 'day' });
      if (p.route === 'stream') await stack.redis.xadd(KEYS.dataLoadStream, '*', DATA_LOAD_STREAM_FIELD, p.text);
      else await stack.redis.publish(p.route === 'control' ? CHANNELS.control : CHANNELS.dataLoad, p.text);
    }
    // Stream entries without a job field.
    for (const fields of [
      ['other', 'x'],
      ['JOB', '{}'],
      ['job_id', 'fuzz'],
    ]) {
      const id = await stack.redis.xadd(KEYS.dataLoadStream, '*', ...fields);
      streamEntryEvents.push(`Stream entry ${id} of ${KEYS.dataLoadStream} has no "${DATA_LOAD_STREAM_FIELD}" field; skipped`);
    }
    await submit(stack, jobBMessage);

    await expectCompletedExactly(jobA);
    await expectCompletedExactly(jobB);
    expect(worker.child.exitCode).toBeNull();

    // Every invalid job with a job_id: failed, with every issue, and nothing loaded.
    await waitFor(
      async () => {
        for (const f of failed) if ((await readJobStatus(stack.redis, f.outcome.jobId))?.ok !== true) return false;
        return true;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'a failed status for every invalid job with a job_id' },
    );
    for (const f of failed) {
      const s = await readJobStatus(stack.redis, f.outcome.jobId);
      const value = s?.ok ? (s.value as Record<string, unknown>) : undefined;
      expect(value, f.label).toMatchObject({
        job_id: f.outcome.jobId,
        status: 'failed',
        message: `Job rejected: ${f.outcome.errors[0]?.message}`,
        error_message: formatIssues(f.outcome.errors),
        processed_symbols: 0,
        successful_symbols: [],
      });
    }

    // ...and an `error` event each (the app waits on them: severity error reaches its error_logs), naming the job.
    await waitFor(
      () =>
        failed.every((f) =>
          stack.events.json(CHANNELS.errors).some((e) => (e.context as { job_id?: string } | undefined)?.job_id === f.outcome.jobId),
        ),
      { timeoutMs: 30_000, intervalMs: 200, what: 'an error event for every rejected job' },
    );
    for (const f of failed) {
      const event = stack.events
        .json(CHANNELS.errors)
        .find((e) => (e.context as { job_id?: string } | undefined)?.job_id === f.outcome.jobId);
      expect(event, f.label).toMatchObject({
        severity: 'error',
        category: f.outcome.errors[0]?.code,
        message: `Job ${f.outcome.jobId} rejected: ${formatIssues(f.outcome.errors)}`,
      });
    }

    // Every other invalid message: one error event each, category = the first code, the issues in the message.
    const rejectedEvents = () =>
      stack.events
        .json(CHANNELS.errors)
        .filter((e) => String(e.message).startsWith('Rejected a message on ') || String(e.message).startsWith(STREAM_ENTRY_PREFIX));
    await waitFor(() => rejectedEvents().length >= events.length + streamEntryEvents.length, {
      timeoutMs: 30_000,
      what: `${events.length + streamEntryEvents.length} error events`,
    });
    const seen = rejectedEvents().map((e) => `${e.category} | ${e.message}`);
    const wanted = [...events.map((e) => `${e.code} | ${e.message}`), ...streamEntryEvents.map((m) => `STREAM_ENTRY_INVALID | ${m}`)];
    expect(seen.sort()).toEqual(wanted.sort());
    for (const e of stack.events.json(CHANNELS.errors)) expect(e.source).toBe('TickStockPL');
    expect(stack.events.json(CHANNELS.errors).filter((e) => e.category === 'HANDLER_FAILED')).toEqual([]);

    // One warning per refused message in the log, and a metric per first code; foreign messages are only counted.
    const refusedLines = () => worker.lines.filter((l) => l.includes('refused an invalid job message'));
    const invalid = [...failed.map((f) => f.outcome.errors[0]?.code ?? ''), ...events.map((e) => e.code)];
    await waitFor(() => refusedLines().length >= invalid.length, { what: `${invalid.length} refusal log lines` });
    expect(refusedLines()).toHaveLength(invalid.length);
    expect(await invalidMetrics()).toEqual(tally(invalid));
    const health = (await (await fetch(`${httpUrl}/healthz`)).json()) as { subscriber?: Record<string, number> };
    expect(health.subscriber).toMatchObject({ invalid: invalid.length, ignored: ignored.length });
    // Reports stay short: no log line echoes a megabyte message.
    expect(Math.max(...worker.lines.map((l) => l.length))).toBeLessThan(20_000);
    expect(worker.child.exitCode).toBeNull();
  }, 60_000);

  it(`a valid job carrying ${DEEP}-deep nesting in an extra field is loaded, or refused with a failed status: never lost`, async () => {
    // The protocol keeps extra fields as they are, so this job is valid today. Whether a worker loads it, or the
    // protocol learns to refuse such nesting, either is fine; going silent (no final status) is not.
    const job: ValidJob = { jobId: randomUUID(), symbols: ['NVDA'], timeframes: ['day'], years: 0.02 };
    const text = withRawField({ ...BASE_JOB, job_id: job.jobId, symbols: job.symbols }, 'extra', nestedArrayText(DEEP));
    expect(judgeJob(text)).toBe('valid');
    await publishJobText(job.jobId, text);
    const status = await finalStatus(job);
    if (status.status === 'failed')
      expect(status).toMatchObject({ error_message: expect.stringMatching(/nest|deep/i), processed_symbols: 0 });
    else await expectLoadedExactly(job, status);
    expect(worker.child.exitCode).toBeNull();
  });

  it('a valid job of almost 1 MiB (padding in an extra field) is loaded', async () => {
    const job: ValidJob = { jobId: randomUUID(), symbols: ['TSLA'], timeframes: ['day'], years: 0.02 };
    const message = { ...BASE_JOB, job_id: job.jobId, symbols: job.symbols, pad: '' };
    message.pad = 'p'.repeat(MAX_MESSAGE - 16 - JSON.stringify(message).length);
    expect(JSON.stringify(message).length).toBe(MAX_MESSAGE - 16);
    await submit(stack, message);
    await expectCompletedExactly(job);
  });

  it('nothing was written for the invalid messages: no rows but the valid jobs’ in any table, no status keys but theirs', async () => {
    const validSymbols = [...new Set(completedJobs.flatMap((j) => j.symbols))].sort();
    const validIds = completedJobs.map((j) => j.jobId).sort();
    expect(validSymbols.length).toBeGreaterThan(0);
    const db = new pg.Client({ connectionString: stack.db.url });
    await db.connect();
    try {
      const columns = await db.query<{ table_name: string; column_name: string }>(
        `SELECT table_name, column_name FROM information_schema.columns
          WHERE table_schema = 'public' AND column_name IN ('symbol', 'run_id') ORDER BY table_name`,
      );
      expect(columns.rows.map((r) => r.table_name)).toEqual(expect.arrayContaining(['symbols', 'ohlcv_daily', 'processing_progress']));
      for (const { table_name: table, column_name: column } of columns.rows) {
        const rows = await db.query<{ v: string }>(`SELECT DISTINCT ${column} AS v FROM ${table} ORDER BY 1`);
        const values = rows.rows.map((r) => r.v);
        const allowed = column === 'symbol' ? validSymbols : validIds;
        expect(
          values.filter((v) => !allowed.includes(v)),
          `${table}.${column}`,
        ).toEqual([]);
      }
      const symbols = await db.query<{ symbol: string }>('SELECT symbol FROM symbols ORDER BY symbol');
      expect(symbols.rows.map((r) => r.symbol)).toEqual(validSymbols);
      // Each valid job has its progress row, under its job_id exactly as sent (hostile characters and all).
      const progress = await db.query<{ run_id: string }>('SELECT DISTINCT run_id FROM processing_progress ORDER BY 1');
      expect(progress.rows.map((r) => r.run_id).sort()).toEqual(validIds);
    } finally {
      await db.end();
    }
    // Status keys exist only for the valid jobs and for invalid jobs whose job_id could be read (their failed status).
    const keys = await stack.redis.keys('tickstock.jobs.status:*');
    const expected = [...sentJobs.map((j) => j.jobId), ...failed.map((f) => f.outcome.jobId)];
    expect(keys.map((k) => k.slice('tickstock.jobs.status:'.length)).sort()).toEqual(expected.sort());
  });
});
