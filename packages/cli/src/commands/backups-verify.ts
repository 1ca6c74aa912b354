import { verifyBackup } from '@datomkit/backup';
import type { Command } from 'commander';
import { ExitCode } from '../exit-code.js';
import { copyProgress } from '../internal/backup-support.js';
import type { CommandContext } from '../internal/context.js';
import { intArg } from '../internal/database.js';
import { describeCommand } from '../internal/describe.js';
import { formatBytes } from '../internal/progress.js';

/**
 * `datomkit backups verify <dir> [t]`: reads every file of a backup point (or of all) and checks
 * its checksum; exits 3 when one is missing or damaged.
 *
 * @example
 * ```ts
 * registerBackupsVerify(program.command('backups'), ctx) // then: datomkit backups verify ./backups/music
 * ```
 */
export function registerBackupsVerify(backups: Command, ctx: CommandContext): void {
  const cmd = backups
    .command('verify')
    .summary('check every file of the backup points (exit 3 if one is damaged)')
    .description('Read every file the backup point t of <dir> needs (every point without t) and check its size and SHA-256 against the manifest. Exits 3 when a file is missing or damaged, naming it and the points that need it.')
    .argument('<dir>', 'backup folder')
    .argument('[t]', 'the backup point to verify (default: all)', intArg)
    .action(async (dir: string, t: number | undefined) => {
      const { progress, onProgress } = copyProgress(ctx, 'verify');
      let r: Awaited<ReturnType<typeof verifyBackup>>;
      try {
        r = await verifyBackup({ dir, ...(t === undefined ? {} : { t }), progress: onProgress });
      } finally {
        progress.done();
      }
      const c = ctx.colors;
      ctx.result(
        { dir, ...r },
        () => {
          for (const p of r.points) {
            if (p.ok) ctx.say(`${c.green('✓')} t ${p.t}`);
            else for (const x of p.problems) ctx.say(`${c.red('✗')} t ${p.t}: ${x.message}`);
          }
          ctx.say(r.ok ? `${c.green('✓')} ${r.points.length} backup point${r.points.length === 1 ? '' : 's'} verified: read ${r.files} files, ${formatBytes(r.bytes)}` : `${c.red('✗')} ${r.points.filter((p) => !p.ok).length} of ${r.points.length} backup points cannot be restored`);
        },
        r.ok ? ExitCode.ok : ExitCode.problems,
      );
    });
  describeCommand(cmd, {
    examples: ['datomkit backups verify ./backups/music', 'datomkit backups verify ./backups/music 1200 --json'],
    json: '{ dir, ok, points: [{ t, ok, problems: [{ file, code: "backup/missing"|"backup/checksum", message }] }], files, bytes }',
    problems: 'a file of a backup point is missing or damaged',
  });
}
