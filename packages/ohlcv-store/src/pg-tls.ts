/**
 * TLS to PostgreSQL. node-postgres reads the TLS settings of a connection URL (`sslmode`, `sslrootcert`, `sslcert`,
 * `sslkey`) but of the libpq environment variables only `PGSSLMODE`, and only for a URL without TLS settings. Here
 * the environment fills what the URL leaves out, as libpq does: `PGSSLMODE`, `PGSSLROOTCERT`, `PGSSLCERT`,
 * `PGSSLKEY` (the URL wins for each setting it has). A file named by either is checked before connecting, and a TLS
 * failure gets a message naming the reason and the setting to check ({@link tlsFailureMessage}).
 *
 * node-postgres 8 verifies the certificate and the host name for every `sslmode` that asks for TLS (`prefer`,
 * `require`, `verify-ca`, `verify-full`; only `no-verify` skips the check), and never falls back to plain text.
 */
import { accessSync, constants } from 'node:fs';
import { tlsFailureKind } from './tls-failure.js';

/** URL parameter and the environment variable that fills it when the URL has none. */
const SETTINGS = [
  ['sslmode', 'PGSSLMODE'],
  ['sslrootcert', 'PGSSLROOTCERT'],
  ['sslcert', 'PGSSLCERT'],
  ['sslkey', 'PGSSLKEY'],
] as const;

type Setting = (typeof SETTINGS)[number][0];

const SSL_MODES: ReadonlySet<string> = new Set(['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify']);

/** Where each TLS setting of a connection came from, for messages. */
export interface PgTlsSources {
  /** The effective `sslmode` (undefined: none; TLS then only with `ssl=true` in the URL). */
  mode: string | undefined;
  /** `sslrootcert in the database URL`, `PGSSLROOTCERT`, or undefined (the system's trusted CAs). */
  rootCert: string | undefined;
}

/** A connection URL completed from the environment, or the problems that stop it. */
export interface PgTlsSettings {
  url: string;
  sources: PgTlsSources;
  /** Each names the variable or URL parameter at fault; empty when the settings can be used. */
  problems: string[];
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Completes `url`'s TLS settings from `env` (`PGSSLMODE`, `PGSSLROOTCERT`, `PGSSLCERT`, `PGSSLKEY`) where the URL has
 * none, and checks them: a known `sslmode`, readable files, and no CA file without an `sslmode` asking for TLS (the
 * connection would then be plain text while the CA suggests otherwise). The URL is returned unchanged when nothing
 * was added.
 */
export function withPgTlsEnv(url: string, env: Env): PgTlsSettings {
  const problems: string[] = [];
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { url, sources: { mode: undefined, rootCert: undefined }, problems };
  }
  const params = parsed.searchParams;
  const from = new Map<Setting, string>();
  for (const [param] of SETTINGS) if (params.has(param)) from.set(param, `${param} in the database URL`);
  const mode = params.get('sslmode') ?? (env.PGSSLMODE || undefined);
  if (mode !== undefined && !params.has('sslmode')) from.set('sslmode', 'PGSSLMODE');
  if (mode !== undefined && !SSL_MODES.has(mode))
    problems.push(`${from.get('sslmode')} must be one of ${[...SSL_MODES].join(', ')} (got ${JSON.stringify(mode)})`);
  const sslParam = params.get('ssl');
  // node-postgres turns TLS on for any sslmode but disable, for `ssl=true`, and for a URL naming a certificate file.
  const tlsOn =
    mode !== undefined
      ? mode !== 'disable'
      : sslParam === 'true' || sslParam === '1' || SETTINGS.slice(1).some(([param]) => params.has(param));
  let changed = false;
  if (mode !== undefined && !params.has('sslmode')) {
    params.set('sslmode', mode);
    changed = true;
  }
  for (const [param, variable] of SETTINGS.slice(1)) {
    const value = env[variable];
    if (params.has(param) || !value) continue;
    if (!tlsOn) {
      // Without an sslmode asking for TLS the connection is plain text: a CA set for it must not look like protection.
      if (mode === undefined)
        problems.push(
          `${variable} is set but no sslmode asks for TLS: add sslmode=verify-full to the database URL (or set PGSSLMODE=verify-full), or unset ${variable}`,
        );
      continue;
    }
    if (mode === 'no-verify' && param === 'sslrootcert') continue;
    params.set(param, value);
    from.set(param, variable);
    changed = true;
  }
  for (const [param] of SETTINGS.slice(1)) {
    const file = params.get(param);
    if (file === null) continue;
    try {
      accessSync(file, constants.R_OK);
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      problems.push(`${from.get(param)} names ${file}, which cannot be read (${typeof code === 'string' ? code : String(e)})`);
    }
  }
  return { url: changed ? parsed.toString() : url, sources: { mode, rootCert: from.get('sslrootcert') }, problems };
}

/** node-postgres's message when the server answers the TLS request with "no" (`pg/lib/connection.js`). */
const SERVER_WITHOUT_TLS = 'The server does not support SSL connections';

/**
 * A message for a TLS failure of a PostgreSQL connection, naming the reason and what to check, or undefined when `e`
 * is not one. A TLS failure is a configuration problem, not an outage: trying again does not change a certificate.
 */
export function tlsFailureMessage(e: unknown, sources?: PgTlsSources): string | undefined {
  if (e === null || typeof e !== 'object') return undefined;
  const { code, message } = e as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : '';
  const ca = !sources
    ? `check that sslrootcert in the database URL (or PGSSLROOTCERT) names the CA that signed the server's certificate`
    : sources.rootCert
      ? `${sources.rootCert} must name the CA that signed the server's certificate`
      : `no CA file is set, so only the system's trusted CAs were accepted: set sslrootcert in the database URL (or PGSSLROOTCERT) to the CA that signed the server's certificate`;
  const kind = tlsFailureKind(code);
  if (kind === 'untrusted') return `TLS: the server's certificate is not trusted (${text}): ${ca}`;
  if (kind === 'hostname')
    return `TLS: the server's certificate is not for the host connected to (${text}): use a host name the certificate names, or have the certificate reissued`;
  if (kind === 'validity') return `TLS: the server's certificate is not valid now (${text}): the server needs a current certificate`;
  if (kind === 'handshake') return `TLS: the handshake failed (${text}): is the server's port serving PostgreSQL with ssl=on?`;
  if (typeof code === 'string') {
    // The server refuses a plain-text connection (pg_hba.conf has `hostssl` lines only for this client).
    if (code === '28000' && /no encryption/.test(text))
      return `the server accepts only TLS connections (${text}): add sslmode=verify-full and sslrootcert=<CA file> to the database URL (or set PGSSLMODE and PGSSLROOTCERT)`;
  }
  if (text === SERVER_WITHOUT_TLS)
    return `TLS: the server does not accept TLS connections and ${sources?.mode ? `sslmode=${sources.mode}` : 'the connection'} asks for TLS: turn ssl on in the server (or, on a trusted network only, set sslmode=disable)`;
  return undefined;
}
