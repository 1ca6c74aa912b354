import type { Options } from 'tsup';
import { packageBuildConfig } from '../../tsup.shared.js';

// Declarations for the public entry only: dist/cli.js is imported by the bin stub, not by users.
const config: Options = { ...packageBuildConfig(['src/index.ts', 'src/cli.ts']), dts: { entry: 'src/index.ts' } };

export default config;
