import { verifyChecksums } from '@datomkit/norm';
import type { Command } from 'commander';
import { ExitCode } from '../exit-code.js';
import type { CommandContext } from '../internal/context.js';
import { describeCommand } from '../internal/describe.js';

/**
 * `datomkit norm verify <dir>`: compares the norm files with checksums.edn; exits 3 on a difference.
 *
 * @example
 * ```ts
 * registerNormVerify(norm, ctx) // then: datomkit norm verify ./migrations
 * ```
 */
export function registerNormVerify(norm: Command, ctx: CommandContext): void {
  const cmd = norm
    .command('verify')
    .summary('compare the norm files with checksums.edn (exit 3 on a difference)')
    .description('Compare every norm file of a folder with checksums.edn: new files, missing files, and changed files. Exits 3 on any difference.')
    .argument('<dir>', 'migrations folder')
    .action(async (dir: string) => {
      const v = await verifyChecksums(dir);
      const c = ctx.colors;
      ctx.result(
        v,
        () => {
          for (const id of v.added) ctx.say(`${c.yellow('[+]')} ${id}  not in checksums.edn`);
          for (const id of v.missing) ctx.say(`${c.yellow('[-]')} ${id}  in checksums.edn, but no file`);
          for (const ch of v.changed) ctx.say(`${c.red('[!]')} ${ch.id}  changed since its checksum was recorded`);
          if (v.ok) ctx.say(c.green(`✓ the norm files match ${v.file}`));
          else {
            ctx.say(
              v.changed.length > 0
                ? 'Never edit an applied norm: restore it and add a new norm. For new norms, run `datomkit norm checksums` and commit checksums.edn.'
                : `Run \`datomkit norm checksums ${dir}\` and commit checksums.edn.`,
            );
          }
        },
        v.ok ? ExitCode.ok : ExitCode.problems,
      );
    });
  describeCommand(cmd, {
    examples: ['datomkit norm verify ./migrations', 'datomkit norm verify ./migrations --json'],
    json: '{ ok: boolean, file, added: [id], missing: [id], changed: [{ id, recorded, actual }] }',
    problems: 'a norm file is new, missing or changed compared with checksums.edn',
  });
}
