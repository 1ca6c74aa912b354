import { backupDatabase } from '@datomkit/backup';
import type { Command } from 'commander';
import { copyProgress, stoppedOr } from '../internal/backup-support.js';
import type { CommandContext } from '../internal/context.js';
import { describeCommand } from '../internal/describe.js';
import { formatBytes, formatDuration } from '../internal/progress.js';

/**
 * `datomkit backup <db> <dir>`: a physical, differential backup of a durable database into a folder.
 *
 * @example
 * ```ts
 * registerBackup(program, ctx) // then: datomkit backup ./data/music ./backups/music
 * ```
 */
export function registerBackup(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('backup')
    .summary('back up a database into a folder (differential; see backups, restore-backup)')
    .description(
      'Copy the storage of <db> into the backup folder <dir> as of its last transaction, and record it as a backup point. Only what the folder lacks is copied: a later backup copies what changed since. Consistent while a writer goes on committing. Ctrl-C or a crash leaves every earlier backup point intact. A folder holds backups of one database only (backup/claim-failed otherwise).',
    )
    .argument('<db>', 'database URI (file:, a path, or postgres://)')
    .argument('<dir>', 'backup folder (created if missing)')
    .action(async (uri: string, dir: string) => {
      const { progress, onProgress } = copyProgress(ctx, 'backup');
      let r: Awaited<ReturnType<typeof backupDatabase>>;
      try {
        r = await backupDatabase({ source: uri, dir, progress: onProgress, signal: ctx.signal });
      } catch (err) {
        progress.clear();
        throw stoppedOr(err, ctx, 'Backup stopped; earlier backup points are intact and this one was not recorded.');
      }
      progress.done();
      const c = ctx.colors;
      ctx.result({ uri, dir, ...r }, () =>
        ctx.say(
          r.created
            ? `${c.green('✓')} backup point t ${r.t} in ${dir}: wrote ${formatBytes(r.bytesWritten)} in ${r.filesWritten} file${r.filesWritten === 1 ? '' : 's'} (${formatDuration(r.elapsedMs)}); the point needs ${formatBytes(r.bytesTotal)}`
            : `${c.green('✓')} nothing new since the backup point t ${r.t} in ${dir}`,
        ),
      );
    });
  describeCommand(cmd, {
    examples: ['datomkit backup ./data/music ./backups/music', 'datomkit backup file:./data/music ./backups/music --json'],
    json: '{ uri, dir, database, t, dirT, created, filesWritten, bytesWritten, files, bytesTotal, elapsedMs }',
    interrupted: 'earlier backup points are intact; run the same command again',
  });
}
