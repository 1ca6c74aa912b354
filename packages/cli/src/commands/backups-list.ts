import { listBackups } from '@datomkit/backup';
import type { Command } from 'commander';
import type { CommandContext } from '../internal/context.js';
import { describeCommand } from '../internal/describe.js';
import { formatBytes } from '../internal/progress.js';

/**
 * `datomkit backups list <dir>`: the backup points of a backup folder.
 *
 * @example
 * ```ts
 * registerBackupsList(program.command('backups'), ctx) // then: datomkit backups list ./backups/music
 * ```
 */
export function registerBackupsList(backups: Command, ctx: CommandContext): void {
  const cmd = backups
    .command('list')
    .summary('list the backup points of a backup folder')
    .description('List the backup points of <dir>, oldest first: each point restores at its t, or at any t back to its checkpoint (the "from" column).')
    .argument('<dir>', 'backup folder')
    .action(async (dir: string) => {
      const points = await listBackups(dir);
      ctx.result({ dir, points }, () => {
        if (points.length === 0) ctx.say(`${dir} holds no backup point yet`);
        else ctx.out(`${'t'.padStart(10)}  ${'from'.padStart(10)}  ${'time'.padEnd(24)}  size`);
        for (const p of points) ctx.out(`${String(p.t).padStart(10)}  ${String(p.dirT).padStart(10)}  ${p.time.padEnd(24)}  ${formatBytes(p.bytes)}`);
      });
    });
  describeCommand(cmd, {
    examples: ['datomkit backups list ./backups/music', 'datomkit backups list ./backups/music --json'],
    json: '{ dir, points: [{ t, dirT, time, database, files, bytes }] }',
  });
}
