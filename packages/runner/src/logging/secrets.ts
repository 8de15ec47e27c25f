import { REDACTED, redactSecret } from '@tickstock/market-time/redact';

/** `text` as it appears inside a JSON string (quotes, backslashes and control characters escaped). */
const jsonEscaped = (text: string) => JSON.stringify(text).slice(1, -1);

/**
 * A registry of secret strings (the API key, database and Redis passwords) and a scrubber that replaces them
 * in any text (`@tickstock/market-time/redact`'s rule: {@link REDACTED}, short secrets as whole tokens only). Every log line, status message and event the runner produces passes through `scrub`.
 *
 * Each secret is registered in every form it can take in that text: as is, URL-encoded (a password taken from a
 * connection URL), and JSON-escaped once and twice (a log line is JSON, and may carry JSON in a field): a password
 * with a `"` or `\` would otherwise pass through a scrubbed JSON log line in its escaped form.
 */
export class SecretScrubber {
  private readonly secrets = new Set<string>();
  /** The forms, longest first: an escaped form is replaced whole before the raw form inside it could be. */
  private ordered: string[] = [];

  /** Registers secrets to scrub; empty and very short values are ignored (they would mangle ordinary text). */
  add(...values: (string | undefined | null)[]): this {
    for (const v of values) {
      if (v && v.length >= 4) {
        for (const form of [v, encodeURIComponent(v)]) {
          const once = jsonEscaped(form);
          this.secrets.add(form).add(once).add(jsonEscaped(once));
        }
      }
    }
    this.ordered = [...this.secrets].sort((a, b) => b.length - a.length);
    return this;
  }

  /** Adds the password of a connection URL, if it has one: as written in the URL and percent-decoded. */
  addUrlPassword(url: string | undefined): this {
    if (!url) return this;
    let password: string;
    try {
      password = new URL(url).password;
    } catch {
      return this; // not a URL: nothing to register
    }
    if (!password) return this;
    this.add(password);
    try {
      this.add(decodeURIComponent(password));
    } catch {
      // not valid percent-encoding (e.g. a literal `%zz`): the password is what is written, registered above
    }
    return this;
  }

  scrub(text: string): string {
    let out = text;
    for (const s of this.ordered) out = redactSecret(out, s);
    return out;
  }

  /** Deep-copies a JSON-like value with every string scrubbed. */
  scrubValue<T>(value: T): T {
    if (this.secrets.size === 0) return value;
    return JSON.parse(this.scrub(JSON.stringify(value))) as T;
  }
}
