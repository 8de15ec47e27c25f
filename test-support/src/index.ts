/** Helpers for tests that need real services. Import from `@tickstock/test-support`. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

export { validatePatternEventStructure } from './app-validators.js';
export * from './fuzz.js';
export { type PgBouncer, type PgBouncerOptions, startPgBouncer } from './pgbouncer.js';
export { type PostgresServer, type PostgresServerOptions, startPostgresServer } from './postgres-server.js';
export { type RedisCluster, type RedisClusterNode, type RedisClusterOptions, startRedisCluster } from './redis-cluster.js';
export { type RedisServer, type RedisServerOptions, startRedisServer } from './redis-server.js';
export { makeTestCa, type ServerTlsFiles, type TestCa, type TestCertificate } from './tls.js';
export { freePort, waitFor } from './util.js';

/** The PostgreSQL server URL the global setup provided (its `tickstock_test` database). */
export function databaseUrl(): string {
  return inject('databaseUrl');
}

/** The Redis server URL the global setup provided. */
export function redisUrl(): string {
  return inject('redisUrl');
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
  const base = new URL(databaseUrl());
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
