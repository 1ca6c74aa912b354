import { type NormState, normStatus } from '@datomkit/norm';
import type { Command } from 'commander';
import { ExitCode } from '../exit-code.js';
import type { CommandContext } from '../internal/context.js';
import { withConnection } from '../internal/database.js';
import { describeCommand } from '../internal/describe.js';
import { normAdvice } from '../internal/norm-advice.js';

/**
 * The checklist mark of each norm state, kysely-ctl style.
 *
 * @example
 * ```ts
 * NORM_MARKS.pending // '[ ]'
 * ```
 */
export const NORM_MARKS: Readonly<Record<NormState, string>> = {
  applied: '[✓]',
  pending: '[ ]',
  changed: '[!]',
  partial: '[~]',
  missing: '[?]',
};

/**
 * `datomkit norm status <db> <dir>`: which norms are applied, pending, changed, partial or missing.
 * Exits 3 unless the database is up to date.
 *
 * @example
 * ```ts
 * registerNormStatus(norm, ctx) // then: datomkit norm status ./data/music ./migrations
 * ```
 */
export function registerNormStatus(norm: Command, ctx: CommandContext): void {
  const cmd = norm
    .command('status')
    .summary('list applied and pending norms (exit 3 unless up to date)')
    .description('Compare a migrations folder with what the database records. Exits 3 when anything is pending, changed, or half-applied.')
    .argument('<db>', 'database URI')
    .argument('<dir>', 'migrations folder')
    .action(async (uri: string, dir: string) => {
      const status = await withConnection(uri, (conn) => normStatus(conn, dir), { readOnly: true });
      const advice = await normAdvice(status, uri, dir, { verifyChecksums: true });
      const c = ctx.colors;
      const counts = new Map<NormState, number>();
      for (const n of status.norms) counts.set(n.state, (counts.get(n.state) ?? 0) + 1);
      ctx.result(
        { ...status, advice },
        () => {
          for (const n of status.norms) {
            const mark = n.state === 'applied' ? c.green(NORM_MARKS[n.state]) : n.state === 'pending' ? NORM_MARKS[n.state] : c.yellow(NORM_MARKS[n.state]);
            const when = n.appliedAt === null ? '' : c.dim(`  applied ${n.appliedAt.toISOString()}`);
            ctx.say(`${mark} ${n.id}${n.state === 'applied' ? '' : `  ${n.state}`}${when}`);
          }
          const summary = [...counts].map(([state, n]) => `${n} ${state}`).join(', ');
          if (status.upToDate) ctx.say(c.green(`up to date: ${summary || 'no norms'}`));
          else ctx.say(`${summary}; ${advice.join('; ')}`);
        },
        status.upToDate ? ExitCode.ok : ExitCode.problems,
      );
    });
  describeCommand(cmd, {
    examples: ['datomkit norm status ./data/music ./migrations', 'datomkit norm status ./data/music ./migrations --json || echo "pending norms"'],
    json: '{ upToDate: boolean, advice: [what to do], pending: [id], norms: [{ id, state: "applied"|"changed"|"pending"|"partial"|"missing", file, checksum, appliedChecksum, appliedAt, tx }] }',
    problems: 'a norm is pending, changed since it was applied, or half-applied',
  });
}
