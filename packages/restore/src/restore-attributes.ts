import { type Connection, type Database, type TxData, kw } from '@datomkit/datom-core';

/**
 * The attributes a restore keeps in the destination, next to the data they describe, so that
 * progress is recorded in the same transaction as the data (crash safety without a second store):
 *
 * - `sourceEid` on every destination entity: the source entity id it stands for. Unique identity, so
 *   a tempid asserting it upserts: a source entity gets exactly one destination entity, whichever
 *   batch, worker or retry writes it first.
 * - `sourceT` on every destination transaction that replays a source transaction: its source t.
 *   Unique value, so replaying a transaction twice fails instead of duplicating anything.
 * - `sessionSource`, `sessionBasisT`, `sessionLastT` on one session entity per source database:
 *   the source's durable identity, the snapshot's basis t, and the last source t the destination
 *   holds (moved with `db/cas` inside the transaction that makes it true).
 *
 * @example
 * ```ts
 * const db = await ensureRestoreSchema(destConn)
 * await db.entid([kw(RESTORE_ATTRS.sourceEid), 1042]) // the copy of source entity 1042, or null
 * ```
 */
export const RESTORE_ATTRS = {
  sourceEid: 'datomkit.restore/source-eid',
  sourceT: 'datomkit.restore/source-t',
  sessionSource: 'datomkit.restore.session/source',
  sessionBasisT: 'datomkit.restore.session/basis-t',
  sessionLastT: 'datomkit.restore.session/last-source-t',
} as const;

const SCHEMA: TxData = [
  {
    'db/ident': kw(RESTORE_ATTRS.sourceEid),
    'db/valueType': kw('db.type/long'),
    'db/cardinality': kw('db.cardinality/one'),
    'db/unique': kw('db.unique/identity'),
    'db/doc': 'Restore: the source entity id this entity is the copy of',
  },
  {
    'db/ident': kw(RESTORE_ATTRS.sourceT),
    'db/valueType': kw('db.type/long'),
    'db/cardinality': kw('db.cardinality/one'),
    'db/unique': kw('db.unique/value'),
    'db/doc': 'Restore: the source t this transaction replays',
  },
  {
    'db/ident': kw(RESTORE_ATTRS.sessionSource),
    'db/valueType': kw('db.type/string'),
    'db/cardinality': kw('db.cardinality/one'),
    'db/unique': kw('db.unique/identity'),
    'db/doc': 'Restore session: the durable identity of the source database',
  },
  {
    'db/ident': kw(RESTORE_ATTRS.sessionBasisT),
    'db/valueType': kw('db.type/long'),
    'db/cardinality': kw('db.cardinality/one'),
    'db/doc': 'Restore session: the source t the current-state copy was taken at',
  },
  {
    'db/ident': kw(RESTORE_ATTRS.sessionLastT),
    'db/valueType': kw('db.type/long'),
    'db/cardinality': kw('db.cardinality/one'),
    'db/doc': 'Restore session: the last source t the destination holds (set when the copy is complete)',
  },
];

/**
 * True for idents in the restore's own namespaces (`datomkit.restore`, `datomkit.restore.*`):
 * bookkeeping that is never copied from a source, so a restored database can itself be a source.
 *
 * @example
 * ```ts
 * isRestoreIdent('datomkit.restore/source-eid') // true
 * ```
 */
export function isRestoreIdent(fqn: string): boolean {
  return fqn.startsWith('datomkit.restore/') || fqn.startsWith('datomkit.restore.');
}

/**
 * Installs {@link RESTORE_ATTRS} in `conn` unless they are there; returns the database after.
 *
 * @example
 * ```ts
 * const db = await ensureRestoreSchema(destConn)
 * ```
 */
export async function ensureRestoreSchema(conn: Connection): Promise<Database> {
  const db = conn.db();
  if (Object.values(RESTORE_ATTRS).every((ident) => db.attribute(ident) !== null)) return db;
  return (await conn.transact(SCHEMA)).dbAfter;
}

/**
 * The restore session a destination holds for one source, as read from the destination.
 *
 * @example
 * ```ts
 * const session = await readDestSession(destConn.db(), sourceConn.id) // session?.lastT
 * ```
 */
export interface DestSession {
  /** Entity id of the session entity in the destination. */
  readonly eid: number;
  readonly sourceId: string;
  /** The basis t of the current-state copy. */
  readonly basisT: number | null;
  /** The last source t the destination holds; `null` while the current-state copy is incomplete. */
  readonly lastT: number | null;
}

/**
 * The session `destDb` holds for source database `sourceId`, or `null`.
 *
 * @example
 * ```ts
 * const s = await readDestSession(destConn.db(), sourceConn.id) // { lastT: 42, ... }
 * ```
 */
export async function readDestSession(destDb: Database, sourceId: string): Promise<DestSession | null> {
  if (destDb.attribute(RESTORE_ATTRS.sessionSource) === null) return null;
  const eid = await destDb.entid([kw(RESTORE_ATTRS.sessionSource), sourceId]);
  if (eid === null) return null;
  const one = async (attr: string): Promise<number | null> => {
    const ds = await destDb.datoms('eavt', eid, attr).toArray();
    return ds.length === 0 ? null : (ds[0]?.v as number);
  };
  return { eid, sourceId, basisT: await one(RESTORE_ATTRS.sessionBasisT), lastT: await one(RESTORE_ATTRS.sessionLastT) };
}

/**
 * The source databases `destDb` holds restore sessions for.
 *
 * @example
 * ```ts
 * await restoreSessionSources(destConn.db()) // ['3f0c…']
 * ```
 */
export async function restoreSessionSources(destDb: Database): Promise<string[]> {
  if (destDb.attribute(RESTORE_ATTRS.sessionSource) === null) return [];
  return (await destDb.datoms('aevt', RESTORE_ATTRS.sessionSource).toArray()).map((d) => d.v as string);
}
