/**
 * Turning options and environment into a driver. Credentials come only from options or the environment; the
 * driver's `target` (used in messages) never includes a password.
 */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import type { Driver } from './drivers/driver.js';
import { createPgDriver } from './drivers/pg-driver.js';
import { createPgliteDriver } from './drivers/pglite-driver.js';
import { describeCause, StoreError, safeCause } from './errors.js';
import { DEFAULTS, type OpenStoreOptions } from './options.js';

/** A driver plus the secrets messages must never contain. */
export interface Connection {
  driver: Driver;
  secrets: string[];
}

/** A PostgreSQL URL with its password removed, for messages. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    u.search = '';
    return u.toString();
  } catch {
    return 'postgres://(unparseable URL)';
  }
}

function urlSecrets(url: string): string[] {
  try {
    const u = new URL(url);
    return u.password ? [u.password, decodeURIComponent(u.password)] : [];
  } catch {
    return [];
  }
}

interface PgTarget {
  config: { connectionString?: string; host?: string; port?: number; database?: string; user?: string; password?: string };
  target: string;
  secrets: string[];
}

function fromEnv(env: Readonly<Record<string, string | undefined>>): PgTarget | undefined {
  if (env.DATABASE_URL)
    return { config: { connectionString: env.DATABASE_URL }, target: describeUrl(env.DATABASE_URL), secrets: urlSecrets(env.DATABASE_URL) };
  if (!env.DB_HOST && !env.DB_NAME && !env.DB_USER) return undefined;
  const port = env.DB_PORT ? Number(env.DB_PORT) : 5432;
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new StoreError('CONFIGURATION', `DB_PORT must be a port number, got ${JSON.stringify(env.DB_PORT)}`);
  }
  const host = env.DB_HOST ?? 'localhost';
  const config = { host, port, database: env.DB_NAME, user: env.DB_USER, password: env.DB_PASSWORD };
  return {
    config,
    target: `postgres://${env.DB_USER ? `${env.DB_USER}@` : ''}${host}:${port}/${env.DB_NAME ?? ''}`,
    secrets: env.DB_PASSWORD ? [env.DB_PASSWORD] : [],
  };
}

function preparedStatements(options: OpenStoreOptions): boolean {
  return options.preparedStatements ?? DEFAULTS.preparedStatements;
}

async function openPg(t: PgTarget, options: OpenStoreOptions): Promise<Connection> {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({
    ...t.config,
    max: options.maxConnections ?? DEFAULTS.maxConnections,
    connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
    application_name: 'tickstock-ohlcv-store',
  });
  // An idle client losing its connection must not crash the process; the next query reports it.
  pool.on('error', () => {});
  try {
    await pool.query('SELECT 1');
  } catch (e) {
    await pool.end().catch(() => {});
    throw new StoreError('CONNECTION_FAILED', `could not connect to ${t.target}: ${describeCause(e, t.secrets)}`, {
      cause: safeCause(e, t.secrets),
    });
  }
  return { driver: createPgDriver({ pool, owned: true, target: t.target, prepare: preparedStatements(options) }), secrets: t.secrets };
}

async function openEmbedded(dataDir: string): Promise<Connection> {
  const dir = resolve(dataDir);
  const target = `embedded:${dir}`;
  try {
    await mkdir(dir, { recursive: true });
    const { PGlite } = await import('@electric-sql/pglite');
    const db = await PGlite.create({ dataDir: dir });
    return { driver: createPgliteDriver({ db, owned: true, target }), secrets: [] };
  } catch (e) {
    throw new StoreError('CONNECTION_FAILED', `could not open the embedded database ${target}: ${describeCause(e)}`, {
      cause: safeCause(e),
    });
  }
}

/** Opens the connection the options (or the environment) name. */
export async function openConnection(options: OpenStoreOptions): Promise<Connection> {
  if (options.pool)
    return {
      driver: createPgDriver({
        pool: options.pool,
        owned: false,
        target: 'postgres (borrowed pool)',
        prepare: preparedStatements(options),
      }),
      secrets: [],
    };
  if (options.pglite)
    return {
      // The option is typed structurally (see PGliteDatabase); it is a PGlite instance.
      driver: createPgliteDriver({ db: options.pglite as PGlite, owned: false, target: 'embedded (borrowed PGlite)' }),
      secrets: [],
    };
  if (options.databaseUrl) {
    return openPg(
      {
        config: { connectionString: options.databaseUrl },
        target: describeUrl(options.databaseUrl),
        secrets: urlSecrets(options.databaseUrl),
      },
      options,
    );
  }
  if (options.embedded) return openEmbedded(options.embedded.dataDir);
  const env = fromEnv(options.env ?? process.env);
  if (env) return openPg(env, options);
  return openEmbedded(options.defaultEmbeddedDir ?? DEFAULTS.defaultEmbeddedDir);
}
