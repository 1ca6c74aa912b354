export { main } from './cli.js';
export { run } from './run.js';
export { ExitCode } from './exit-code.js';
export type { ExitCodeValue } from './exit-code.js';
export type { CliIo, CliOutput } from './cli-io.js';
export { toJsonValue } from './json-value.js';
