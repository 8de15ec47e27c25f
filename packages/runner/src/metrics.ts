/**
 * Prometheus metrics for the worker, on a registry of its own (never the global one, so several workers can
 * live in one process in tests). Labels carry only codes and timeframes: never a key or a URL.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export class RunnerMetrics {
  readonly registry = new Registry();
  readonly jobs: Counter<'status'>;
  readonly jobsRunning: Gauge;
  readonly symbols: Counter<'result'>;
  readonly bars: Counter<'timeframe' | 'outcome'>;
  readonly apiRequests: Counter<'endpoint' | 'status'>;
  readonly apiRetries: Counter<'code'>;
  readonly apiRateLimited: Counter;
  readonly apiLatency: Histogram<'endpoint'>;
  readonly invalidMessages: Counter<'reason'>;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.jobs = new Counter({ name: 'tickstock_jobs_total', help: 'Jobs finished, by final status', labelNames: ['status'], registers });
    this.jobsRunning = new Gauge({ name: 'tickstock_jobs_running', help: 'Jobs running now', registers });
    this.symbols = new Counter({
      name: 'tickstock_symbols_total',
      help: 'Symbols processed, by result',
      labelNames: ['result'],
      registers,
    });
    this.bars = new Counter({
      name: 'tickstock_bars_total',
      help: 'Bars handled, by timeframe and outcome (written, unchanged, rejected)',
      labelNames: ['timeframe', 'outcome'],
      registers,
    });
    this.apiRequests = new Counter({
      name: 'tickstock_api_requests_total',
      help: 'Massive API requests sent, by endpoint and HTTP status (0 = no response)',
      labelNames: ['endpoint', 'status'],
      registers,
    });
    this.apiRetries = new Counter({
      name: 'tickstock_api_retries_total',
      help: 'Massive API retries, by error code',
      labelNames: ['code'],
      registers,
    });
    this.apiRateLimited = new Counter({
      name: 'tickstock_api_rate_limited_total',
      help: 'HTTP 429 answers from the Massive API',
      registers,
    });
    this.apiLatency = new Histogram({
      name: 'tickstock_api_request_duration_seconds',
      help: 'Massive API request latency',
      labelNames: ['endpoint'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.invalidMessages = new Counter({
      name: 'tickstock_invalid_messages_total',
      help: 'Job and control messages refused',
      labelNames: ['reason'],
      registers,
    });
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry });
  }
}
