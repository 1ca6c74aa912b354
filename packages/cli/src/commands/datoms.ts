import type { IndexName } from '@datomkit/datom-core';
import { Argument, type Command } from 'commander';
import type { CommandContext } from '../internal/context.js';
import { datomJson, datomLine, ednArg, intArg, withConnection } from '../internal/database.js';
import { describeCommand } from '../internal/describe.js';
import { countOf } from '../internal/progress.js';

const INDEXES: readonly IndexName[] = ['eavt', 'aevt', 'avet', 'vaet'];

/**
 * `datomkit datoms <db> <index> [components...]`: the datoms of an index, optionally those whose
 * leading components match.
 *
 * @example
 * ```ts
 * registerDatoms(program, ctx) // then: datomkit datoms ./data/music aevt :artist/name
 * ```
 */
export function registerDatoms(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('datoms')
    .summary('read datoms from an index')
    .description(
      'Read datoms from an index, in index order. Components are EDN, in the index\'s order: an entity id, :ns/attr (or ns/attr), a value ("text", 42, :enum/kw), or a lookup ref [:artist/gid #uuid "..."]. Text that is not EDN (Nina Simone) is taken as a string.',
    )
    .argument('<db>', 'database URI')
    .addArgument(new Argument('<index>', 'the index').choices(INDEXES))
    .argument('[components...]', 'leading components to match, as EDN')
    .option('--limit <n>', 'at most n datoms (0 for all)', intArg, 100)
    .action(async (uri: string, index: IndexName, components: string[], opts: { limit: number }) => {
      const limit = opts.limit;
      const comps = components.map((t, i) => ednArg(t, `component ${i + 1}`));
      const out = await withConnection(
        uri,
        async (conn) => {
          const db = conn.db();
          const datoms = [];
          const lines: string[] = [];
          let truncated = false;
          outer: for await (const batch of db.datoms(index, ...comps).batches()) {
            for (const d of batch) {
              if (limit > 0 && datoms.length === limit) {
                truncated = true;
                break outer;
              }
              datoms.push(datomJson(db, d));
              if (!ctx.flags.json) lines.push(datomLine(db, d));
            }
          }
          return { index, count: datoms.length, truncated, datoms, lines };
        },
        { readOnly: true },
      );
      const { lines, ...result } = out;
      const c = ctx.colors;
      ctx.result(result, () => {
        for (const l of lines) ctx.out(l);
        ctx.say(c.dim(`${countOf(out.count, 'datom')}${out.truncated ? ` (stopped at --limit ${limit}; --limit 0 for all)` : ''}`));
      });
    });
  describeCommand(cmd, {
    examples: [
      'datomkit datoms ./data/music aevt :artist/name',
      'datomkit datoms ./data/music eavt 1042 --json',
      'datomkit datoms ./data/music avet :release/year 1969 --limit 0',
    ],
    json: '{ index, count, truncated: boolean, datoms: [{ e, a: ":ns/attr", v, tx, added }] }',
  });
}
