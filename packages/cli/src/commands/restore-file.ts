import { restoreDb } from '@datomkit/backup';
import { connect, createDatabase } from '@datomkit/datom-core';
import type { Command } from 'commander';
import { stoppedOr, txProgress } from '../internal/backup-support.js';
import type { CommandContext } from '../internal/context.js';
import { intArg } from '../internal/database.js';
import { describeCommand } from '../internal/describe.js';
import { countOf } from '../internal/progress.js';

/**
 * `datomkit restore-file <file> <dest>`: replays a file backup into a database, resumably.
 *
 * @example
 * ```ts
 * registerRestoreFile(program, ctx) // then: datomkit restore-file ./music.backup.edn ./data/copy
 * ```
 */
export function registerRestoreFile(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('restore-file')
    .summary('restore a file backup (backup-file) into a database')
    .description(
      'Replay the transactions of the backup file <file> into <dest> (created if missing), one destination transaction per line, mapping entity ids. Progress is stored with the data: after Ctrl-C or a crash, the same command goes on where it stopped, and a later run replays only what the file gained since.',
    )
    .argument('<file>', 'backup file')
    .argument('<dest>', 'destination database URI (created if missing)')
    .option('--stop <t>', 'restore transactions before this source t (exclusive)', intArg)
    .action(async (file: string, dest: string, opts: { stop?: number }) => {
      if (await createDatabase(dest)) ctx.say(ctx.colors.dim(`created the destination database ${dest}`));
      const destConn = await connect(dest);
      const { progress, onProgress } = txProgress(ctx, 'restore-file');
      let r: Awaited<ReturnType<typeof restoreDb>>;
      try {
        r = await restoreDb({ source: file, destConn, progress: onProgress, signal: ctx.signal, ...(opts.stop === undefined ? {} : { stop: opts.stop }) });
      } catch (err) {
        progress.clear();
        throw stoppedOr(err, ctx, 'Restore stopped; every transaction replayed is recorded in the destination.');
      } finally {
        await destConn.close();
      }
      progress.done();
      const c = ctx.colors;
      ctx.result({ file, dest, ...r }, () =>
        ctx.say(
          `${c.green('✓')} replayed ${countOf(r.txCount, 'transaction')} (${countOf(r.datoms, 'datom')})${r.skipped > 0 ? `, ${r.skipped} already there` : ''}; ${dest} is at source t ${r.lastSourceT ?? '–'}`,
        ),
      );
    });
  describeCommand(cmd, {
    examples: ['datomkit restore-file ./music.backup.edn ./data/copy', 'datomkit restore-file ./music.backup.edn ./data/copy --stop 1200 --json'],
    json: '{ file, dest, txCount, lastSourceTx, lastSourceT, datoms, skipped, unmappable }',
    interrupted: 'run the same command again to resume',
  });
}
