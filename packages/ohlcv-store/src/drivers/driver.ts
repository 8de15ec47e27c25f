/**
 * The seam between the store's SQL and a database connection. Two drivers implement it: node-postgres with
 * pg-copy-streams (a PostgreSQL server) and PGlite (PostgreSQL compiled to WASM, in process). All SQL is shared;
 * a driver only runs statements, streams COPY data and brackets transactions.
 */

/** Rows of one statement, plus the count the server reported. */
export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

/** How to run a statement. */
export interface QueryOptions {
  /**
   * Keep the statement prepared on each connection that runs it (parsed and planned once there, then only bound and
   * executed): for the few statements that run thousands of times. Drivers without prepared statements ignore it.
   */
  prepare?: boolean;
}

/** Something statements can run on: the driver itself, or one transaction. */
export interface Queryable {
  /** Runs one statement with `$1`-style parameters. */
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<QueryResult<R>>;
  /**
   * Loads COPY text-format data (tab-separated columns, `\N` for NULL, one `\n`-terminated line per row) into
   * `table (columns)`. `chunks` are concatenated as they are.
   */
  copyFrom(table: string, columns: readonly string[], chunks: readonly string[]): Promise<void>;
}

/** A database connection the store owns or borrows. */
export interface Driver extends Queryable {
  /** Which implementation this is. */
  readonly kind: 'postgres' | 'pglite';
  /** A description of the target with no credentials, for messages (e.g. `postgres://user@host:5432/db`). */
  readonly target: string;
  /** Runs `fn` inside BEGIN ... COMMIT on one session; rolls back and rethrows when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Releases what the driver opened (a borrowed pool or PGlite instance is left open). */
  close(): Promise<void>;
}
