import { type EnsureNormsOptions, type NormStep, dryRun, ensureNorms, normStatus } from '@datomkit/norm';
import type { Command } from 'commander';
import { ExitCode } from '../exit-code.js';
import { interrupted } from '../internal/cli-error.js';
import type { CommandContext } from '../internal/context.js';
import { withConnection } from '../internal/database.js';
import { describeCommand } from '../internal/describe.js';
import { countOf } from '../internal/progress.js';
import { normAdvice } from '../internal/norm-advice.js';
import { loadTxFns } from '../internal/tx-fns.js';

function stepJson(s: NormStep) {
  return { id: s.id, file: s.file, status: s.status, tx: s.tx, datoms: s.datoms.length, batches: s.batches };
}

/**
 * `datomkit norm apply <db> <dir> [--dry-run]`: applies the pending norms once and only once.
 *
 * @example
 * ```ts
 * registerNormApply(norm, ctx) // then: datomkit norm apply ./data/music ./migrations --tx-fns ./tx-fns.js
 * ```
 */
export function registerNormApply(norm: Command, ctx: CommandContext): void {
  const cmd = norm
    .command('apply')
    .summary('apply pending norms (--dry-run to only show them)')
    .description(
      'Apply the pending norms of a folder in order, each once and only once. Checks checksums.edn first. With --dry-run, apply them to a speculative database and report what they would write; nothing is committed. Ctrl-C stops after the norm being applied; run the command again to go on.',
    )
    .argument('<db>', 'database URI')
    .argument('<dir>', 'migrations folder')
    .option('--dry-run', 'show what would be applied, commit nothing')
    .option('--tx-fns <module>', 'JavaScript (or, with tsx installed, TypeScript) module exporting the tx-fns the norms name')
    .option('--no-verify-checksums', 'do not compare the files with checksums.edn first')
    .action(async (uri: string, dir: string, opts: { dryRun?: boolean; txFns?: string; verifyChecksums: boolean }) => {
      const txFns = opts.txFns === undefined ? undefined : await loadTxFns(opts.txFns);
      const c = ctx.colors;
      const dry = opts.dryRun === true;
      const options: EnsureNormsOptions = {
        ...(txFns === undefined ? {} : { txFns }),
        verifyChecksums: opts.verifyChecksums,
        onStep: (s) => {
          if (s.status === 'applied') {
            const what = `${countOf(s.datoms.length, 'datom')}${s.batches === null ? '' : ` in ${countOf(s.batches, 'transaction')}`}`;
            ctx.say(`${c.green(dry ? '[+]' : '[✓]')} ${s.id}  ${dry ? 'would apply' : 'applied'}, ${what}`);
          } else ctx.say(`${c.dim('[·]')} ${s.id}  ${s.status === 'skipped' ? 'already applied' : 'applied by another runner'}`);
          if (ctx.signal.aborted && !dry) {
            throw interrupted(`Stopped after ${s.id}; the norms applied so far stay applied.`, `Run \`datomkit norm apply ${uri} ${dir}\` again to apply the rest.`, {
              lastNorm: s.id,
            });
          }
        },
      };
      const { result, after } = await withConnection(uri, async (conn) => {
        // What status says after it: an applied norm whose file changed since is not applied
        // again, and is a problem (exit 3), as norm status reports it.
        if (dry) {
          const result = await dryRun(conn, dir, options);
          return { result, after: await normStatus(result.db, dir) };
        }
        const result = await ensureNorms(conn, dir, options);
        return { result, after: await normStatus(conn.db(), dir) };
      });
      const steps = result.steps.map(stepJson);
      const applied = result.applied.length;
      const changed = after.norms.filter((n) => n.state === 'changed' || n.state === 'missing').map((n) => n.id);
      const advice = changed.length === 0 ? [] : await normAdvice(after, uri, dir, { verifyChecksums: opts.verifyChecksums });
      ctx.result(
        { dryRun: dry, markerInstalled: result.markerInstalled !== null, applied: result.applied, changed, advice, steps },
        () => {
          ctx.say(
            applied === 0
              ? changed.length === 0
                ? c.green('up to date: nothing to apply')
                : 'nothing to apply'
              : dry
                ? `${countOf(applied, 'norm')} would be applied; nothing was committed`
                : c.green(`applied ${countOf(applied, 'norm')}`),
          );
          for (const a of advice) ctx.say(`${c.yellow('[!]')} ${a}`);
        },
        changed.length === 0 ? ExitCode.ok : ExitCode.problems,
      );
    });
  describeCommand(cmd, {
    examples: [
      'datomkit norm apply ./data/music ./migrations',
      'datomkit norm apply ./data/music ./migrations --dry-run',
      'datomkit norm apply ./data/music ./examples/migrations --tx-fns ./examples/migrations/music-tx-fns.ts',
    ],
    problems: 'a norm applied earlier changed since (or its file is gone): it is not applied again',
    json: '{ dryRun: boolean, markerInstalled: boolean, applied: [id], changed: [id], advice: [what to do], steps: [{ id, file, status: "applied"|"skipped"|"applied-elsewhere", tx, datoms: number, batches }] }',
    interrupted: 'the norms applied so far stay applied; run it again for the rest',
  });
}
