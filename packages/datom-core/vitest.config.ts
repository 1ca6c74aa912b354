import { packageTestConfig } from '../../vitest.shared.js';

// Two workers, where vitest would take one on a 2-core machine: the crash and fault tests spend most
// of their time waiting on child processes and PostgreSQL, and the CPU-bound suites run meanwhile.
// datom-core's suite is the longest of the packages and sets how long `pnpm test` takes.
export default packageTestConfig({ maxWorkers: 2 });
