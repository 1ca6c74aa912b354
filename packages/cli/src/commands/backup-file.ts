import { backupDb, backupDbNoHistory } from '@datomkit/backup';
import type { Command } from 'commander';
import { stoppedOr, txProgress } from '../internal/backup-support.js';
import type { CommandContext } from '../internal/context.js';
import { intArg, withConnection } from '../internal/database.js';
import { describeCommand } from '../internal/describe.js';
import { countOf, formatBytes } from '../internal/progress.js';

/**
 * `datomkit backup-file <db> <file>`: a file backup in datomic-backup's format (one line per
 * transaction), continued where the file ends.
 *
 * @example
 * ```ts
 * registerBackupFile(program, ctx) // then: datomkit backup-file ./data/music ./music.backup.edn
 * ```
 */
export function registerBackupFile(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('backup-file')
    .summary('back up a database into a text file, one line per transaction (see restore-file)')
    .description(
      'Write every transaction of <db> to <file> as one EDN line of #datom[e a v tx added] (datomic-backup\'s backup-db format). A file that exists is continued after its last transaction. With --no-history, only the datoms still current are kept (backup-db-no-history).',
    )
    .argument('<db>', 'database URI')
    .argument('<file>', 'backup file (created, or continued)')
    .option('--no-history', 'keep only the datoms still current')
    .option('--remove-empty', 'with --no-history: leave out transactions left with nothing but their txInstant')
    .option('--stop <t>', 'back up transactions before this t (exclusive)', intArg)
    .action(async (uri: string, file: string, opts: { history: boolean; removeEmpty?: boolean; stop?: number }) => {
      const { progress, onProgress } = txProgress(ctx, 'backup-file');
      const r = await withConnection(
        uri,
        async (source) => {
          const options = { source, backupFile: file, progress: onProgress, signal: ctx.signal, ...(opts.stop === undefined ? {} : { stop: opts.stop }) };
          try {
            return opts.history ? await backupDb(options) : await backupDbNoHistory({ ...options, removeEmptyTransactions: opts.removeEmpty === true });
          } catch (err) {
            progress.clear();
            throw stoppedOr(err, ctx, 'Backup stopped; the file holds whole transactions up to where it stopped.');
          }
        },
        { readOnly: true },
      );
      progress.done();
      const c = ctx.colors;
      ctx.result({ uri, file, ...r }, () =>
        ctx.say(`${c.green('✓')} wrote ${countOf(r.txCount, 'transaction')} (${countOf(r.datoms, 'datom')}, ${formatBytes(r.bytes)}) to ${file}${r.lastSourceT === null ? '' : `; it holds up to t ${r.lastSourceT}`}`),
      );
    });
  describeCommand(cmd, {
    examples: ['datomkit backup-file ./data/music ./music.backup.edn', 'datomkit backup-file ./data/music ./now.backup.edn --no-history --remove-empty'],
    json: '{ uri, file, txCount, lastSourceTx, lastSourceT, datoms, bytes, cutBytes, history, removeEmpty }',
    interrupted: 'run the same command again: it continues the file',
  });
}
