import { type Database, EdnSet, printEdn } from '@datomkit/datom-core';
import { explain, q, type QueryPlan } from '@datomkit/query';
import type { Command } from 'commander';
import type { CommandContext } from '../internal/context.js';
import { ednArg, intArg, withConnection } from '../internal/database.js';
import { describeCommand } from '../internal/describe.js';

interface QOptions {
  readonly explain?: boolean;
  readonly asOf?: number;
  readonly since?: number;
  readonly history?: boolean;
}

/** JavaScript sets in a result (from `distinct`, say) as EDN sets, so that the result prints as EDN. */
function ednReady(v: unknown): unknown {
  if (v instanceof Set) return new EdnSet([...v].map(ednReady));
  if (Array.isArray(v)) return v.map(ednReady);
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, ednReady(x)]));
  }
  return v;
}

/**
 * A query result as EDN text: a relation (or any collection of tuples) one tuple per line, anything
 * else as one value.
 *
 * @example
 * ```ts
 * resultEdn([[1, 'a'], [2, 'b']]) // '[[1 "a"]\n [2 "b"]]'
 * ```
 */
export function resultEdn(result: unknown): string {
  const v = ednReady(result);
  if (Array.isArray(v) && v.length > 1 && v.every((row) => Array.isArray(row))) return `[${v.map((row) => printEdn(row)).join('\n ')}]`;
  return printEdn(v);
}

/** The plan as plain data for `--json` (its `toString` is the human form). */
function planJson(plan: QueryPlan): Record<string, unknown> {
  return { query: plan.query, inputRows: plan.inputRows, estimate: plan.estimate, steps: plan.steps, text: plan.toString() };
}

/**
 * `datomkit q <db> <query> [inputs...]`: runs a Datalog query, printing its result on standard
 * output as EDN (or the plan, with `--explain`).
 *
 * @example
 * ```ts
 * registerQ(program, ctx) // then: datomkit q ./data/music '[:find ?n :where [_ :artist/name ?n]]'
 * ```
 */
export function registerQ(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('q')
    .summary('run a Datalog query')
    .description(
      'Run a Datalog query (EDN) and print its result on standard output as EDN. The database is the query\'s first input ($, the default :in); each further argument is the next input of :in, as EDN (a bare word is a string, a bare ns/name a keyword): scalars, [tuples], [collections ...], [[relations]], or rules for %.',
    )
    .argument('<db>', 'database URI')
    .argument('<query>', "query as EDN, e.g. '[:find ?n :where [_ :artist/name ?n]]'")
    .argument('[inputs...]', 'the inputs of :in after $, each as EDN')
    .option('--explain', 'print the plan the query would run with (clause order, indexes, estimates) instead of running it')
    .option('--as-of <t>', 'query the database as of a t or transaction id', intArg)
    .option('--since <t>', 'query only what was added after a t or transaction id', intArg)
    .option('--history', 'query every assertion and retraction (bind [?e ?a ?v ?tx ?added])')
    .action(async (uri: string, text: string, inputTexts: string[], opts: QOptions) => {
      const inputs = inputTexts.map((t, i) => ednArg(t, `input ${i + 1}`));
      await withConnection(
        uri,
        async (conn) => {
          let db: Database = conn.db();
          if (opts.asOf !== undefined) db = db.asOf(opts.asOf);
          if (opts.since !== undefined) db = db.since(opts.since);
          if (opts.history === true) db = db.history();
          if (opts.explain === true) {
            const plan = await explain(text, db, ...inputs);
            ctx.result({ plan: planJson(plan) }, () => ctx.io.stdout.write(`${plan.toString()}\n`));
            return;
          }
          const result = await q(text, db, ...inputs);
          // Results are data for pipes: standard output, even without --json and under --quiet.
          ctx.result({ result }, () => ctx.io.stdout.write(`${resultEdn(result)}\n`));
        },
        { readOnly: true },
      );
    });
  describeCommand(cmd, {
    examples: [
      "datomkit q ./data/music '[:find ?name :where [?a :artist/name ?name]]'",
      "datomkit q ./data/music '[:find ?title . :in $ ?name :where [?a :artist/name ?name] [?r :release/artists ?a] [?r :release/name ?title]]' 'Nina Simone'",
      "datomkit q ./data/music '[:find ?v ?tx ?added :in $ ?e :where [?e :artist/name ?v ?tx ?added]]' 1042 --history",
      "datomkit q ./data/music '[:find (count ?r) . :where [?r :release/name]]' --explain",
    ],
    json: '{ result: <the query result: [[...] ...] for a relation, a value, [...] or null> } | with --explain: { plan: { query, inputRows, estimate, steps: [...], text } }',
  });
}
