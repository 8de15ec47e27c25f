/** Options of `openStore`, with every default in one place. */
import type pg from 'pg';
import type { InvalidBarPolicy } from './bars/upsert.js';
import type { TimescaleMode } from './schema/migrations.js';
import { TIMEFRAMES, type Timeframe } from './timeframes.js';

/**
 * A PGlite database from `@electric-sql/pglite` (`await PGlite.create(...)`), as {@link OpenStoreOptions.pglite} takes it.
 * Only the members the store calls are named: this package's declarations must not import PGlite's own types, which
 * need Emscripten's and the DOM's global types that a consumer compiling without `skipLibCheck` does not have.
 */
export interface PGliteDatabase {
  query(query: string, params?: unknown[], options?: object): Promise<{ rows: unknown[]; affectedRows?: number }>;
  transaction<T>(callback: (tx: unknown) => Promise<T>): Promise<T>;
}

/** Where the store keeps its data. The first one given wins; see {@link OpenStoreOptions}. */
export interface OpenStoreOptions {
  /** A node-postgres pool to borrow (not closed by the store). */
  pool?: pg.Pool;
  /** A PGlite instance to borrow (not closed by the store). */
  pglite?: PGliteDatabase;
  /** A PostgreSQL connection URL (`postgres://user:password@host:port/db`). */
  databaseUrl?: string;
  /** An embedded PGlite database kept in `dataDir` (created when missing). */
  embedded?: { dataDir: string };
  /**
   * Environment to read when none of the above is given: `DATABASE_URL`, else `DB_HOST`/`DB_PORT`/`DB_NAME`/
   * `DB_USER`/`DB_PASSWORD`, else the embedded database in `defaultEmbeddedDir`. Default: `process.env`. Whatever
   * names the database, a PostgreSQL connection's TLS settings missing from its URL are read here too, as libpq
   * does: `PGSSLMODE`, `PGSSLROOTCERT` (the CA file), `PGSSLCERT`, `PGSSLKEY` (see the README, "TLS").
   */
  env?: Readonly<Record<string, string | undefined>>;
  /** Embedded data directory used when nothing else is configured. Default `.tickstock/db` under the working directory, where the `tickstock` CLI keeps it too. */
  defaultEmbeddedDir?: string;
  /** Run pending migrations on open. Default true. */
  migrate?: boolean;
  /** TimescaleDB hypertables for new intraday tables when the extension is available. Default `auto`. */
  timescale?: TimescaleMode;
  /** Timeframes whose tables must exist and be usable; open fails fast otherwise. Default: all five. */
  timeframes?: readonly Timeframe[];
  /** Rows per write transaction (at most two batches are held in memory per write). Default 10,000. */
  batchSize?: number;
  /** Invalid bars: `skip` (count and report) or `throw`. Default `skip`. */
  onInvalid?: InvalidBarPolicy;
  /** Insert a bare `symbols` row for unregistered symbols before their bars. Default true. */
  registerMissingSymbols?: boolean;
  /** Pool size when the store creates the pool. Default 10. */
  maxConnections?: number;
  /**
   * Keep the store's hot statements (the small-batch upsert, the one-symbol register) prepared on each PostgreSQL
   * connection. Default true. Turn it off behind a transaction-mode pooler that does not track prepared statements
   * (PgBouncer before 1.21, or with `max_prepared_statements = 0`). PGlite ignores it.
   */
  preparedStatements?: boolean;
  /** Connection timeout when the store creates the pool, ms. Default 10,000. */
  connectTimeoutMs?: number;
}

/** The defaults. */
export const DEFAULTS = {
  defaultEmbeddedDir: '.tickstock/db',
  migrate: true,
  timescale: 'auto' as TimescaleMode,
  timeframes: TIMEFRAMES,
  batchSize: 10_000,
  onInvalid: 'skip' as InvalidBarPolicy,
  registerMissingSymbols: true,
  maxConnections: 10,
  connectTimeoutMs: 10_000,
  preparedStatements: true,
} as const;
