import { type Connection, type ConnectOptions, type Database, type Datom, DatomError, Sym, connect, isDatomError, kw, parseEdn, printEdn } from '@datomkit/datom-core';
import { InvalidArgumentError } from 'commander';
import { usageError } from './cli-error.js';

/**
 * Connects to `uri`, which must exist. A missing database fails with `db/not-found` naming the URI
 * as the user wrote it, so that the hint's command can be copied.
 *
 * @example
 * ```ts
 * const conn = await openDatabase('file:./data/music', { readOnly: true })
 * ```
 */
export async function openDatabase(uri: string, options: ConnectOptions = {}): Promise<Connection> {
  try {
    return await connect(uri, options);
  } catch (err) {
    if (isDatomError(err, 'db/not-found')) throw new DatomError('db/not-found', `No database at ${uri}.`, { data: { uri }, cause: err });
    throw err;
  }
}

/**
 * Connects to `uri` (which must exist), calls `fn` and closes the connection whatever happens.
 *
 * @example
 * ```ts
 * const basisT = await withConnection(uri, async (conn) => conn.db().basisT)
 * ```
 */
export async function withConnection<T>(uri: string, fn: (conn: Connection) => Promise<T>, options: ConnectOptions = {}): Promise<T> {
  const conn = await openDatabase(uri, options);
  try {
    return await fn(conn);
  } finally {
    await conn.close().catch(() => {});
  }
}

/** Starts of EDN text that is meant as EDN (a collection, keyword, string, tag or char). */
const EDN_START = /^[[{(:"#\\]/;

/**
 * Reads a command-line argument as EDN: `42`, `:artist/name`, `"Nina"`, `[:artist/gid #uuid "..."]`.
 * So that shells need less quoting, a bare `artist/name` (a symbol with a namespace) is the keyword
 * `:artist/name`, and a bare word or text that is not EDN at all (`Nina`, `Nina Simone`) is a string.
 *
 * @example
 * ```ts
 * ednArg(':artist/name', 'attribute') // Keyword :artist/name
 * ednArg('Nina Simone', 'value')       // 'Nina Simone'
 * ```
 */
export function ednArg(text: string, what: string): unknown {
  let v: unknown;
  try {
    v = parseEdn(text, { source: what });
  } catch (err) {
    if (!EDN_START.test(text.trim())) return text;
    throw usageError(`Cannot read the ${what} ${JSON.stringify(text)} as EDN: ${(err as Error).message}`, `Quote strings as '"text"', and write keywords as :ns/name.`);
  }
  if (v instanceof Sym) return v.namespace === null ? text : kw(v.fqn);
  return v;
}

/**
 * Ident of attribute id `a` in `db` as a keyword string (`:artist/name`), or the id when it has none.
 *
 * @example
 * ```ts
 * attrIdent(db, d.a) // ':artist/name'
 * ```
 */
export function attrIdent(db: Database, a: number): string {
  const k = db.ident(a);
  return k === null ? String(a) : `:${k.fqn}`;
}

/**
 * A datom as the `--json` output shows it: `{ e, a: ':artist/name', v, tx, added }`.
 *
 * @example
 * ```ts
 * datomJson(db, d) // { e: 1042, a: ':artist/name', v: 'Nina', tx: 4398046511106, added: true }
 * ```
 */
export function datomJson(db: Database, d: Datom): { e: number; a: string; v: unknown; tx: number; added: boolean } {
  return { e: d.e, a: attrIdent(db, d.a), v: d.v, tx: d.tx, added: d.added };
}

/**
 * A datom as one line of EDN for people: `[1042 :artist/name "Nina" 4398046511106 true]`.
 *
 * @example
 * ```ts
 * datomLine(db, d)
 * ```
 */
export function datomLine(db: Database, d: Datom): string {
  const ident = db.ident(d.a);
  return `[${d.e} ${ident === null ? d.a : `:${ident.fqn}`} ${valueText(db, d.a, d.v)} ${d.tx} ${d.added}]`;
}

/**
 * EDN text of a datom's value for people: a ref to an entity with an ident shows the ident.
 *
 * @example
 * ```ts
 * const valueType = db.attribute('db/valueType')!.id
 * valueText(db, valueType, await db.entid(kw('db.type/string'))) // ':db.type/string'
 * ```
 */
export function valueText(db: Database, a: number, v: unknown): string {
  if (typeof v === 'number' && db.attribute(a)?.valueType === 'ref') {
    const k = db.ident(v);
    if (k !== null) return `:${k.fqn}`;
  }
  return ednText(v);
}

/**
 * EDN text of any value, falling back to `String` for what EDN cannot print.
 *
 * @example
 * ```ts
 * ednText(new Date(0)) // '#inst "1970-01-01T00:00:00.000-00:00"'
 * ```
 */
export function ednText(v: unknown, pretty = false): string {
  try {
    return printEdn(v, { pretty });
  } catch {
    return String(v);
  }
}

/**
 * Parses a non-negative whole-number option (`--limit 5`) for commander; anything else is a usage
 * error.
 *
 * @example
 * ```ts
 * cmd.option('--limit <n>', 'at most n', intArg, 100)
 * ```
 */
export function intArg(text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('It must be a whole number, 0 or more.');
  return n;
}
