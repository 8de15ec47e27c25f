/**
 * Runner configuration from the environment (and a `.env` file when present), validated once at start.
 * Every problem is collected and reported together in one `ConfigError`, naming each variable.
 * Secrets (the API key, database and Redis passwords) are kept out of `describeConfig()` and every log line.
 */

import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { PartialJobStatus } from '@tickstock/job-protocol';
import { redactCredentials } from '@tickstock/market-time/redact';
import { timeoutMsFromEnv } from '@tickstock/massive-client';
import { databaseFromEnv, DEFAULTS as STORE_DEFAULTS, withPgTlsEnv } from '@tickstock/ohlcv-store';
import { RunnerError } from '../errors.js';

export type DatabaseConfig =
  | {
      kind: 'postgres';
      url: string;
      source: 'DATABASE_URL' | 'DB_*';
      /**
       * `PGSSLMODE`, `PGSSLROOTCERT`, `PGSSLCERT`, `PGSSLKEY` as set (file paths made absolute), checked at start: the
       * store takes what the URL lacks from them, and names the variable when a handshake fails.
       */
      tlsEnv: Record<string, string>;
    }
  | { kind: 'embedded'; dataDir: string };

export interface RedisConfig {
  /** The URL (for a cluster: `redis-cluster://host:port,host:port`, for messages only). */
  url: string;
  source: 'REDIS_URL' | 'REDIS_*' | 'REDIS_CLUSTER_NODES';
  /** A Redis Cluster's start-up nodes (`REDIS_CLUSTER_NODES`), with `REDIS_PASSWORD` for every node. */
  cluster?: { nodes: { host: string; port: number }[]; password?: string | undefined } | undefined;
  /** TLS, for a `rediss://` URL (or `REDIS_CLUSTER_NODES=rediss://...`); undefined: plain text. */
  tls?: RedisTlsConfig | undefined;
}

/** How the runner checks a Redis server's certificate. */
export interface RedisTlsConfig {
  /** `REDIS_TLS_CA_FILE`: the CA's path (undefined: the system's trusted CAs). */
  caFile: string | undefined;
  /** The CA certificate(s) read from `caFile` at start (PEM). */
  ca: string | undefined;
  /** `REDIS_TLS_SERVERNAME`: the name the certificate must carry, when not the host connected to. */
  servername: string | undefined;
}

export interface RunnerConfig {
  database: DatabaseConfig;
  /**
   * `TICKSTOCK_ALLOW_SYNTHETIC`: let `--simulator` (and `demo`) write synthetic prices into a configured PostgreSQL
   * database (default false: only the embedded one).
   */
  allowSynthetic: boolean;
  redis: RedisConfig | undefined;
  massive: { apiKey: string | undefined; baseUrl: string | undefined; timeoutMs: number | undefined };
  universeDir: string | undefined;
  logLevel: LogLevel;
  /** Symbols loaded at once within one job (p-limit); the API budget itself is the client's limiter. */
  symbolConcurrency: number;
  /** Jobs a worker coordinates at once. */
  jobConcurrency: number;
  /**
   * `TICKSTOCK_QUEUE_LOCK_MS`: how long a worker may hold queued work without renewing its lock before the other
   * replicas take it back (and how often they look). Default 30000.
   */
  queueLockMs: number;
  /**
   * `TICKSTOCK_DB_OUTAGE_WAIT_MS`: how long the worker's symbols and planning wait for an unavailable database
   * before they fail (see the runner README, "Reliability"). Default 600000 (10 minutes).
   */
  dbOutageWaitMs: number;
  /**
   * `TICKSTOCK_SYMBOL_BUDGET_MS`: the time one symbol may take, every attempt and retry together, not counting
   * database-outage waits; past it the symbol fails with `SYMBOL_TIME_BUDGET`. Default 600000 (10 minutes).
   */
  symbolBudgetMs: number;
  /**
   * `TICKSTOCK_RATE_LIMIT_SCOPE`: `shared` (default) keeps one API budget for every worker on the same Redis and
   * key; `process` gives each worker process its own (only right for a single replica).
   */
  rateLimitScope: 'shared' | 'process';
  /** Massive plan preset or a custom requests-per-second budget. */
  rateLimit: 'free' | 'unlimited' | { requestsPerSecond: number };
  /**
   * `TICKSTOCK_API_TOKEN`: the bearer token of the worker's HTTP API (every route but /health and /healthz). Unset,
   * the API is open (the TickStock app's client sends no credentials) and served on loopback only.
   */
  apiToken: string | undefined;
  /**
   * `TICKSTOCK_HEAP_GROWING_PERCENT`: how much the worker lets V8 grow its heap at each step (default 100: at most
   * doubling); 0 leaves V8's own growth factor (up to 4x while allocating fast, which costs 35-45 MB of peak RSS
   * on a large load and saves no CPU).
   */
  heapGrowingPercent: number;
  /**
   * `TICKSTOCK_PREPARED_STATEMENTS`: keep the store's hot statements prepared on each PostgreSQL connection (default
   * true). Set it to false behind a transaction-mode pooler that does not track prepared statements (PgBouncer
   * before 1.21, or with `max_prepared_statements = 0`).
   */
  preparedStatements: boolean;
  /**
   * `TICKSTOCK_PARTIAL_STATUS`: the final status word of a job that loaded some symbols and failed others:
   * `completed` (default: with `has_errors: true` and the failed symbols listed, the word the app's pages end on)
   * or the seeds' `completed_with_errors`.
   */
  partialStatus: PartialJobStatus;
  /**
   * `TICKSTOCK_MONITORING_INTERVAL_MS`: how often the worker publishes `METRIC_UPDATE` for the app's monitoring
   * dashboard (default 10000; the dashboard calls the producer inactive after 30 s without one). `HEALTH_CHECK`
   * and `SYSTEM_STATUS` go every 6th interval (60 s by default) and on `FORCE_HEALTH_CHECK`. 0 turns them off.
   */
  monitoringIntervalMs: number;
  /**
   * The request planner (see the runner README, "Fewest API requests"): `TICKSTOCK_BUILD_PERIODS` (default true)
   * builds week and month bars from day bars instead of requesting them; `TICKSTOCK_GROUPED_DAILY` (default true)
   * fetches day bars with grouped daily when that sends fewer requests; `TICKSTOCK_DETAILS_MAX_AGE_DAYS` (default 30)
   * is how old stored ticker details may be before they are fetched again.
   */
  planning: { buildPeriods: boolean; groupedDaily: boolean; detailsMaxAgeDays: number };
}

/** Shortest API token accepted (a guessable token is worse than none). */
export const MIN_API_TOKEN_LENGTH = 16;

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** The embedded database's folder when nothing is configured: the store's own default, so the CLI and the library share it. */
export const DEFAULT_EMBEDDED_DIR = STORE_DEFAULTS.defaultEmbeddedDir;

/** Loads `.env` from `cwd` into `process.env` without overriding variables already set. */
export function loadDotEnv(cwd = process.cwd()): string | undefined {
  const file = resolve(cwd, '.env');
  if (!existsSync(file)) return undefined;
  process.loadEnvFile(file); // Node >= 20.12; existing variables win
  return file;
}

type Env = Record<string, string | undefined>;

function booleanVar(env: Env, name: string, fallback: boolean, problems: string[]): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = raw.toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  problems.push(`${name} must be true or false (got ${JSON.stringify(raw)})`);
  return fallback;
}

function wholeNumber(env: Env, name: string, fallback: number, problems: string[], min = 1): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    problems.push(`${name} must be a whole number >= ${min} (got ${JSON.stringify(raw)})`);
    return fallback;
  }
  return n;
}

function rateLimitScopeFrom(env: Env, problems: string[]): 'shared' | 'process' {
  const raw = env.TICKSTOCK_RATE_LIMIT_SCOPE;
  if (raw === undefined || raw === '' || raw === 'shared') return 'shared';
  if (raw === 'process') return 'process';
  problems.push(`TICKSTOCK_RATE_LIMIT_SCOPE must be "shared" or "process" (got ${JSON.stringify(raw)})`);
  return 'shared';
}

/** `DATABASE_URL`, else the `DB_*` parts (ohlcv-store's `databaseFromEnv`, the one reading of them), else embedded. */
function databaseFrom(env: Env, cwd: string, problems: string[]): DatabaseConfig {
  const found = databaseFromEnv(env);
  if (!found) return { kind: 'embedded', dataDir: resolve(cwd, env.TICKSTOCK_DATA_DIR || DEFAULT_EMBEDDED_DIR) };
  problems.push(...found.problems);
  return { kind: 'postgres', url: found.url, source: found.source, tlsEnv: pgTlsEnv(found.url, env, cwd, problems) };
}

/**
 * `PGSSLMODE`, `PGSSLROOTCERT`, `PGSSLCERT` and `PGSSLKEY` (what libpq reads and node-postgres does not; relative file
 * paths from `cwd`), checked now against the database URL: a file that cannot be read or a CA file without an
 * `sslmode` asking for TLS is a configuration problem naming the variable.
 */
function pgTlsEnv(url: string, env: Env, cwd: string, problems: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['PGSSLMODE', 'PGSSLROOTCERT', 'PGSSLCERT', 'PGSSLKEY'] as const) {
    const value = env[name];
    if (value) out[name] = name === 'PGSSLMODE' ? value : resolve(cwd, value);
  }
  problems.push(...withPgTlsEnv(url, out).problems);
  return out;
}

/** The database connection's TLS in words (for the start-up log), or undefined when no sslmode is set. */
function describeDatabaseTls(url: string, tlsEnv: Record<string, string>): string | undefined {
  const { mode, rootCert } = withPgTlsEnv(url, tlsEnv).sources;
  if (mode === undefined) return undefined;
  return `sslmode=${mode}${rootCert ? `, CA from ${rootCert.replace(' in the database URL', '')}` : ''}`;
}

/**
 * `REDIS_TLS_CA_FILE` and `REDIS_TLS_SERVERNAME` for a TLS address (`tls`), read now: a CA file that cannot be read
 * or holds no certificate is a problem naming the variable. Either one set for a plain-text address is a problem
 * too: the connection would not be encrypted while the settings say it should be.
 */
function redisTlsFrom(env: Env, cwd: string, tls: boolean, address: string, problems: string[]): RedisTlsConfig | undefined {
  const caVar = env.REDIS_TLS_CA_FILE || undefined;
  const servername = env.REDIS_TLS_SERVERNAME || undefined;
  if (!tls) {
    for (const [name, value] of [
      ['REDIS_TLS_CA_FILE', caVar],
      ['REDIS_TLS_SERVERNAME', servername],
    ] as const) {
      if (value)
        problems.push(
          `${name} is set but ${address} connects in plain text: use rediss:// so the connection is encrypted, or unset ${name}`,
        );
    }
    return undefined;
  }
  let ca: string | undefined;
  const caFile = caVar ? resolve(cwd, caVar) : undefined;
  if (caFile) {
    try {
      ca = readFileSync(caFile, 'utf8');
      if (!ca.includes('-----BEGIN CERTIFICATE-----')) {
        problems.push(`REDIS_TLS_CA_FILE (${caFile}) holds no PEM certificate ("-----BEGIN CERTIFICATE-----")`);
        ca = undefined;
      }
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      problems.push(`REDIS_TLS_CA_FILE (${caFile}) cannot be read (${typeof code === 'string' ? code : String(e)})`);
    }
  }
  return { caFile, ca, servername };
}

/** `REDIS_CLUSTER_NODES=host:port,host:port,...`: a Redis Cluster's start-up nodes. */
function redisClusterFrom(env: Env, cwd: string, problems: string[]): RedisConfig {
  // `rediss://h1:p1,h2:p2` for TLS to every node; `redis://` or no scheme: plain text.
  const scheme = /^(rediss?):\/\//.exec(env.REDIS_CLUSTER_NODES as string)?.[1];
  const raw = (env.REDIS_CLUSTER_NODES as string).slice(scheme ? scheme.length + 3 : 0);
  if (env.REDIS_URL || env.REDIS_HOST || env.REDIS_PORT)
    problems.push('REDIS_CLUSTER_NODES and REDIS_URL (or REDIS_HOST/REDIS_PORT) name two Redis setups: keep one');
  if (env.REDIS_DB && env.REDIS_DB !== '0')
    problems.push(
      `REDIS_DB must be 0 (or unset) with REDIS_CLUSTER_NODES: a cluster has one database (got ${JSON.stringify(env.REDIS_DB)})`,
    );
  const nodes: { host: string; port: number }[] = [];
  for (const part of raw
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)) {
    const m = /^(\[[^\]]+\]|[^:\s]+):(\d{1,5})$/.exec(part);
    const port = Number(m?.[2]);
    if (!m || port < 1 || port > 65_535) {
      problems.push(`REDIS_CLUSTER_NODES: ${JSON.stringify(part)} is not host:port`);
      continue;
    }
    nodes.push({ host: (m[1] as string).replace(/^\[|\]$/g, ''), port });
  }
  if (nodes.length === 0) problems.push('REDIS_CLUSTER_NODES must list at least one host:port');
  const tls = redisTlsFrom(env, cwd, scheme === 'rediss', 'REDIS_CLUSTER_NODES (without rediss://)', problems);
  return {
    url: `${tls ? 'rediss' : 'redis'}-cluster://${nodes.map((n) => `${n.host}:${n.port}`).join(',')}`,
    source: 'REDIS_CLUSTER_NODES',
    cluster: { nodes, password: env.REDIS_PASSWORD || undefined },
    tls,
  };
}

function redisFrom(env: Env, cwd: string, problems: string[]): RedisConfig | undefined {
  if (env.REDIS_CLUSTER_NODES) return redisClusterFrom(env, cwd, problems);
  if (env.REDIS_URL) {
    if (!/^rediss?:\/\//.test(env.REDIS_URL)) {
      problems.push('REDIS_URL must start with redis:// or rediss://');
      return { url: env.REDIS_URL, source: 'REDIS_URL' };
    }
    const tls = redisTlsFrom(env, cwd, env.REDIS_URL.startsWith('rediss://'), 'REDIS_URL (redis://)', problems);
    return { url: redisUrlWithParts(env, problems), source: 'REDIS_URL', tls };
  }
  if (env.REDIS_HOST || env.REDIS_PORT || env.REDIS_DB) {
    const port = env.REDIS_PORT ?? '6379';
    const db = env.REDIS_DB ?? '0';
    if (!/^\d{1,5}$/.test(port)) problems.push(`REDIS_PORT must be a port number (got ${JSON.stringify(port)})`);
    if (!/^\d{1,2}$/.test(db)) problems.push(`REDIS_DB must be a database number (got ${JSON.stringify(db)})`);
    const url = new URL('redis://localhost');
    url.hostname = env.REDIS_HOST ?? 'localhost';
    url.port = port;
    url.pathname = `/${db}`;
    if (env.REDIS_PASSWORD) url.password = env.REDIS_PASSWORD;
    redisTlsFrom(env, cwd, false, 'REDIS_HOST/REDIS_PORT (set REDIS_URL=rediss://host:port instead)', problems);
    return { url: url.toString(), source: 'REDIS_*' };
  }
  for (const name of ['REDIS_TLS_CA_FILE', 'REDIS_TLS_SERVERNAME'])
    if (env[name]) problems.push(`${name} is set but no Redis is configured (REDIS_URL, REDIS_HOST or REDIS_CLUSTER_NODES)`);
  return undefined;
}

/**
 * `REDIS_URL`, completed by `REDIS_PASSWORD` and `REDIS_DB` when it lacks them (the app reads either form; a password
 * set beside a URL without one is never ignored). The same part given twice with different values is a problem: the
 * worker and the app would talk to different databases, or one of them would fail to authenticate.
 */
function redisUrlWithParts(env: Env, problems: string[]): string {
  const raw = env.REDIS_URL as string;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push('REDIS_URL is not a valid URL');
    return raw;
  }
  let changed = false;
  if (env.REDIS_PASSWORD) {
    if (!url.password) {
      url.password = env.REDIS_PASSWORD;
      changed = true;
    } else if (decodeURIComponent(url.password) !== env.REDIS_PASSWORD) {
      problems.push('REDIS_URL carries a password and REDIS_PASSWORD another: keep one of them');
    }
  }
  if (env.REDIS_DB) {
    const inUrl = url.pathname.replace(/^\//, '');
    if (!/^\d{1,2}$/.test(env.REDIS_DB)) problems.push(`REDIS_DB must be a database number (got ${JSON.stringify(env.REDIS_DB)})`);
    else if (inUrl === '') {
      url.pathname = `/${env.REDIS_DB}`;
      changed = true;
    } else if (Number(inUrl) !== Number(env.REDIS_DB)) {
      problems.push(`REDIS_URL names database ${inUrl} and REDIS_DB ${env.REDIS_DB}: keep one of them`);
    }
  }
  return changed ? url.toString() : raw;
}

function partialStatusFrom(env: Env, problems: string[]): RunnerConfig['partialStatus'] {
  const raw = env.TICKSTOCK_PARTIAL_STATUS;
  if (raw === undefined || raw === '' || raw === 'completed') return 'completed';
  if (raw === 'completed_with_errors') return 'completed_with_errors';
  problems.push(`TICKSTOCK_PARTIAL_STATUS must be "completed" or "completed_with_errors" (got ${JSON.stringify(raw)})`);
  return 'completed';
}

function rateLimitFrom(env: Env, problems: string[]): RunnerConfig['rateLimit'] {
  const raw = env.MASSIVE_RATE_LIMIT;
  if (!raw || raw === 'unlimited') return 'unlimited';
  if (raw === 'free') return 'free';
  const n = Number(raw);
  if (Number.isFinite(n) && n > 0) return { requestsPerSecond: n };
  problems.push(`MASSIVE_RATE_LIMIT must be "free", "unlimited" or requests per second (got ${JSON.stringify(raw)})`);
  return 'unlimited';
}

/** Reads and validates the configuration; throws one `ConfigError` listing every problem. */
export function loadConfig(env: Env = process.env, cwd = process.cwd()): RunnerConfig {
  const problems: string[] = [];
  const database = databaseFrom(env, cwd, problems);
  const redis = redisFrom(env, cwd, problems);
  let timeoutMs: number | undefined;
  try {
    timeoutMs = timeoutMsFromEnv(env); // the client's own reading of MASSIVE_API_TIMEOUT
  } catch (e) {
    problems.push((e as Error).message);
  }
  if (env.MASSIVE_API_BASE_URL && !/^https?:\/\//.test(env.MASSIVE_API_BASE_URL)) {
    problems.push('MASSIVE_API_BASE_URL must be an http(s) URL');
  }
  const logLevel = (env.LOG_LEVEL || 'info').toLowerCase() as LogLevel;
  if (!LOG_LEVELS.includes(logLevel))
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got ${JSON.stringify(env.LOG_LEVEL)})`);
  const config: RunnerConfig = {
    database,
    redis,
    massive: { apiKey: env.MASSIVE_API_KEY || undefined, baseUrl: env.MASSIVE_API_BASE_URL || undefined, timeoutMs },
    universeDir: env.TICKSTOCK_UNIVERSE_DIR ? resolve(cwd, env.TICKSTOCK_UNIVERSE_DIR) : undefined,
    logLevel,
    symbolConcurrency: wholeNumber(env, 'TICKSTOCK_SYMBOL_CONCURRENCY', 4, problems),
    jobConcurrency: wholeNumber(env, 'TICKSTOCK_JOB_CONCURRENCY', 2, problems),
    queueLockMs: wholeNumber(env, 'TICKSTOCK_QUEUE_LOCK_MS', 30_000, problems),
    dbOutageWaitMs: wholeNumber(env, 'TICKSTOCK_DB_OUTAGE_WAIT_MS', 600_000, problems),
    symbolBudgetMs: wholeNumber(env, 'TICKSTOCK_SYMBOL_BUDGET_MS', 600_000, problems),
    rateLimitScope: rateLimitScopeFrom(env, problems),
    rateLimit: rateLimitFrom(env, problems),
    apiToken: env.TICKSTOCK_API_TOKEN || undefined,
    heapGrowingPercent: wholeNumber(env, 'TICKSTOCK_HEAP_GROWING_PERCENT', 100, problems, 0),
    preparedStatements: booleanVar(env, 'TICKSTOCK_PREPARED_STATEMENTS', true, problems),
    partialStatus: partialStatusFrom(env, problems),
    monitoringIntervalMs: wholeNumber(env, 'TICKSTOCK_MONITORING_INTERVAL_MS', 10_000, problems, 0),
    allowSynthetic: booleanVar(env, 'TICKSTOCK_ALLOW_SYNTHETIC', false, problems),
    planning: {
      buildPeriods: booleanVar(env, 'TICKSTOCK_BUILD_PERIODS', true, problems),
      groupedDaily: booleanVar(env, 'TICKSTOCK_GROUPED_DAILY', true, problems),
      detailsMaxAgeDays: wholeNumber(env, 'TICKSTOCK_DETAILS_MAX_AGE_DAYS', 30, problems, 0),
    },
  };
  if (config.apiToken !== undefined && (config.apiToken.length < MIN_API_TOKEN_LENGTH || /\s/.test(config.apiToken))) {
    problems.push(`TICKSTOCK_API_TOKEN must be at least ${MIN_API_TOKEN_LENGTH} characters without spaces`);
  }
  if (problems.length) throw new RunnerError('CONFIG_INVALID', `invalid configuration:\n  - ${problems.join('\n  - ')}`);
  return config;
}

/** A connection URL with its password redacted, for messages; `fallback` when it is not a URL. */
export function redactUrl(url: string, fallback = '<unparseable url>'): string {
  return URL.canParse(url) ? redactCredentials(url) : fallback;
}

/** A one-line, secret-free description of where things are, for the start-up log. */
export function describeConfig(c: RunnerConfig): Record<string, string> {
  return {
    database: c.database.kind === 'embedded' ? `embedded PGlite at ${c.database.dataDir}` : redactUrl(c.database.url),
    ...(c.database.kind === 'postgres' && describeDatabaseTls(c.database.url, c.database.tlsEnv)
      ? { databaseTls: describeDatabaseTls(c.database.url, c.database.tlsEnv) as string }
      : {}),
    redis: c.redis ? redactUrl(c.redis.url) : 'not configured',
    ...(c.redis?.tls ? { redisTls: `TLS, CA ${c.redis.tls.caFile ?? "the system's trusted CAs"}` } : {}),
    massive: `${c.massive.baseUrl ?? 'https://api.massive.com'} (key ${c.massive.apiKey ? 'set' : 'NOT set'})`,
    universeDir: c.universeDir ?? 'not configured',
    processingApi: c.apiToken ? 'token set' : 'no token (TICKSTOCK_API_TOKEN not set): open, loopback only',
  };
}
