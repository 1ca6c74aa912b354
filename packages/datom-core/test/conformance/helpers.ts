import { expect } from 'vitest';
import {
  type Connection,
  type Database,
  type Datom,
  type DatomErrorCode,
  type IndexName,
  isDatomError,
  kw,
  type TxData,
  type TxReport,
  type Value,
} from '../../src/index.js';

/** Makes a fresh, empty connection on the storage under test. Each call gives a new database. */
export type MakeConn = () => Promise<Connection>;

/** Options of a conformance run. */
export interface ConformanceOptions {
  /**
   * Opens the database of `conn` again (for identity and data across reopening). It may close
   * `conn` first (a single-writer backend must); the suite does not use `conn` afterwards.
   */
  readonly reconnect?: (conn: Connection) => Promise<Connection>;
}

/** A schema map form for one attribute. */
export function attr(
  ident: string,
  type: string,
  opts: {
    many?: boolean;
    unique?: 'identity' | 'value';
    component?: boolean;
    noHistory?: boolean;
    index?: boolean;
    doc?: string;
    tupleAttrs?: string[];
    tupleTypes?: string[];
    tupleType?: string;
  } = {},
): Record<string, unknown> {
  const m: Record<string, unknown> = {
    'db/ident': kw(ident),
    'db/valueType': kw(`db.type/${type}`),
    'db/cardinality': kw(opts.many ? 'db.cardinality/many' : 'db.cardinality/one'),
  };
  if (opts.unique) m['db/unique'] = kw(`db.unique/${opts.unique}`);
  if (opts.component) m['db/isComponent'] = true;
  if (opts.noHistory) m['db/noHistory'] = true;
  if (opts.index) m['db/index'] = true;
  if (opts.doc !== undefined) m['db/doc'] = opts.doc;
  if (opts.tupleAttrs) m['db/tupleAttrs'] = opts.tupleAttrs.map((k) => kw(k));
  if (opts.tupleTypes) m['db/tupleTypes'] = opts.tupleTypes.map((k) => kw(`db.type/${k}`));
  if (opts.tupleType) m['db/tupleType'] = kw(`db.type/${opts.tupleType}`);
  return m;
}

/** The people schema most scenarios share. */
export const PEOPLE_SCHEMA: TxData = [
  attr('person/name', 'string'),
  attr('person/email', 'string', { unique: 'identity' }),
  attr('person/ssn', 'string', { unique: 'value' }),
  attr('person/age', 'long'),
  attr('person/tags', 'string', { many: true }),
  attr('person/friends', 'ref', { many: true }),
  attr('person/spouse', 'ref'),
  attr('person/address', 'ref', { component: true }),
  attr('person/pets', 'ref', { many: true, component: true }),
  attr('address/street', 'string'),
  attr('address/city', 'string'),
  attr('pet/name', 'string'),
  attr('pet/toy', 'ref', { component: true }),
  attr('toy/name', 'string'),
  attr('person/color', 'ref'),
  { 'db/ident': kw('color/red') },
  { 'db/ident': kw('color/green') },
];

/** A connection with {@link PEOPLE_SCHEMA} installed. */
export async function peopleConn(makeConn: MakeConn): Promise<Connection> {
  const conn = await makeConn();
  await conn.transact(PEOPLE_SCHEMA);
  return conn;
}

/** Every datom of `index` (with leading `components`), as an array. */
export async function all(db: Database, index: IndexName = 'eavt', ...components: unknown[]): Promise<Datom[]> {
  return db.datoms(index, ...components).toArray();
}

/** The attribute id of `ident` in `db`. */
export function aid(db: Database, ident: string): number {
  const a = db.attribute(ident);
  if (a === null) throw new Error(`no attribute ${ident}`);
  return a.id;
}

/** Current values of `[e ident]`. */
export async function values(db: Database, e: number, ident: string): Promise<Value[]> {
  return (await all(db, 'eavt', e, ident)).map((d) => d.v);
}

/** The only current value of `[e ident]`, or undefined. */
export async function value(db: Database, e: number, ident: string): Promise<Value | undefined> {
  const vs = await values(db, e, ident);
  expect(vs.length).toBeLessThanOrEqual(1);
  return vs[0];
}

/** Datoms as one line of text, tx and added included: what a database value answered, to compare later. */
export function datomsText(ds: readonly Datom[]): string {
  return ds.map((d) => `${d.e} ${d.a} ${String(d.v)} ${d.tx} ${d.added}`).join(',');
}

/** Datoms without tx, as `[e, a, v, added]`, for set comparisons. */
export function eav(ds: readonly Datom[]): [number, number, Value, boolean][] {
  return ds.map((d) => [d.e, d.a, d.v, d.added]);
}

/** The datoms of a report other than its txInstant, as `[e, ident, v, added]`, sorted. */
export function changes(report: TxReport): [number, string, Value, boolean][] {
  const db = report.dbAfter;
  return report.txData
    .filter((d) => d.e !== db.tToTx(db.basisT) || db.ident(d.a)?.fqn !== 'db/txInstant')
    .map((d): [number, string, Value, boolean] => [d.e, db.ident(d.a)?.fqn ?? String(d.a), d.v, d.added])
    .sort((x, y) => x[0] - y[0] || (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0) || Number(x[3]) - Number(y[3]));
}

/**
 * Awaits `p`, expecting a `DatomError` with `code` (a string or a pattern); returns it for further checks.
 */
export async function rejects(p: Promise<unknown> | (() => Promise<unknown>), code: DatomErrorCode | RegExp): Promise<Error & { code: string; data: Record<string, unknown> }> {
  let err: unknown;
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    err = e;
  }
  expect(err, 'expected the call to fail').toBeDefined();
  expect(isDatomError(err), `expected a DatomError, got ${String(err)}`).toBe(true);
  const e = err as Error & { code: string; data: Record<string, unknown> };
  if (typeof code === 'string') expect(e.code, e.message).toBe(code);
  else expect(e.code, e.message).toMatch(code);
  return e;
}

/** Snapshot of a database for "nothing changed" checks: basisT and every index. */
export async function snapshot(db: Database): Promise<unknown> {
  return {
    basisT: db.basisT,
    eavt: eav(await all(db, 'eavt')),
    aevt: eav(await all(db, 'aevt')),
    avet: eav(await all(db, 'avet')),
    vaet: eav(await all(db, 'vaet')),
    history: eav(await all(db.history(), 'eavt')),
  };
}

/** Transacts `tx` and returns the eid of tempid `name`. */
export async function create(conn: Connection, entity: Record<string, unknown>): Promise<number> {
  const r = await conn.transact([{ 'db/id': 'new', ...entity }]);
  const e = r.tempids.new;
  if (e === undefined) throw new Error('no tempid');
  return e;
}
