import { packageBuildConfig } from '../../tsup.shared.js';

export default packageBuildConfig(['src/index.ts', 'src/restore.ts', 'src/norm.ts', 'src/backup.ts']);
