/** The worker's side of the job channels: pub/sub plus the durable stream, validated and deduplicated. */
import { hostname } from 'node:os';
import { redactCredentials } from '@tickstock/market-time/redact';
import { type DataLoadRequest, isForeignJobMessage, parseDataLoadJob } from '../data-load.js';
import { DEFAULTS } from '../defaults.js';
import { formatIssues, ProtocolError, type ProtocolIssue } from '../errors.js';
import { MAX_MESSAGE_LENGTH, readJsonObject } from '../json.js';
import { isForeignControlMessage, parseControlMessage } from '../messages.js';
import { CHANNELS, DATA_LOAD_STREAM_FIELD, DATA_LOAD_STREAM_GROUP, jobClaimKey, KEYS } from '../names.js';
import type { ControlMessage } from '../schemas/control.js';
import { sleep } from '../time.js';
import { duplicateClient, type RedisClient } from './client.js';
import { redisFailure } from './exec.js';
import { EventPublisher } from './publisher.js';
import { JobStatusWriter } from './status-writer.js';
import { TaskQueue } from './task-queue.js';

/** How a job arrived. */
export type JobDelivery = { via: 'pubsub'; raw: string } | { via: 'stream'; raw: string; streamId: string };

/** Something the subscriber noticed, for logging. Nothing here needs an answer. */
export type SubscriberReport =
  | { kind: 'ignored'; channel: string }
  | { kind: 'invalid'; channel: string; via: 'pubsub' | 'stream'; jobId?: string; errors: ProtocolIssue[] }
  | { kind: 'duplicate'; via: 'pubsub' | 'stream'; jobId: string }
  | { kind: 'expired'; streamId: string }
  | { kind: 'dropped'; total: number }
  | { kind: 'error'; error: ProtocolError };

/** Options of {@link JobSubscriber}. Defaults are in DEFAULTS. */
export interface JobSubscriberOptions {
  /**
   * Called once per valid job (after it was claimed). Not awaited in line, so long jobs do not hold up other
   * messages, unless `awaitJobHandler` is set.
   */
  onJob: (request: DataLoadRequest, delivery: JobDelivery) => void | Promise<void>;
  /**
   * Hand-off mode, for a handler that only records the job somewhere durable (a queue) and returns quickly: the
   * handler is awaited before the stream entry is acknowledged, and when it throws, the claim is released and the
   * entry stays pending, so the job is not lost. Default false.
   */
  awaitJobHandler?: boolean;
  /**
   * Hand-off mode only: stream entries left unacknowledged this long by any consumer (one that died between reading
   * and handing over) are taken over with XAUTOCLAIM and handed over again, without the claim-key check (the
   * handler's own store must deduplicate by job id, as a queue keyed by job id does). Default 60000 ms.
   */
  reclaimIdleMs?: number;
  /** Called for each valid control message. */
  onControl?: (message: ControlMessage) => void | Promise<void>;
  /** Diagnostics: ignored, invalid, duplicate, expired, dropped, error. */
  onReport?: (report: SubscriberReport) => void;
  /** Consumer name in the stream group and value of claim keys (default `<hostname>-<pid>`). */
  consumer?: string;
  /** Stream consumer group (default `tickstock-data-load-workers`). */
  group?: string;
  /** Read the durable stream as well as pub/sub (default true). */
  stream?: boolean;
  /** TTL of the claim (dedupe) key (default 86400 s). */
  dedupeTtlSeconds?: number;
  /** Stream entries older than this are skipped (default 24 h). */
  maxJobAgeMs?: number;
  streamBlockMs?: number;
  streamBatch?: number;
  /** Wait for the app's pre-written status before writing `failed` for a rejected job (default 2000 ms). */
  preWriteWaitMs?: number;
  reportConcurrency?: number;
  reportBacklog?: number;
  /** `source` of error events (default `TickStockPL`). */
  source?: string;
  /** Clock, Unix ms. */
  now?: () => number;
}

/** Counters since start. */
export interface SubscriberStats {
  jobs: number;
  controls: number;
  invalid: number;
  ignored: number;
  duplicates: number;
  expired: number;
}

type Via = 'pubsub' | 'stream';

/** Lua: delete the claim key only when it still holds this consumer's name. */
const RELEASE_CLAIM = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * Subscribes to `tickstock.jobs.data_load` and `tickstock.jobs.control` and reads the durable stream with a consumer
 * group (created at the stream's start, so jobs submitted while no worker ran are read when one starts). Each job is
 * validated and claimed with `SET tickstock.jobs.claimed:{id} NX EX` before `onJob` sees it, so a job that arrives on
 * both paths, or at several workers, runs once. An invalid message becomes a `failed` status for its job_id when one
 * can be read, otherwise an error event on `tickstock:errors`. Foreign messages (no job_id, no job_type) are ignored
 * quietly. Nothing here throws to the caller after `start()` resolves.
 */
export class JobSubscriber {
  private readonly redis: RedisClient;
  private readonly options: JobSubscriberOptions;
  private readonly consumer: string;
  private readonly group: string;
  private readonly now: () => number;
  private readonly publisher: EventPublisher;
  private readonly reports: TaskQueue;
  private sub: RedisClient | undefined;
  private reader: RedisClient | undefined;
  private loop: Promise<void> | undefined;
  private chain: Promise<void> = Promise.resolve();
  private stopping = false;
  private started = false;
  private lastReclaim = 0;
  /** Counters since start. */
  readonly stats: SubscriberStats = { jobs: 0, controls: 0, invalid: 0, ignored: 0, duplicates: 0, expired: 0 };

  constructor(redis: RedisClient, options: JobSubscriberOptions) {
    this.redis = redis;
    this.options = options;
    this.consumer = options.consumer ?? `${hostname()}-${process.pid}`;
    this.group = options.group ?? DATA_LOAD_STREAM_GROUP;
    this.now = options.now ?? Date.now;
    this.publisher = new EventPublisher(redis, { source: options.source ?? DEFAULTS.source, component: 'job-subscriber', now: this.now });
    this.reports = new TaskQueue(options.reportConcurrency ?? DEFAULTS.reportConcurrency, options.reportBacklog ?? DEFAULTS.reportBacklog);
  }

  /** Subscribes and starts reading the stream. Resolves once both are in place; rejects (REDIS_FAILED) if they cannot be. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const sub = duplicateClient(this.redis);
    this.sub = sub;
    sub.on('error', () => undefined); // connection errors surface on commands; ioredis reconnects and resubscribes
    sub.on('message', (channel: string, message: string) => {
      void this.enqueue(() =>
        channel === CHANNELS.control ? this.handleControl(message) : this.handleJob(message, { via: 'pubsub', raw: message }),
      );
    });
    try {
      await sub.subscribe(CHANNELS.dataLoad, CHANNELS.control);
      if (this.options.stream ?? true) {
        await this.ensureGroup();
        const reader = duplicateClient(this.redis);
        reader.on('error', () => undefined);
        this.reader = reader;
        this.loop = this.readLoop(reader);
      }
    } catch (e) {
      await this.stop();
      throw e instanceof ProtocolError ? e : redisFailure('subscribing to the job channels', e);
    }
  }

  /** Unsubscribes, stops reading, waits for messages in hand and reports in flight, and closes its own connections. */
  async stop(): Promise<void> {
    this.stopping = true;
    const sub = this.sub;
    this.sub = undefined;
    if (sub) await sub.quit().catch(() => sub.disconnect());
    this.reader?.disconnect();
    await this.loop;
    await this.chain;
    await this.reports.drain();
  }

  private report(report: SubscriberReport): void {
    try {
      this.options.onReport?.(report);
    } catch {
      // a logging callback must not break the subscriber
    }
  }

  private enqueue(task: () => Promise<unknown>): Promise<void> {
    const run = this.chain.then(task).then(
      () => undefined,
      (e: unknown) =>
        this.report({
          kind: 'error',
          error: e instanceof ProtocolError ? e : new ProtocolError('HANDLER_FAILED', String(e), { cause: e }),
        }),
    );
    this.chain = run;
    return run;
  }

  private async ensureGroup(): Promise<void> {
    try {
      await this.redis.xgroup('CREATE', KEYS.dataLoadStream, this.group, '0', 'MKSTREAM');
    } catch (e) {
      if (!String((e as Error)?.message).includes('BUSYGROUP')) throw redisFailure(`creating stream group ${this.group}`, e);
    }
  }

  private async readLoop(reader: RedisClient): Promise<void> {
    let cursor = '0'; // first this consumer's pending entries (delivered before a crash), then new ones
    const batch = this.options.streamBatch ?? DEFAULTS.streamBatch;
    const block = this.options.streamBlockMs ?? DEFAULTS.streamBlockMs;
    while (!this.stopping) {
      if (cursor === '>' && this.options.awaitJobHandler) await this.reclaim(reader);
      let reply: unknown;
      try {
        reply = await reader.xreadgroup(
          'GROUP',
          this.group,
          this.consumer,
          'COUNT',
          batch,
          'BLOCK',
          block,
          'STREAMS',
          KEYS.dataLoadStream,
          cursor,
        );
      } catch (e) {
        if (this.stopping) break;
        this.report({ kind: 'error', error: redisFailure('reading the job stream', e) });
        if (String((e as Error)?.message).includes('NOGROUP')) await this.ensureGroup().catch(() => undefined);
        await sleep(DEFAULTS.streamRetryMs);
        continue;
      }
      const entries = streamEntries(reply);
      if (cursor !== '>' && entries.length === 0) {
        cursor = '>';
        continue;
      }
      for (const [id, fields] of entries) {
        if (cursor !== '>') cursor = id;
        await this.enqueue(async () => {
          const settled = await this.handleStreamEntry(id, fields);
          if (settled)
            await this.redis
              .xack(KEYS.dataLoadStream, this.group, id)
              .catch((e: unknown) => this.report({ kind: 'error', error: redisFailure(`acknowledging stream entry ${id}`, e) }));
        });
      }
    }
  }

  /** Hand-off mode: takes over entries other consumers left pending too long, at most once per interval. */
  private async reclaim(reader: RedisClient): Promise<void> {
    const idle = this.options.reclaimIdleMs ?? DEFAULTS.reclaimIdleMs;
    if (this.now() - this.lastReclaim < idle) return;
    this.lastReclaim = this.now();
    let reply: unknown;
    try {
      reply = await reader.call('XAUTOCLAIM', KEYS.dataLoadStream, this.group, this.consumer, idle, '0-0', 'COUNT', 100);
    } catch (e) {
      if (!this.stopping) this.report({ kind: 'error', error: redisFailure('taking over abandoned stream entries', e) });
      return;
    }
    const entries = Array.isArray(reply) ? streamEntries([[KEYS.dataLoadStream, reply[1]]]) : [];
    for (const [id, fields] of entries) {
      await this.enqueue(async () => {
        const settled = await this.handleStreamEntry(id, fields, true);
        if (settled)
          await this.redis
            .xack(KEYS.dataLoadStream, this.group, id)
            .catch((e: unknown) => this.report({ kind: 'error', error: redisFailure(`acknowledging stream entry ${id}`, e) }));
      });
    }
  }

  /** Resolves true when the entry is done with (to be acknowledged). `reclaimed`: taken over from another consumer. */
  private async handleStreamEntry(id: string, fields: string[] | null, reclaimed = false): Promise<boolean> {
    const text = fields ? fieldValue(fields, DATA_LOAD_STREAM_FIELD) : undefined;
    if (text === undefined) {
      this.pushReport(() =>
        this.publisher.error({
          severity: 'warning',
          code: 'STREAM_ENTRY_INVALID',
          message: `Stream entry ${id} of ${KEYS.dataLoadStream} has no "${DATA_LOAD_STREAM_FIELD}" field; skipped`,
          context: { stream: KEYS.dataLoadStream, entry_id: id },
        }),
      );
      return true;
    }
    const submittedAt = Number(id.split('-')[0]);
    if (this.now() - submittedAt > (this.options.maxJobAgeMs ?? DEFAULTS.maxJobAgeMs)) {
      this.stats.expired += 1;
      this.report({ kind: 'expired', streamId: id });
      return true;
    }
    return this.handleJob(text, { via: 'stream', raw: text, streamId: id }, reclaimed);
  }

  /** Resolves true when the message is done with; false when it should be seen again (claim failed on Redis). */
  private async handleJob(text: string, delivery: JobDelivery, reclaimed = false): Promise<boolean> {
    const read = readJsonObject(text);
    if (!read.ok) {
      // Too long to parse: a job_id stated at its head still gets its failed status, naming the limit.
      const tooLong = text.length > MAX_MESSAGE_LENGTH ? parseDataLoadJob(text) : undefined;
      const jobId = tooLong && !tooLong.ok ? tooLong.jobId : undefined;
      this.reject(CHANNELS.dataLoad, delivery.via, jobId, undefined, read.errors, text);
      return true;
    }
    if (isForeignJobMessage(read.value)) {
      this.stats.ignored += 1;
      this.report({ kind: 'ignored', channel: CHANNELS.dataLoad });
      return true;
    }
    const parsed = parseDataLoadJob(read.value, { now: this.now() });
    const jobId = parsed.ok ? parsed.request.jobId : parsed.jobId;
    // A reclaimed entry's job may hold the claim of the consumer that died holding it: the handler deduplicates.
    if (jobId !== undefined && !(reclaimed && parsed.ok)) {
      let claimed: boolean;
      try {
        claimed =
          (await this.redis.set(
            jobClaimKey(jobId),
            this.consumer,
            'EX',
            this.options.dedupeTtlSeconds ?? DEFAULTS.dedupeTtlSeconds,
            'NX',
          )) === 'OK';
      } catch (e) {
        this.report({ kind: 'error', error: redisFailure(`claiming job ${jobId}`, e, jobId) });
        return false;
      }
      if (!claimed) {
        this.stats.duplicates += 1;
        this.report({ kind: 'duplicate', via: delivery.via, jobId });
        return true;
      }
    }
    if (!parsed.ok) {
      const jobType = read.value['job_type'];
      this.reject(CHANNELS.dataLoad, delivery.via, jobId, typeof jobType === 'string' ? jobType : undefined, parsed.errors, text);
      return true;
    }
    this.stats.jobs += 1;
    if (this.options.awaitJobHandler) return this.handOff(parsed.request, delivery);
    this.callHandler(() => this.options.onJob(parsed.request, delivery), parsed.request.jobId);
    return true;
  }

  /** Hand-off mode: true once the handler took the job; false (claim released, entry kept) when it threw. */
  private async handOff(request: DataLoadRequest, delivery: JobDelivery): Promise<boolean> {
    try {
      await this.options.onJob(request, delivery);
      return true;
    } catch (e) {
      const error = new ProtocolError(
        'HANDLER_FAILED',
        `could not hand job ${request.jobId} over: ${redactCredentials(String((e as Error)?.message ?? e))}`,
        {
          cause: e,
          jobId: request.jobId,
        },
      );
      this.report({ kind: 'error', error });
      // Only our own claim is released: another worker's claim of the same job stays.
      await this.redis
        .eval(RELEASE_CLAIM, 1, jobClaimKey(request.jobId), this.consumer)
        .catch((err: unknown) =>
          this.report({ kind: 'error', error: redisFailure(`releasing the claim of ${request.jobId}`, err, request.jobId) }),
        );
      return false;
    }
  }

  private async handleControl(text: string): Promise<void> {
    const read = readJsonObject(text);
    if (read.ok && isForeignControlMessage(read.value)) {
      this.stats.ignored += 1;
      this.report({ kind: 'ignored', channel: CHANNELS.control });
      return;
    }
    const parsed = parseControlMessage(read.ok ? read.value : text);
    if (!parsed.ok) {
      this.reject(CHANNELS.control, 'pubsub', undefined, undefined, parsed.errors, text);
      return;
    }
    this.stats.controls += 1;
    const onControl = this.options.onControl;
    const jobId = parsed.value['job_id'];
    if (onControl) this.callHandler(() => onControl(parsed.value), typeof jobId === 'string' ? jobId : undefined);
  }

  private callHandler(fn: () => void | Promise<void>, jobId: string | undefined): void {
    const failed = (e: unknown) => {
      const error = new ProtocolError(
        'HANDLER_FAILED',
        `handler failed${jobId ? ` for job ${jobId}` : ''}: ${redactCredentials(String((e as Error)?.message ?? e))}`,
        {
          cause: e,
          ...(jobId === undefined ? {} : { jobId }),
        },
      );
      this.report({ kind: 'error', error });
      this.pushReport(() =>
        this.publisher.error({
          severity: 'error',
          code: 'HANDLER_FAILED',
          message: error.message,
          ...(e instanceof Error && e.stack ? { traceback: e.stack } : {}),
          context: jobId ? { job_id: jobId } : {},
        }),
      );
    };
    try {
      const r = fn();
      if (r && typeof (r as Promise<void>).then === 'function') (r as Promise<void>).then(undefined, failed);
    } catch (e) {
      failed(e);
    }
  }

  private reject(
    channel: string,
    via: Via,
    jobId: string | undefined,
    jobType: string | undefined,
    errors: ProtocolIssue[],
    text: string,
  ): void {
    this.stats.invalid += 1;
    this.report({ kind: 'invalid', channel, via, ...(jobId === undefined ? {} : { jobId }), errors });
    const summary = formatIssues(errors);
    const first = errors[0];
    if (jobId !== undefined) {
      this.pushReport(async () => {
        const writer = new JobStatusWriter(this.redis, {
          jobId,
          jobType: jobType ?? 'unknown',
          now: this.now,
          preWriteWaitMs: this.options.preWriteWaitMs ?? DEFAULTS.preWriteWaitMs,
        });
        await writer.finish('failed', { message: `Job rejected: ${first?.message ?? 'invalid job'}`, error_message: summary });
      });
      // A job the app is waiting on: an `error` event, so it reaches the app's error_logs (its default threshold).
      this.pushReport(() =>
        this.publisher.error({
          severity: 'error',
          code: first?.code ?? 'FIELD_INVALID',
          message: `Job ${jobId} rejected: ${summary}`,
          context: { job_id: jobId, job_type: jobType ?? null, channel, via, errors },
        }),
      );
    } else {
      this.pushReport(() =>
        this.publisher.error({
          severity: 'warning',
          code: first?.code ?? 'FIELD_INVALID',
          message: `Rejected a message on ${channel}: ${summary}`,
          context: { channel, via, errors, excerpt: text.slice(0, 200) },
        }),
      );
    }
  }

  private pushReport(task: () => Promise<unknown>): void {
    const queued = this.reports.push(async () => {
      try {
        await task();
      } catch (e) {
        this.report({ kind: 'error', error: e instanceof ProtocolError ? e : redisFailure('sending a report', e) });
      }
    });
    if (!queued) this.report({ kind: 'dropped', total: this.reports.dropped });
  }
}

/** `[id, fields][]` out of an XREADGROUP reply for one stream (`fields` null for an entry trimmed since delivery). */
function streamEntries(reply: unknown): Array<[string, string[] | null]> {
  if (!Array.isArray(reply)) return [];
  const out: Array<[string, string[] | null]> = [];
  for (const stream of reply) {
    const items = Array.isArray(stream) ? stream[1] : undefined;
    if (!Array.isArray(items)) continue;
    for (const item of items) {
      if (!Array.isArray(item) || typeof item[0] !== 'string') continue;
      out.push([item[0], Array.isArray(item[1]) ? item[1].map(String) : null]);
    }
  }
  return out;
}

function fieldValue(fields: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}
