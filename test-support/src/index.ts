/** Helpers for tests that need real services. Import from `@tickstock/test-support`. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { serviceUrl } from './services.js';

export { validatePatternEventStructure } from './app-validators.js';
export * from './fuzz.js';
export { type PgBouncer, type PgBouncerOptions, startPgBouncer } from './pgbouncer.js';
export { type PostgresServer, type PostgresServerOptions, startPostgresServer } from './postgres-server.js';
export { type RedisCluster, type RedisClusterNode, type RedisClusterOptions, startRedisCluster } from './redis-cluster.js';
export { type RedisServer, type RedisServerOptions, startRedisServer } from './redis-server.js';
export { makeTestCa, type ServerTlsFiles, type TestCa, type TestCertificate } from './tls.js';
export { freePort, waitFor } from './util.js';

/**
 * The run's shared PostgreSQL server (its `tickstock_test` database): `DATABASE_URL` when set, else a throwaway
 * server the global setup starts the first time any test asks (see test-support/global-setup.ts).
 */
export function databaseUrl(): Promise<string> {
  return serviceUrl('postgres');
}

/** The run's shared Redis server: `REDIS_URL` when set, else a throwaway one started the first time any test asks. */
export function redisUrl(): Promise<string> {
  return serviceUrl('redis');
}

export interface TestDatabase {
  /** Connection URL of a fresh, empty database. */
  url: string;
  name: string;
  /** Drops the database (terminating any connection left open). */
  drop(): Promise<void>;
}

/** Creates a fresh empty database on the test server so each test file is isolated. */
export async function createTestDatabase(prefix = 't'): Promise<TestDatabase> {
  const base = new URL(await databaseUrl());
  const name = `${prefix}_${randomBytes(6).toString('hex')}`.toLowerCase();
  const admin = new pg.Client({ connectionString: base.toString() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(base.toString());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: base.toString() });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A unique key prefix so tests sharing one Redis server never see each other's keys. */
export function uniquePrefix(label = 'test'): string {
  return `${label}:${randomBytes(4).toString('hex')}:`;
}
export { apiSurface, describePublishedApi } from './api-surface.js';
