import { restoreBackup } from '@datomkit/backup';
import type { Command } from 'commander';
import { copyProgress } from '../internal/backup-support.js';
import type { CommandContext } from '../internal/context.js';
import { intArg } from '../internal/database.js';
import { describeCommand } from '../internal/describe.js';
import { formatBytes, formatDuration } from '../internal/progress.js';

/**
 * `datomkit restore-backup <dir> <dest> [--t T]`: restores a backup point into a new database.
 *
 * @example
 * ```ts
 * registerRestoreBackup(program, ctx) // then: datomkit restore-backup ./backups/music ./data/music-copy --t 1200
 * ```
 */
export function registerRestoreBackup(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('restore-backup')
    .summary('restore a backup point from a backup folder into a new database')
    .description(
      'Restore the database backed up in <dir> into <dest>, which must hold no database, as of --t: a backup point\'s t, or any t back to that point\'s checkpoint (see backups list). The result is the same database as the source was at that t (same entity ids and transactions). Every file is checked against its checksum; a restore that fails leaves no database at <dest>.',
    )
    .argument('<dir>', 'backup folder')
    .argument('<dest>', 'new database URI (file:, a path, or postgres://)')
    .option('--t <t>', 'the t to restore at (default: the last backup point)', intArg)
    .action(async (dir: string, dest: string, opts: { t?: number }) => {
      const { progress, onProgress } = copyProgress(ctx, 'restore');
      let r: Awaited<ReturnType<typeof restoreBackup>>;
      try {
        r = await restoreBackup({ dir, dest, ...(opts.t === undefined ? {} : { t: opts.t }), progress: onProgress });
      } finally {
        progress.done();
      }
      const c = ctx.colors;
      ctx.result({ dir, dest, ...r }, () =>
        ctx.say(`${c.green('✓')} restored ${dest} as of t ${r.t} from the backup point t ${r.point} (${formatBytes(r.bytes)}, ${formatDuration(r.elapsedMs)})`),
      );
    });
  describeCommand(cmd, {
    examples: ['datomkit restore-backup ./backups/music ./data/music-copy', 'datomkit restore-backup ./backups/music ./data/music-then --t 1150 --json'],
    json: '{ dir, dest, database, t, point, bytes, elapsedMs }',
  });
}
