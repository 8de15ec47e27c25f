import { packageBuild } from '../../tsup.shared';

export default packageBuild({
  index: 'src/index.ts',
  simulator: 'src/simulator/index.ts',
  // the `tickstock-simulator` bin
  'simulator-cli': 'src/simulator/cli.ts',
});
