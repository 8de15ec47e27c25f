import { packageBuild } from '../../tsup.shared';

export default packageBuild({ index: 'src/index.ts', redact: 'src/redact/index.ts' });
