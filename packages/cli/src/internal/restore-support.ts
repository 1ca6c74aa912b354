import type { Database } from '@datomkit/datom-core';
import { type RestoreProgress, attributeMatcher, isRestoreIdent } from '@datomkit/restore';
import type { CommandContext } from './context.js';
import type { Progress } from './progress.js';

/**
 * How many datoms a current-state copy of `db` will read: the datoms of every user attribute that
 * the include and exclude patterns select. Used as the progress bar's total.
 *
 * @example
 * ```ts
 * const total = await dataDatomCount(source.db(), [], ['user/email'])
 * ```
 */
export async function dataDatomCount(db: Database, include: readonly string[], exclude: readonly string[]): Promise<number> {
  const inc = include.length === 0 ? () => true : attributeMatcher(include);
  const exc = attributeMatcher(exclude);
  let total = 0;
  for (const a of db.schema().values()) {
    const ident = a.ident.fqn;
    const ns = a.ident.namespace ?? '';
    if (ns === 'db' || ns.startsWith('db.') || ns === 'fressian' || isRestoreIdent(ident)) continue;
    // Composite tuples are not read: the destination computes them from their parts.
    if (a.tupleAttrs !== null) continue;
    if (!inc(ident) || exc(ident)) continue;
    total += await db.datoms('aevt', a.id).count();
  }
  return total;
}

/**
 * Renders a restore's `onProgress` reports: datoms during the current-state copy, source
 * transactions during the log replay, one progress display per phase.
 *
 * @example
 * ```ts
 * const view = new RestoreProgressView(ctx, { datoms: 50_000, transactions: null })
 * await currentStateRestore({ sourceDb, destConn, onProgress: (p) => view.update(p) })
 * ```
 */
export class RestoreProgressView {
  readonly #ctx: CommandContext;
  readonly #totals: { readonly datoms: number | null; readonly transactions: number | null };
  #phase: string | null = null;
  #progress: Progress | null = null;

  constructor(ctx: CommandContext, totals: { readonly datoms: number | null; readonly transactions: number | null }) {
    this.#ctx = ctx;
    this.#totals = totals;
  }

  update(p: RestoreProgress): void {
    if (p.phase === 'done') return;
    const replay = p.phase === 'replay';
    const phase = replay ? 'replay' : 'copy';
    if (phase !== this.#phase) {
      this.#progress?.done();
      this.#phase = phase;
      this.#progress = this.#ctx.progress(replay ? 'restore (log replay)' : 'restore', replay ? 'transactions' : 'datoms');
    }
    if (replay) this.#progress?.update(p.transactionsReplayed, this.#totals.transactions);
    else this.#progress?.update(p.datomsRead, this.#totals.datoms, p.phase === 'schema' ? 'schema' : '');
  }

  /** Leaves the progress display: finished, or cleared before an interruption message. */
  end(ok: boolean): void {
    if (ok) this.#progress?.done();
    else this.#progress?.clear();
    this.#progress = null;
  }
}
