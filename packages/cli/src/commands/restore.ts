import { type Connection, connect, createDatabase, isDatomError } from '@datomkit/datom-core';
import { type RestoreOptions, currentStateRestore, incrementalRestore, readDestSession, selectAttributes } from '@datomkit/restore';
import type { Command } from 'commander';
import { interrupted, usageError } from '../internal/cli-error.js';
import type { CommandContext } from '../internal/context.js';
import { intArg, openDatabase } from '../internal/database.js';
import { describeCommand } from '../internal/describe.js';
import { countOf, formatCount, formatDuration, formatRate } from '../internal/progress.js';
import { RestoreProgressView, dataDatomCount } from '../internal/restore-support.js';
import { yieldingConnection } from '../internal/yielding-connection.js';

interface RestoreFlags {
  incremental?: boolean;
  state?: string;
  include?: string[];
  exclude?: string[];
  batchSize?: number;
  readParallelism?: number;
  readChunk?: number;
  txParallelism?: number;
  merge?: boolean;
  unmappableRefs: string;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').filter((v) => v !== '')];
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}

async function openOrCreate(uri: string, ctx: CommandContext, what: string): Promise<Connection> {
  if (await createDatabase(uri)) ctx.say(ctx.colors.dim(`created the ${what} database ${uri}`));
  return connect(uri);
}

/**
 * `datomkit restore <source> <dest>`: copies a database's current state, or with `--incremental
 * --state <uri>` keeps a copy in step by replaying the source's log.
 *
 * @example
 * ```ts
 * registerRestore(program, ctx) // then: datomkit restore ./data/music ./data/clone --incremental --state ./data/state
 * ```
 */
export function registerRestore(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('restore')
    .summary('clone a database (current state, or incrementally with --incremental --state)')
    .description(
      'Copy the current state of <source> into <dest> (created if missing), mapping entity ids. With --incremental, the first run copies the current state and later runs replay the source transactions since, recording the session in the --state database. Progress is stored with the data: Ctrl-C stops cleanly, and running the same command again resumes.',
    )
    .argument('<source>', 'source database URI')
    .argument('<dest>', 'destination database URI (created if missing)')
    .option('--incremental', 'keep <dest> in step: copy once, then replay the source log on each run')
    .option('--state <uri>', 'state database of --incremental runs (created if missing)')
    .option('--include <attrs>', 'only copy these attributes (ns/name or ns/*; repeat or separate with commas)', collect)
    .option('--exclude <attrs>', 'do not copy these attributes (ns/name or ns/*; repeat or separate with commas)', collect)
    // Without these flags the library's defaults apply (large transactions, one reader and writer).
    .option('--batch-size <n>', 'most datoms per destination transaction (default 50000)', intArg)
    .option('--read-parallelism <n>', 'entity ranges read at once (default 1)', intArg)
    .option('--read-chunk <n>', 'entity ids per read range (default 5000)', intArg)
    .option('--tx-parallelism <n>', 'destination transactions in flight (default 1)', intArg)
    .option('--unmappable-refs <policy>', 'refs the copy cannot map: placeholder, skip or error', 'placeholder')
    .option('--merge', 'allow a destination that already holds other data')
    .action(async (source: string, dest: string, opts: RestoreFlags) => {
      if (opts.incremental === true && opts.state === undefined) throw usageError('--incremental needs --state <uri>, the database that records the session.');
      if (opts.incremental !== true && opts.state !== undefined) throw usageError('--state only applies with --incremental.');
      if (!['placeholder', 'skip', 'error'].includes(opts.unmappableRefs)) throw usageError('--unmappable-refs must be placeholder, skip or error.');
      const include = opts.include ?? [];
      const exclude = opts.exclude ?? [];
      const options: RestoreOptions = {
        ...(opts.batchSize !== undefined ? { maxBatchSize: Math.max(1, opts.batchSize) } : {}),
        ...(opts.readParallelism !== undefined ? { readParallelism: Math.max(1, opts.readParallelism) } : {}),
        ...(opts.readChunk !== undefined ? { readChunk: Math.max(1, opts.readChunk) } : {}),
        ...(opts.txParallelism !== undefined ? { txParallelism: Math.max(1, opts.txParallelism) } : {}),
        unmappableRefs: opts.unmappableRefs as 'placeholder',
        merge: opts.merge === true,
        signal: ctx.signal,
        // selectAttributes reads `include: []` as "copy nothing", so pass only what was given.
        ...(include.length > 0 || exclude.length > 0
          ? { transforms: [selectAttributes({ ...(include.length > 0 ? { include } : {}), ...(exclude.length > 0 ? { exclude } : {}) })] }
          : {}),
      };
      const sourceConn = await openDatabase(source, { readOnly: true });
      const conns: Connection[] = [sourceConn];
      const view = { current: null as RestoreProgressView | null };
      try {
        const openedDest = await openOrCreate(dest, ctx, 'destination');
        conns.push(openedDest);
        const destConn = yieldingConnection(openedDest);
        const sourceDb = sourceConn.db();
        const session = await readDestSession(destConn.db(), sourceConn.id);
        const copying = session?.lastT === null || session === null;
        // An interrupted copy resumes as of the basis it started from, whatever the source did since.
        const basis = session !== null && session.lastT === null && session.basisT !== null ? session.basisT : null;
        const copySource = basis === null ? sourceDb : sourceDb.asOf(basis);
        const totals = {
          datoms: copying ? await dataDatomCount(copySource, include, exclude) : null,
          transactions: session?.lastT != null ? Math.max(0, sourceDb.basisT - session.lastT) : null,
        };
        view.current = new RestoreProgressView(ctx, totals);
        const onProgress = (p: Parameters<NonNullable<RestoreOptions['onProgress']>>[0]) => view.current?.update(p);
        const c = ctx.colors;
        if (opts.incremental === true) {
          const stateConn = await openOrCreate(opts.state as string, ctx, 'state');
          conns.push(stateConn);
          const r = await incrementalRestore({ ...options, sourceConn, destConn, stateConn, onProgress });
          view.current.end(true);
          const result = {
            mode: 'incremental',
            status: r.status,
            source,
            dest,
            sessionId: r.sessionId,
            lastSourceT: r.lastSourceT,
            transactionsReplayed: r.transactionsReplayed,
            stats: r.stats,
            unmappable: { txEntityRefs: r.unmappable.txEntityRefs, danglingRefs: r.unmappable.danglingRefs, txEntityDatoms: r.unmappable.txEntityDatoms },
          };
          ctx.result(result, () => {
            if (r.status === 'initial') {
              ctx.say(
                `${c.green('✓')} copied ${countOf(r.stats.datomsWritten, 'datom')} in ${countOf(r.stats.transactions, 'transaction')} (${formatDuration(r.stats.durationMs)}, ${formatRate(r.stats.datomsPerSecond)}); ${dest} is at source t ${r.lastSourceT}`,
              );
              if (r.lastSourceT < sourceDb.basisT) ctx.say(`  the source is at t ${sourceDb.basisT} already: run the same command again to catch up`);
            } else if (r.transactionsReplayed === 0) ctx.say(`${c.green('✓')} ${dest} is up to date at source t ${r.lastSourceT}`);
            else ctx.say(`${c.green('✓')} replayed ${formatCount(r.transactionsReplayed)} transaction${r.transactionsReplayed === 1 ? '' : 's'}; ${dest} is at source t ${r.lastSourceT}`);
          });
        } else {
          const r = await currentStateRestore({ ...options, sourceDb: copySource, destConn, onProgress });
          view.current.end(true);
          const result = {
            mode: 'current-state',
            source,
            dest,
            basisT: r.basisT,
            resumed: r.resumed,
            stats: r.stats,
            unmappable: { txEntityRefs: r.unmappable.txEntityRefs, danglingRefs: r.unmappable.danglingRefs, txEntityDatoms: r.unmappable.txEntityDatoms },
          };
          ctx.result(result, () =>
            ctx.say(
              `${c.green('✓')} ${r.resumed ? 'finished the interrupted copy: ' : 'copied '}${countOf(r.stats.datomsWritten, 'datom')} in ${countOf(r.stats.transactions, 'transaction')} (${formatDuration(r.stats.durationMs)}, ${formatRate(r.stats.datomsPerSecond)}); ${dest} holds ${source} as of t ${r.basisT}`,
            ),
          );
        }
      } catch (err) {
        view.current?.end(false);
        if (isDatomError(err, 'restore/aborted') || (ctx.signal.aborted && isDatomError(err))) {
          throw interrupted(
            'Restore stopped; what was written is consistent, and the progress is recorded in the destination.',
            `Resume with: datomkit ${ctx.argv.filter((a) => a !== '--json').map(shellQuote).join(' ')}`,
            { source, dest },
          );
        }
        throw err;
      } finally {
        for (const conn of conns.reverse()) await conn.close().catch(() => {});
      }
    });
  describeCommand(cmd, {
    examples: [
      'datomkit restore ./data/music ./data/copy',
      'datomkit restore ./data/music ./data/clone --incremental --state ./data/restore-state',
      'datomkit restore ./data/music ./data/scrubbed --exclude artist/homepage,label/website --batch-size 2000',
    ],
    json: '{ mode: "current-state"|"incremental", status?: "initial"|"incremental", source, dest, basisT | lastSourceT, transactionsReplayed?, stats: { datomsRead, datomsWritten, transactions, transactionsReplayed, durationMs, datomsPerSecond }, unmappable: { txEntityRefs, danglingRefs, txEntityDatoms } }',
    interrupted: 'run the same command again to resume',
  });
}
