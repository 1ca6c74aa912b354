import type { Database, EntityRef, AttrRef } from '../db/database.js';
import type { Datom } from '../model/datom.js';
import type { Keyword } from '../model/keyword.js';
import type { Value } from '../model/value.js';

/**
 * An entity position in transaction data: an entity id, a tempid (any string, e.g. `"artist-1"`;
 * `"datomic.tx"` names the transaction itself), an ident, or a lookup ref `[uniqueAttr, value]`.
 */
export type TxEntity = EntityRef | string;

/**
 * A map form: `{ 'db/id'?: entity, 'person/name': 'Ada', 'person/friends': [...], 'person/_parent': ... }`.
 * Keys are attribute idents without the leading colon (one is accepted). A nested object under a
 * ref attribute is its own entity; an array under a cardinality-many attribute is one value each.
 */
export interface TxMap {
  readonly [attr: string]: unknown;
}

/**
 * A list form: `['db/add', e, attr, v]`, `['db/retract', e, attr, v?]`, `['db/retractEntity', e]`,
 * `['db/cas', e, attr, old, new]`, or `['my/fn', ...args]` calling a registered transaction function.
 * The operation may be written with or without the leading colon, or as a {@link Keyword}.
 */
export type TxList = readonly [string | Keyword, ...unknown[]];

/** One form of transaction data. */
export type TxForm = TxMap | TxList;

/** Transaction data: a list of forms. EDN text is accepted wherever this is. */
export type TxData = readonly TxForm[];

/**
 * A transaction function, registered on a connection and called as `['my/fn', ...args]`. It gets the
 * database before the transaction and returns more transaction data (JS forms or EDN text).
 *
 * @example
 * ```ts
 * const inc: TxFunction = async (db, e, attr) => [['db/add', e, attr, 1]]
 * ```
 */
export type TxFunction = (db: Database, ...args: unknown[]) => TxData | string | Promise<TxData | string>;

/**
 * What a transaction did: the database before and after, every datom it produced (assertions and
 * retractions, the transaction's own `db/txInstant` included), and the entity id of each tempid.
 */
export interface TxReport {
  readonly dbBefore: Database;
  readonly dbAfter: Database;
  readonly txData: readonly Datom[];
  readonly tempids: Readonly<Record<string, number>>;
}

export type { AttrRef, Value };
