import type { Command } from 'commander';
import type { CommandContext } from '../internal/context.js';
import { attrIdent, datomJson, intArg, valueText, withConnection } from '../internal/database.js';
import { describeCommand } from '../internal/describe.js';
import { countOf } from '../internal/progress.js';

/**
 * `datomkit log <db> [--from t] [--to t]`: the transaction log.
 *
 * @example
 * ```ts
 * registerLog(program, ctx) // then: datomkit log ./data/music --from 10 --to 12
 * ```
 */
export function registerLog(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('log')
    .summary('read the transaction log')
    .description('Read the transaction log: each transaction with its t, tx id, instant and datoms (+ asserted, - retracted).')
    .argument('<db>', 'database URI')
    .option('--from <t>', 'first t (inclusive)', intArg)
    .option('--to <t>', 'last t (inclusive)', intArg)
    .option('--limit <n>', 'at most n transactions (0 for all)', intArg, 100)
    .option('--no-datoms', 'list the transactions only')
    .action(async (uri: string, opts: { from?: number; to?: number; limit: number; datoms: boolean }) => {
      const start = opts.from ?? null;
      const end = opts.to === undefined ? null : opts.to + 1;
      const limit = opts.limit;
      const c = ctx.colors;
      const { transactions, truncated, lines } = await withConnection(
        uri,
        async (conn) => {
          const db = conn.db();
          const out = [];
          const lines: string[][] = [];
          let truncated = false;
          for await (const entry of conn.txRange({ start, end })) {
            if (limit > 0 && out.length === limit) {
              truncated = true;
              break;
            }
            const instant = entry.data.find((d) => d.e === entry.tx && attrIdent(db, d.a) === ':db/txInstant')?.v ?? null;
            out.push({
              t: entry.t,
              tx: entry.tx,
              instant,
              datomCount: entry.data.length,
              datoms: opts.datoms ? entry.data.map((d) => datomJson(db, d)) : null,
            });
            lines.push(opts.datoms && !ctx.flags.json ? entry.data.map((d) => `${d.added ? '+' : '-'} ${d.e} ${attrIdent(db, d.a)} ${valueText(db, d.a, d.v)}`) : []);
          }
          return { transactions: out, truncated, lines };
        },
        { readOnly: true },
      );
      ctx.result({ count: transactions.length, truncated, transactions }, () => {
        const o = ctx.outColors;
        for (const [i, t] of transactions.entries()) {
          const when = t.instant instanceof Date ? t.instant.toISOString() : '';
          ctx.out(`${o.bold(`t ${t.t}`)}  ${o.dim(`tx ${t.tx}`)}  ${when}  ${countOf(t.datomCount, 'datom')}`);
          for (const l of lines[i] ?? []) ctx.out(`  ${l.startsWith('+') ? o.green('+') : o.red('-')}${l.slice(1)}`);
        }
        ctx.say(c.dim(`${countOf(transactions.length, 'transaction')}${truncated ? ` (stopped at --limit ${limit}; --limit 0 for all)` : ''}`));
      });
    });
  describeCommand(cmd, {
    examples: ['datomkit log ./data/music --from 10 --to 12', 'datomkit log ./data/music --no-datoms --limit 0 --json'],
    json: '{ count, truncated, transactions: [{ t, tx, instant: ISO string, datomCount, datoms: [{ e, a, v, tx, added }] | null }] }',
  });
}
