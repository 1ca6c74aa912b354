import { packageTestConfig } from '../../vitest.shared.js';

// The end-to-end tests run the built binary: global-setup rebuilds it when it is missing or stale.
export default packageTestConfig({ globalSetup: ['test/global-setup.ts'] });
