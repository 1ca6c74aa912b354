import { updateChecksums } from '@datomkit/norm';
import type { Command } from 'commander';
import type { CommandContext } from '../internal/context.js';
import { describeCommand } from '../internal/describe.js';

/**
 * `datomkit norm checksums <dir>`: writes checksums.edn for every norm of the folder.
 *
 * @example
 * ```ts
 * registerNormChecksums(norm, ctx) // then: datomkit norm checksums ./migrations
 * ```
 */
export function registerNormChecksums(norm: Command, ctx: CommandContext): void {
  const cmd = norm
    .command('checksums')
    .summary('write checksums.edn')
    .description('Compute the checksum of every norm of the folder and write checksums.edn. Commit it with the norms.')
    .argument('<dir>', 'migrations folder')
    .action(async (dir: string) => {
      const { file, checksums } = await updateChecksums(dir);
      const c = ctx.colors;
      ctx.result({ file, checksums }, () => ctx.say(`${c.green('✓')} wrote ${file} (${checksums.size} norm${checksums.size === 1 ? '' : 's'})`));
    });
  describeCommand(cmd, {
    examples: ['datomkit norm checksums ./migrations'],
    json: '{ file, checksums: { [id]: sha512 hex } }',
  });
}
