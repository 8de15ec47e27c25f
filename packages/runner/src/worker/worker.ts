/**
 * The data-load worker. Jobs from Redis (pub/sub and the durable stream) go straight into a durable queue (BullMQ,
 * deduplicated by job_id) before the message is acknowledged; each job is then coordinated by one replica, and its
 * symbols are queue entries that every replica loads (see ../execution). The worker obeys cancel messages, beats
 * its heartbeat, and shuts down cleanly: on `stop()` it takes no new work, hands the jobs it coordinates back to the
 * queue, lets symbols in flight finish (up to `drainTimeoutMs`, then hands them back too) and closes its connections.
 * Nothing is lost on a crash either: what a dead replica held is taken back by the others after `lockDurationMs`.
 */

import { hostname } from 'node:os';
import type { RedisClient } from '@tickstock/job-protocol';
import {
  acquireJobLease,
  appMayPreWriteStatus,
  type ControlMessage,
  type DataLoadRequest,
  duplicateClient,
  EventPublisher,
  Heartbeat,
  JobSubscriber,
  type PartialJobStatus,
  type SubscriberReport,
} from '@tickstock/job-protocol';
import type { OhlcvStore } from '@tickstock/ohlcv-store';
import { type Job, Queue, QueueEvents, Worker as QueueWorker, WaitingError } from 'bullmq';
import { OhlcvBarStore } from '../adapters/bar-store.js';
import { errorMessage, JobFenced, JobHandedOff } from '../engine/errors.js';
import { loadPlannedSymbol, perTickerPlan } from '../engine/load-symbol.js';
import { JobStop } from '../engine/run-job.js';
import { StoreOutage, type StoreOutageSettings } from '../engine/store-outage.js';
import type { JobOutcome, MarketDataPort, SymbolSource } from '../engine/types.js';
import { DayHandoff, withoutGroupedDays } from '../execution/day-handoff.js';
import { QueueExecutor } from '../execution/queue-executor.js';
import {
  isJobCancelled,
  JOBS_QUEUE,
  jobEntryId,
  keepFinished,
  markJobCancelled,
  QUEUE_DEFAULTS,
  QUEUE_PREFIX,
  type QueueSettings,
  SYMBOLS_QUEUE,
} from '../execution/queues.js';
import type { SymbolEntryData, SymbolEntryOutcome } from '../execution/symbol-entry.js';
import { SymbolRunner } from '../execution/symbol-runner.js';
import { loadJobFromRequest, type QueuedRequest, queuedRequest, universeNames } from '../jobs/from-request.js';
import { type PlanningSettings, runJobWithServices } from '../jobs/run-with-services.js';
import type { Logger } from '../logging/logger.js';
import type { SecretScrubber } from '../logging/secrets.js';
import type { RunnerMetrics } from '../metrics.js';
import { DashboardMonitor } from './dashboard-monitor.js';

export interface WorkerOptions {
  redis: RedisClient;
  store: OhlcvStore;
  market: MarketDataPort;
  resolveSymbols(source: SymbolSource): Promise<string[]>;
  logger: Logger;
  scrubber: SecretScrubber;
  metrics: RunnerMetrics;
  /** Jobs this replica coordinates at once (default 2). */
  jobConcurrency?: number;
  /** Symbols this replica loads at once, of any job (default 4). */
  symbolConcurrency?: number;
  /** How long `stop()` lets symbols in flight finish before handing them back to the queue (default 20 s). */
  drainTimeoutMs?: number;
  /** Heartbeat interval, ≤ 20 s (default 10 s). */
  heartbeatIntervalMs?: number;
  /** Consumer name in the stream group (default host-pid). */
  consumer?: string;
  /** Queue settings (lock duration, symbol retries); every replica should use the same. */
  queue?: Partial<QueueSettings>;
  /** The final word of a partly failed job (default `completed`, with `has_errors: true`). */
  partialStatus?: PartialJobStatus;
  /** The request planner's settings (default: grouped daily and building on, details kept 30 days). */
  planning?: Omit<PlanningSettings, 'incremental' | 'clock'> | undefined;
  /**
   * The app's monitoring dashboard feed (`METRIC_UPDATE` every `intervalMs`, `HEALTH_CHECK`/`SYSTEM_STATUS`, answers to
   * `FORCE_HEALTH_CHECK`). Default interval 10 s; 0 turns it off.
   */
  monitoring?: { intervalMs?: number; apiRequestsPerSecond?: number | null };
  /**
   * What happens while the database is away (see ../engine/store-outage.ts): symbols and planning wait for it, up
   * to `maxWaitMs` (default 10 minutes), instead of failing.
   */
  storeOutage?: Partial<StoreOutageSettings>;
}

/** What a jobs-queue entry carries: the request as normalised when the job arrived (its dates fixed then). */
interface JobEntryData {
  request: QueuedRequest;
}

/** A short summary kept as the jobs-queue entry's return value. */
interface JobEntryResult {
  status: JobOutcome['status'];
  symbolsTotal: number;
  recordsImported: number;
}

interface CoordinatedJob {
  request: QueuedRequest;
  cancel: AbortController;
  handoff: AbortController;
}

export class Worker {
  private readonly running = new Map<string, CoordinatedJob>();
  private readonly events: EventPublisher;
  private readonly subscriber: JobSubscriber;
  private readonly heartbeat: Heartbeat;
  private readonly settings: QueueSettings;
  private readonly connection: RedisClient;
  private readonly eventsConnection: RedisClient;
  private readonly jobsQueue: Queue<JobEntryData, JobEntryResult>;
  private readonly symbolsQueue: Queue<SymbolEntryData, SymbolEntryOutcome>;
  private readonly symbolEvents: QueueEvents;
  private readonly jobsWorker: QueueWorker<JobEntryData, JobEntryResult>;
  private readonly symbols: SymbolRunner;
  private readonly executor: QueueExecutor;
  private readonly monitor: DashboardMonitor;
  private readonly outage: StoreOutage;
  private stopping = false;
  private startedAt = 0;

  constructor(private readonly options: WorkerOptions) {
    const { logger, scrubber } = options;
    this.settings = { ...QUEUE_DEFAULTS, ...options.queue };
    const s = this.settings;
    // BullMQ's own connections: commands wait for a reconnect instead of failing after 3 tries.
    this.connection = duplicateClient(options.redis, { maxRetriesPerRequest: null });
    this.connection.on('error', () => undefined); // reported through the queue objects' own 'error' events
    const connection = this.connection;
    // The queue retries what fails (e.g. renewing a lock Redis lost) every few hundred ms: one line per message
    // and 10 s is enough.
    const lastLogged = new Map<string, number>();
    const queueError = (what: string) => (e: Error) => {
      const message = scrubber.scrub(errorMessage(e));
      const key = `${what}: ${message}`;
      const now = Date.now();
      if (now - (lastLogged.get(key) ?? 0) < 10_000) return;
      if (lastLogged.size > 1000) lastLogged.clear();
      lastLogged.set(key, now);
      logger.warn({ error: message }, `${what} error`);
    };
    this.jobsQueue = new Queue(JOBS_QUEUE, { connection, prefix: QUEUE_PREFIX });
    this.jobsQueue.on('error', queueError('jobs queue'));
    this.symbolsQueue = new Queue(SYMBOLS_QUEUE, { connection, prefix: QUEUE_PREFIX });
    this.symbolsQueue.on('error', queueError('symbols queue'));
    // QueueEvents blocks on its connection: it gets one of its own.
    this.eventsConnection = duplicateClient(connection, { maxRetriesPerRequest: null });
    this.eventsConnection.on('error', () => undefined);
    this.symbolEvents = new QueueEvents(SYMBOLS_QUEUE, { connection: this.eventsConnection, prefix: QUEUE_PREFIX });
    const handoff = new DayHandoff(options.redis, s.keepFinishedSeconds);
    this.executor = new QueueExecutor({
      queue: this.symbolsQueue,
      events: this.symbolEvents,
      redis: options.redis,
      settings: s,
      handoff,
      logger,
      scrubber,
    });
    const barStore = new OhlcvBarStore(options.store);
    this.outage = this.watchStore();
    this.symbols = new SymbolRunner({
      connection,
      redis: options.redis,
      concurrency: options.symbolConcurrency ?? 4,
      settings: s,
      load: async (entry, signal) => {
        let plan = entry.plan ?? perTickerPlan(entry.symbol, entry.ranges);
        const grouped = plan.steps.some((step) => step.source === 'grouped');
        const supplied = grouped ? await handoff.take(entry.jobId, entry.symbol) : undefined;
        if (grouped && !supplied) {
          // Redis lost the job's day bars (a restart without persistence, or they expired): same bars, per ticker.
          logger.warn({ jobId: entry.jobId, symbol: entry.symbol }, 'grouped-daily bars not found: fetching day bars per ticker');
          plan = withoutGroupedDays(plan);
        }
        return loadPlannedSymbol(plan, { market: options.market, store: barStore }, signal, supplied);
      },
      outage: this.outage,
      logger,
      scrubber,
    });
    this.jobsWorker = new QueueWorker(JOBS_QUEUE, (job, token) => this.coordinate(job, token), {
      connection,
      prefix: QUEUE_PREFIX,
      concurrency: options.jobConcurrency ?? 2,
      lockDuration: s.lockDurationMs,
      stalledInterval: s.lockDurationMs,
      maxStalledCount: s.maxStalledCount,
      autorun: false,
    });
    this.jobsWorker.on('error', queueError('jobs worker'));
    this.jobsWorker.on('failed', (job, e) =>
      logger.error({ jobId: job?.data.request.jobId, error: scrubber.scrub(errorMessage(e)) }, 'job entry failed in the queue'),
    );
    this.events = new EventPublisher(options.redis, { component: 'data-load-worker' });
    this.subscriber = new JobSubscriber(options.redis, {
      onJob: (request) => this.accept(request),
      onControl: (message) => this.control(message),
      onReport: (report) => this.onReport(report),
      awaitJobHandler: true,
      ...(options.consumer ? { consumer: options.consumer } : {}),
    });
    this.heartbeat = new Heartbeat(options.redis, {
      intervalMs: options.heartbeatIntervalMs ?? 10_000,
      onError: (e) => options.logger.warn({ error: options.scrubber.scrub(e.message) }, 'heartbeat failed'),
    });
    this.monitor = new DashboardMonitor({
      redis: options.redis,
      events: new EventPublisher(options.redis, { component: 'data-load-worker' }),
      metrics: options.metrics,
      logger,
      scrubber,
      intervalMs: options.monitoring?.intervalMs ?? 10_000,
      apiRequestsPerSecond: options.monitoring?.apiRequestsPerSecond ?? null,
      workerId: options.consumer ?? `${hostname()}-${process.pid}`,
      probes: {
        jobsRunning: () => this.running.size,
        activeTimeframes: () => [...this.running.values()].flatMap((j) => j.request.timeframes),
        queueDepth: async () => (await this.jobsQueue.getWaitingCount()) + (await this.symbolsQueue.getWaitingCount()),
        pingDatabase: () => options.store.ping(),
      },
    });
  }

  /**
   * The database's availability, shared by every symbol and job of this process. An outage is logged and reported
   * on `tickstock:errors` once (with when it began and how long work waits); its end is logged.
   */
  private watchStore(): StoreOutage {
    const { logger, scrubber } = this.options;
    const outage = new StoreOutage({ ping: () => this.options.store.ping(), ...this.options.storeOutage });
    const waitS = Math.round(outage.settings.maxWaitMs / 1000);
    outage.subscribe((change) => {
      if (change.kind === 'up') {
        logger.info({ downMs: change.downMs }, 'the database answers again: loading resumes');
        return;
      }
      const since = new Date(change.since).toISOString();
      const error = scrubber.scrub(change.error);
      logger.error({ since, error, maxWaitS: waitS }, 'the database is unavailable: loading pauses until it answers');
      void this.events
        .error({
          severity: 'error',
          code: 'STORE_UNAVAILABLE',
          component: 'data_load',
          message: `the database is unavailable since ${since}: loading pauses until it answers (symbols wait up to ${waitS} s)`,
          context: { since, max_wait_seconds: waitS, error, jobs: this.activeJobs },
        })
        .catch(() => undefined);
    });
    return outage;
  }

  async start(): Promise<void> {
    this.startedAt = Date.now();
    await Promise.all([this.jobsQueue.waitUntilReady(), this.symbolsQueue.waitUntilReady(), this.symbolEvents.waitUntilReady()]);
    this.symbols.start();
    void this.jobsWorker.run().catch((e: unknown) => {
      this.options.logger.error({ error: this.options.scrubber.scrub(errorMessage(e)) }, 'jobs queue stopped');
    });
    await this.subscriber.start();
    await this.heartbeat.start();
    await this.monitor.start();
    this.options.logger.info(
      { jobConcurrency: this.options.jobConcurrency ?? 2, symbolConcurrency: this.options.symbolConcurrency ?? 4 },
      'worker listening for data-load jobs',
    );
  }

  /** Jobs this replica coordinates now. */
  get activeJobs(): string[] {
    return [...this.running.keys()];
  }

  health() {
    return {
      ok: !this.stopping,
      status: this.stopping ? 'stopping' : 'running',
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
      activeJobs: this.activeJobs,
      symbolsInFlight: this.symbols.active,
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

  /** Queues a job (durable from here on); the message is acknowledged only after this resolves. */
  private async accept(request: DataLoadRequest): Promise<void> {
    if (this.stopping) throw new Error('worker is shutting down; the job is left for another worker');
    const keep = keepFinished(this.settings, 'jobs');
    await this.jobsQueue.add(
      'data-load',
      { request: queuedRequest(request) },
      { jobId: jobEntryId(request.jobId), removeOnComplete: keep, removeOnFail: keep },
    );
    this.options.logger.info({ jobId: request.jobId, jobType: request.jobType }, 'job queued');
  }

  /** Runs one job as its coordinator: plan, queue its symbols, collect their results, write the final status. */
  private async coordinate(entry: Job<JobEntryData, JobEntryResult>, token: string | undefined): Promise<JobEntryResult> {
    const { request } = entry.data;
    const jobId = request.jobId;
    const log = this.options.logger.child({ jobId });
    const cancel = new AbortController();
    const handoff = new AbortController();
    const coordinated: CoordinatedJob = { request, cancel, handoff };
    // A job taken back after this process lost it (e.g. Redis was away past the lock) may still be winding down
    // here: the newest coordination is the one listed.
    this.running.set(jobId, coordinated);
    let watch: NodeJS.Timeout | undefined;
    try {
      if (this.stopping) throw new JobHandedOff(jobId);
      // The lease fences every write of this coordination: once another coordinator takes the job (this one was
      // frozen past the lock, or lost it with Redis), this one stops and writes nothing more.
      const lease = await acquireJobLease(this.options.redis, jobId, { ttlSeconds: this.settings.keepFinishedSeconds });
      const fenced = () => {
        if (!handoff.signal.aborted) {
          log.warn({ epoch: lease.epoch }, 'another worker coordinates this job now: stopping here without writing');
          handoff.abort(new JobStop('fenced'));
        }
      };
      // Every few seconds: the lease still ours (else stop), and the entry's lock renewed by this coordination
      // itself. (BullMQ renews locks by entry id: after this process took its own job back, the earlier
      // coordination's end would stop the renewals of this one, and the job would be taken back once more.)
      watch = setInterval(
        () => {
          if (token) void entry.extendLock(token, this.settings.lockDurationMs).catch(() => undefined);
          void lease.holds().then(
            (held: boolean) => held || fenced(),
            () => undefined,
          );
        },
        Math.max(250, Math.min(5000, Math.floor(this.settings.lockDurationMs / 3))),
      );
      watch.unref();
      if (await isJobCancelled(this.options.redis, jobId)) cancel.abort(new JobStop('cancel', 'a cancel before it started'));
      if (entry.attemptsStarted > 1 || entry.stalledCounter > 0)
        log.warn({ stalled: entry.stalledCounter, epoch: lease.epoch }, 'resuming a job its previous worker did not finish');
      const outcome = await runJobWithServices(
        loadJobFromRequest(request),
        {
          market: this.options.market,
          store: this.options.store,
          executor: this.executor,
          resolveSymbols: this.options.resolveSymbols,
          logger: this.options.logger, // the job's log lines carry its id already
          scrubber: this.options.scrubber,
          metrics: this.options.metrics,
          redis: { client: this.options.redis, events: this.events },
          planning: { ...this.options.planning },
          outage: this.outage,
        },
        {
          universeNames: universeNames(request),
          signal: cancel.signal,
          drain: handoff.signal,
          lease,
          onLeaseLost: fenced,
          statusWriter: {
            awaitAppPreWrite: appMayPreWriteStatus(request),
            ...(this.options.partialStatus ? { partialStatus: this.options.partialStatus } : {}),
          },
        },
      );
      return { status: outcome.status, symbolsTotal: outcome.symbolsTotal, recordsImported: outcome.recordsImported };
    } catch (error) {
      if (error instanceof JobFenced) {
        // Not ours any more: the queue entry belongs to the coordinator that took it (its lock is not ours to use).
        throw new Error(error.message);
      }
      if (error instanceof JobHandedOff) {
        log.info('handing the job back to the queue: another worker continues it');
        await entry.moveToWait(token);
        throw new WaitingError();
      }
      log.error({ error: this.options.scrubber.scrub(String(error)) }, 'job crashed');
      throw new Error(this.options.scrubber.scrub(errorMessage(error)));
    } finally {
      clearInterval(watch);
      if (this.running.get(jobId) === coordinated) this.running.delete(jobId);
    }
  }

  private async markCancelled(jobId: string): Promise<void> {
    await markJobCancelled(this.options.redis, jobId, this.settings.keepFinishedSeconds).catch((e: unknown) =>
      this.options.logger.warn({ jobId, error: this.options.scrubber.scrub(errorMessage(e)) }, 'could not mark the job cancelled'),
    );
  }

  private async markCancelledIfQueued(jobId: string): Promise<void> {
    if (this.running.has(jobId)) return this.markCancelled(jobId);
    const entry = await this.jobsQueue.getJob(jobEntryId(jobId)).catch(() => undefined);
    if (entry && !entry.finishedOn) await this.markCancelled(jobId);
  }

  private control(message: ControlMessage): Promise<void> {
    const m = message as { command?: unknown; action?: unknown; job_id?: unknown; requested_by?: unknown; reason?: unknown };
    const text = (v: unknown) => (typeof v === 'string' ? v : '');
    // Every replica hears every control message: each stops its own part of the job.
    if (m.command === 'cancel_all') {
      const stop = new JobStop('cancel', text(m.reason) || 'cancel_all');
      const jobs = new Set([...this.activeJobs, ...this.symbols.cancelAll(stop)]);
      this.options.logger.warn({ reason: text(m.reason), jobs: [...jobs] }, 'cancel_all received');
      for (const job of this.running.values()) job.cancel.abort(stop);
      return Promise.all([...jobs].map((jobId) => this.markCancelled(jobId))).then(() => undefined);
    }
    if (m.action === 'cancel') {
      const jobId = text(m.job_id);
      const stop = new JobStop('cancel', text(m.requested_by));
      this.symbols.cancel(jobId, stop);
      const job = this.running.get(jobId);
      if (job) {
        this.options.logger.warn({ jobId, by: text(m.requested_by) }, 'cancelling job');
        job.cancel.abort(stop);
      } else this.options.logger.debug({ jobId }, 'cancel for a job not coordinated here');
      // Recorded in Redis too, for a job in the queue: its symbols not yet started, and the job itself if still
      // waiting, stop at once (no mark for ids the queue does not know: a flood of cancels leaves nothing behind).
      return this.markCancelledIfQueued(jobId);
    }
    return Promise.resolve();
  }

  /**
   * Graceful stop: no new work; jobs coordinated here go back to the queue; symbols in flight finish (bounded,
   * then they go back too); connections close.
   */
  async stop(reason = 'shutdown'): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.options.logger.info({ reason, activeJobs: this.activeJobs, symbolsInFlight: this.symbols.active }, 'worker stopping');
    await this.monitor.stop();
    await this.subscriber.stop();
    this.outage.close(); // no more probes; symbols waiting for the database go back to the queue with the drain
    for (const job of this.running.values()) job.handoff.abort(new JobStop('shutdown', reason));
    const drainMs = this.options.drainTimeoutMs ?? 20_000;
    // Bounded in every state: whatever a queue still waits for (a coordination left behind by an outage) is taken
    // back by the other replicas after the lock, as after a crash.
    const closed = await within(Promise.all([this.jobsWorker.close(), this.symbols.stop(drainMs, reason)]), drainMs + 1000);
    if (!closed) this.options.logger.warn({ drainMs }, 'the queues did not close within the drain limit: closing the connections anyway');
    await within(Promise.all([this.symbolEvents.close(), this.jobsQueue.close(), this.symbolsQueue.close()]), 2000);
    await within(this.heartbeat.stop(), 2000);
    this.eventsConnection.disconnect();
    this.connection.disconnect();
  }
}

/** Waits for `work` at most `ms`; true when it settled in time (its outcome either way). */
async function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
    timer.unref();
  });
  try {
    return await Promise.race([
      work.then(
        () => true,
        () => true,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
