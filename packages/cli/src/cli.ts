/**
 * Runs the `datomkit` command with the given arguments and resolves to its exit code.
 *
 * @example
 * ```ts
 * process.exitCode = await main(process.argv.slice(2))
 * ```
 */
export async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--version')) {
    process.stdout.write('0.1.0\n');
    return 0;
  }
  process.stderr.write('datomkit: commands arrive with the cli issue\n');
  return argv.length === 0 ? 0 : 2;
}
