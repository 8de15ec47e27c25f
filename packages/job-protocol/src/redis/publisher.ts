/** Publishers for monitoring, error, pattern, backtesting and health messages. */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
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
  type HealthStatus,
  healthStatusSchema,
  MONITORING_VERSION,
  type MonitoringEventName,
  type MonitoringPayload,
  monitoringEventSchema,
  type PatternData,
  type PatternEvent,
  patternEventSchema,
} from '../schemas/events.js';
import { scrubSecrets, scrubText } from '../scrub.js';
import { epochSeconds, isoMillis } from '../time.js';
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
  /** Details. Fields named like key/password/token are replaced by `[redacted]` before publishing. */
  context?: Record<string, unknown>;
}

/** A pattern to publish: `flow_id` defaults to a new UUID. */
export interface PatternInput {
  symbol: string;
  /** The pattern name (the field is `pattern`, never `pattern_name`). */
  pattern: string;
  /** 0-1. */
  confidence: number;
  flow_id?: string;
  tier?: string | null;
  price_change?: number | null;
  current_price?: number | null;
  volume?: number | null;
  timestamp?: number | string | null;
  expires_at?: number | string | null;
  indicators?: Record<string, unknown> | null;
}

/**
 * Publishes this side's events, each validated against its schema first (a bad event is a bug: it throws a
 * `FIELD_INVALID` {@link ProtocolError} and nothing is published). Every method resolves to the number of receivers.
 */
export class EventPublisher {
  private readonly redis: Redis;
  private readonly source: string;
  private readonly component: string | undefined;
  private readonly now: () => number;

  constructor(redis: Redis, options: EventPublisherOptions = {}) {
    this.redis = redis;
    this.source = options.source ?? DEFAULTS.source;
    this.component = options.component;
    this.now = options.now ?? Date.now;
  }

  /** Publishes monitoring event `event` on `tickstock:monitoring`, in the `{event, timestamp, source, version, payload}` envelope. */
  monitoring<E extends MonitoringEventName>(event: E, payload: MonitoringPayload<E>): Promise<number> {
    const message = { event, timestamp: isoMillis(this.now()), source: this.source, version: MONITORING_VERSION, payload };
    return this.publish(CHANNELS.monitoring, monitoringEventSchema, message);
  }

  /** Builds an error event (secrets scrubbed, code in `category` and `context.code`) without publishing it. */
  buildErrorEvent(input: ErrorEventInput): ErrorEvent {
    const context =
      input.context || input.code ? scrubSecrets({ ...(input.code ? { code: input.code } : {}), ...(input.context ?? {}) }) : undefined;
    const component = input.component ?? this.component;
    const event: ErrorEvent = {
      error_id: randomUUID(),
      source: this.source,
      severity: input.severity,
      message: scrubText(input.message) || '(no message)',
      timestamp: isoMillis(this.now()),
    };
    if (input.code) event.category = input.code;
    if (component) event.component = component;
    if (input.traceback) event.traceback = scrubText(input.traceback);
    if (context) event.context = context;
    return event;
  }

  /** Publishes an error event on `tickstock:errors`. */
  error(input: ErrorEventInput): Promise<number> {
    return this.publish(CHANNELS.errors, errorEventSchema, this.buildErrorEvent(input));
  }

  /** Publishes a `pattern_detected` event on `tickstock.events.patterns` (`timestamp` epoch seconds, float). */
  pattern(data: PatternInput): Promise<number> {
    const event: PatternEvent = {
      event_type: 'pattern_detected',
      source: this.source,
      timestamp: epochSeconds(this.now()),
      data: { ...data, flow_id: data.flow_id ?? randomUUID() } as PatternData,
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
    if (details) message.details = scrubSecrets(details);
    return this.publish(CHANNELS.healthStatus, healthStatusSchema, message);
  }

  private async publish(channel: string, schema: z.ZodType, message: unknown): Promise<number> {
    const parsed = schema.safeParse(message);
    if (!parsed.success) {
      const issues = issuesFromZod(parsed.error, message).map((i) => ({ ...i, code: 'FIELD_INVALID' as const }));
      throw ProtocolError.fromIssues(issues);
    }
    try {
      return await this.redis.publish(channel, JSON.stringify(message));
    } catch (e) {
      throw redisFailure(`publishing on ${channel}`, e);
    }
  }
}
