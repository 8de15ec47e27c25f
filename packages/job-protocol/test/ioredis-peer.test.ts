/**
 * ioredis is a peer dependency (`^6.0.0`) because the package only uses its types: the caller's connections are the
 * ones the helpers use, so there must be one copy of ioredis, the caller's. A value import would make it a real
 * dependency again (and load it at run time): this fails first.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SRC = join(ROOT, 'src');

describe('ioredis, a peer dependency used for its types only', () => {
  it('every import of ioredis in the sources is `import type`', () => {
    const files = readdirSync(SRC, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const importing = files.flatMap((f) =>
      [
        ...readFileSync(join(SRC, f), 'utf8').matchAll(
          /^\s*(import|export)\b([^;]*?)from\s+['"]ioredis['"]|import\(\s*['"]ioredis['"]\s*\)|require\(\s*['"]ioredis['"]\s*\)/gm,
        ),
      ]
        .filter((m) => !/^\s*(import|export)\s+type\b/.test(m[0]))
        .map((m) => `${f}: ${m[0].trim()}`),
    );
    expect(importing).toEqual([]);
    expect(files.some((f) => /from\s+['"]ioredis['"]/.test(readFileSync(join(SRC, f), 'utf8')))).toBe(true);
  });

  it('is declared as a peer (^6.0.0), not a dependency', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
    expect(pkg.dependencies?.ioredis).toBeUndefined();
    expect(pkg.peerDependencies?.ioredis).toBe('^6.0.0');
    expect(pkg.peerDependenciesMeta?.ioredis).toBeUndefined(); // required: the helpers' types name it
  });
});
