/**
 * Keeps the API key out of the URLs the client sends (it authenticates by header only). Redacting it from everything
 * the client hands to the outside (errors, hooks, URLs, JSON) is `@tickstock/market-time/redact`'s rule.
 */

const SECRET_QUERY_PARAMS = ['apikey', 'api_key', 'apiKey'];

/** Removes query parameters that would carry a key in the URL (the client authenticates by header only). */
export function stripSecretParams(url: URL): void {
  for (const name of SECRET_QUERY_PARAMS) url.searchParams.delete(name);
}
