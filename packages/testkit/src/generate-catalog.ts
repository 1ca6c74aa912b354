import { BigDec, type TxData, type TxMap, type Uuid, kw, uri } from '@datomkit/datom-core';
import { CATALOG_ENUMS } from './catalog-schema.js';
import { GROUPS_PER_LABEL, type GroupShape, TRACK_SLOTS, planGroups } from './internal/catalog-plan.js';
import {
  KIND_ARTIST,
  KIND_LABEL,
  KIND_RELEASE,
  KIND_TRACK,
  country,
  genres,
  gid,
  groupName,
  labelName,
  orchestraName,
  personName,
  priceCents,
  slug,
  sortName,
  title,
} from './internal/catalog-values.js';
import { Prng, mixSeed } from './prng.js';

/**
 * Options of {@link generateCatalog}.
 *
 * @example
 * ```ts
 * const options: GenerateCatalogOptions = { datoms: 1_000_000, seed: 7, batchEntities: 5000 }
 * ```
 */
export interface GenerateCatalogOptions {
  /** Target number of datoms (one per attribute value); the catalog lands within 3 of it above ~60. */
  readonly datoms: number;
  /** Seed of every random choice; the same `(datoms, seed)` always gives the same batches. Default 1. */
  readonly seed?: number;
  /** A batch is closed once it holds at least this many entities. Default 1000 (about 6,000 datoms). */
  readonly batchEntities?: number;
}

/**
 * Default of {@link GenerateCatalogOptions.batchEntities}.
 *
 * @example
 * ```ts
 * catalogStats(1e6, { batchEntities: DEFAULT_BATCH_ENTITIES }).batches // 187
 * ```
 */
export const DEFAULT_BATCH_ENTITIES = 1000;

/**
 * A lookup ref on a unique identity attribute: how a batch names an entity of an earlier batch.
 *
 * @example
 * ```ts
 * const ref: LookupRef = [kw('artist/gid'), uuid('1765c095-6047-4c57-a002-000000000000')]
 * ```
 */
export type LookupRef = readonly [ReturnType<typeof kw>, Uuid];

type Ref = string | LookupRef;

const ARTIST_TYPES = CATALOG_ENUMS['artist/type'];
const RELEASE_TYPES = CATALOG_ENUMS['release/type'];
const MEDIUM_FORMATS = CATALOG_ENUMS['medium/format'];
const TRACK_OPTIONAL = ['track/duration', 'track/loudness', 'track/tempo', 'track/explicit'] as const;

class GroupWriter {
  readonly #seed: number;
  /** First group of the current batch: entities of groups before it are named by lookup refs. */
  readonly #batchStart: number;

  constructor(seed: number, batchStart: number) {
    this.#seed = seed;
    this.#batchStart = batchStart;
  }

  labelRef(k: number): Ref {
    return k * GROUPS_PER_LABEL >= this.#batchStart ? `label-${k}` : [kw('label/gid'), gid(this.#seed, KIND_LABEL, k)];
  }

  artistRef(j: number): Ref {
    return Math.floor(j / 2) >= this.#batchStart ? `artist-${j}` : [kw('artist/gid'), gid(this.#seed, KIND_ARTIST, j)];
  }

  write(g: GroupShape, out: TxMap[]): void {
    const seed = this.#seed;
    const r = g.r;
    const rng = new Prng(mixSeed(seed, 0x6d75, r));
    if (g.hasLabel) {
      const name = labelName(rng);
      out.push({
        'db/id': `label-${g.label}`,
        'label/gid': gid(seed, KIND_LABEL, g.label),
        'label/name': name,
        'label/founded': rng.range(1920, 2020),
        'label/website': uri(`https://labels.example.org/${slug(name)}-${g.label}`),
      });
    }
    for (const j of [2 * r, 2 * r + 1]) {
      const type = rng.pick(ARTIST_TYPES);
      const name =
        type === 'artist.type/person'
          ? personName(rng)
          : type === 'artist.type/group'
            ? groupName(rng)
            : orchestraName(rng, type === 'artist.type/choir' ? 'Chamber Choir' : 'Philharmonic');
      // Artists 2r and 2r+1 influence each other (a reference cycle inside the batch);
      // 2r+1 is also influenced by the previous group's artist, often in an earlier batch.
      const influences = j % 2 === 0 ? [this.artistRef(j + 1)] : [this.artistRef(j - 1)];
      if (j % 2 === 1 && r > 0) influences.push(this.artistRef(j - 2));
      out.push({
        'db/id': `artist-${j}`,
        'artist/gid': gid(seed, KIND_ARTIST, j),
        'artist/name': name,
        'artist/sortName': type === 'artist.type/person' || type === 'artist.type/group' ? sortName(name) : name,
        'artist/type': kw(type),
        'artist/country': country(rng),
        'artist/startYear': rng.range(1930, 2020),
        'artist/active': rng.chance(0.7),
        'artist/homepage': uri(`https://artists.example.org/${slug(name)}-${j}`),
        'artist/influencedBy': influences,
      });
    }
    const media = Array.from({ length: g.media }, (_, m) => `medium-${r}-${m}`);
    const year = rng.range(1960, 2025);
    out.push({
      'db/id': `release-${r}`,
      'release/gid': gid(seed, KIND_RELEASE, r),
      'release/name': title(rng, rng.range(1, 3)),
      'release/artists': [this.artistRef(2 * r), this.artistRef(2 * r + 1)],
      'release/label': this.labelRef(g.label),
      'release/type': kw(rng.pick(RELEASE_TYPES)),
      'release/date': new Date(Date.UTC(year, rng.int(12), rng.range(1, 28))),
      'release/price': new BigDec(priceCents(rng), 2),
      'release/genres': genres(rng, g.genres),
      'release/artwork': rng.bytes(8),
      'release/media': media,
    });
    media.forEach((id, m) => {
      out.push({ 'db/id': id, 'medium/format': kw(rng.pick(MEDIUM_FORMATS)), 'medium/position': m + 1 });
    });
    for (const tr of g.tracks) {
      const id = `track-${r}-${tr.t}`;
      const track: Record<string, unknown> = {
        'db/id': id,
        'track/gid': gid(seed, KIND_TRACK, r * TRACK_SLOTS + tr.t),
        'track/name': title(rng, rng.range(1, 4)),
        'track/medium': media[tr.medium],
        'track/position': tr.position,
      };
      // Drawn whether kept or not, so trimming the last track does not shift later values.
      const optional = [
        rng.range(90_000, 420_000),
        // Never integral, so the value reads back as a double from EDN too.
        -(rng.range(40, 159) * 10 + rng.range(1, 9)) / 100,
        Math.fround(rng.range(60, 199) + 0.5),
        rng.chance(0.15),
      ];
      for (let i = 0; i < tr.attrs - 4; i++) track[TRACK_OPTIONAL[i] as string] = optional[i];
      out.push(track);
      const guest = rng.int(2 * r + 2);
      if (tr.credits >= 1) out.push({ 'credit/artist': this.artistRef(2 * r + (tr.t % 2)), 'credit/track': id });
      if (tr.credits >= 2) out.push({ 'credit/artist': this.artistRef(guest), 'credit/track': id });
    }
  }
}

function checkOptions(options: GenerateCatalogOptions): Required<GenerateCatalogOptions> {
  const { datoms, seed = 1, batchEntities = DEFAULT_BATCH_ENTITIES } = options;
  if (!Number.isSafeInteger(datoms) || datoms < 1) throw new RangeError(`datoms must be a positive integer, got ${datoms}`);
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  if (!Number.isSafeInteger(batchEntities) || batchEntities < 1) {
    throw new RangeError(`batchEntities must be a positive integer, got ${batchEntities}`);
  }
  return { datoms, seed, batchEntities };
}

function* batches(options: Required<GenerateCatalogOptions>): Generator<TxData> {
  let batch: TxMap[] = [];
  let entities = 0;
  let writer: GroupWriter | null = null;
  for (const group of planGroups(options.datoms)) {
    if (writer === null || entities >= options.batchEntities) {
      if (batch.length > 0) yield batch;
      batch = [];
      entities = 0;
      writer = new GroupWriter(options.seed, group.r);
    }
    writer.write(group, batch);
    entities += group.entities;
  }
  if (batch.length > 0) yield batch;
}

/**
 * Generates a music catalog of about `datoms` datoms as a lazy sequence of transaction batches, so
 * that even 10 million datoms never sit in memory at once. Transact {@link catalogSchema} first.
 *
 * Every batch stands alone: tempids are strings unique within the batch, and entities of earlier
 * batches are named by lookup refs on `:label/gid` or `:artist/gid`. The sequence can be iterated
 * more than once and gives the same batches each time; the values of each release group depend on
 * `(seed, group)` only, not on `batchEntities`.
 *
 * @example
 * ```ts
 * await conn.transact(catalogSchema())
 * for (const tx of generateCatalog({ datoms: 10_000, seed: 42 })) await conn.transact(tx)
 * ```
 */
export function generateCatalog(options: GenerateCatalogOptions): Iterable<TxData> {
  const checked = checkOptions(options);
  return { [Symbol.iterator]: () => batches(checked) };
}
