import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { type Database, EdnList, type TxData, type TxReport, parseEdnForms } from '@datomkit/datom-core';
import type { Command } from 'commander';
import { CliError, interrupted, usageError } from '../internal/cli-error.js';
import type { CommandContext } from '../internal/context.js';
import { intArg, withConnection } from '../internal/database.js';
import { describeCommand } from '../internal/describe.js';
import { describeError } from '../internal/format-error.js';
import { countOf } from '../internal/progress.js';

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** One transaction of a file: its forms and the line where it starts. */
export interface FileTransaction {
  readonly data: TxData;
  readonly line: number;
}

/**
 * Splits EDN text into transactions: every top-level vector (or list) of forms is one.
 *
 * @example
 * ```ts
 * readTransactions('[{:db/ident :a}]\n[[:db/add "x" :a 1]]', 'tx.edn').map((tx) => tx.line) // [1, 2]
 * ```
 */
export function readTransactions(text: string, source: string): readonly FileTransaction[] {
  const forms = parseEdnForms(text, { source });
  return forms.map(({ value, line }, i) => {
    if (Array.isArray(value)) return { data: value as unknown as TxData, line };
    if (value instanceof EdnList) return { data: value.items as unknown as TxData, line };
    throw usageError(
      `${source}:${line}: top-level form ${i + 1} is not a vector of transaction forms.`,
      'Write each transaction as a vector: [{:db/ident :a/b ...} [:db/add "tempid" :a/b 1]].',
    );
  });
}

/** Where a run of a file stands when one of its transactions fails. */
interface Failure {
  readonly uri: string;
  readonly source: string;
  /** The file as the resume command names it. */
  readonly file: string;
  readonly total: number;
  /** 0-based index in the file of the transaction that failed. */
  readonly index: number;
  readonly line: number;
  /** Transactions of the file in the database: the skipped ones and those this run committed. */
  readonly committed: number;
  readonly atomic: boolean;
  /** True while --atomic checks the transactions, before it commits any. */
  readonly checking: boolean;
}

/**
 * The error for a transaction of a file that failed: the library's code, which transaction (number
 * and line), how many of the file's transactions are committed, and the `--skip` that resumes.
 */
function transactionFailed(err: unknown, f: Failure): CliError {
  const inner = describeError(err);
  const where = `Transaction ${f.index + 1} of ${f.total} (${f.source} line ${f.line}) failed: ${inner.message.replace(/\.$/, '')}.`;
  const resume = `datomkit transact ${f.uri} ${f.file} --skip ${f.committed}${f.atomic ? ' --atomic' : ''}`;
  // An --atomic run that failed its check committed nothing: the same command runs it again.
  const again = f.checking || f.committed === 0;
  const state = f.checking
    ? 'With --atomic nothing was committed.'
    : f.committed === 0
      ? 'Nothing was committed.'
      : `The ${countOf(f.committed, 'transaction')} before it ${f.committed === 1 ? 'is' : 'are'} committed, the rest are not.`;
  const next = again ? 'Fix it and run the same command again.' : `Fix it, then resume with: ${resume}`;
  return new CliError(inner.code, `${where} ${state}`, {
    hint: `${inner.hint === null ? '' : `${inner.hint} `}${next}`,
    exitCode: inner.exitCode,
    cause: err,
    data: {
      ...inner.data,
      transaction: f.index + 1,
      line: f.line,
      file: f.source,
      committed: f.committed,
      total: f.total,
      atomic: f.atomic,
      ...(again ? {} : { resume }),
    },
  });
}

/**
 * `datomkit transact <db> [file]`: transacts EDN from a file or standard input. Each top-level
 * vector is one transaction; a long file shows progress; after a failure or Ctrl-C the run
 * resumes with `--skip`; `--atomic` commits all of them or none.
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
      'Transact EDN transaction data from a file (or standard input with - or no file). Each top-level vector of forms is one transaction, committed in order; Ctrl-C stops between transactions. When one fails, the error names it (number and line) and says how many are committed and the --skip that resumes. With --atomic every transaction is first checked against the database the ones before it leave, and nothing is committed unless all pass; only a storage failure while committing them can leave some committed (the error then gives the --skip).',
    )
    .argument('<db>', 'database URI')
    .argument('[file]', 'EDN file; - or nothing for standard input')
    .option('--skip <n>', 'skip the first n transactions of the file (to resume after a failure or an interruption)', intArg, 0)
    .option('--atomic', 'all or nothing: check every transaction first (each against the ones before it), commit only if all pass')
    .action(async (uri: string, file: string | undefined, opts: { skip: number; atomic?: boolean }) => {
      const skip = opts.skip;
      const atomic = opts.atomic === true;
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
      const totalForms = todo.reduce((n, tx) => n + tx.data.length, 0);
      const where = { uri, source, file: fromStdin ? '<file>' : file, total: txs.length, atomic };
      const c = ctx.colors;
      const result = await withConnection(uri, async (conn) => {
        if (atomic) await checkAll(conn.db(), todo, skip, where);
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
          // --atomic goes on to the end once every transaction has passed its check.
          if (ctx.signal.aborted && !atomic) {
            progress.clear();
            const at = skip + done;
            throw interrupted(
              `Stopped after ${at} of ${txs.length} transactions; those are committed, the rest are not.`,
              `Resume with: datomkit transact ${uri} ${where.file} --skip ${at}`,
              { committed: at, total: txs.length },
            );
          }
          let report: TxReport;
          try {
            report = await conn.transact(tx.data);
          } catch (err) {
            progress.clear();
            throw transactionFailed(err, { ...where, index: skip + done, line: tx.line, committed: skip + done, checking: false });
          }
          datoms += report.txData.length;
          Object.assign(tempids, report.tempids);
          forms += tx.data.length;
          done++;
          progress.update(forms, totalForms);
        }
        progress.done();
        return { uri, transactions: done, skipped: skip, atomic, datoms, basisT: conn.db().basisT, tempids };
      });
      ctx.result(result, () =>
        ctx.say(
          `${c.green('✓')} ${countOf(result.transactions, 'transaction')}, ${countOf(result.datoms, 'datom')}; basis t ${result.basisT}`,
        ),
      );
    });

  /**
   * --atomic: every transaction is processed against the database value the ones before it
   * leave (`db.with`), nothing written. The first that fails is reported with nothing committed.
   */
  async function checkAll(db: Database, todo: readonly FileTransaction[], skip: number, where: Omit<Failure, 'index' | 'line' | 'committed' | 'checking'>): Promise<void> {
    const progress = ctx.progress('check', 'transactions');
    let next = db;
    let lastYield = performance.now();
    for (const [i, tx] of todo.entries()) {
      if (performance.now() - lastYield > 50) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
      if (ctx.signal.aborted) {
        progress.clear();
        throw interrupted(
          `Stopped while checking transaction ${skip + i + 1} of ${where.total}; with --atomic nothing was committed.`,
          'Run the same command again.',
          { committed: skip, total: where.total },
        );
      }
      try {
        next = (await next.with(tx.data)).dbAfter;
      } catch (err) {
        progress.clear();
        throw transactionFailed(err, { ...where, index: skip + i, line: tx.line, committed: skip, checking: true });
      }
      progress.update(i + 1, todo.length);
    }
    progress.done();
  }

  describeCommand(cmd, {
    examples: [
      'datomkit transact file:./data/music schema.edn',
      `echo '[{:db/ident :artist/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one}]' | datomkit transact ./data/music`,
      'datomkit transact ./data/music big.edn --skip 120   # resume after a failure or an interruption',
      'datomkit transact ./data/music big.edn --atomic     # all or nothing',
    ],
    json: '{ uri, transactions: number, skipped: number, atomic: boolean, datoms: number, basisT: number, tempids: { [tempid]: eid } }; a transaction that fails: error.code is its error code, error.data has transaction, line, committed, total and resume',
    interrupted: 'the message gives the --skip that resumes it',
  });
}
