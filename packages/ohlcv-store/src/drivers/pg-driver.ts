/** The node-postgres driver: a pool (owned or borrowed) with COPY FROM STDIN through pg-copy-streams. */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFromStdin } from 'pg-copy-streams';
import { ident, identList } from '../sql.js';
import type { Driver, Queryable, QueryOptions, QueryResult } from './driver.js';
import { storeTextParser } from './type-parsers.js';

type Session = pg.PoolClient | pg.Client;

/** Per-query type parsers: DATE as text, timestamps as ms; everything else as node-postgres does by default. */
const storeTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (format !== 'binary') {
      const own = storeTextParser(oid);
      if (own) return own;
    }
    return pg.types.getTypeParser(oid, format ?? 'text');
  },
} as pg.CustomTypesConfig;

/** Names of prepared statements, by their text (a handful: one upsert per bar table). */
const statementNames = new Map<string, string>();

function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (!name) {
    name = `tickstock_${createHash('sha256').update(sql).digest('hex').slice(0, 24)}`;
    statementNames.set(sql, name);
  }
  return name;
}

async function run<R>(
  session: Session | pg.Pool,
  sql: string,
  params?: readonly unknown[],
  options?: QueryOptions,
): Promise<QueryResult<R>> {
  const res = await session.query({
    text: sql,
    values: params ? [...params] : [],
    types: storeTypes,
    ...(options?.prepare ? { name: statementName(sql) } : {}),
  });
  return { rows: res.rows as R[], rowCount: res.rowCount ?? 0 };
}

async function copyInto(session: Session, table: string, columns: readonly string[], chunks: readonly string[]): Promise<void> {
  const stream = session.query(copyFromStdin(`COPY ${ident(table)} (${identList(columns)}) FROM STDIN`));
  await pipeline(Readable.from(chunks, { objectMode: false }), stream);
}

/** The query options a driver passes on: `prepare` only when the driver prepares statements at all. */
type OptionFilter = (options: QueryOptions | undefined) => QueryOptions | undefined;

function sessionQueryable(session: Session, allow: OptionFilter): Queryable {
  return {
    query: (sql, params, options) => run(session, sql, params, allow(options)),
    copyFrom: (table, columns, chunks) => copyInto(session, table, columns, chunks),
  };
}

/** Options of {@link createPgDriver}. */
export interface PgDriverOptions {
  /** The pool to use. */
  pool: pg.Pool;
  /** True when the store created the pool and should end it on close. */
  owned: boolean;
  /** Credential-free description of the target. */
  target: string;
  /** Honour `QueryOptions.prepare` (default true); false sends every statement unnamed. */
  prepare?: boolean;
}

/**
 * Checks a client out of the pool for several statements, watching its `error` event meanwhile. node-postgres
 * emits `error` on a checked-out client whose connection drops between statements (a server restart while a
 * transaction waits for its next batch of bars); the pool listens only while a client is idle, and an `error`
 * nobody listens to crashes the process. Here the loss is kept instead: the next statement fails (the client is no
 * longer queryable) and the client is destroyed, not returned to the pool. `fn` may also `discard` a client it
 * left in an unknown state.
 */
async function withClient<T>(pool: pg.Pool, fn: (client: pg.PoolClient, discard: (e: unknown) => void) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const discard = (e: unknown) => {
    broken ??= e instanceof Error ? e : new Error(String(e));
  };
  client.on('error', discard);
  try {
    return await fn(client, discard);
  } finally {
    client.off('error', discard);
    client.release(broken ?? false);
  }
}

/** A driver over a node-postgres pool. */
export function createPgDriver({ pool, owned, target, prepare = true }: PgDriverOptions): Driver {
  let closed = false;
  const allow: OptionFilter = (options) => (prepare ? options : undefined);
  return {
    kind: 'postgres',
    target,
    query: (sql, params, options) => run(pool, sql, params, allow(options)),
    copyFrom: (table, columns, chunks) =>
      withClient(pool, async (client, discard) => {
        try {
          await copyInto(client, table, columns, chunks);
        } catch (e) {
          discard(e); // a COPY cut short leaves the session mid-protocol
          throw e;
        }
      }),
    transaction: (fn) =>
      withClient(pool, async (client, discard) => {
        await client.query('BEGIN');
        try {
          const out = await fn(sessionQueryable(client, allow));
          await client.query('COMMIT');
          return out;
        } catch (e) {
          // A client that cannot even roll back is dropped (the server rolls back when its connection closes).
          await client.query('ROLLBACK').catch(discard);
          throw e;
        }
      }),
    async close() {
      if (closed) return;
      closed = true;
      if (owned) await pool.end();
    },
  };
}
