/**
 * `@tickstock/runner`: the TickStock data-load worker, the daily import and the job engine, as a library. Start
 * from {@link createRunnerServices}. The `tickstock` CLI is the bin and `@tickstock/runner/cli`: importing this
 * entry loads neither it (commander, the progress bar and tables, the API simulator) nor the HTTP server (fastify,
 * loaded by `startHttpServer` when called).
 * @packageDocumentation
 */

export { OhlcvBarStore } from './adapters/bar-store.js';
export { MassiveMarketData } from './adapters/market-data.js';
export { type DatabaseConfig, type LogLevel, loadConfig, type RedisConfig, type RedisTlsConfig, type RunnerConfig } from './config/env.js';
export type { LoadSymbolDeps } from './engine/load-symbol.js';
export type { JobReporter, JobStartInfo, NoteOptions, ProgressSnapshot } from './engine/progress.js';
export { JobStop, type RunJobDeps, runLoadJob } from './engine/run-job.js';
export type {
  BarsPage,
  JobFence,
  JobOutcome,
  ListedSplit,
  LoadJob,
  MarketDataPort,
  StepError,
  StorePort,
  SymbolMeta,
  SymbolResult,
  SymbolSource,
  TimeframeRange,
  TimeframeResult,
  WriteCounts,
} from './engine/types.js';
export { RunnerError, type RunnerErrorCode } from './errors.js';
export { InProcessExecutor, type SymbolExecutionHooks, type SymbolExecutor } from './execution/executor.js';
export { type HttpServerOptions, startHttpServer } from './http/server.js';
export { type CoordinatorOptions, ImportCoordinator, type StartedImport } from './import/coordinator.js';
export { type ImportRequest, type ImportSpec, parseImportRequest } from './import/request.js';
export { ImportRun, type ImportServices } from './import/run-import.js';
export { nextScheduledSlot, type ScheduledSlot } from './import/schedule.js';
export type { ImportStatusView } from './import/status.js';
export { type JobRunOptions, type JobServices, type PlanningSettings, runJobWithServices } from './jobs/run-with-services.js';
export { createLogger, type Logger, type LoggerOptions } from './logging/logger.js';
export { SecretScrubber } from './logging/secrets.js';
export { RunnerMetrics } from './metrics.js';
export { createRunnerServices, type RedisUse, type RunnerServices, type RunnerServicesOptions } from './services.js';
export {
  type RowDifference,
  type TimeframeVerification,
  type VerifyOptions,
  type VerifyReport,
  verifyBars,
} from './verify/verify-bars.js';
export { Worker, type WorkerOptions } from './worker/worker.js';
