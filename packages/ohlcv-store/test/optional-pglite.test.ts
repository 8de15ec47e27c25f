/**
 * `@electric-sql/pglite` is an optional peer dependency: loaded (dynamic import) only when the embedded database is
 * asked for, and, when it is not installed, a CONFIGURATION error naming what to install. The real thing (a tarball
 * installed without PGlite, in CommonJS and ESM) is checked by `pnpm pack:check`; here, the decision and the message.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isMissingPackage, loadPglite, PGLITE_VERSION } from '../src/connection.js';
import { StoreError } from '../src/index.js';

const manifest = (pkg: string) =>
  JSON.parse(readFileSync(new URL(`../../${pkg}/package.json`, import.meta.url), 'utf8')) as Record<
    string,
    Record<string, unknown> | undefined
  >;

/** What Node throws for `import('@electric-sql/pglite')` when the package is not installed. */
function notFound(code: string, spec: string): Error {
  return Object.assign(new Error(`Cannot find package '${spec}' imported from /app/node_modules/@tickstock/ohlcv-store/dist/index.js`), {
    code,
  });
}

describe('PGlite, an optional peer dependency', () => {
  it('is declared as an optional peer; the version the error names is the one built and tested with', () => {
    const store = manifest('ohlcv-store');
    expect(store.dependencies?.['@electric-sql/pglite']).toBeUndefined();
    expect(store.peerDependencies?.['@electric-sql/pglite']).toBe(`^${PGLITE_VERSION}`);
    expect(store.peerDependenciesMeta?.['@electric-sql/pglite']).toEqual({ optional: true });
    expect(store.devDependencies?.['@electric-sql/pglite']).toBe(PGLITE_VERSION);
    // The runner's CLI defaults to the embedded database: there it stays a real dependency, the same version.
    expect(manifest('runner').dependencies?.['@electric-sql/pglite']).toBe(PGLITE_VERSION);
  });

  it.each([
    ['ERR_MODULE_NOT_FOUND', 'embedded', 'the `embedded` option'],
    ['MODULE_NOT_FOUND', 'default', 'no PostgreSQL configured'],
  ] as const)('missing (%s), opening it (%s) is a CONFIGURATION error naming what to install', async (code, why, reason) => {
    const e = await loadPglite(why, () => Promise.reject(notFound(code, '@electric-sql/pglite'))).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(StoreError);
    const err = e as StoreError;
    expect(err.code).toBe('CONFIGURATION');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain(`npm install @electric-sql/pglite@${PGLITE_VERSION}`);
    expect(err.message).toContain(reason);
  });

  it('any other failure to load it (a file inside it, a package it imports) is passed on as is', async () => {
    const inside = notFound('ERR_MODULE_NOT_FOUND', '/app/node_modules/@electric-sql/pglite/dist/index.js');
    await expect(loadPglite('embedded', () => Promise.reject(inside))).rejects.toBe(inside);
    const other = new TypeError('boom');
    await expect(loadPglite('embedded', () => Promise.reject(other))).rejects.toBe(other);
  });

  it('isMissingPackage names the package itself, quoted, with a module-not-found code', () => {
    expect(isMissingPackage(notFound('ERR_MODULE_NOT_FOUND', '@electric-sql/pglite'), '@electric-sql/pglite')).toBe(true);
    expect(isMissingPackage(notFound('ERR_MODULE_NOT_FOUND', '@electric-sql/pglite-tools'), '@electric-sql/pglite')).toBe(false);
    expect(isMissingPackage(new Error("Cannot find package '@electric-sql/pglite'"), '@electric-sql/pglite')).toBe(false);
    expect(isMissingPackage(null, '@electric-sql/pglite')).toBe(false);
  });

  it('installed, it loads', async () => {
    const { PGlite } = await loadPglite('embedded');
    expect(typeof PGlite.create).toBe('function');
  });
});
