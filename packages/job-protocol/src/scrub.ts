/** Keeps secrets out of everything this package publishes. */

/** Replaces a secret. */
export const REDACTED = '[redacted]';

/** Field names that hold secrets: key, api_key, apiKey, password, passwd, secret, token, authorization, credentials... */
const SECRET_WORD = /(?:^|[_\-.])(?:api[_-]?key|apikey|key|password|passwd|pwd|secret|token|auth|authorization|credentials?|cookie)$/i;
/** camelCase: apiKey, dbPassword, accessToken, clientSecret. */
const SECRET_CAMEL = /[a-z0-9](?:Key|Password|Passwd|Secret|Token|Credentials?)$/;

/** Names that end in "key" but are known not to be secrets. */
const NOT_SECRET = new Set(['universe_key', 'universeKey', 'job_key', 'status_key', 'stream_key', 'dedupe_key', 'sort_key']);

/** True when a field of this name must not be published. */
export function isSecretFieldName(name: string): boolean {
  return !NOT_SECRET.has(name) && (SECRET_WORD.test(name) || SECRET_CAMEL.test(name));
}

/** Removes credentials embedded in text: `apiKey=...` query parameters and `Bearer ...` tokens. */
export function scrubText(text: string): string {
  return text
    .replace(/([?&](?:api[_-]?key|apikey|token|access_token|password)=)[^&\s"']+/gi, `$1${REDACTED}`)
    .replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi, `$1${REDACTED}`)
    .replace(/(redis|rediss|postgres|postgresql):\/\/([^:@/\s]*):([^@/\s]+)@/gi, `$1://$2:${REDACTED}@`);
}

/**
 * A copy of `value` with every field named like a secret replaced by `[redacted]`, and credentials inside strings
 * removed, at any depth. Cycles are cut.
 */
export function scrubSecrets<T>(value: T): T {
  const seen = new WeakSet<object>();
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return scrubText(v);
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
