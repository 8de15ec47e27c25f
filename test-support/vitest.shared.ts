import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { UserWorkspaceConfig } from 'vitest/config';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Aliases so tests and examples run against package sources, with no build step. */
export const sourceAliases = [
  { find: /^@tickstock\/market-time\/(.+)$/, replacement: `${root}packages/market-time/src/$1/index.ts` },
  { find: /^@tickstock\/market-time$/, replacement: `${root}packages/market-time/src/index.ts` },
  { find: /^@tickstock\/massive-client\/(.+)$/, replacement: `${root}packages/massive-client/src/$1/index.ts` },
  { find: /^@tickstock\/massive-client$/, replacement: `${root}packages/massive-client/src/index.ts` },
  { find: /^@tickstock\/massive-simulator$/, replacement: `${root}packages/massive-simulator/src/index.ts` },
  { find: /^@tickstock\/ohlcv-store$/, replacement: `${root}packages/ohlcv-store/src/index.ts` },
  { find: /^@tickstock\/job-protocol\/(.+)$/, replacement: `${root}packages/job-protocol/src/$1/index.ts` },
  { find: /^@tickstock\/job-protocol$/, replacement: `${root}packages/job-protocol/src/index.ts` },
  { find: /^@tickstock\/runner$/, replacement: `${root}packages/runner/src/index.ts` },
  { find: /^@tickstock\/test-support$/, replacement: `${root}test-support/src/index.ts` },
];

/** Files named `*.tz.test.ts` also run under these time zones (see the root vitest.config.ts). */
export const EXTRA_TIME_ZONES = ['America/Los_Angeles', 'Asia/Tokyo'] as const;

/**
 * Test files the parallel group runs at once: one per CPU (2 here; vitest's default leaves one CPU idle). Most files
 * wait on PostgreSQL, Redis, the simulator or a child process far more than they compute, and each has its own
 * database, Redis server or key prefix, so running them side by side cuts the suite's wall time with no test changed.
 * Three at once on 2 CPUs was tried: files that start worker processes then ran past their 30 s limit on a loaded
 * machine. `TICKSTOCK_TEST_WORKERS` overrides it.
 */
export const PARALLEL_WORKERS = Math.max(1, Number(process.env.TICKSTOCK_TEST_WORKERS) || availableParallelism());

/**
 * Files that measure time against a budget (request rates, lease clocks across processes): they run one at a time,
 * after the parallel group, so another file's CPU never skews what they measure. Paths are relative to the package.
 */
export const SERIAL_FILES: Readonly<Record<string, readonly string[]>> = {
  'massive-client': [
    'test/client-rate-limit.test.ts',
    'test/clustered-rate-limit.test.ts',
    'test/clustered-rate-limit-cluster.test.ts',
    'test/clustered-rate-limit-outage.test.ts',
    'test/spacing-limiter.test.ts',
  ],
  runner: ['test/e2e/redis-cluster.test.ts'],
};

/** Project groups: the parallel group first, then the one-at-a-time group (serial files and the fault suite). */
const PARALLEL_GROUP = 0;
const SERIAL_GROUP = 1;

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
      exclude: [
        ...(name === FAULTS_PROJECT.packageName ? [FAULTS_PROJECT.include] : []),
        ...(SERIAL_FILES[name] ?? []),
        '**/node_modules/**',
      ],
      globalSetup: [`${root}test-support/global-setup.ts`],
      env: { TZ: timeZone },
      testTimeout: 30_000,
      hookTimeout: 60_000,
      pool: 'forks',
      maxWorkers: PARALLEL_WORKERS,
      sequence: { groupOrder: PARALLEL_GROUP },
    },
  };
}

/** The package's serial files (see SERIAL_FILES), one at a time after the parallel group; undefined when none. */
export function serialProjectConfig(name: string): UserWorkspaceConfig | undefined {
  const files = SERIAL_FILES[name];
  if (!files?.length) return undefined;
  const base = sharedProjectConfig(name);
  return {
    ...base,
    test: {
      ...base.test,
      name: `${name} serial`,
      include: [...files],
      exclude: ['**/node_modules/**'],
      maxWorkers: 1,
      sequence: { groupOrder: SERIAL_GROUP },
    },
  };
}

/**
 * Fault files that spend most of their time waiting out an outage (PostgreSQL down for 70 s, Redis away until the
 * worker's drain limit): they run in the parallel group, beside other files, instead of holding the one-at-a-time
 * group while the CPUs idle. Their assertions are about what the worker does, not how fast the machine is.
 */
export const WAITING_FAULT_FILES: readonly string[] = ['test/faults/postgres-outage.test.ts', 'test/faults/redis-outage-shutdown.test.ts'];

/**
 * The fault suite: one project of its files run one at a time (`faults`: they start several worker processes each),
 * and one of those that mostly wait (`faults waiting`, in the parallel group; see WAITING_FAULT_FILES). Select both
 * with `--project 'faults*'` (`pnpm test:faults`).
 */
export function faultsProjectConfigs(): UserWorkspaceConfig[] {
  const base = sharedProjectConfig(FAULTS_PROJECT.packageName);
  const faults = (name: string, include: string[], exclude: readonly string[], parallel: boolean): UserWorkspaceConfig => ({
    ...base,
    test: {
      ...base.test,
      name,
      include,
      exclude: [...exclude, '**/node_modules/**'],
      testTimeout: 180_000,
      hookTimeout: 120_000,
      maxWorkers: parallel ? PARALLEL_WORKERS : 1,
      sequence: { groupOrder: parallel ? PARALLEL_GROUP : SERIAL_GROUP },
    },
  });
  return [
    faults(FAULTS_PROJECT.name, [FAULTS_PROJECT.include], WAITING_FAULT_FILES, false),
    faults(`${FAULTS_PROJECT.name} waiting`, [...WAITING_FAULT_FILES], [], true),
  ];
}
