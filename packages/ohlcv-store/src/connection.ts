/**
 * Turning options and environment into a driver. Credentials come only from options or the environment; the
 * driver's `target` (used in messages) never includes a password.
 */

import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { redactText } from '@tickstock/market-time/redact';
import type { Driver } from './drivers/driver.js';
import { createPgDriver } from './drivers/pg-driver.js';
import { createPgliteDriver } from './drivers/pglite-driver.js';
import { databaseFromEnv } from './env.js';
import { describeCause, StoreError, safeCause } from './errors.js';
import { DEFAULTS, type OpenStoreOptions } from './options.js';
import { type PgTlsSources, tlsFailureMessage, withPgTlsEnv } from './pg-tls.js';

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
  tls?: PgTlsSources;
}

type Env = Readonly<Record<string, string | undefined>>;

/** A URL target, its TLS settings completed from `env` (PGSSLMODE, PGSSLROOTCERT, ...); throws CONFIGURATION for bad ones. */
function urlTarget(url: string, env: Env): PgTarget {
  const tls = withPgTlsEnv(url, env);
  if (tls.problems.length) throw new StoreError('CONFIGURATION', `TLS settings of ${describeUrl(url)}: ${tls.problems.join('; ')}`);
  return { config: { connectionString: tls.url }, target: describeUrl(url), secrets: urlSecrets(url), tls: tls.sources };
}

function hasPgTlsEnv(env: Env): boolean {
  return Boolean(env.PGSSLMODE || env.PGSSLROOTCERT || env.PGSSLCERT || env.PGSSLKEY);
}

function fromEnv(env: Env): PgTarget | undefined {
  const found = databaseFromEnv(env);
  if (!found) return undefined;
  if (found.problems.length) throw new StoreError('CONFIGURATION', found.problems.join('; '));
  if (!found.parts) return urlTarget(found.url, env);
  const { host, port, database, user, password } = found.parts;
  const target = `postgres://${user ? `${user}@` : ''}${host}:${port}/${database ?? ''}`;
  const secrets = password ? [password] : [];
  // The TLS settings are URL parameters to node-postgres: then the parts go as the URL (a host name, not a socket path).
  if (hasPgTlsEnv(env)) return { ...urlTarget(found.url, env), target, secrets };
  return { config: { host, port, database, user, password }, target, secrets };
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
    // A certificate or TLS setting does not change by waiting: not retryable, and not CONNECTION_FAILED (an outage).
    const tls = tlsFailureMessage(e, t.tls);
    if (tls !== undefined)
      throw new StoreError('TLS_FAILED', `could not connect to ${t.target}: ${redactText(tls, ...t.secrets)}`, {
        retryable: false,
        cause: safeCause(e, t.secrets),
      });
    throw new StoreError('CONNECTION_FAILED', `could not connect to ${t.target}: ${describeCause(e, t.secrets)}`, {
      cause: safeCause(e, t.secrets),
    });
  }
  return { driver: createPgDriver({ pool, owned: true, target: t.target, prepare: preparedStatements(options) }), secrets: t.secrets };
}

/**
 * The PGlite release this version of the store is built and tested with. `@electric-sql/pglite` is an optional peer
 * dependency (27 MB, needed only for the embedded database): the CONFIGURATION error below names this version.
 */
export const PGLITE_VERSION = '0.5.14';

type PgliteModule = typeof import('@electric-sql/pglite');

/** True when `e` says that the package `name` itself cannot be found (not a file inside it, nor one it imports). */
export function isMissingPackage(e: unknown, name: string): boolean {
  const err = e as { code?: unknown; message?: unknown } | null;
  if (typeof err !== 'object' || err === null) return false;
  if (err.code !== 'ERR_MODULE_NOT_FOUND' && err.code !== 'MODULE_NOT_FOUND') return false;
  const message = String(err.message);
  return message.includes(`'${name}'`) || message.includes(`"${name}"`);
}

/**
 * Loads PGlite, only when an embedded database is opened: a dynamic `import()` (kept as such in the CommonJS build
 * too), so that users of PostgreSQL need not install it and never load it. Missing, it is a CONFIGURATION error
 * naming what to install, or how to use PostgreSQL instead. `load` is for tests.
 */
export async function loadPglite(
  why: 'embedded' | 'default',
  load: () => Promise<PgliteModule> = () => import('@electric-sql/pglite'),
): Promise<PgliteModule> {
  try {
    return await load();
  } catch (e) {
    if (!isMissingPackage(e, '@electric-sql/pglite')) throw e;
    const chosen =
      why === 'embedded'
        ? 'the embedded database (the `embedded` option)'
        : 'the embedded database (no PostgreSQL configured: no pool, databaseUrl, DATABASE_URL or DB_HOST/DB_NAME/DB_USER)';
    throw new StoreError(
      'CONFIGURATION',
      `${chosen} needs @electric-sql/pglite, an optional peer dependency that is not installed: ` +
        `npm install @electric-sql/pglite@${PGLITE_VERSION} (or give a PostgreSQL URL to use a server instead)`,
      { retryable: false, cause: safeCause(e) },
    );
  }
}

async function openEmbedded(dataDir: string, why: 'embedded' | 'default'): Promise<Connection> {
  const dir = resolve(dataDir);
  const target = `embedded:${dir}`;
  const { PGlite } = await loadPglite(why);
  try {
    await mkdir(dir, { recursive: true });
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
  const env = options.env ?? process.env;
  if (options.databaseUrl) return openPg(urlTarget(options.databaseUrl, env), options);
  if (options.embedded) return openEmbedded(options.embedded.dataDir, 'embedded');
  const fromEnvironment = fromEnv(env);
  if (fromEnvironment) return openPg(fromEnvironment, options);
  return openEmbedded(options.defaultEmbeddedDir ?? DEFAULTS.defaultEmbeddedDir, 'default');
}
