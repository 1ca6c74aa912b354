import type { Database } from '@datomkit/datom-core';
import { readDestSession, restoreSessionSources, verifyRestore } from '@datomkit/restore';
import { CliError } from '../internal/cli-error.js';
import type { Command } from 'commander';
import { ExitCode } from '../exit-code.js';
import type { CommandContext } from '../internal/context.js';
import { intArg, withConnection } from '../internal/database.js';
import { describeCommand } from '../internal/describe.js';
import { countOf, formatCount } from '../internal/progress.js';

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').filter((v) => v !== '')];
}

/**
 * Verify compares a copy with its source through the entity ids the restore recorded: two databases
 * that are not source and copy would differ in every datom, so say what they are instead.
 */
async function refuseUnrelated(sourceDb: Database, destDb: Database, source: string, dest: string): Promise<void> {
  if (sourceDb.id === destDb.id) {
    throw new CliError('restore/not-a-copy', `${source} and ${dest} are the same database (${sourceDb.id}), not a source and its copy.`, {
      hint: 'Give the source and a database restored from it: datomkit verify <source> <copy>.',
      data: { source, dest, id: sourceDb.id },
    });
  }
  if ((await readDestSession(destDb, sourceDb.id)) !== null) return;
  const reversed = (await readDestSession(sourceDb, destDb.id)) !== null;
  const copiesOf = await restoreSessionSources(destDb);
  const holds = copiesOf.length === 0 ? 'was not restored from any database' : `holds restores of ${copiesOf.join(', ')} only`;
  throw new CliError('restore/not-a-copy', `${dest} is not a restored copy of ${source} (${sourceDb.id}): it ${holds}.`, {
    hint: reversed ? `${source} is a copy of ${dest}: swap them, datomkit verify ${dest} ${source}.` : 'Give the source and a database restored from it: datomkit verify <source> <copy>.',
    data: { source, dest, sourceId: sourceDb.id, destId: destDb.id, copiesOf },
  });
}

/**
 * `datomkit verify <source> <dest>`: checks that a restored copy equals its source; exits 3 when
 * they differ.
 *
 * @example
 * ```ts
 * registerVerify(program, ctx) // then: datomkit verify ./data/music ./data/clone
 * ```
 */
export function registerVerify(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('verify')
    .summary('check that a restored copy equals its source (exit 3 if not)')
    .description(
      'Compare a source with its restored copy: schema, per-attribute datom counts, and every datom (entity ids mapped through the restore\'s mapping). Exits 3 when anything differs; fails (restore/not-a-copy) when <dest> was not restored from <source>.',
    )
    .argument('<source>', 'source database URI')
    .argument('<dest>', 'restored database URI')
    .option('--ignore <attrs>', 'attributes not compared (ns/name or ns/*; repeat or separate with commas)', collect)
    .option('--count-only <attrs>', 'attributes compared by count only (e.g. scrubbed ones)', collect)
    .option('--max-differences <n>', 'how many differences to list (all are counted)', intArg, 50)
    .action(async (source: string, dest: string, opts: { ignore?: string[]; countOnly?: string[]; maxDifferences: number }) => {
      const report = await withConnection(
        source,
        (s) =>
          withConnection(
            dest,
            async (d) => {
              await refuseUnrelated(s.db(), d.db(), source, dest);
              return verifyRestore(s.db(), d.db(), {
                ignore: opts.ignore ?? [],
                countOnly: opts.countOnly ?? [],
                maxDifferences: opts.maxDifferences,
              });
            },
            { readOnly: true },
          ),
        { readOnly: true },
      );
      const c = ctx.colors;
      const datoms = report.attributes.reduce((n, a) => n + a.source, 0);
      ctx.result(
        report,
        () => {
          for (const a of report.attributes.filter((x) => x.source !== x.dest)) ctx.say(`${c.red('[!]')} :${a.ident.replace(/^:/, '')}  ${formatCount(a.source)} in the source, ${formatCount(a.dest)} in the copy`);
          for (const d of report.differences) ctx.say(`  ${d.kind.padEnd(7)} ${d.attribute}  ${d.detail}`);
          if (report.equal) ctx.say(`${c.green('✓')} equal: ${countOf(report.attributes.length, 'attribute')}, ${countOf(datoms, 'datom')}`);
          else
            ctx.say(
              `${c.red('✗')} different: ${countOf(report.schemaDifferences, 'schema difference')}, ${countOf(report.missing, 'datom')} missing from the copy, ${formatCount(report.extra)} extra in it`,
            );
        },
        report.equal ? ExitCode.ok : ExitCode.problems,
      );
    });
  describeCommand(cmd, {
    examples: ['datomkit verify ./data/music ./data/clone', 'datomkit verify ./data/music ./data/scrubbed --count-only artist/homepage --json'],
    json: '{ equal: boolean, attributes: [{ ident, source, dest }], differences: [{ kind: "schema"|"missing"|"extra", attribute, detail }], schemaDifferences, missing, extra }',
    problems: 'the copy differs from the source',
  });
}
