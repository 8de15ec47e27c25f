/**
 * The rendered rows of recent bar pages, so a request asked again costs a copy instead of generating and writing
 * 50,000 bars again (what a bench reading the same page twenty times, or a test suite's repeated loads, would pay).
 * Least recently used first out, bounded by the bytes held. Only what a request determines goes in: the envelope
 * around the rows (request id, `next_url`'s origin, status) is written per response.
 */
import type { RenderedRows } from './wire.js';

/** One cached page: its rows as written, and what the envelope needs of the page. */
export interface CachedBarPage {
  rows: RenderedRows;
  queryCount: number;
  /** `t` of the bar after the page, when there is one. */
  nextT?: number;
}

export class RenderedPageCache {
  private readonly pages = new Map<string, CachedBarPage>();
  private bytes = 0;

  /** `maxBytes` 0 keeps nothing. */
  constructor(private readonly maxBytes: number) {}

  get(key: string): CachedBarPage | undefined {
    const hit = this.pages.get(key);
    if (hit) {
      // Most recently used last.
      this.pages.delete(key);
      this.pages.set(key, hit);
    }
    return hit;
  }

  set(key: string, page: CachedBarPage): void {
    const size = page.rows.bytes.length;
    if (size > this.maxBytes) return;
    const old = this.pages.get(key);
    if (old) {
      this.pages.delete(key);
      this.bytes -= old.rows.bytes.length;
    }
    for (const [k, p] of this.pages) {
      if (this.bytes + size <= this.maxBytes) break;
      this.pages.delete(k);
      this.bytes -= p.rows.bytes.length;
    }
    this.pages.set(key, page);
    this.bytes += size;
  }

  /** Bytes of rows held. */
  get size(): number {
    return this.bytes;
  }
}
