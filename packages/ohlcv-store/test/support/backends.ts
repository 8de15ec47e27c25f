/** The two drivers the shared behaviour suite runs against: a real PostgreSQL 15 database and PGlite in a temp dir. */
import { createTestDatabase } from '@tickstock/test-support';
import pg from 'pg';
import { type OhlcvStore, type OpenStoreOptions, openStore } from '../../src/index.js';
import { freshPgliteDir } from './pglite-dir.js';

/** A fresh empty database on one backend. */
export interface TestBackend {
  name: 'postgres' | 'pglite';
  /** Opens a store on the database (options are passed through, the location is fixed). */
  open(options?: Omit<OpenStoreOptions, 'databaseUrl' | 'embedded' | 'pool' | 'pglite'>): Promise<OhlcvStore>;
  /** Runs raw SQL outside the store (for building existing-install schemas and checking rows). */
  sql<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
  /** Drops the database. Close stores first. */
  dispose(): Promise<void>;
}

/** A fresh PostgreSQL database from the test server. */
export async function postgresBackend(): Promise<TestBackend> {
  const db = await createTestDatabase('ohlcv');
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  return {
    name: 'postgres',
    open: (options = {}) => openStore({ ...options, databaseUrl: db.url, env: {} }),
    async sql<R>(text: string, params: unknown[] = []) {
      return (await client.query(text, params)).rows as R[];
    },
    async dispose() {
      await client.end();
      await db.drop();
    },
  };
}

/**
 * A fresh PGlite database in a temp dir. PGlite allows one process per data dir, so raw SQL runs through the store's
 * own driver-independent path: a borrowed PGlite instance shared with the stores opened here.
 */
export async function pgliteBackend(): Promise<TestBackend> {
  const { dataDir, remove } = await freshPgliteDir();
  const { PGlite } = await import('@electric-sql/pglite');
  const db = await PGlite.create({ dataDir });
  return {
    name: 'pglite',
    open: (options = {}) => openStore({ ...options, pglite: db, env: {} }),
    async sql<R>(text: string, params: unknown[] = []) {
      return (await db.query<R>(text, params)).rows;
    },
    async dispose() {
      await db.close();
      await remove();
    },
  };
}

/** Both backends, for `describe.each`. */
export const BACKENDS = [
  { name: 'postgres', create: postgresBackend },
  { name: 'pglite', create: pgliteBackend },
] as const;
