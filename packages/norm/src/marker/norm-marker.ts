import { type Database, type Keyword, type TxData, kw } from '@datomkit/datom-core';

/**
 * The attributes norm bookkeeping uses. `tx/norm` is Datahike's marker, exactly as Datahike
 * installs it (keyword, cardinality one); the `tx.norm/*` attributes are datomkit's additions on
 * the same marker entity.
 *
 * @example
 * ```ts
 * await db.datoms('aevt', NORM_ATTRS.norm).toArray() // every applied norm
 * ```
 */
export const NORM_ATTRS = Object.freeze({
  /** Datahike's marker: the norm id, set once the norm is fully applied. */
  norm: 'tx/norm',
  /** The norm id again, `:db.unique/value`: the claim that makes applying a norm exactly-once. */
  id: 'tx.norm/id',
  /** The checksum of the norm file when it was applied. */
  checksum: 'tx.norm/checksum',
  /** How many batches of a batched tx-fn are committed (progress of a large data norm). */
  batches: 'tx.norm/batches',
});

/**
 * The tempid of the marker entity inside a norm's transaction; avoid it in your own tx-data.
 *
 * @example
 * ```ts
 * MARKER_TEMPID // 'datomkit.norm/marker': in a norm's transaction report, tempids[MARKER_TEMPID] is the marker's id
 * ```
 */
export const MARKER_TEMPID = 'datomkit.norm/marker';

const SCHEMA: readonly Record<string, unknown>[] = [
  {
    'db/ident': kw(NORM_ATTRS.norm),
    'db/valueType': kw('db.type/keyword'),
    'db/cardinality': kw('db.cardinality/one'),
  },
  {
    'db/ident': kw(NORM_ATTRS.id),
    'db/valueType': kw('db.type/keyword'),
    'db/cardinality': kw('db.cardinality/one'),
    'db/unique': kw('db.unique/value'),
    'db/doc': 'The id of a norm claimed or applied by datomkit norm; unique, so a norm applies once.',
  },
  {
    'db/ident': kw(NORM_ATTRS.checksum),
    'db/valueType': kw('db.type/string'),
    'db/cardinality': kw('db.cardinality/one'),
    'db/doc': 'hasch SHA-512 of the norm file when it was applied.',
  },
  {
    'db/ident': kw(NORM_ATTRS.batches),
    'db/valueType': kw('db.type/long'),
    'db/cardinality': kw('db.cardinality/one'),
    'db/doc': 'Batches of a batched norm committed so far.',
  },
];

/**
 * The transaction data installing whichever marker attributes `db` lacks (empty when all are
 * there). `tx/norm` is installed exactly as Datahike does: keyword, cardinality one, nothing else.
 *
 * @example
 * ```ts
 * const tx = markerSchemaTx(conn.db())
 * if (tx.length > 0) await conn.transact(tx)
 * ```
 */
export function markerSchemaTx(db: Database): TxData {
  return SCHEMA.filter((attr) => db.attribute((attr['db/ident'] as Keyword).fqn) === null);
}

/**
 * What the database records about one norm.
 *
 * @example
 * ```ts
 * const m = (await readMarkers(conn.db())).get('001-artist-country.edn')
 * if (m?.complete) console.log('applied at', m.appliedAt)
 * ```
 */
export interface NormMarker {
  readonly id: string;
  /** The marker entity. */
  readonly entity: number;
  /** True once `:tx/norm` is set: the norm is applied. False for a batched norm still in progress. */
  readonly complete: boolean;
  /** The checksum recorded when it was applied, or `null` for a marker without one (e.g. Datahike's). */
  readonly checksum: string | null;
  /** The transaction that completed the norm (that asserted `:tx/norm`), or `null` if not complete. */
  readonly tx: number | null;
  /** That transaction's `:db/txInstant`. */
  readonly appliedAt: Date | null;
  /** Batches committed so far, for a batched norm; `null` otherwise. */
  readonly batches: number | null;
}

async function byEntity(db: Database, attr: string): Promise<Map<number, { v: unknown; tx: number }>> {
  const out = new Map<number, { v: unknown; tx: number }>();
  if (db.attribute(attr) === null) return out;
  for (const d of await db.datoms('aevt', attr).toArray()) out.set(d.e, { v: d.v, tx: d.tx });
  return out;
}

async function txInstant(db: Database, tx: number): Promise<Date | null> {
  const [d] = await db.datoms('eavt', tx, 'db/txInstant').toArray();
  return d?.v instanceof Date ? d.v : null;
}

/**
 * Every norm marker in `db`, by norm id: complete ones (`:tx/norm`, Datahike's and datomkit's) and
 * claimed but unfinished ones (`:tx.norm/id` only, a batched norm in progress or interrupted).
 *
 * @example
 * ```ts
 * const applied = [...(await readMarkers(conn.db())).values()].filter((m) => m.complete)
 * ```
 */
export async function readMarkers(db: Database): Promise<Map<string, NormMarker>> {
  const norm = await byEntity(db, NORM_ATTRS.norm);
  const ids = await byEntity(db, NORM_ATTRS.id);
  const checksums = await byEntity(db, NORM_ATTRS.checksum);
  const batches = await byEntity(db, NORM_ATTRS.batches);
  const out = new Map<string, NormMarker>();
  const entities = new Set([...norm.keys(), ...ids.keys()]);
  for (const e of entities) {
    const done = norm.get(e);
    const idValue = (done ?? ids.get(e))?.v;
    if (idValue === undefined || typeof idValue !== 'object' || idValue === null || !('fqn' in idValue)) continue;
    const id = String(idValue.fqn);
    const checksum = checksums.get(e)?.v;
    const count = batches.get(e)?.v;
    const marker: NormMarker = {
      id,
      entity: e,
      complete: done !== undefined,
      checksum: typeof checksum === 'string' ? checksum : null,
      tx: done?.tx ?? null,
      appliedAt: done === undefined ? null : await txInstant(db, done.tx),
      batches: typeof count === 'number' ? count : typeof count === 'bigint' ? Number(count) : null,
    };
    // With Datahike markers (no uniqueness) a norm may have been applied twice; keep the first.
    const prev = out.get(id);
    if (prev === undefined || (!prev.complete && marker.complete) || (prev.complete === marker.complete && e < prev.entity)) {
      out.set(id, marker);
    }
  }
  return out;
}

/**
 * The marker of one norm, found through the unique `:tx.norm/id` (an index lookup), or `null`.
 * Markers written without it (Datahike's own) are only found by {@link readMarkers}.
 *
 * @example
 * ```ts
 * const m = await readMarker(conn.db(), '001-artist-country.edn')
 * ```
 */
export async function readMarker(db: Database, id: string): Promise<NormMarker | null> {
  if (db.attribute(NORM_ATTRS.id) === null) return null;
  const [claim] = await db.datoms('avet', NORM_ATTRS.id, kw(id)).toArray();
  if (claim === undefined) return null;
  const e = claim.e;
  let done: { tx: number } | null = null;
  let checksum: string | null = null;
  let batches: number | null = null;
  for (const d of await db.datoms('eavt', e).toArray()) {
    const attr = db.ident(d.a)?.fqn;
    if (attr === NORM_ATTRS.norm) done = { tx: d.tx };
    else if (attr === NORM_ATTRS.checksum && typeof d.v === 'string') checksum = d.v;
    else if (attr === NORM_ATTRS.batches && (typeof d.v === 'number' || typeof d.v === 'bigint')) batches = Number(d.v);
  }
  return {
    id,
    entity: e,
    complete: done !== null,
    checksum,
    tx: done?.tx ?? null,
    appliedAt: done === null ? null : await txInstant(db, done.tx),
    batches,
  };
}
