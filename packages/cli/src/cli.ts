import { ExitCode } from './exit-code.js';
import { run } from './run.js';

/**
 * Runs the `datomkit` command with the process's streams and resolves to its exit code. The first
 * Ctrl-C asks the running command to stop cleanly (it then says how to resume, exit code 130); a
 * second one exits at once.
 *
 * @example
 * ```ts
 * process.exitCode = await main(process.argv.slice(2))
 * ```
 */
export async function main(argv: readonly string[]): Promise<number> {
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts++;
    if (interrupts > 1) {
      process.stderr.write('\ninterrupted again: exiting now\n');
      process.exit(ExitCode.interrupted);
    }
    process.stderr.write('\nstopping cleanly… (Ctrl-C again to exit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    return await run(argv, { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, signal: controller.signal });
  } finally {
    process.off('SIGINT', onSigint);
  }
}
