/**
 * The embedded driver: PGlite (PostgreSQL 18 compiled to WASM) in this process. COPY reads from PGlite's
 * `/dev/blob` device (the `blob` query option); COPY FROM STDIN through pglite-socket is not used, because it
 * breaks the connection.
 */
import type { PGlite, Transaction } from '@electric-sql/pglite';
import { ident, identList } from '../sql.js';
import type { Driver, Queryable, QueryResult } from './driver.js';
import { PG_OID, parseTimestampMs } from './type-parsers.js';

const parsers = {
  [PG_OID.DATE]: (text: string) => text,
  [PG_OID.TIMESTAMPTZ]: parseTimestampMs,
  [PG_OID.TIMESTAMP]: parseTimestampMs,
};

type Session = PGlite | Transaction;

async function run<R>(session: Session, sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
  const res = await session.query<R>(sql, params ? [...params] : [], { parsers });
  return { rows: res.rows, rowCount: res.affectedRows ?? res.rows.length };
}

async function copyInto(session: Session, table: string, columns: readonly string[], chunks: readonly string[]): Promise<void> {
  await session.query(`COPY ${ident(table)} (${identList(columns)}) FROM '/dev/blob'`, [], { blob: new Blob(chunks as string[]) });
}

function sessionQueryable(session: Session): Queryable {
  return {
    query: (sql, params) => run(session, sql, params),
    copyFrom: (table, columns, chunks) => copyInto(session, table, columns, chunks),
  };
}

/** Options of {@link createPgliteDriver}. */
export interface PgliteDriverOptions {
  db: PGlite;
  /** True when the store opened the database and should close it. */
  owned: boolean;
  /** Credential-free description, e.g. `embedded:/path/to/data`. */
  target: string;
}

/** A driver over a PGlite instance. */
export function createPgliteDriver({ db, owned, target }: PgliteDriverOptions): Driver {
  let closed = false;
  return {
    kind: 'pglite',
    target,
    ...sessionQueryable(db),
    transaction: (fn) => db.transaction((tx) => fn(sessionQueryable(tx))),
    async close() {
      if (closed) return;
      closed = true;
      if (owned) await db.close();
    },
  };
}
