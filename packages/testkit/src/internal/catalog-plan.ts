// The shape of the catalog: how many of each entity there are and how many datoms each carries.
// It depends on the target size only, never on the seed, so catalogStats can tell the counts
// without drawing a single random number and generateCatalog fills the same shape with values.
//
// The catalog is a sequence of release groups r = 0, 1, 2, ...; group r holds:
//   - a new label every GROUPS_PER_LABEL groups (label r / 8),
//   - two new artists, 2r and 2r+1, influenced by each other (a cycle) and 2r+1 also by 2r-1,
//   - release r with 1..3 genres and 1 or 2 media (components),
//   - 4..10 tracks per medium, each with one credit, every fourth track a second (guest) credit.
// Groups are emitted whole while the next group's header still fits after them; the last group
// then takes exactly the remaining budget by adding or trimming tracks (to within 3 datoms).

export const GROUPS_PER_LABEL = 8;
export const LABEL_DATOMS = 4;
export const ARTIST_DATOMS = 8;
export const RELEASE_DATOMS = 7;
export const MEDIUM_DATOMS = 2;
export const TRACK_MIN_ATTRS = 4;
export const TRACK_MAX_ATTRS = 8;
export const CREDIT_DATOMS = 2;
/** Tracks per group stay below this, so `r * TRACK_SLOTS + t` is a unique track number. */
export const TRACK_SLOTS = 64;

export interface TrackShape {
  /** Index of the track within its group. */
  readonly t: number;
  /** Index of its medium within the release, from 0. */
  readonly medium: number;
  /** Position on the medium, from 1. */
  readonly position: number;
  /** How many attributes it gets, TRACK_MIN_ATTRS..TRACK_MAX_ATTRS. */
  readonly attrs: number;
  /** How many credits point at it, 0..2. */
  readonly credits: number;
}

export interface GroupShape {
  readonly r: number;
  readonly hasLabel: boolean;
  readonly label: number;
  readonly media: number;
  readonly genres: number;
  readonly tracks: readonly TrackShape[];
  readonly datoms: number;
  readonly entities: number;
}

export function hasLabel(r: number): boolean {
  return r % GROUPS_PER_LABEL === 0;
}

export function labelOf(r: number): number {
  return Math.floor(r / GROUPS_PER_LABEL);
}

export function mediaCount(r: number): number {
  return r % 4 === 3 ? 2 : 1;
}

export function genresCount(r: number): number {
  return 1 + (r % 3);
}

function plannedTracks(r: number, m: number): number {
  return 4 + ((r * 3 + m * 5) % 7);
}

export function creditsOf(t: number): number {
  return t % 4 === 3 ? 2 : 1;
}

function headerDatoms(r: number): number {
  const label = hasLabel(r) ? LABEL_DATOMS : 0;
  const artists = 2 * ARTIST_DATOMS + 2 + (r > 0 ? 1 : 0);
  const release = RELEASE_DATOMS + 2 + genresCount(r) + mediaCount(r);
  return label + artists + release + mediaCount(r) * MEDIUM_DATOMS;
}

function trackDatoms(t: number): number {
  return TRACK_MAX_ATTRS + CREDIT_DATOMS * creditsOf(t);
}

/** Where track `t` of group `r` goes: the planned slots first, extra tracks on the last medium. */
function trackSlot(r: number, t: number): { medium: number; position: number } {
  const media = mediaCount(r);
  let before = 0;
  for (let m = 0; m < media; m++) {
    const n = plannedTracks(r, m);
    if (t < before + n || m === media - 1) return { medium: m, position: t - before + 1 };
    before += n;
  }
  throw new Error('unreachable');
}

function shape(r: number, budget: number | null): GroupShape {
  const media = mediaCount(r);
  const header = headerDatoms(r);
  const planned = budget === null ? Array.from({ length: media }, (_, m) => plannedTracks(r, m)).reduce((a, b) => a + b, 0) : Infinity;
  const tracks: TrackShape[] = [];
  let datoms = header;
  let rem = budget === null ? Infinity : budget - header;
  for (let t = 0; t < planned && t < TRACK_SLOTS; t++) {
    const slot = trackSlot(r, t);
    const full = trackDatoms(t);
    if (rem >= full) {
      tracks.push({ t, ...slot, attrs: TRACK_MAX_ATTRS, credits: creditsOf(t) });
      rem -= full;
      datoms += full;
      continue;
    }
    // The last track of the catalog: trim optional attributes and credits to land on the budget.
    if (rem >= TRACK_MIN_ATTRS || tracks.length === 0) {
      const attrs = Math.max(TRACK_MIN_ATTRS, Math.min(TRACK_MAX_ATTRS, rem));
      const credits = Math.min(creditsOf(t), Math.floor(Math.max(0, rem - attrs) / CREDIT_DATOMS));
      tracks.push({ t, ...slot, attrs, credits });
      datoms += attrs + credits * CREDIT_DATOMS;
    }
    break;
  }
  const credits = tracks.reduce((n, tr) => n + tr.credits, 0);
  const entities = (hasLabel(r) ? 1 : 0) + 2 + 1 + media + tracks.length + credits;
  return { r, hasLabel: hasLabel(r), label: labelOf(r), media, genres: genresCount(r), tracks, datoms, entities };
}

/** The groups of a catalog of about `target` datoms, lazily. */
export function* planGroups(target: number): Generator<GroupShape> {
  let total = 0;
  for (let r = 0; ; r++) {
    const full = shape(r, null);
    const after = target - total - full.datoms;
    if (after >= headerDatoms(r + 1) + TRACK_MIN_ATTRS + CREDIT_DATOMS) {
      total += full.datoms;
      yield full;
      continue;
    }
    yield shape(r, target - total);
    return;
  }
}
