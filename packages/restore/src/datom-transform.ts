import type { Datom } from '@datomkit/datom-core';

/**
 * What a {@link DatomTransform} may ask about the datoms it gets.
 *
 * @example
 * ```ts
 * const keepNames: DatomTransform = (datoms, ctx) => datoms.filter((d) => ctx.ident(d.a).endsWith('/name'))
 * ```
 */
export interface TransformContext {
  /** The source ident of attribute id `a` (without colon), as of the datoms' transaction. */
  readonly ident: (a: number) => string;
  /** The source t during replay; `null` while copying the current state. */
  readonly t: number | null;
}

/**
 * One stage of a restore pipeline: takes a batch of source datoms of user attributes and returns
 * the datoms to write (drop some, change values). Schema datoms and the restore's bookkeeping never
 * pass through transforms. A transform must be a pure function of each datom: replay sends
 * retractions through it too, and a retraction only matches if it maps the value the way the
 * assertion was mapped.
 *
 * @example
 * ```ts
 * const dropDrafts: DatomTransform = (datoms, ctx) => datoms.filter((d) => ctx.ident(d.a) !== 'post/draft')
 * ```
 */
export type DatomTransform = (datoms: readonly Datom[], ctx: TransformContext) => readonly Datom[];

/**
 * Runs `transforms` in order over one batch.
 *
 * @example
 * ```ts
 * const out = applyTransforms(batch, [selectAttributes({ exclude: ['user/*'] })], ctx)
 * ```
 */
export function applyTransforms(datoms: readonly Datom[], transforms: readonly DatomTransform[], ctx: TransformContext): readonly Datom[] {
  let out = datoms;
  for (const f of transforms) {
    if (out.length === 0) break;
    out = f(out, ctx);
  }
  return out;
}
