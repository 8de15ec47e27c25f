import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    simulator: 'src/simulator/index.ts',
    calendar: 'src/calendar/index.ts',
    // the `tickstock-simulator` bin
    'simulator-cli': 'src/simulator/cli.ts',
  },
  format: ['esm', 'cjs'],
  dts: { compilerOptions: { paths: {} } },
  tsconfig: 'tsconfig.build.json',
  target: 'node20',
  platform: 'node',
  sourcemap: true,
  clean: true,
  splitting: false,
});
