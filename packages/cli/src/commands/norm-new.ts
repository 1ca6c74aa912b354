import { newNorm } from '@datomkit/norm';
import type { Command } from 'commander';
import type { CommandContext } from '../internal/context.js';
import { describeCommand } from '../internal/describe.js';

/**
 * `datomkit norm new <dir> <name>`: creates the next norm file.
 *
 * @example
 * ```ts
 * registerNormNew(norm, ctx) // then: datomkit norm new ./migrations "add release rating"
 * ```
 */
export function registerNormNew(norm: Command, ctx: CommandContext): void {
  const cmd = norm
    .command('new')
    .summary('create the next norm file')
    .description('Create the next norm file, numbered to sort after the existing ones. Fill it in, then run `datomkit norm checksums`.')
    .argument('<dir>', 'migrations folder')
    .argument('<name>', 'what the norm does, e.g. "add release rating"')
    .action(async (dir: string, name: string) => {
      const result = await newNorm(dir, name);
      const c = ctx.colors;
      ctx.result(result, () => {
        ctx.say(`${c.green('✓')} created ${result.file}`);
        ctx.say(`  fill in its :tx-data, then run \`datomkit norm checksums ${dir}\``);
      });
    });
  describeCommand(cmd, {
    examples: ['datomkit norm new ./migrations "add release rating"'],
    json: '{ file, id }',
  });
}
