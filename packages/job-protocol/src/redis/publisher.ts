/** Publishers for import lifecycle, monitoring dashboard, error, pattern, backtesting and health messages. */
import { randomUUID } from 'node:crypto';
import { redactCredentials, redactFields } from '@tickstock/market-time/redact';
import type * as z from 'zod';
import { DEFAULTS } from '../defaults.js';
import { ProtocolError, type ProtocolErrorCode } from '../errors.js';
import { issuesFromZod } from '../issues.js';
import { CHANNELS } from '../names.js';
import {
  type BacktestingProgress,
  type BacktestingResults,
  backtestingProgressSchema,
  backtestingResultsSchema,
  type ErrorEvent,
  type ErrorSeverity,
  errorEventSchema,
  type HealthCheck,
  type HealthStatus,
  healthCheckSchema,
  healthStatusSchema,
  IMPORT_EVENT_CHANNELS,
  IMPORT_EVENT_SOURCE,
  type MetricUpdate,
  MONITORING_VERSION,
  type MonitoringEventName,
  type MonitoringPayload,
  metricUpdateSchema,
  monitoringEventSchema,
  type PatternData,
  type PatternEvent,
  patternEventSchema,
  type SystemStatus,
  systemStatusSchema,
} from '../schemas/events.js';
import { epochSeconds, isoMillis } from '../time.js';
import type { RedisClient } from './client.js';
import { redisFailure } from './exec.js';

/** Options of {@link EventPublisher}. */
export interface EventPublisherOptions {
  /** `source` of every event (default `TickStockPL`). */
  source?: string;
  /** `component` of error events, when the caller names none. */
  component?: string;
  /** Clock, Unix ms. */
  now?: () => number;
}

/** What {@link EventPublisher.error} needs; the rest (`error_id`, `source`, `timestamp`) is filled in. */
export interface ErrorEventInput {
  severity: ErrorSeverity;
  message: string;
  /** The error code (`API_RATE_LIMIT`, `SYMBOL_INVALID`, ...): goes to `category` and `context.code`. */
  code?: ProtocolErrorCode | (string & {});
  component?: string;
  traceback?: string;
  /** Details. Fields named like key/password/token are replaced by `[REDACTED]` before publishing. */
  context?: Record<string, unknown>;
}

/**
 * A pattern to publish. Every field the app's strictest check requires is required; `flow_id` defaults to a new
 * UUID, `timestamp` to now and `expires_at` to `timestamp` + 3 days (the app's own detectors' expiry).
 */
export interface PatternInput {
  symbol: string;
  /** The pattern name (the field is `pattern`, never `pattern_name`). */
  pattern: string;
  /** 0-1. */
  confidence: number;
  /** Price when detected, > 0. */
  current_price: number;
  /** Percent change. */
  price_change: number;
  /** Indicator values, e.g. `{relative_strength: 1.2, relative_volume: 0.9}`. */
  indicators: Record<string, unknown>;
  /** The data tier the pattern was found on: `daily`, `hourly`, `intraday`, `weekly`, `monthly`, ... */
  source: string;
  flow_id?: string;
  tier?: string | null;
  volume?: number | null;
  /** Epoch seconds (default: now). */
  timestamp?: number;
  /** Epoch seconds (default: `timestamp` + 3 days). */
  expires_at?: number;
}

/** How long a pattern stays current when the caller names no expiry: 3 days, as the app's detectors set. */
export const PATTERN_DEFAULT_TTL_SECONDS = 3 * 86_400;

/**
 * Publishes this side's events, each validated against its schema first (a bad event is a bug: it throws a
 * `FIELD_INVALID` {@link ProtocolError} and nothing is published). Every method resolves to the number of receivers.
 */
export class EventPublisher {
  private readonly redis: RedisClient;
  private readonly source: string;
  private readonly component: string | undefined;
  private readonly now: () => number;

  constructor(redis: RedisClient, options: EventPublisherOptions = {}) {
    this.redis = redis;
    this.source = options.source ?? DEFAULTS.source;
    this.component = options.component;
    this.now = options.now ?? Date.now;
  }

  /**
   * Publishes import lifecycle event `event` in the `{event, timestamp, source, version, payload}` envelope on each
   * channel of {@link IMPORT_EVENT_CHANNELS} (where the app's subscribers read it), with `source`
   * {@link IMPORT_EVENT_SOURCE}. Resolves to the receivers of all channels together.
   */
  async importEvent<E extends MonitoringEventName>(event: E, payload: MonitoringPayload<E>): Promise<number> {
    const message = { event, timestamp: isoMillis(this.now()), source: IMPORT_EVENT_SOURCE, version: MONITORING_VERSION, payload };
    this.validate(monitoringEventSchema, message);
    const text = JSON.stringify(message);
    let receivers = 0;
    for (const channel of IMPORT_EVENT_CHANNELS[event]) receivers += await this.send(channel, text);
    return receivers;
  }

  /** Publishes a `METRIC_UPDATE` for the app's monitoring dashboard on `tickstock:monitoring` (`timestamp`, `source` filled in). */
  metricUpdate(fields: Omit<MetricUpdate, 'event_type' | 'timestamp' | 'source'>): Promise<number> {
    const message = { event_type: 'METRIC_UPDATE', timestamp: isoMillis(this.now()), source: this.source, ...fields };
    return this.publish(CHANNELS.monitoring, metricUpdateSchema, message);
  }

  /** Publishes a `HEALTH_CHECK` on `tickstock:monitoring`. */
  healthCheck(health: HealthCheck['health']): Promise<number> {
    const message = { event_type: 'HEALTH_CHECK', timestamp: isoMillis(this.now()), source: this.source, health };
    return this.publish(CHANNELS.monitoring, healthCheckSchema, message);
  }

  /** Publishes a `SYSTEM_STATUS` (`RUNNING` is the normal value) on `tickstock:monitoring`. */
  systemStatus(status: SystemStatus['status'], details?: Record<string, unknown>): Promise<number> {
    const message: SystemStatus = { event_type: 'SYSTEM_STATUS', timestamp: isoMillis(this.now()), source: this.source, status };
    if (details) message.details = redactFields(details);
    return this.publish(CHANNELS.monitoring, systemStatusSchema, message);
  }

  /** Builds an error event (secrets scrubbed, code in `category` and `context.code`) without publishing it. */
  buildErrorEvent(input: ErrorEventInput): ErrorEvent {
    const context =
      input.context || input.code ? redactFields({ ...(input.code ? { code: input.code } : {}), ...(input.context ?? {}) }) : undefined;
    const component = input.component ?? this.component;
    const event: ErrorEvent = {
      error_id: randomUUID(),
      source: this.source,
      severity: input.severity,
      message: redactCredentials(input.message) || '(no message)',
      timestamp: isoMillis(this.now()),
    };
    if (input.code) event.category = input.code;
    if (component) event.component = component;
    if (input.traceback) event.traceback = redactCredentials(input.traceback);
    if (context) event.context = context;
    return event;
  }

  /** Publishes an error event on `tickstock:errors`. */
  error(input: ErrorEventInput): Promise<number> {
    return this.publish(CHANNELS.errors, errorEventSchema, this.buildErrorEvent(input));
  }

  /** Publishes a `pattern_detected` event on `tickstock.events.patterns` (`timestamp` epoch seconds, float). */
  pattern(data: PatternInput): Promise<number> {
    const now = epochSeconds(this.now());
    const detectedAt = data.timestamp ?? now;
    const event: PatternEvent = {
      event_type: 'pattern_detected',
      source: this.source,
      timestamp: now,
      data: {
        ...data,
        flow_id: data.flow_id ?? randomUUID(),
        timestamp: detectedAt,
        expires_at: data.expires_at ?? detectedAt + PATTERN_DEFAULT_TTL_SECONDS,
      } as PatternData,
    };
    return this.publish(CHANNELS.patterns, patternEventSchema, event);
  }

  /** Publishes backtesting progress (`progress` 0-1). */
  backtestingProgress(message: BacktestingProgress): Promise<number> {
    return this.publish(CHANNELS.backtestingProgress, backtestingProgressSchema, message);
  }

  /** Publishes backtesting results. */
  backtestingResults(message: BacktestingResults): Promise<number> {
    return this.publish(CHANNELS.backtestingResults, backtestingResultsSchema, message);
  }

  /** Publishes the producer's health on `tickstock.health.status`. */
  health(status: HealthStatus['status'], details?: Record<string, unknown>): Promise<number> {
    const message: HealthStatus = { source: this.source, status, timestamp: isoMillis(this.now()) };
    if (details) message.details = redactFields(details);
    return this.publish(CHANNELS.healthStatus, healthStatusSchema, message);
  }

  private validate(schema: z.ZodType, message: unknown): void {
    const parsed = schema.safeParse(message);
    if (!parsed.success) {
      const issues = issuesFromZod(parsed.error, message).map((i) => ({ ...i, code: 'FIELD_INVALID' as const }));
      throw ProtocolError.fromIssues(issues);
    }
  }

  private async send(channel: string, text: string): Promise<number> {
    try {
      return await this.redis.publish(channel, text);
    } catch (e) {
      throw redisFailure(`publishing on ${channel}`, e);
    }
  }

  private async publish(channel: string, schema: z.ZodType, message: unknown): Promise<number> {
    this.validate(schema, message);
    return this.send(channel, JSON.stringify(message));
  }
}
