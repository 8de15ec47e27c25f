/** Bearer-token check for the worker's HTTP API, in constant time (both sides hashed to equal length first). */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** True when `header` is exactly `Bearer <token>`. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer ([^\s]+)$/i.exec(header?.trim() ?? '');
  const given = match?.[1] ?? '';
  // Compared even when the header is missing or malformed, so the time taken says nothing about the token.
  return timingSafeEqual(digest(given), digest(token)) && match !== null;
}
