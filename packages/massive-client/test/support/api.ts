/** Shared test helpers: fixture loading, a fake key, and a client tuned for fast tests against msw. */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MassiveClient, type MassiveClientOptions } from '../../src/index.js';

/** Where the copied fixtures live (a copy of ../shared/fixtures/massive, LICENSE files included). */
export const FIXTURES_DIR = fileURLToPath(new URL('../fixtures/massive/', import.meta.url));

/** The API origin the fixtures' next_url values point at. */
export const BASE = 'https://api.massive.com';

/** An obviously fake key, new per call. */
export function testKey(): string {
  return `test-key-${randomUUID()}`;
}

/** The parsed JSON of a fixture, by its path under fixtures/massive/. */
export function fixture(path: string): unknown {
  return JSON.parse(readFileSync(join(FIXTURES_DIR, path), 'utf8'));
}

/** Every file under fixtures/massive/, as paths relative to it, sorted. */
export function allFixtureFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else out.push(relative(FIXTURES_DIR, full));
    }
  };
  walk(FIXTURES_DIR);
  return out.sort();
}

/** A client for msw tests: no env, no rate spacing, tiny retry delays. */
export function testClient(options: MassiveClientOptions = {}): MassiveClient {
  return new MassiveClient({
    apiKey: testKey(),
    baseUrl: BASE,
    env: {},
    rateLimit: { maxConcurrent: 10 },
    retryBaseDelayMs: 1,
    maxRetryDelayMs: 20,
    ...options,
  });
}

/** Collects an async iterable. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}
