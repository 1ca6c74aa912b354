import { repairDatabase } from '@datomkit/datom-core';
import type { Command } from 'commander';
import type { CommandContext } from '../internal/context.js';
import { describeCommand } from '../internal/describe.js';

/**
 * `datomkit repair <db>`: makes a database that refuses to open (a transaction log missing, cut
 * short or damaged) whole again at its last good transaction, and says how many it drops.
 *
 * @example
 * ```ts
 * registerRepair(program, ctx) // then: datomkit repair ./data/music
 * ```
 */
export function registerRepair(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('repair')
    .summary('truncate a damaged database to its last good transaction')
    .description(
      'Repair a database that refuses to open with storage/missing or storage/corrupt (a transaction log removed, cut short or damaged): keep everything up to the last good transaction, drop the rest, and report how many transactions are dropped. The damaged files stay until gc removes them. Takes the writer lock. A database with nothing wrong is left as it is.',
    )
    .argument('<db>', 'database URI (file: or a path)')
    .action(async (uri: string) => {
      const report = await repairDatabase(uri);
      const c = ctx.colors;
      ctx.result({ uri, ...report }, () => {
        if (report.dropped === 0 && report.missing.length === 0 && report.damaged.length === 0) {
          ctx.say(`${c.green('✓')} nothing to repair: basis t ${report.basisT}`);
          return;
        }
        const files = [...report.missing.map((f) => `${f} (missing)`), ...report.damaged.map((f) => `${f} (damaged)`)];
        ctx.say(`${c.green('✓')} repaired at basis t ${report.basisT}: ${files.join(', ')}`);
        ctx.say(
          report.dropped === 0
            ? '  no transaction found or promised beyond it (a log cut short may have held more that nothing records)'
            : `  dropped ${report.dropped} transaction${report.dropped === 1 ? '' : 's'} from t ${report.droppedFrom}`,
        );
      });
    });
  describeCommand(cmd, {
    examples: ['datomkit repair ./data/music', 'datomkit repair file:./data/music --json'],
    json: '{ uri, basisT, dropped: number, droppedFrom: number | null, missing: [file], damaged: [file] }',
  });
}
