import { fileURLToPath } from 'node:url';
import type { UserWorkspaceConfig } from 'vitest/config';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Aliases so tests and examples run against package sources, with no build step. */
export const sourceAliases = [
  { find: /^@tickstock\/market-time\/(.+)$/, replacement: `${root}packages/market-time/src/$1/index.ts` },
  { find: /^@tickstock\/market-time$/, replacement: `${root}packages/market-time/src/index.ts` },
  { find: /^@tickstock\/massive-client\/(.+)$/, replacement: `${root}packages/massive-client/src/$1/index.ts` },
  { find: /^@tickstock\/massive-client$/, replacement: `${root}packages/massive-client/src/index.ts` },
  { find: /^@tickstock\/ohlcv-store$/, replacement: `${root}packages/ohlcv-store/src/index.ts` },
  { find: /^@tickstock\/job-protocol\/(.+)$/, replacement: `${root}packages/job-protocol/src/$1/index.ts` },
  { find: /^@tickstock\/job-protocol$/, replacement: `${root}packages/job-protocol/src/index.ts` },
  { find: /^@tickstock\/runner$/, replacement: `${root}packages/runner/src/index.ts` },
  { find: /^@tickstock\/test-support$/, replacement: `${root}test-support/src/index.ts` },
];

/** Files named `*.tz.test.ts` also run under these time zones (see the root vitest.config.ts). */
export const EXTRA_TIME_ZONES = ['America/Los_Angeles', 'Asia/Tokyo'] as const;

/**
 * The fault suite (`pnpm test:faults`): real worker processes, restarts and kills. It is its own project so it can
 * run alone, and runs with the rest of the tests too.
 */
export const FAULTS_PROJECT = { name: 'faults', packageName: 'runner', include: 'test/faults/**/*.test.ts' } as const;

export function sharedProjectConfig(name: string, timeZone = 'UTC'): UserWorkspaceConfig {
  const suffix = timeZone === 'UTC' ? '' : ` TZ=${timeZone}`;
  return {
    resolve: { alias: sourceAliases },
    test: {
      name: `${name}${suffix}`,
      root: `${root}packages/${name}`,
      include: timeZone === 'UTC' ? ['test/**/*.test.ts'] : ['test/**/*.tz.test.ts'],
      exclude: name === FAULTS_PROJECT.packageName ? [FAULTS_PROJECT.include, '**/node_modules/**'] : ['**/node_modules/**'],
      globalSetup: [`${root}test-support/global-setup.ts`],
      env: { TZ: timeZone },
      testTimeout: 30_000,
      hookTimeout: 60_000,
      pool: 'forks',
    },
  };
}

export function faultsProjectConfig(): UserWorkspaceConfig {
  const base = sharedProjectConfig(FAULTS_PROJECT.packageName);
  return {
    ...base,
    test: {
      ...base.test,
      name: FAULTS_PROJECT.name,
      include: [FAULTS_PROJECT.include],
      exclude: ['**/node_modules/**'],
      testTimeout: 180_000,
      hookTimeout: 120_000,
      // Fault tests start several worker processes each: one file at a time on a small machine.
      fileParallelism: false,
    },
  };
}
