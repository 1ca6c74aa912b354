import type { Datom } from '../model/datom.js';
import type { Keyword } from '../model/keyword.js';
import type { Value } from '../model/value.js';
import type { DatomStream } from './datom-stream.js';
import type { TxData, TxReport } from '../tx/tx-data.js';
import type { PullPattern, PullResult } from '../pull/pull-pattern.js';
import type { Attribute } from '../schema/attribute.js';
import type { Entity } from './entity.js';

/** The four covering indexes. */
export type IndexName = 'eavt' | 'aevt' | 'avet' | 'vaet';

/**
 * An attribute as accepted by the read API: its ident (`'person/name'`, `':person/name'` or a
 * {@link Keyword}) or its entity id.
 */
export type AttrRef = string | Keyword | number;

/**
 * Anything that names an entity: an entity id, an ident, or a lookup ref `[uniqueAttr, value]`.
 */
export type EntityRef = number | Keyword | readonly [AttrRef, Value];

/** A point in time for {@link Database.asOf} and {@link Database.since}: a t, a tx id or a `Date`. */
export type TimePoint = number | Date;

/**
 * An immutable database value. It answers the same questions the same way forever, whatever is
 * transacted later. Obtain one from `conn.db()`.
 *
 * @example
 * ```ts
 * const db = conn.db()
 * for await (const d of db.datoms('aevt', 'person/name')) console.log(d.e, d.v)
 * ```
 */
export interface Database {
  /** The database's durable identity (a UUID string), the same across reopening. */
  readonly id: string;
  /** The t of the most recent transaction this value includes. */
  readonly basisT: number;
  /** Set when this value is filtered with {@link Database.asOf}. */
  readonly asOfT: number | null;
  /** Set when this value is filtered with {@link Database.since}. */
  readonly sinceT: number | null;
  /** True for a {@link Database.history} value. */
  readonly isHistory: boolean;

  /** Datoms of `index` whose leading components equal `components`, in index order. */
  datoms(index: IndexName, ...components: unknown[]): DatomStream;
  /** Datoms of `index` from the first one at or after `components`, in index order, to the end. */
  seekDatoms(index: IndexName, ...components: unknown[]): DatomStream;
  /** AVET datoms of `attr` with `start <= v < end` (either bound may be `null` for open). */
  indexRange(attr: AttrRef, start: Value | null, end: Value | null): DatomStream;

  /** The database as of a t, a tx id or an instant. */
  asOf(point: TimePoint): Database;
  /** Only the datoms added after a t, a tx id or an instant. */
  since(point: TimePoint): Database;
  /** Every assertion and retraction, each datom with its `added` flag. */
  history(): Database;

  /** Applies `txData` to this value without committing anything. */
  with(txData: TxData | string): Promise<TxReport>;

  /** Pulls `pattern` (a JS pattern or EDN text) for one entity; `null` when it has no datoms. */
  pull(pattern: PullPattern | string, entity: EntityRef): Promise<PullResult | null>;
  /** Pulls for many entities, in order; `null` for those with no datoms. */
  pullMany(pattern: PullPattern | string, entities: readonly EntityRef[]): Promise<(PullResult | null)[]>;

  /**
   * The entity named by `ref` as a lazy {@link Entity} (attributes read when asked for), or `null`
   * when `ref` names nothing with datoms in this value (exactly when {@link Database.entid} gives
   * `null`). Synchronous, like its reads. A bad reference is an error as in pull (`db/arg`,
   * `schema/unknown-attribute`); a history value is `db/arg` (use `asOf`).
   *
   * @example
   * ```ts
   * db.entity(['person/email', 'ann@x'])?.get('person/name') // 'Ann'
   * ```
   */
  entity(ref: EntityRef): Entity | null;
  /** Resolves an entity reference to an entity id, or `null` when nothing matches. */
  entid(ref: EntityRef): Promise<number | null>;
  /** The ident of entity `eid`, or `null`. */
  ident(eid: number): Keyword | null;
  /** The attribute named by `attr`, or `null` when there is none. */
  attribute(attr: AttrRef): Attribute | null;
  /** Every installed attribute, by ident. */
  schema(): ReadonlyMap<string, Attribute>;
  /** The t of transaction id `tx`. */
  txToT(tx: number): number;
  /** The transaction id of `t`. */
  tToTx(t: number): number;
}

export type { Datom };
