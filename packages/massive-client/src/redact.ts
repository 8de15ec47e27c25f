/** Keeps the API key out of everything the client hands to the outside: errors, hooks, URLs, JSON. */

/** What replaces a secret in any text the client emits. */
export const REDACTED = '[REDACTED]';

const SECRET_QUERY_PARAMS = ['apikey', 'api_key', 'apiKey'];

/**
 * Keys at least this long are redacted wherever they occur, even inside a longer word: a run of 8+ random characters
 * is the key, never a coincidence. Shorter keys (test keys, mostly) are redacted only as whole tokens, so a key such as
 * `tick` does not turn `/v2/aggs/ticker/AAPL` into `/v2/aggs/[REDACTED]er/AAPL`.
 */
export const REDACT_INSIDE_WORDS_MIN_LENGTH = 8;

/** Characters that continue a token: a short key next to one of these is part of another word, not the key. */
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
 * Replaces `secret` in `text` with `[REDACTED]` (everywhere when it has {@link REDACT_INSIDE_WORDS_MIN_LENGTH}
 * characters or more, else as a whole token only), and any `apiKey=` query value.
 */
export function redactText(text: string, secret: string): string {
  let out = text;
  if (secret.length >= REDACT_INSIDE_WORDS_MIN_LENGTH) out = text.split(secret).join(REDACTED);
  else if (secret.length > 0) out = redactWholeTokens(text, secret);
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
