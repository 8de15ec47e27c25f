/** Keeps the API key out of everything the client hands to the outside: errors, hooks, URLs, JSON. */

/** What replaces a secret in any text the client emits. */
export const REDACTED = '[REDACTED]';

const SECRET_QUERY_PARAMS = ['apikey', 'api_key', 'apiKey'];

/** Replaces every occurrence of `secret` in `text` (and any `apiKey=` query value) with `[REDACTED]`. */
export function redactText(text: string, secret: string): string {
  let out = secret.length > 0 ? text.split(secret).join(REDACTED) : text;
  out = out.replace(/([?&](?:apiKey|apikey|api_key)=)[^&#\s"']*/g, `$1${REDACTED}`);
  return out;
}

/** A URL as text with secret query parameters redacted. */
export function redactUrl(url: URL, secret: string): string {
  return redactText(url.toString(), secret);
}

/** Removes query parameters that would carry a key in the URL (the client authenticates by header only). */
export function stripSecretParams(url: URL): void {
  for (const name of SECRET_QUERY_PARAMS) url.searchParams.delete(name);
}
