import { defineConfig } from 'vitest/config';
import { EXTRA_TIME_ZONES, faultsProjectConfigs, serialProjectConfig, sharedProjectConfig } from './test-support/vitest.shared.ts';

const packages = ['market-time', 'massive-client', 'massive-simulator', 'ohlcv-store', 'job-protocol', 'runner'];

export default defineConfig({
  test: {
    // Each package is a project; files named *.tz.test.ts run again under other time zones,
    // because nothing may depend on the machine's time zone.
    projects: [
      ...packages.flatMap((name) => [sharedProjectConfig(name), ...EXTRA_TIME_ZONES.map((tz) => sharedProjectConfig(name, tz))]),
      // Files that measure time run one at a time after the rest (see SERIAL_FILES), then the fault suite.
      ...packages.flatMap((name) => serialProjectConfig(name) ?? []),
      ...faultsProjectConfigs(),
    ],
    // A mistyped include must fail, not pass with nothing run.
    passWithNoTests: false,
  },
});
