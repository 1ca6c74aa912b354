import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { EdnList, type TxData, parseEdnAll } from '@datomkit/datom-core';
import type { Command } from 'commander';
import { interrupted, usageError } from '../internal/cli-error.js';
import type { CommandContext } from '../internal/context.js';
import { intArg, withConnection } from '../internal/database.js';
import { describeCommand } from '../internal/describe.js';
import { countOf } from '../internal/progress.js';

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Splits EDN text into transactions: every top-level vector (or list) of forms is one.
 *
 * @example
 * ```ts
 * readTransactions('[{:db/ident :a}] [[:db/add "x" :a 1]]').length // 2
 * ```
 */
export function readTransactions(text: string, source: string): readonly TxData[] {
  const forms = parseEdnAll(text, { source });
  return forms.map((form, i) => {
    if (Array.isArray(form)) return form as unknown as TxData;
    if (form instanceof EdnList) return form.items as unknown as TxData;
    throw usageError(
      `${source}: top-level form ${i + 1} is not a vector of transaction forms.`,
      'Write each transaction as a vector: [{:db/ident :a/b ...} [:db/add "tempid" :a/b 1]].',
    );
  });
}

/**
 * `datomkit transact <db> [file]`: transacts EDN from a file or standard input. Each top-level
 * vector is one transaction; a long file shows progress and can be resumed with `--skip`.
 *
 * @example
 * ```ts
 * registerTransact(program, ctx) // then: datomkit transact file:./data/music schema.edn
 * ```
 */
export function registerTransact(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('transact')
    .summary('transact EDN from a file or standard input')
    .description(
      'Transact EDN transaction data from a file (or standard input with - or no file). Each top-level vector of forms is one transaction, committed in order; Ctrl-C stops between transactions.',
    )
    .argument('<db>', 'database URI')
    .argument('[file]', 'EDN file; - or nothing for standard input')
    .option('--skip <n>', 'skip the first n transactions of the file (to resume an interrupted run)', intArg, 0)
    .action(async (uri: string, file: string | undefined, opts: { skip: number }) => {
      const skip = opts.skip;
      const fromStdin = file === undefined || file === '-';
      const stdin = ctx.io.stdin ?? process.stdin;
      if (fromStdin && stdin.isTTY === true) {
        throw usageError('No EDN to transact: give a file, or pipe EDN into standard input.', `Example: datomkit transact ${uri} schema.edn`);
      }
      const source = fromStdin ? 'standard input' : file;
      const text = fromStdin ? await readAll(stdin) : await readFile(file, 'utf8');
      const txs = readTransactions(text, source);
      if (txs.length === 0) throw usageError(`${source} holds no transaction data.`, 'Give a vector of forms per transaction: [{:db/ident :a/b ...}].');
      if (skip > txs.length) throw usageError(`--skip ${skip} is more than the ${txs.length} transactions in ${source}.`);
      const todo = txs.slice(skip);
      const totalForms = todo.reduce((n, tx) => n + tx.length, 0);
      const c = ctx.colors;
      const result = await withConnection(uri, async (conn) => {
        const progress = ctx.progress('transact', 'forms');
        let forms = 0;
        let datoms = 0;
        let done = 0;
        let lastYield = performance.now();
        const tempids: Record<string, number> = {};
        for (const tx of todo) {
          // A file database's transact can complete without ever turning the event loop, which
          // would hold Ctrl-C back until the whole file is in: let signals in now and then.
          if (performance.now() - lastYield > 50) {
            await new Promise<void>((resolve) => setImmediate(resolve));
            lastYield = performance.now();
          }
          if (ctx.signal.aborted) {
            progress.clear();
            const at = skip + done;
            throw interrupted(
              `Stopped after ${at} of ${txs.length} transactions; those are committed, the rest are not.`,
              `Resume with: datomkit transact ${uri} ${fromStdin ? '<file>' : file} --skip ${at}`,
              { committed: at, total: txs.length },
            );
          }
          const report = await conn.transact(tx);
          datoms += report.txData.length;
          Object.assign(tempids, report.tempids);
          forms += tx.length;
          done++;
          progress.update(forms, totalForms);
        }
        progress.done();
        return { uri, transactions: done, skipped: skip, datoms, basisT: conn.db().basisT, tempids };
      });
      ctx.result(result, () =>
        ctx.say(
          `${c.green('✓')} ${countOf(result.transactions, 'transaction')}, ${countOf(result.datoms, 'datom')}; basis t ${result.basisT}`,
        ),
      );
    });
  describeCommand(cmd, {
    examples: [
      'datomkit transact file:./data/music schema.edn',
      `echo '[{:db/ident :artist/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one}]' | datomkit transact ./data/music`,
      'datomkit transact ./data/music big.edn --skip 120   # resume after an interruption',
    ],
    json: '{ uri, transactions: number, skipped: number, datoms: number, basisT: number, tempids: { [tempid]: eid } }',
    interrupted: 'the message gives the --skip that resumes it',
  });
}
