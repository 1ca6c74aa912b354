import type { EntityRef } from '@datomkit/datom-core';
import type { Command } from 'commander';
import type { CommandContext } from '../internal/context.js';
import { ednArg, ednText, withConnection } from '../internal/database.js';
import { describeCommand } from '../internal/describe.js';

/**
 * `datomkit pull <db> <pattern> <entity>`: pulls a pattern for one entity.
 *
 * @example
 * ```ts
 * registerPull(program, ctx) // then: datomkit pull ./data/music '[*]' 1042
 * ```
 */
export function registerPull(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('pull')
    .summary('pull a pattern for one entity')
    .description('Pull a pattern (EDN) for one entity: an entity id, an ident (:ns/name) or a lookup ref [:attr value].')
    .argument('<db>', 'database URI')
    .argument('<pattern>', "pull pattern as EDN, e.g. '[*]' or '[:release/name {:release/artists [:artist/name]}]'")
    .argument('<entity>', 'entity id, ident, or lookup ref, as EDN')
    .action(async (uri: string, pattern: string, entity: string) => {
      const ref = ednArg(entity, 'entity') as EntityRef;
      const pulled = await withConnection(uri, async (conn) => conn.db().pull(pattern, ref), { readOnly: true });
      const c = ctx.colors;
      ctx.result({ entity: ref, found: pulled !== null, result: pulled }, () => {
        if (pulled === null) ctx.say(c.dim(`nil (no datoms for ${entity})`));
        else ctx.out(ednText(pulled, true));
      });
    });
  describeCommand(cmd, {
    examples: [
      "datomkit pull ./data/music '[*]' 1042",
      `datomkit pull ./data/music '[:release/name {:release/artists [:artist/name]}]' '[:release/gid #uuid "1765c095-6047-4c57-a002-000000000000"]' --json`,
    ],
    json: '{ entity, found: boolean, result: { "ns/attr": value, "db/id": eid, ... } | null }',
  });
}
