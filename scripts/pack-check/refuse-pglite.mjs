/**
 * `node --import <this file>`: any attempt to resolve @electric-sql/pglite fails, so a check run under it proves
 * that PGlite is not loaded even when it is installed. The store loads it with `import()` in both of its builds,
 * which goes through these (ESM loader) hooks from CommonJS too.
 */
import { register } from 'node:module';

const hooks = `export async function resolve(specifier, context, next) {
  if (specifier === '@electric-sql/pglite' || specifier.startsWith('@electric-sql/pglite/'))
    throw new Error('pack-check: @electric-sql/pglite was loaded, though only PostgreSQL was asked for');
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
