import {
  type Database,
  type Datom,
  DatomError,
  FIRST_USER_EID,
  type Keyword,
  TX_BASE,
  type ValueType,
  isKeyword,
  tToTx,
} from '@datomkit/datom-core';
import { isRestoreIdent } from './restore-attributes.js';

/**
 * The schema attributes' values on one source schema entity (attribute, enum or other ident).
 *
 * @example
 * ```ts
 * schema.entities.get(attrId)?.idents // [:person/name, :person/fullName]
 * ```
 */
export interface SchemaEntity {
  readonly eid: number;
  ident: Keyword | null;
  /** Every ident this entity has been asserted with, oldest first; the last is the current one. */
  readonly idents: Keyword[];
  valueType: ValueType | null;
  cardinality: 'one' | 'many' | null;
  unique: 'identity' | 'value' | null;
  isComponent: boolean | null;
  noHistory: boolean | null;
  index: boolean | null;
  doc: string | null;
  tupleAttrs: readonly Keyword[] | null;
  tupleTypes: readonly Keyword[] | null;
  tupleType: Keyword | null;
}

/**
 * How a restore treats the values of one source attribute.
 *
 * @example
 * ```ts
 * schema.kind(datom.a)?.refBearing // true for refs and tuples holding refs
 * ```
 */
export interface AttrKind {
  readonly id: number;
  readonly ident: Keyword;
  readonly valueType: ValueType;
  readonly isRef: boolean;
  /** A composite tuple: the destination derives it from its parts, so it is never written. */
  readonly composite: boolean;
  /** Element types of a tuple (one per element; one for all when `homogeneous`). */
  readonly elementTypes: readonly ValueType[] | null;
  readonly homogeneous: boolean;
  /** A ref, or a tuple with a ref element. */
  readonly refBearing: boolean;
  /** The attributes of the restore's own bookkeeping, never copied. */
  readonly bookkeeping: boolean;
  /** Attribute ids of the composite's parts. */
  readonly parts: readonly number[] | null;
}

/**
 * Ids of the built-in attributes, looked up once per source.
 *
 * @example
 * ```ts
 * systemAttrIds(db).txInstant
 * ```
 */
export interface SystemAttrIds {
  readonly ident: number;
  readonly valueType: number;
  readonly cardinality: number;
  readonly unique: number;
  readonly isComponent: number;
  readonly noHistory: number;
  readonly index: number;
  readonly doc: number;
  readonly txInstant: number;
  readonly tupleAttrs: number;
  readonly tupleTypes: number;
  readonly tupleType: number;
}

/**
 * The ids of the built-in attributes of `db`.
 *
 * @example
 * ```ts
 * systemAttrIds(db).txInstant // 9
 * ```
 */
export function systemAttrIds(db: Database): SystemAttrIds {
  const id = (ident: string): number => {
    const a = db.attribute(ident);
    if (a === null) throw new DatomError('restore/state-mismatch', `The database lacks built-in attribute :${ident}`, { data: { attribute: ident } });
    return a.id;
  };
  return {
    ident: id('db/ident'),
    valueType: id('db/valueType'),
    cardinality: id('db/cardinality'),
    unique: id('db/unique'),
    isComponent: id('db/isComponent'),
    noHistory: id('db/noHistory'),
    index: id('db/index'),
    doc: id('db/doc'),
    txInstant: id('db/txInstant'),
    tupleAttrs: id('db/tupleAttrs'),
    tupleTypes: id('db/tupleTypes'),
    tupleType: id('db/tupleType'),
  };
}

function typeOf(k: unknown): ValueType | null {
  if (!isKeyword(k) || k.namespace !== 'db.type') return null;
  return k.name as ValueType;
}

/**
 * The schema of a source database as of one t, kept by the restore itself from schema datoms.
 * A database value's `attribute()` answers with its *current* schema even through `asOf`, and the
 * destination's attribute ids differ from the source's, so neither can say what a source datom's
 * attribute was when it was written. This model starts from the schema as of a basis t and is moved
 * forward with {@link SourceSchema.apply} one source transaction at a time during replay.
 *
 * @example
 * ```ts
 * const schema = await SourceSchema.load(sourceDb, sourceDb.basisT)
 * schema.kind(datom.a)?.isRef
 * ```
 */
export class SourceSchema {
  /**
   * A live object of this class, kept for the reason datom-core's `Filler.kept` (db/column-read.ts)
   * gives: without one, each full collection between two restores drops the optimized code of the
   * methods that read a source schema. Made over a stand-in database that knows only attribute ids.
   */
  static readonly kept: SourceSchema = new SourceSchema({ attribute: () => ({ id: 0.5 }), ident: () => null } as unknown as Database, 0);

  /** Schema entities (ids at or above FIRST_USER_EID that have, or had, an ident). */
  readonly entities = new Map<number, SchemaEntity>();
  readonly #byIdent = new Map<string, number>();
  readonly #kinds = new Map<number, AttrKind | null>();
  readonly #sys: SystemAttrIds;
  readonly #sysByAttr: Map<number, keyof SchemaEntity>;
  readonly #db: Database;
  readonly #typeByEid = new Map<number, ValueType>();
  readonly #enumByEid = new Map<number, string>();
  #t: number;
  #version = 0;

  private constructor(db: Database, t: number) {
    this.#db = db;
    this.#t = t;
    this.#sys = systemAttrIds(db);
    const s = this.#sys;
    this.#sysByAttr = new Map<number, keyof SchemaEntity>([
      [s.valueType, 'valueType'],
      [s.cardinality, 'cardinality'],
      [s.unique, 'unique'],
      [s.isComponent, 'isComponent'],
      [s.noHistory, 'noHistory'],
      [s.index, 'index'],
      [s.doc, 'doc'],
      [s.tupleAttrs, 'tupleAttrs'],
      [s.tupleTypes, 'tupleTypes'],
      [s.tupleType, 'tupleType'],
    ]);
    // Value types, cardinalities and uniqueness are built-in ident entities, the same in every database.
    for (let e = 1; e < FIRST_USER_EID; e++) {
      const k = db.ident(e);
      if (k === null) continue;
      const vt = typeOf(k);
      if (vt !== null) this.#typeByEid.set(e, vt);
      else this.#enumByEid.set(e, k.fqn);
    }
  }

  /** The built-in attribute ids. */
  get sys(): SystemAttrIds {
    return this.#sys;
  }

  /** The t this model describes. */
  get t(): number {
    return this.#t;
  }

  /**
   * How many of the transactions {@link apply} took changed the model: while it stays the same, so
   * does every answer about attributes (what is worked out from them can be kept).
   */
  get version(): number {
    return this.#version;
  }

  /**
   * The schema of `db` as of `t` (default: the value's basis), with every ident each schema entity
   * has had up to `t`, so renamed attributes can keep their old idents as aliases.
   */
  static async load(db: Database, t: number = db.asOfT ?? db.basisT): Promise<SourceSchema> {
    const s = new SourceSchema(db, t);
    const asOf = db.asOf(t);
    const schemaIds = new Set<number>(Object.values(s.#sys));
    const eids: number[] = [];
    for await (const batch of asOf.datoms('aevt', s.#sys.ident).batches()) {
      for (const d of batch) if (d.e >= FIRST_USER_EID && d.e < TX_BASE) eids.push(d.e);
    }
    for (const e of eids) {
      const ent = s.#entity(e);
      for (const d of await asOf.datoms('eavt', e).toArray()) {
        if (d.a === s.#sys.ident) ent.ident = d.v as Keyword;
        else if (schemaIds.has(d.a)) s.#set(ent, d.a, d.v, true);
      }
      const hist = (await db.history().datoms('eavt', e, s.#sys.ident).toArray())
        .filter((d) => d.tx <= tToTx(t))
        .sort((x, y) => x.tx - y.tx || Number(x.added) - Number(y.added));
      for (const d of hist) if (d.added) ent.idents.push(d.v as Keyword);
      if (ent.idents.length === 0 && ent.ident !== null) ent.idents.push(ent.ident);
      for (const k of ent.idents) s.#byIdent.set(k.fqn, e);
      if (ent.ident !== null) s.#byIdent.set(ent.ident.fqn, e);
    }
    return s;
  }

  #entity(e: number): SchemaEntity {
    let ent = this.entities.get(e);
    if (ent === undefined) {
      ent = {
        eid: e,
        ident: null,
        idents: [],
        valueType: null,
        cardinality: null,
        unique: null,
        isComponent: null,
        noHistory: null,
        index: null,
        doc: null,
        tupleAttrs: null,
        tupleTypes: null,
        tupleType: null,
      };
      this.entities.set(e, ent);
    }
    return ent;
  }

  #set(ent: SchemaEntity, a: number, v: unknown, added: boolean): void {
    const field = this.#sysByAttr.get(a);
    if (field === undefined) return;
    const w = ent as unknown as Record<string, unknown>;
    if (!added) {
      w[field] = null;
      return;
    }
    switch (field) {
      case 'valueType':
        w[field] = this.#typeByEid.get(v as number) ?? null;
        break;
      case 'cardinality':
        w[field] = this.#enumByEid.get(v as number) === 'db.cardinality/many' ? 'many' : 'one';
        break;
      case 'unique':
        w[field] = this.#enumByEid.get(v as number) === 'db.unique/value' ? 'value' : 'identity';
        break;
      default:
        w[field] = v;
    }
  }

  /** True when `a` is one of the built-in schema attributes (ident, valueType, … tupleType). */
  isSchemaAttr(a: number): boolean {
    return a === this.#sys.ident || this.#sysByAttr.has(a);
  }

  /** True when `e` is a schema entity (an attribute, an enum or another ident) of the source. */
  isSchemaEntity(e: number): boolean {
    return this.entities.has(e);
  }

  /** The source entity named `fqn` (a current ident or an old one). */
  eidOf(fqn: string): number | undefined {
    return this.#byIdent.get(fqn);
  }

  /** The current ident of attribute `a`, as a string without colon. */
  identOf(a: number): string {
    if (a < FIRST_USER_EID) return this.#db.ident(a)?.fqn ?? String(a);
    return this.entities.get(a)?.ident?.fqn ?? String(a);
  }

  /**
   * Moves the model past one source transaction's datoms (retractions before assertions, as the
   * engine applies them).
   */
  apply(datoms: readonly Datom[], t: number): void {
    this.#t = t;
    let changed = false;
    for (const pass of [false, true]) {
      for (const d of datoms) {
        // Schema attributes are built-ins: a user attribute's datom is rejected by one comparison.
        if (d.a >= FIRST_USER_EID || d.added !== pass || !this.isSchemaAttr(d.a) || d.e < FIRST_USER_EID || d.e >= TX_BASE) continue;
        const ent = this.#entity(d.e);
        changed = true;
        if (d.a === this.#sys.ident) {
          if (d.added) {
            ent.ident = d.v as Keyword;
            ent.idents.push(d.v as Keyword);
            this.#byIdent.set((d.v as Keyword).fqn, d.e);
          } else if (ent.ident === d.v) ent.ident = null;
        } else this.#set(ent, d.a, d.v, d.added);
      }
    }
    if (changed) {
      this.#kinds.clear();
      this.#version++;
    }
  }

  /** How the values of attribute `a` are read and remapped; `null` for an unknown attribute. */
  kind(a: number): AttrKind | null {
    const cached = this.#kinds.get(a);
    if (cached !== undefined) return cached;
    const k = this.#computeKind(a);
    this.#kinds.set(a, k);
    return k;
  }

  #computeKind(a: number): AttrKind | null {
    let ident: Keyword;
    let valueType: ValueType;
    let tupleAttrs: readonly Keyword[] | null = null;
    let tupleTypes: readonly ValueType[] | null = null;
    let tupleType: ValueType | null = null;
    if (a < FIRST_USER_EID) {
      const attr = this.#db.attribute(a);
      if (attr === null) return null;
      ident = attr.ident;
      valueType = attr.valueType;
      tupleTypes = attr.tupleTypes;
      tupleType = attr.tupleType;
    } else {
      const ent = this.entities.get(a);
      if (ent === undefined || ent.valueType === null || ent.ident === null) return null;
      ident = ent.ident;
      valueType = ent.valueType;
      tupleAttrs = ent.tupleAttrs;
      tupleTypes = ent.tupleTypes === null ? null : ent.tupleTypes.map((k) => typeOf(k) ?? 'string');
      tupleType = ent.tupleType === null ? null : (typeOf(ent.tupleType) ?? 'string');
    }
    let parts: number[] | null = null;
    let elementTypes: readonly ValueType[] | null = null;
    let homogeneous = false;
    if (tupleAttrs !== null) {
      parts = tupleAttrs.map((k) => this.#byIdent.get(k.fqn) ?? -1);
      elementTypes = parts.map((p) => this.entities.get(p)?.valueType ?? 'string');
    } else if (tupleTypes !== null) elementTypes = tupleTypes;
    else if (tupleType !== null) {
      elementTypes = [tupleType];
      homogeneous = true;
    }
    const isRef = valueType === 'ref';
    return {
      id: a,
      ident,
      valueType,
      isRef,
      composite: tupleAttrs !== null,
      elementTypes,
      homogeneous,
      refBearing: isRef || (elementTypes?.includes('ref') ?? false),
      bookkeeping: isRestoreIdent(ident.fqn),
      parts,
    };
  }

  /** Composite tuple attributes, with the ids of their parts. */
  composites(): AttrKind[] {
    const out: AttrKind[] = [];
    for (const e of this.entities.keys()) {
      const k = this.kind(e);
      if (k?.composite === true) out.push(k);
    }
    return out;
  }
}
