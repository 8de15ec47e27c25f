/**
 * `@tickstock/runner`: the TickStock data-load worker and the `tickstock` CLI, and the job engine they share.
 * @packageDocumentation
 */

export { OhlcvBarStore } from './adapters/bar-store.js';
export { MassiveMarketData } from './adapters/market-data.js';
export { main } from './cli/main.js';
export { loadConfig, type RunnerConfig } from './config/env.js';
export { type LoadSymbolDeps, loadSymbol } from './engine/load-symbol.js';
export { type JobReporter, type JobStartInfo, type ProgressSnapshot, ProgressTracker } from './engine/progress.js';
export { JobStop, type RunJobDeps, runLoadJob } from './engine/run-job.js';
export * from './engine/types.js';
export { RunnerError, type RunnerErrorCode } from './errors.js';
export { InProcessExecutor, type SymbolExecutionHooks, type SymbolExecutor } from './execution/executor.js';
export { Worker, type WorkerOptions } from './worker/worker.js';
