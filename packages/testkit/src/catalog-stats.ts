import { DEFAULT_BATCH_ENTITIES } from './generate-catalog.js';
import { planGroups } from './internal/catalog-plan.js';

/**
 * What a catalog of a given size holds; see {@link catalogStats}.
 *
 * @example
 * ```ts
 * const { artists, tracks }: CatalogStats = catalogStats(10_000)
 * ```
 */
export interface CatalogStats {
  /** Datoms in the generated tx data (one per attribute value, each element of a card-many value). */
  readonly datoms: number;
  /**
   * Composite tuple datoms (`:track/medium+position`) the database derives on top, one per track.
   * They are not in the tx data and not in {@link CatalogStats.datoms}.
   */
  readonly tupleDatoms: number;
  readonly labels: number;
  readonly artists: number;
  readonly releases: number;
  readonly media: number;
  readonly tracks: number;
  readonly credits: number;
  /** All entities: the sum of the counts above. */
  readonly entities: number;
  /** Transaction batches `generateCatalog` yields with the given `batchEntities`. */
  readonly batches: number;
}

/**
 * How many datoms, artists, releases, tracks... `generateCatalog({ datoms })` produces. The shape
 * of the catalog does not depend on the seed, so neither do these counts.
 *
 * @example
 * ```ts
 * const stats = catalogStats(10_000)
 * expect(await db.datoms('aevt', 'artist/gid').count()).toBe(stats.artists)
 * ```
 */
export function catalogStats(datoms: number, options: { readonly batchEntities?: number } = {}): CatalogStats {
  const batchEntities = options.batchEntities ?? DEFAULT_BATCH_ENTITIES;
  let total = 0;
  let labels = 0;
  let releases = 0;
  let media = 0;
  let tracks = 0;
  let credits = 0;
  let entities = 0;
  let batches = 0;
  let inBatch = 0;
  for (const g of planGroups(datoms)) {
    if (batches === 0 || inBatch >= batchEntities) {
      batches++;
      inBatch = 0;
    }
    inBatch += g.entities;
    total += g.datoms;
    if (g.hasLabel) labels++;
    releases++;
    media += g.media;
    tracks += g.tracks.length;
    for (const t of g.tracks) credits += t.credits;
    entities += g.entities;
  }
  return {
    datoms: total,
    tupleDatoms: tracks,
    labels,
    artists: releases * 2,
    releases,
    media,
    tracks,
    credits,
    entities,
    batches,
  };
}
