import { DatomError, createDatabase } from '@datomkit/datom-core';
import type { Command } from 'commander';
import type { CommandContext } from '../internal/context.js';
import { describeCommand } from '../internal/describe.js';

/**
 * `datomkit create <db>`: creates an empty database.
 *
 * @example
 * ```ts
 * registerCreate(program, ctx) // then: datomkit create file:./data/music
 * ```
 */
export function registerCreate(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('create')
    .summary('create an empty database')
    .description('Create an empty database. Fails with db/exists if there is one already, unless --if-not-exists.')
    .argument('<db>', 'database URI: file:./path, a path, postgres://user@host/dbname?name=music, or mem://name')
    .option('--if-not-exists', 'succeed, changing nothing, when the database exists already')
    .action(async (db: string, opts: { ifNotExists?: boolean }) => {
      const created = await createDatabase(db);
      if (!created && opts.ifNotExists !== true) {
        throw new DatomError('db/exists', `A database exists at ${db} already.`, { data: { uri: db } });
      }
      const c = ctx.colors;
      ctx.result({ uri: db, created }, () =>
        ctx.say(created ? `${c.green('✓')} created ${c.bold(db)}` : `${c.dim('·')} ${db} exists already; left as it is`),
      );
    });
  describeCommand(cmd, {
    examples: ['datomkit create file:./data/music', 'datomkit create ./data/music --if-not-exists --json'],
    json: '{ uri: string, created: boolean }',
  });
}
