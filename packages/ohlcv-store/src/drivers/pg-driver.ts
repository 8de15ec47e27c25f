/** The node-postgres driver: a pool (owned or borrowed) with COPY FROM STDIN through pg-copy-streams. */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFromStdin } from 'pg-copy-streams';
import { ident, identList } from '../sql.js';
import type { Driver, Queryable, QueryResult } from './driver.js';
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

async function run<R>(session: Session | pg.Pool, sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
  const res = await session.query({ text: sql, values: params ? [...params] : [], types: storeTypes });
  return { rows: res.rows as R[], rowCount: res.rowCount ?? 0 };
}

async function copyInto(session: Session, table: string, columns: readonly string[], chunks: readonly string[]): Promise<void> {
  const stream = session.query(copyFromStdin(`COPY ${ident(table)} (${identList(columns)}) FROM STDIN`));
  await pipeline(Readable.from(chunks, { objectMode: false }), stream);
}

function sessionQueryable(session: Session): Queryable {
  return {
    query: (sql, params) => run(session, sql, params),
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
}

/** A driver over a node-postgres pool. */
export function createPgDriver({ pool, owned, target }: PgDriverOptions): Driver {
  let closed = false;
  return {
    kind: 'postgres',
    target,
    query: (sql, params) => run(pool, sql, params),
    async copyFrom(table, columns, chunks) {
      const client = await pool.connect();
      try {
        await copyInto(client, table, columns, chunks);
        client.release();
      } catch (e) {
        client.release(e instanceof Error ? e : true);
        throw e;
      }
    },
    async transaction(fn) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        try {
          const out = await fn(sessionQueryable(client));
          await client.query('COMMIT');
          return out;
        } catch (e) {
          try {
            await client.query('ROLLBACK');
          } catch (rollbackError) {
            broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
          }
          throw e;
        }
      } finally {
        client.release(broken ?? false);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      if (owned) await pool.end();
    },
  };
}
