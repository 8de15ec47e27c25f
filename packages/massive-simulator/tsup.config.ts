import { packageBuild } from '../../tsup.shared';

// index: the library; simulator-cli: the `tickstock-simulator` bin (bin/tickstock-simulator.js loads it).
export default packageBuild({ index: 'src/index.ts', 'simulator-cli': 'src/cli.ts' });
