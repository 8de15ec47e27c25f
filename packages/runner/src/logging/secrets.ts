/**
 * A registry of secret strings (the API key, database and Redis passwords) and a scrubber that replaces them
 * in any text. Every log line, status message and event the runner produces passes through `scrub`.
 */
export class SecretScrubber {
  private readonly secrets = new Set<string>();

  /** Registers secrets to scrub; empty and very short values are ignored (they would mangle ordinary text). */
  add(...values: (string | undefined | null)[]): this {
    for (const v of values) {
      if (v && v.length >= 4) {
        this.secrets.add(v);
        const encoded = encodeURIComponent(v);
        if (encoded !== v) this.secrets.add(encoded);
      }
    }
    return this;
  }

  /** Adds the password of a connection URL, if it has one. */
  addUrlPassword(url: string | undefined): this {
    if (!url) return this;
    try {
      const u = new URL(url);
      if (u.password) this.add(decodeURIComponent(u.password), u.password);
    } catch {
      // not a URL: nothing to register
    }
    return this;
  }

  scrub(text: string): string {
    let out = text;
    for (const s of this.secrets) if (out.includes(s)) out = out.split(s).join('[REDACTED]');
    return out;
  }

  /** Deep-copies a JSON-like value with every string scrubbed. */
  scrubValue<T>(value: T): T {
    if (this.secrets.size === 0) return value;
    return JSON.parse(this.scrub(JSON.stringify(value))) as T;
  }
}
