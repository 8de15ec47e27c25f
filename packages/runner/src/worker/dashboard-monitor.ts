/**
 * Feeds the TickStock app's monitoring dashboard (`src/services/monitoring_subscriber.py`,
 * `web/static/js/admin/monitoring_dashboard.js`): `METRIC_UPDATE` every interval (the dashboard calls the producer
 * inactive after 30 s without one), `HEALTH_CHECK` and `SYSTEM_STATUS` every `healthEvery` intervals and at once on
 * a `FORCE_HEALTH_CHECK` from `tickstock:monitoring:control`, `SYSTEM_STATUS` `RUNNING` at start and `STOPPING` at
 * stop. Rates are over the last minute. A failure to publish is logged (at most once a minute) and never stops
 * the worker.
 */
import { totalmem } from 'node:os';
import {
  CHANNELS,
  duplicateClient,
  type EventPublisher,
  type HealthCheck,
  type MetricUpdate,
  parseMonitoringControl,
  type RedisClient,
} from '@tickstock/job-protocol';
import type { Timeframe } from '@tickstock/market-time';
import { STORE_TIMEFRAME } from '@tickstock/ohlcv-store';
import { errorMessage } from '../engine/errors.js';
import type { Logger } from '../logging/logger.js';
import type { SecretScrubber } from '../logging/secrets.js';
import type { RunnerMetrics } from '../metrics.js';

/** What the monitor asks the worker at each beat. */
export interface DashboardProbes {
  jobsRunning(): number;
  /** Timeframes of the jobs running now. */
  activeTimeframes(): readonly Timeframe[];
  /** Entries waiting in the worker's queues (jobs and symbols). */
  queueDepth(): Promise<number>;
  /** Round trip to the database in ms; throws when it does not answer. */
  pingDatabase(): Promise<number>;
}

export interface DashboardMonitorOptions {
  redis: RedisClient;
  events: EventPublisher;
  metrics: RunnerMetrics;
  probes: DashboardProbes;
  logger: Logger;
  scrubber: SecretScrubber;
  /** `METRIC_UPDATE` interval in ms (0: the monitor publishes nothing). */
  intervalMs: number;
  /** `HEALTH_CHECK` and `SYSTEM_STATUS` every this many intervals (default 6). */
  healthEvery?: number;
  /** The API budget in requests per second, for `api_budget_used` (null: unlimited). */
  apiRequestsPerSecond: number | null;
  /** Names this replica in `details`. */
  workerId: string;
  now?: () => number;
}

/** The app's names for our timeframes (its dashboard lights a badge per name): the store's table-level names. */
const APP_TIMEFRAME: Readonly<Record<Timeframe, string>> = STORE_TIMEFRAME;

interface Sample {
  at: number;
  symbolsOk: number;
  symbolsFailed: number;
  apiRequests: number;
  apiErrors: number;
}

const WINDOW_MS = 60_000;

async function counterTotal(counter: { get(): Promise<{ values: { value: number; labels: Record<string, string | number> }[] }> }) {
  const { values } = await counter.get();
  return values;
}

export class DashboardMonitor {
  private timer: NodeJS.Timeout | undefined;
  private subscriber: RedisClient | undefined;
  private beats = 0;
  private readonly samples: Sample[] = [];
  private cpu = process.cpuUsage();
  private cpuAt = performance.now();
  private readonly startedAt: number;
  private lastFailureLog = 0;
  private publishing: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly options: DashboardMonitorOptions) {
    this.startedAt = (options.now ?? Date.now)();
  }

  private get now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** Subscribes to `tickstock:monitoring:control`, announces `RUNNING` and starts the beat. */
  async start(): Promise<void> {
    if (this.options.intervalMs <= 0) return;
    const sub = duplicateClient(this.options.redis);
    sub.on('error', () => undefined); // the publisher's own failures are what get logged
    sub.on('message', (_channel: string, text: string) => this.onControl(text));
    this.subscriber = sub;
    await sub.subscribe(CHANNELS.monitoringControl);
    await this.sample();
    this.queue(() => this.publishAll('RUNNING'));
    this.timer = setInterval(() => {
      this.beats += 1;
      const health = this.beats % (this.options.healthEvery ?? 6) === 0;
      this.queue(() => (health ? this.publishAll('RUNNING') : this.publishMetrics()));
    }, this.options.intervalMs);
    this.timer.unref();
  }

  /** Announces `STOPPING` and stops. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.options.intervalMs > 0) {
      this.queue(() => this.publishStatus('STOPPING'));
      await this.publishing;
    }
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
  }

  /** Publishes METRIC_UPDATE, HEALTH_CHECK and SYSTEM_STATUS now (what `FORCE_HEALTH_CHECK` asks for). */
  forceHealthCheck(): Promise<void> {
    this.queue(() => this.publishAll('RUNNING'));
    return this.publishing;
  }

  private onControl(text: string): void {
    const parsed = parseMonitoringControl(text);
    if (!parsed.ok) {
      this.options.logger.debug({ channel: CHANNELS.monitoringControl }, 'ignored a monitoring control message that is not a request');
      return;
    }
    const { action, requested_by } = parsed.value;
    if (action === 'FORCE_HEALTH_CHECK') {
      this.options.logger.info({ requestedBy: requested_by ?? null }, 'health check requested by the app');
      void this.forceHealthCheck();
      return;
    }
    // ALERT_RESOLVED, ENABLE_COMPONENT, CLEAR_CACHE, FORCE_GC, RESTART_WORKERS, RELOAD_PATTERNS: nothing of this worker.
    this.options.logger.debug({ action }, 'monitoring control action does not apply to the data-load worker');
  }

  private queue(task: () => Promise<void>): void {
    this.publishing = this.publishing.then(task).catch((e: unknown) => {
      const now = Date.now();
      if (now - this.lastFailureLog < WINDOW_MS) return;
      this.lastFailureLog = now;
      this.options.logger.warn({ error: this.options.scrubber.scrub(errorMessage(e)) }, 'could not publish monitoring events');
    });
  }

  private async publishAll(status: 'RUNNING'): Promise<void> {
    const health = await this.health();
    await this.publishMetrics(health);
    await this.options.events.healthCheck(health);
    await this.publishStatus(status);
  }

  private async publishStatus(status: 'RUNNING' | 'STOPPING'): Promise<void> {
    await this.options.events.systemStatus(status, {
      worker: this.options.workerId,
      jobs_running: this.options.probes.jobsRunning(),
      uptime_seconds: Math.round((this.now - this.startedAt) / 1000),
    });
  }

  /** Counter totals now, kept for a minute. */
  private async sample(): Promise<Sample> {
    const m = this.options.metrics;
    const symbols = await counterTotal(m.symbols);
    const requests = await counterTotal(m.apiRequests);
    const sum = (values: { value: number }[]) => values.reduce((n, v) => n + v.value, 0);
    const s: Sample = {
      at: this.now,
      symbolsOk: sum(symbols.filter((v) => v.labels.result === 'ok')),
      symbolsFailed: sum(symbols.filter((v) => v.labels.result === 'failed')),
      apiRequests: sum(requests),
      apiErrors: sum(requests.filter((v) => !/^2\d\d$/.test(String(v.labels.status)))),
    };
    this.samples.push(s);
    while (this.samples.length > 2 && (this.samples[1]?.at ?? s.at) <= s.at - WINDOW_MS) this.samples.shift();
    return s;
  }

  private cpuPercent(): number {
    const usage = process.cpuUsage(this.cpu);
    const t = performance.now();
    const elapsedUs = (t - this.cpuAt) * 1000;
    this.cpu = process.cpuUsage();
    this.cpuAt = t;
    return elapsedUs > 0 ? Math.round(((usage.user + usage.system) / elapsedUs) * 1000) / 10 : 0;
  }

  private async probe<T>(fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: string }> {
    try {
      return { ok: true, value: await fn() };
    } catch (e) {
      return { ok: false, error: this.options.scrubber.scrub(errorMessage(e)) };
    }
  }

  private async health(): Promise<HealthCheck['health']> {
    const [db, redis] = await Promise.all([
      this.probe(() => this.options.probes.pingDatabase()),
      this.probe(async () => {
        const t = performance.now();
        await this.options.redis.ping();
        return performance.now() - t;
      }),
    ]);
    const component = (p: typeof db) =>
      p.ok
        ? { status: 'OK' as const, details: { latency_ms: Math.round(p.value * 100) / 100 } }
        : { status: 'DOWN' as const, details: { error: p.error } };
    const down = [db, redis].filter((p) => !p.ok).length;
    return {
      overall_score: down === 0 ? 100 : down === 1 ? 50 : 0,
      status: down === 0 ? 'HEALTHY' : down === 1 ? 'DEGRADED' : 'UNHEALTHY',
      uptime_seconds: Math.round((this.now - this.startedAt) / 1000),
      components: { database: component(db), redis: component(redis) },
    };
  }

  private async publishMetrics(known?: HealthCheck['health']): Promise<void> {
    const health = known ?? (await this.health());
    const now = await this.sample();
    const first = this.samples[0] ?? now;
    const minutes = Math.max((now.at - first.at) / WINDOW_MS, 1 / 60);
    const finished = now.symbolsOk + now.symbolsFailed - (first.symbolsOk + first.symbolsFailed);
    const failed = now.symbolsFailed - first.symbolsFailed;
    const requests = now.apiRequests - first.apiRequests;
    const rss = process.memoryUsage.rss();
    const memoryPercent = Math.round((rss / totalmem()) * 10_000) / 100;
    const budget = this.options.apiRequestsPerSecond;
    const requestsPerMinute = Math.round((requests / minutes) * 10) / 10;
    const queueDepth = await this.options.probes.queueDepth().catch(() => null);
    const dbOk = health.components.database?.status === 'OK';
    const redisOk = health.components.redis?.status === 'OK';
    const timeframes = [...new Set(this.options.probes.activeTimeframes().map((t) => APP_TIMEFRAME[t]))];
    const fields: Omit<MetricUpdate, 'event_type' | 'timestamp' | 'source'> = {
      metrics: {
        system: { cpu_percent: this.cpuPercent(), memory_percent: memoryPercent, memory_mb: Math.round((rss / 1_048_576) * 10) / 10 },
        application: {
          symbols_processed: now.symbolsOk + now.symbolsFailed,
          active_timeframes: timeframes,
          jobs_running: this.options.probes.jobsRunning(),
          queue_depth: queueDepth,
          symbols_per_minute: Math.round((finished / minutes) * 10) / 10,
          api_requests_per_minute: requestsPerMinute,
          api_budget_used: budget ? Math.min(1, Math.round((requestsPerMinute / (budget * 60)) * 1000) / 1000) : null,
          api_error_rate: requests > 0 ? Math.round(((now.apiErrors - first.apiErrors) / requests) * 1000) / 1000 : 0,
          error_rate: finished > 0 ? Math.round((failed / finished) * 1000) / 1000 : 0,
          worker: this.options.workerId,
        },
        processing: { queue_depth: queueDepth },
        database: {
          connected: dbOk,
          query_avg_ms: health.components.database?.details?.latency_ms ?? null,
        },
        redis: { connected: redisOk, latency_ms: health.components.redis?.details?.latency_ms ?? null },
      },
      health_score: {
        overall: Math.min(health.overall_score, Math.max(0, Math.round(100 - memoryPercent))),
        status: health.status,
        components: { database: dbOk ? 100 : 0, redis: redisOk ? 100 : 0, memory: Math.max(0, Math.round(100 - memoryPercent)) },
      },
    };
    await this.options.events.metricUpdate(fields);
  }
}
