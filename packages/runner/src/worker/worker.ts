/**
 * The data-load worker: takes jobs from Redis (pub/sub and the durable stream, deduplicated by job_id), runs up
 * to `jobConcurrency` at once, obeys cancel messages, beats its heartbeat, and shuts down cleanly: on `stop()` it
 * takes no new job, lets symbols in flight finish (up to `drainTimeoutMs`), writes every job's final status and
 * closes its connections.
 */
import {
  type ControlMessage,
  type DataLoadRequest,
  EventPublisher,
  Heartbeat,
  JobSubscriber,
  type SubscriberReport,
} from '@tickstock/job-protocol';
import type { OhlcvStore } from '@tickstock/ohlcv-store';
import type { Redis } from 'ioredis';
import pLimit from 'p-limit';
import { JobStop } from '../engine/run-job.js';
import type { JobOutcome, MarketDataPort, SymbolSource } from '../engine/types.js';
import type { SymbolExecutor } from '../execution/executor.js';
import { executeLoadJob } from '../jobs/execute.js';
import { loadJobFromRequest, universeNames } from '../jobs/from-request.js';
import type { Logger } from '../logging/logger.js';
import type { SecretScrubber } from '../logging/secrets.js';
import type { RunnerMetrics } from '../metrics.js';

export interface WorkerOptions {
  redis: Redis;
  store: OhlcvStore;
  market: MarketDataPort;
  executor: SymbolExecutor;
  resolveSymbols(source: SymbolSource): Promise<string[]>;
  logger: Logger;
  scrubber: SecretScrubber;
  metrics: RunnerMetrics;
  /** Jobs run at once (default 2). */
  jobConcurrency?: number;
  /** How long `stop()` lets symbols in flight finish before aborting them (default 20 s). */
  drainTimeoutMs?: number;
  /** Heartbeat interval, ≤ 20 s (default 10 s). */
  heartbeatIntervalMs?: number;
  /** Consumer name in the stream group (default host-pid). */
  consumer?: string;
}

interface RunningJob {
  request: DataLoadRequest;
  cancel: AbortController;
  drain: AbortController;
  done: Promise<JobOutcome | undefined>;
}

export class Worker {
  private readonly running = new Map<string, RunningJob>();
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly events: EventPublisher;
  private readonly subscriber: JobSubscriber;
  private readonly heartbeat: Heartbeat;
  private stopping = false;
  private startedAt = 0;
  readonly completed: JobOutcome[] = [];

  constructor(private readonly options: WorkerOptions) {
    this.limit = pLimit(options.jobConcurrency ?? 2);
    this.events = new EventPublisher(options.redis, { component: 'data-load-worker' });
    this.subscriber = new JobSubscriber(options.redis, {
      onJob: (request) => this.accept(request),
      onControl: (message) => this.control(message),
      onReport: (report) => this.onReport(report),
      ...(options.consumer ? { consumer: options.consumer } : {}),
    });
    this.heartbeat = new Heartbeat(options.redis, {
      intervalMs: options.heartbeatIntervalMs ?? 10_000,
      onError: (e) => options.logger.warn({ error: options.scrubber.scrub(e.message) }, 'heartbeat failed'),
    });
  }

  async start(): Promise<void> {
    this.startedAt = Date.now();
    await this.subscriber.start();
    await this.heartbeat.start();
    this.options.logger.info({ jobConcurrency: this.options.jobConcurrency ?? 2 }, 'worker listening for data-load jobs');
  }

  /** Jobs running or waiting for a slot. */
  get activeJobs(): string[] {
    return [...this.running.keys()];
  }

  health() {
    return {
      ok: !this.stopping,
      status: this.stopping ? 'stopping' : 'running',
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
      activeJobs: this.activeJobs,
      subscriber: this.subscriber.stats,
    };
  }

  private onReport(report: SubscriberReport): void {
    const log = this.options.logger;
    switch (report.kind) {
      case 'ignored':
        log.debug({ channel: report.channel }, 'ignored a message that is not a job');
        return;
      case 'invalid':
        this.options.metrics.invalidMessages.inc({ reason: report.errors[0]?.code ?? 'INVALID' });
        log.warn(
          { channel: report.channel, via: report.via, jobId: report.jobId, errors: report.errors.slice(0, 5) },
          'refused an invalid job message',
        );
        return;
      case 'duplicate':
        log.info({ jobId: report.jobId, via: report.via }, 'job already taken: skipped duplicate delivery');
        return;
      case 'error':
        log.error({ error: this.options.scrubber.scrub(report.error.message) }, 'job subscriber error');
        return;
      default:
        log.debug({ report }, 'subscriber report');
    }
  }

  private accept(request: DataLoadRequest): void {
    if (this.stopping) {
      this.options.logger.warn({ jobId: request.jobId }, 'job arrived during shutdown; not started');
      return;
    }
    if (this.running.has(request.jobId)) return;
    const cancel = new AbortController();
    const drain = new AbortController();
    const entry: RunningJob = { request, cancel, drain, done: Promise.resolve(undefined) };
    this.running.set(request.jobId, entry);
    entry.done = this.limit(() => this.run(entry)).finally(() => this.running.delete(request.jobId));
  }

  private async run(entry: RunningJob): Promise<JobOutcome | undefined> {
    const { request, cancel, drain } = entry;
    const job = loadJobFromRequest(request);
    try {
      const outcome = await executeLoadJob(
        job,
        {
          market: this.options.market,
          store: this.options.store,
          executor: this.options.executor,
          resolveSymbols: this.options.resolveSymbols,
          logger: this.options.logger.child({ jobId: request.jobId }),
          scrubber: this.options.scrubber,
          metrics: this.options.metrics,
          redis: { client: this.options.redis, events: this.events },
        },
        { universeNames: universeNames(request), signal: cancel.signal, drain: drain.signal },
      );
      this.completed.push(outcome);
      return outcome;
    } catch (error) {
      this.options.logger.error({ jobId: request.jobId, error: this.options.scrubber.scrub(String(error)) }, 'job crashed');
      return undefined;
    }
  }

  private control(message: ControlMessage): void {
    const m = message as { command?: unknown; action?: unknown; job_id?: unknown; requested_by?: unknown; reason?: unknown };
    const text = (v: unknown) => (typeof v === 'string' ? v : '');
    if (m.command === 'cancel_all') {
      this.options.logger.warn({ reason: text(m.reason), jobs: this.activeJobs }, 'cancel_all received');
      for (const job of this.running.values()) job.cancel.abort(new JobStop('cancel', text(m.reason) || 'cancel_all'));
      return;
    }
    if (m.action === 'cancel') {
      const jobId = text(m.job_id);
      const job = this.running.get(jobId);
      if (!job) {
        this.options.logger.debug({ jobId }, 'cancel for a job not running here');
        return;
      }
      this.options.logger.warn({ jobId, by: text(m.requested_by) }, 'cancelling job');
      job.cancel.abort(new JobStop('cancel', text(m.requested_by)));
    }
  }

  /** Graceful stop: no new jobs, let symbols in flight finish (bounded), write final statuses, close. */
  async stop(reason = 'shutdown'): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.options.logger.info({ reason, activeJobs: this.activeJobs }, 'worker stopping');
    await this.subscriber.stop();
    const jobs = [...this.running.values()];
    for (const job of jobs) job.drain.abort(new JobStop('shutdown', reason));
    const all = Promise.all(jobs.map((j) => j.done));
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(resolve, this.options.drainTimeoutMs ?? 20_000, 'timeout').unref());
    if ((await Promise.race([all, timeout])) === 'timeout') {
      this.options.logger.warn('symbols in flight did not finish in time: aborting them');
      for (const job of jobs) job.cancel.abort(new JobStop('shutdown', reason));
      await all;
    }
    await this.heartbeat.stop();
  }
}
