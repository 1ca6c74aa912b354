import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { type ExportFormat, exportDatoms } from '@datomkit/backup';
import type { Command } from 'commander';
import { stoppedOr, txProgress } from '../internal/backup-support.js';
import { usageError } from '../internal/cli-error.js';
import type { CommandContext } from '../internal/context.js';
import { intArg, withConnection } from '../internal/database.js';
import { describeCommand } from '../internal/describe.js';
import { countOf } from '../internal/progress.js';

async function finish(out: Writable): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    out.once('error', reject);
    out.end(resolve);
  });
}

/**
 * `datomkit export <db>`: every datom as a line of EDN or JSON, current state or history.
 *
 * @example
 * ```ts
 * registerExport(program, ctx) // then: datomkit export ./data/music --history --format jsonl > music.jsonl
 * ```
 */
export function registerExport(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('export')
    .summary('write the datoms of a database as EDN or JSON lines (see import)')
    .description(
      'Write the datoms of <db> in log order, one per line: [e :attr/ident v tx added] in EDN, or {"e","a","v","tx","added"} in JSON lines, after a header line. By default the current state (as of --as-of); with --history, every assertion and retraction. To standard output, or to --out.',
    )
    .argument('<db>', 'database URI')
    .option('--as-of <t>', 'the database as of this t (default: its last)', intArg)
    .option('--history', 'every datom ever asserted or retracted, not only the current ones')
    .option('--format <format>', 'edn or jsonl', 'edn')
    .option('--out <file>', 'write to this file instead of standard output')
    .action(async (uri: string, opts: { asOf?: number; history?: boolean; format: string; out?: string }) => {
      if (opts.format !== 'edn' && opts.format !== 'jsonl') throw usageError(`--format must be edn or jsonl, not ${opts.format}.`);
      if (ctx.flags.json && opts.out === undefined) throw usageError('--json prints the summary on standard output: give the datoms a file with --out.');
      const out: Writable = opts.out === undefined ? ctx.io.stdout : createWriteStream(opts.out);
      const { progress, onProgress } = txProgress(ctx, 'export');
      const r = await withConnection(
        uri,
        async (source) => {
          try {
            return await exportDatoms({
              source,
              out,
              format: opts.format as ExportFormat,
              history: opts.history === true,
              progress: onProgress,
              signal: ctx.signal,
              ...(opts.asOf === undefined ? {} : { asOf: opts.asOf }),
            });
          } catch (err) {
            progress.clear();
            throw stoppedOr(err, ctx, 'Export stopped; the output ends at a whole transaction.');
          } finally {
            if (opts.out !== undefined) await finish(out);
          }
        },
        { readOnly: true },
      );
      progress.done();
      const summary = { uri, format: opts.format, history: opts.history === true, out: opts.out ?? null, ...r };
      if (ctx.flags.json) ctx.result(summary, () => undefined);
      else ctx.say(ctx.colors.dim(`exported ${countOf(r.datoms, 'datom')} of ${countOf(r.transactions, 'transaction')} (t ${r.basisT})${opts.out === undefined ? '' : ` to ${opts.out}`}`));
    });
  describeCommand(cmd, {
    examples: ['datomkit export ./data/music > music.datoms.edn', 'datomkit export ./data/music --history --format jsonl --out music.jsonl --json', 'datomkit export ./data/music --as-of 1200'],
    json: '{ uri, format, history, out, datoms, transactions, basisT, bytes } (with --out only)',
    interrupted: 'the output ends at a whole transaction; export again',
  });
}
