/** The one tsup setup every package builds with: ESM + CJS + .d.ts for Node 20, one file per entry. */
import { defineConfig, type Options } from 'tsup';

export function packageBuild(entry: Record<string, string>, extra: Options = {}) {
  return defineConfig({
    entry,
    format: ['esm', 'cjs'],
    // Type declarations resolve sibling packages through node_modules (their built .d.ts), not the sources.
    dts: { compilerOptions: { paths: {} } },
    tsconfig: 'tsconfig.build.json',
    target: 'node20',
    platform: 'node',
    sourcemap: true,
    clean: true,
    splitting: false,
    // import.meta.url in the CJS build (the runner finds its shipped universe files with it).
    shims: true,
    ...extra,
  });
}
