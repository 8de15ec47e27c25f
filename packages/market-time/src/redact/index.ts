/**
 * `@tickstock/market-time/redact`: the one rule for keeping secrets out of text every TickStock package emits (errors,
 * log lines, status messages, published events). Not about time: it lives here because market-time is the one package
 * every other depends on and it has no dependency itself; a subpath keeps it out of the time entry.
 *
 * - {@link REDACTED} is what replaces a secret, everywhere.
 * - {@link redactSecret}: a known secret (an API key, a password) is replaced wherever it occurs when it has
 *   {@link REDACT_INSIDE_WORDS_MIN_LENGTH} characters or more, else only as a whole token.
 * - {@link redactCredentials}: credentials recognisable by their place, whatever their value: the password of a
 *   `scheme://user:password@host` URL, `apiKey=` / `token=` / `password=` query and key/value parameters, `Bearer`
 *   tokens.
 * - {@link redactText}: both at once. {@link redactFields}: a value with secret-named fields replaced.
 */

/** What replaces a secret in any text a TickStock package emits. */
export const REDACTED = '[REDACTED]';

/**
 * Secrets at least this long are redacted wherever they occur, even inside a longer word: a run of 8+ random
 * characters is the secret, never a coincidence. Shorter ones (test keys, mostly) are redacted only as whole tokens, so
 * a key such as `tick` does not turn `/v2/aggs/ticker/AAPL` into `/v2/aggs/[REDACTED]er/AAPL`.
 */
export const REDACT_INSIDE_WORDS_MIN_LENGTH = 8;

/** Characters that continue a token: a short secret next to one of these is part of another word, not the secret. */
const TOKEN_CHAR = /[A-Za-z0-9_]/;

/** `text` with every whole-token occurrence of `secret` replaced (not preceded or followed by a token character). */
function redactWholeTokens(text: string, secret: string): string {
  let out = '';
  let from = 0;
  for (let at = text.indexOf(secret); at >= 0; at = text.indexOf(secret, at + 1)) {
    if (at < from) continue;
    const before = at > 0 ? (text[at - 1] as string) : '';
    const after = text[at + secret.length] ?? '';
    if (TOKEN_CHAR.test(before) || TOKEN_CHAR.test(after)) continue;
    out += text.slice(from, at) + REDACTED;
    from = at + secret.length;
  }
  return out + text.slice(from);
}

/**
 * `text` with `secret` replaced by {@link REDACTED}: everywhere when it has {@link REDACT_INSIDE_WORDS_MIN_LENGTH}
 * characters or more, else as a whole token only. An empty or missing secret changes nothing.
 */
export function redactSecret(text: string, secret: string | null | undefined): string {
  if (!secret) return text;
  if (secret.length >= REDACT_INSIDE_WORDS_MIN_LENGTH) return text.includes(secret) ? text.split(secret).join(REDACTED) : text;
  return redactWholeTokens(text, secret);
}

/** The password of a `scheme://user:password@host` URL. */
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)[^@\s/]+@/gi;
/** A query parameter that carries a credential. */
const SECRET_QUERY_PARAM = /([?&](?:api[_-]?key|apikey|token|access_token|password)=)[^&#\s"']+/gi;
/** `password=...` in a key/value connection string (libpq's `host=db password=...`). */
const PASSWORD_PAIR = /(\bpassword\s*=\s*)('[^']*'|"[^"]*"|[^\s&;]+)/gi;
/** An HTTP bearer token. */
const BEARER_TOKEN = /(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi;

/**
 * `text` with credentials recognisable by their place replaced by {@link REDACTED}, whatever their value: the password
 * of any `scheme://user:password@` URL, `apiKey=`, `api_key=`, `token=`, `access_token=`, `password=` query
 * parameters, `password=` key/value pairs, and `Bearer` tokens.
 */
export function redactCredentials(text: string): string {
  return text
    .replace(URL_PASSWORD, `$1${REDACTED}@`)
    .replace(SECRET_QUERY_PARAM, `$1${REDACTED}`)
    .replace(PASSWORD_PAIR, `$1${REDACTED}`)
    .replace(BEARER_TOKEN, `$1${REDACTED}`);
}

/**
 * `text` with each given secret redacted ({@link redactSecret}; the longest first, so a secret inside another is not
 * replaced before the one holding it) and then every credential recognisable by its place ({@link redactCredentials}).
 */
export function redactText(text: string, ...secrets: (string | null | undefined)[]): string {
  let out = text;
  const known = secrets.filter((s): s is string => Boolean(s)).sort((a, b) => b.length - a.length);
  for (const secret of known) out = redactSecret(out, secret);
  return redactCredentials(out);
}

/** Field names that hold secrets: key, api_key, apiKey, password, passwd, secret, token, authorization, credentials... */
const SECRET_WORD = /(?:^|[_\-.])(?:api[_-]?key|apikey|key|password|passwd|pwd|secret|token|auth|authorization|credentials?|cookie)$/i;
/** camelCase: apiKey, dbPassword, accessToken, clientSecret. */
const SECRET_CAMEL = /[a-z0-9](?:Key|Password|Passwd|Secret|Token|Credentials?)$/;
/** Names that end in "key" but are known not to be secrets. */
const NOT_SECRET = new Set(['universe_key', 'universeKey', 'job_key', 'status_key', 'stream_key', 'dedupe_key', 'sort_key']);

/** True when a field of this name holds a secret (and must not be published or logged). */
export function isSecretFieldName(name: string): boolean {
  return !NOT_SECRET.has(name) && (SECRET_WORD.test(name) || SECRET_CAMEL.test(name));
}

/**
 * A copy of `value` with every field named like a secret ({@link isSecretFieldName}) replaced by {@link REDACTED},
 * and credentials inside strings redacted ({@link redactCredentials}), at any depth. Cycles are cut.
 */
export function redactFields<T>(value: T): T {
  const seen = new WeakSet<object>();
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redactCredentials(v);
    if (v === null || typeof v !== 'object') return v;
    if (seen.has(v)) return '[circular]';
    seen.add(v);
    if (Array.isArray(v)) return v.map(walk);
    const out: Record<string, unknown> = {};
    for (const [k, inner] of Object.entries(v)) out[k] = isSecretFieldName(k) ? REDACTED : walk(inner);
    return out;
  };
  return walk(value) as T;
}
