/**
 * `@tickstock/ohlcv-store`: OHLCV bars for TickStock in PostgreSQL (TimescaleDB where installed) or an embedded PGlite
 * database. Migrations, schema discovery, bulk idempotent upserts, reads, stats and gaps, progress tables.
 * @packageDocumentation
 */
export type { BarExtent, GetBarsOptions } from './bars/read.js';
export type { RejectedBar, UpsertReport } from './bars/report.js';
export { type DateRule, dateRuleForSymbol } from './bars/time-keys.js';
export type { BarPageRows, InvalidBarPolicy, SymbolBar, UpsertOptions, UpsertPagesOptions } from './bars/upsert.js';
export { REJECT_REASONS, type RejectReason } from './bars/validate.js';
export { type DatabaseEnv, databaseFromEnv } from './env.js';
export {
  isConnectionFailure,
  isStoreError,
  isStoreUnavailable,
  STORE_ERROR_CODES,
  StoreError,
  type StoreErrorCode,
} from './errors.js';
export { DEFAULTS, type OpenStoreOptions } from './options.js';
export { type PgTlsSettings, type PgTlsSources, withPgTlsEnv } from './pg-tls.js';
export type { LoadCursor, LoadCursorKey } from './progress/load-cursors.js';
export type { ProgressRow, ProgressUpdate, SymbolProcessingState, SymbolStatusRow, SymbolStatusUpdate } from './progress/progress.js';
export type { ListRuns, RunRecord, RunRow, SettleRuns } from './progress/runs.js';
export type { BarTableSchema, RunsTableSchema, StoreSchema, SymbolsTableSchema } from './schema/discover.js';
export { type GrantsOptions, grantsSql } from './schema/grants.js';
export type { MigrationReport } from './schema/migrate.js';
export type { TimescaleMode } from './schema/migrations.js';
export type { Gap } from './stats/gaps.js';
export type { SymbolStats, SymbolStatsOptions } from './stats/symbol-stats.js';
export { OhlcvStore, openStore } from './store.js';
export type { RegisterSymbolsResult, SymbolMeta } from './symbols/register.js';
export type { NewSplit, ReadSplits, SplitCheck, StoredSplit } from './symbols/splits.js';
export type { BackfillStatus, TrackedAssetClass, TrackedSymbol } from './symbols/tracked.js';
export { STORE_TIMEFRAME, TIMEFRAMES, type Timeframe, toTimeframe } from './timeframes.js';
export { type TlsFailureKind, tlsFailureKind } from './tls-failure.js';
