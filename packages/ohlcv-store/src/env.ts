/**
 * The one reading of where the environment says the database is: `DATABASE_URL`, else the `DB_*` parts. The store
 * opens from it (`openStore` without a URL or pool) and the runner's configuration reads it (`loadConfig`).
 */

/** The variables that name a database part by part, when `DATABASE_URL` is not set. */
export const DB_PART_VARIABLES = ['DB_HOST', 'DB_PORT', 'DB_NAME', 'DB_USER', 'DB_PASSWORD'] as const;

/** What {@link databaseFromEnv} found. */
export interface DatabaseEnv {
  source: 'DATABASE_URL' | 'DB_*';
  /** The connection URL: `DATABASE_URL` as given, or one built from the parts. */
  url: string;
  /** With `DB_*`: the parts (host `localhost` and port 5432 unless given). */
  parts?: { host: string; port: number; database: string | undefined; user: string | undefined; password: string | undefined };
  /** What is wrong (a `DATABASE_URL` that is not PostgreSQL's, a missing `DB_HOST`/`DB_NAME`, a `DB_PORT` that is no port); empty when nothing. */
  problems: string[];
}

/**
 * The database `env` names: `DATABASE_URL`, else the `DB_*` parts when any of them is set (`DB_HOST` and `DB_NAME`
 * are then required); undefined when neither (the embedded database, where there is one). Problems are listed, not
 * thrown, so a configuration can report all of its own at once.
 */
export function databaseFromEnv(env: Readonly<Record<string, string | undefined>>): DatabaseEnv | undefined {
  if (env.DATABASE_URL) {
    const problems = /^postgres(ql)?:\/\//.test(env.DATABASE_URL) ? [] : ['DATABASE_URL must start with postgres:// or postgresql://'];
    return { source: 'DATABASE_URL', url: env.DATABASE_URL, problems };
  }
  if (!DB_PART_VARIABLES.some((name) => env[name])) return undefined;
  const problems: string[] = [];
  if (!env.DB_HOST) problems.push('DB_HOST is required when any DB_* variable is set (or set DATABASE_URL instead)');
  if (!env.DB_NAME) problems.push('DB_NAME is required when any DB_* variable is set');
  const portText = env.DB_PORT || '5432';
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port < 1 || port > 65535)
    problems.push(`DB_PORT must be a port number (got ${JSON.stringify(env.DB_PORT)})`);
  const parts = { host: env.DB_HOST || 'localhost', port, database: env.DB_NAME, user: env.DB_USER, password: env.DB_PASSWORD };
  const url = new URL('postgres://localhost');
  url.hostname = parts.host;
  if (problems.length === 0) url.port = portText;
  url.pathname = `/${parts.database ?? ''}`;
  if (parts.user) url.username = parts.user;
  if (parts.password) url.password = parts.password;
  return { source: 'DB_*', url: url.toString(), parts, problems };
}
