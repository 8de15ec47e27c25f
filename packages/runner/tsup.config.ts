import { packageBuild } from '../../tsup.shared';

// index: the library; cli: the `tickstock` bin; cli/index: `@tickstock/runner/cli` (main, without running it).
export default packageBuild({ index: 'src/index.ts', cli: 'src/cli.ts', 'cli/index': 'src/cli/index.ts' });
