import { gcStorage } from '@datomkit/datom-core';
import type { Command } from 'commander';
import type { CommandContext } from '../internal/context.js';
import { intArg } from '../internal/database.js';
import { describeCommand } from '../internal/describe.js';
import { formatBytes } from '../internal/progress.js';
import { sizeOnDisk } from '../internal/storage-size.js';

/**
 * `datomkit gc <db>`: removes storage files no longer reachable from the database's root.
 *
 * @example
 * ```ts
 * registerGc(program, ctx) // then: datomkit gc ./data/music --older-than 60
 * ```
 */
export function registerGc(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('gc')
    .summary('remove storage files the database no longer uses')
    .description(
      'Remove storage files (old snapshots and logs) that the database no longer reaches. Files younger than --older-than minutes are kept, so readers that opened an older root keep working. Safe to interrupt and rerun.',
    )
    .argument('<db>', 'database URI (file: or a path)')
    .option('--older-than <minutes>', 'only remove files older than this', intArg, 10)
    .action(async (uri: string, opts: { olderThan: number }) => {
      const minutes = opts.olderThan;
      const before = await sizeOnDisk(uri);
      // gcStorage reports nothing until it is done, so the display shows that it is alive and for how long.
      const progress = ctx.progress('gc', 'files removed');
      progress.update(0, null, 'collecting');
      const ticker = setInterval(() => progress.update(0, null), 100);
      let removed: string[];
      try {
        ({ removed } = await gcStorage(uri, new Date(Date.now() - minutes * 60_000)));
      } finally {
        clearInterval(ticker);
      }
      progress.update(removed.length, null, 'done');
      progress.done();
      const after = await sizeOnDisk(uri);
      const freed = before === null || after === null ? 0 : Math.max(0, before.bytes - after.bytes);
      const c = ctx.colors;
      ctx.result({ uri, removed, freedBytes: freed, sizeOnDisk: after }, () =>
        ctx.say(
          removed.length === 0
            ? `${c.green('✓')} nothing to remove${after === null ? '' : ` (${formatBytes(after.bytes)} on disk)`}`
            : `${c.green('✓')} removed ${removed.length} file${removed.length === 1 ? '' : 's'}, freed ${formatBytes(freed)}${after === null ? '' : `; ${formatBytes(after.bytes)} on disk`}`,
        ),
      );
    });
  describeCommand(cmd, {
    examples: ['datomkit gc ./data/music', 'datomkit gc file:./data/music --older-than 0 --json'],
    json: '{ uri, removed: [file], freedBytes: number, sizeOnDisk: { bytes, files } | null }',
  });
}
