import type { BackupProgress, CopyProgress } from '@datomkit/backup';
import { isDatomError } from '@datomkit/datom-core';
import { interrupted } from './cli-error.js';
import type { CommandContext } from './context.js';
import type { Progress } from './progress.js';

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}

/**
 * A progress display for a copy measured in bytes (a physical backup, a verify, a restore from a
 * backup folder), and the callback that feeds it.
 *
 * @example
 * ```ts
 * const { progress, onProgress } = copyProgress(ctx, 'backup')
 * ```
 */
export function copyProgress(ctx: CommandContext, label: string): { progress: Progress; onProgress: (p: CopyProgress) => void } {
  const progress = ctx.progress(label, 'bytes');
  return { progress, onProgress: (p) => progress.update(p.bytes, p.totalBytes, `${p.files}/${p.totalFiles} files`) };
}

/**
 * A progress display for work that goes transaction by transaction (a file backup, a restore from
 * a file, an export, an import), and the callback that feeds it.
 *
 * @example
 * ```ts
 * const { progress, onProgress } = txProgress(ctx, 'export')
 * ```
 */
export function txProgress(ctx: CommandContext, label: string): { progress: Progress; onProgress: (p: BackupProgress) => void } {
  const progress = ctx.progress(label, 'transactions');
  return { progress, onProgress: (p) => progress.update(p.transactions, null, `t ${p.t}`) };
}

/**
 * Turns the stop that Ctrl-C caused (`backup/aborted`, or any DatomError once the signal fired) into
 * exit code 130 with how to go on; anything else is rethrown as it is.
 *
 * @example
 * ```ts
 * const err = stoppedOr(new DatomError('backup/aborted', 'stopped'), ctx, 'Backup stopped; earlier backup points are intact.') // exit 130
 * ```
 */
export function stoppedOr(err: unknown, ctx: CommandContext, message: string): unknown {
  if (isDatomError(err, 'backup/aborted') || (ctx.signal.aborted && isDatomError(err))) {
    return interrupted(message, `Run it again: datomkit ${ctx.argv.filter((a) => a !== '--json').map(shellQuote).join(' ')}`);
  }
  return err;
}
