import { type ExportFormat, importDatoms } from '@datomkit/backup';
import { connect, createDatabase } from '@datomkit/datom-core';
import type { Command } from 'commander';
import { stoppedOr, txProgress } from '../internal/backup-support.js';
import { usageError } from '../internal/cli-error.js';
import type { CommandContext } from '../internal/context.js';
import { describeCommand } from '../internal/describe.js';
import { countOf } from '../internal/progress.js';

/**
 * `datomkit import <db> <file>`: replays an export (EDN or JSON lines) into a database.
 *
 * @example
 * ```ts
 * registerImport(program, ctx) // then: datomkit import ./data/copy music.datoms.edn
 * ```
 */
export function registerImport(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('import')
    .summary('load an export (EDN or JSON lines) into a database')
    .description(
      'Replay the datoms of <file>, written by datomkit export (or another tool in its format), into <db> (created if missing): its schema first, then one transaction per source transaction, mapping entity ids. Resumable: after Ctrl-C or a crash, the same command goes on where it stopped.',
    )
    .argument('<db>', 'database URI (created if missing)')
    .argument('<file>', 'the export')
    .option('--format <format>', 'edn or jsonl (default: from the file)')
    .action(async (uri: string, file: string, opts: { format?: string }) => {
      if (opts.format !== undefined && opts.format !== 'edn' && opts.format !== 'jsonl') throw usageError(`--format must be edn or jsonl, not ${opts.format}.`);
      if (await createDatabase(uri)) ctx.say(ctx.colors.dim(`created the database ${uri}`));
      const destConn = await connect(uri);
      const { progress, onProgress } = txProgress(ctx, 'import');
      let r: Awaited<ReturnType<typeof importDatoms>>;
      try {
        r = await importDatoms({ source: file, destConn, progress: onProgress, signal: ctx.signal, ...(opts.format === undefined ? {} : { format: opts.format as ExportFormat }) });
      } catch (err) {
        progress.clear();
        throw stoppedOr(err, ctx, 'Import stopped; every transaction imported is recorded in the database.');
      } finally {
        await destConn.close();
      }
      progress.done();
      const c = ctx.colors;
      ctx.result({ uri, file, ...r }, () =>
        ctx.say(`${c.green('✓')} imported ${countOf(r.txCount, 'transaction')} (${countOf(r.datoms, 'datom')})${r.skipped > 0 ? `, ${r.skipped} already there` : ''} into ${uri}`),
      );
    });
  describeCommand(cmd, {
    examples: ['datomkit import ./data/copy music.datoms.edn', 'datomkit import ./data/copy music.jsonl --json'],
    json: '{ uri, file, txCount, lastSourceTx, lastSourceT, datoms, skipped, unmappable }',
    interrupted: 'run the same command again to resume',
  });
}
