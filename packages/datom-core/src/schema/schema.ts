import { DatomError } from '../error/datom-error.js';
import type { Keyword } from '../model/keyword.js';
import type { Value } from '../model/value.js';
import type { Attribute, ValueType } from './attribute.js';
import {
  A,
  CARD_MANY,
  CARD_ONE,
  UNIQUE_IDENTITY,
  UNIQUE_VALUE,
  VALUE_TYPES,
  bootstrapDatoms,
  valueTypeOfEid,
} from './bootstrap.js';

/** The schema attribute values of one entity, as far as they are set. */
interface SchemaRecord {
  ident?: Keyword;
  valueType?: number;
  cardinality?: number;
  unique?: number;
  isComponent?: boolean;
  noHistory?: boolean;
  index?: boolean;
  doc?: string;
  tupleAttrs?: readonly Keyword[];
  tupleTypes?: readonly Keyword[];
  tupleType?: Keyword;
}


/** An attribute plus what the engine needs on its hot paths. */
export interface AttrInfo extends Attribute {
  readonly isRef: boolean;
  readonly many: boolean;
  /** Composite tuple attributes this attribute is a part of. */
  readonly partOf: readonly number[];
}

/** One schema datom change. */
export interface SchemaChange {
  readonly e: number;
  readonly a: number;
  readonly v: Value;
  readonly added: boolean;
}

/** The field of a {@link SchemaRecord} that each schema attribute sets. */
const FIELD: Readonly<Record<number, keyof SchemaRecord>> = {
  [A.ident]: 'ident',
  [A.valueType]: 'valueType',
  [A.cardinality]: 'cardinality',
  [A.unique]: 'unique',
  [A.isComponent]: 'isComponent',
  [A.noHistory]: 'noHistory',
  [A.index]: 'index',
  [A.doc]: 'doc',
  [A.tupleAttrs]: 'tupleAttrs',
  [A.tupleTypes]: 'tupleTypes',
  [A.tupleType]: 'tupleType',
};

/** The attributes whose datoms make up the schema. */
export const SCHEMA_ATTRS: ReadonlySet<number> = new Set(Object.keys(FIELD).map(Number));

/** SCHEMA_ATTRS as flags by attribute id: every transaction asks of each of its datoms. */
const SCHEMA_FLAGS = Uint8Array.from({ length: Math.max(...SCHEMA_ATTRS) + 1 }, (_, a) => (SCHEMA_ATTRS.has(a) ? 1 : 0));

/** True when datoms of attribute `a` make up the schema (one of {@link SCHEMA_ATTRS}). */
export function isSchemaAttr(a: number): boolean {
  return a < SCHEMA_FLAGS.length && SCHEMA_FLAGS[a] === 1;
}

function setField(r: SchemaRecord, a: number, v: Value | undefined): void {
  const field = FIELD[a];
  if (field !== undefined) (r as Record<keyof SchemaRecord, unknown>)[field] = v;
}

function typeName(k: Keyword | undefined, e: number): ValueType {
  const name = k?.namespace === 'db.type' ? k.name : undefined;
  if (name === undefined || !(VALUE_TYPES as readonly string[]).includes(name) || name === 'tuple') {
    throw new DatomError('schema/validation', `Attribute ${e} names an unknown tuple element type ${String(k)}`, {
      data: { entity: e, type: String(k) },
    });
  }
  return name as ValueType;
}

/**
 * The schema of a database value: its attributes and idents. Immutable; a transaction that changes
 * schema datoms makes a new one with {@link Schema.apply}, which enforces Datomic's alteration rules.
 */
export class Schema {
  /** A live schema and its attributes, kept for the reason `Filler.kept` (db/column-read.ts) gives: a database's own die when it is closed, and the next database's code ran unoptimized. */
  static readonly kept: Schema = Schema.fromDatoms(bootstrapDatoms());

  readonly #records: Map<number, SchemaRecord>;
  readonly #attrs: Map<number, AttrInfo>;
  readonly #byIdent: Map<string, number>;
  readonly #aliases: Map<string, number>;
  /** Attributes by current ident and by alias: transactions name attributes by ident. */
  readonly #attrsByName: Map<string, AttrInfo>;

  private constructor(records: Map<number, SchemaRecord>, aliases: Map<string, number>) {
    this.#records = records;
    this.#aliases = aliases;
    this.#byIdent = new Map();
    this.#attrs = new Map();
    for (const [e, r] of records) if (r.ident !== undefined) this.#byIdent.set(r.ident.fqn, e);
    const partOf = new Map<number, number[]>();
    const pending: [number, SchemaRecord][] = [];
    for (const [e, r] of records) if (r.valueType !== undefined) pending.push([e, r]);
    for (const [e, r] of pending) {
      if (r.tupleAttrs === undefined) continue;
      for (const k of r.tupleAttrs) {
        const src = this.#byIdent.get(k.fqn) ?? aliases.get(k.fqn);
        if (src === undefined) continue;
        let l = partOf.get(src);
        if (l === undefined) partOf.set(src, (l = []));
        l.push(e);
      }
    }
    for (const [e, r] of pending) this.#attrs.set(e, this.#build(e, r, partOf.get(e) ?? []));
    this.#attrsByName = new Map();
    for (const [fqn, e] of aliases) {
      const a = this.#attrs.get(e);
      if (a !== undefined) this.#attrsByName.set(fqn, a);
    }
    // A current ident wins over an alias of the same name.
    for (const [fqn, e] of this.#byIdent) {
      const a = this.#attrs.get(e);
      if (a !== undefined) this.#attrsByName.set(fqn, a);
      else this.#attrsByName.delete(fqn);
    }
  }

  #build(e: number, r: SchemaRecord, partOf: readonly number[]): AttrInfo {
    const valueType = valueTypeOfEid(r.valueType as number);
    if (valueType === null) {
      throw new DatomError('schema/validation', `Attribute ${String(r.ident)} has an unknown value type ${r.valueType}`, {
        data: { attribute: String(r.ident), valueType: r.valueType },
      });
    }
    const tupleAttrs =
      r.tupleAttrs === undefined
        ? null
        : r.tupleAttrs.map((k) => {
            const id = this.#byIdent.get(k.fqn) ?? this.#aliases.get(k.fqn);
            if (id === undefined) {
              throw new DatomError('schema/validation', `Composite tuple ${String(r.ident)} names unknown attribute ${String(k)}`, {
                data: { attribute: String(r.ident), part: String(k) },
              });
            }
            return id;
          });
    return Object.freeze({
      id: e,
      ident: r.ident as Keyword,
      valueType,
      cardinality: r.cardinality === CARD_MANY ? 'many' : 'one',
      unique: r.unique === UNIQUE_IDENTITY ? 'identity' : r.unique === UNIQUE_VALUE ? 'value' : null,
      isComponent: r.isComponent === true,
      noHistory: r.noHistory === true,
      index: r.index === true,
      doc: r.doc ?? null,
      tupleAttrs: tupleAttrs === null ? null : Object.freeze(tupleAttrs),
      tupleTypes: r.tupleTypes === undefined ? null : Object.freeze(r.tupleTypes.map((k) => typeName(k, e))),
      tupleType: r.tupleType === undefined ? null : typeName(r.tupleType, e),
      isRef: valueType === 'ref',
      many: r.cardinality === CARD_MANY,
      partOf: Object.freeze(partOf.slice()),
    } satisfies AttrInfo);
  }

  /** The schema described by `datoms` (the bootstrap datoms of a new database, or a stored schema). */
  static fromDatoms(datoms: Iterable<readonly [number, number, Value]>, aliases: Iterable<[string, number]> = []): Schema {
    const records = new Map<number, SchemaRecord>();
    for (const [e, a, v] of datoms) {
      if (!SCHEMA_ATTRS.has(a)) continue;
      let r = records.get(e);
      if (r === undefined) records.set(e, (r = {}));
      setField(r, a, v);
    }
    return new Schema(records, new Map(aliases));
  }

  /** The attribute with id or ident `ref`, or undefined. */
  attr(id: number): AttrInfo | undefined {
    return this.#attrs.get(id);
  }

  /** Entity id of ident `fqn` (without colon), through aliases too, or undefined. */
  identEid(fqn: string): number | undefined {
    return this.#byIdent.get(fqn) ?? this.#aliases.get(fqn);
  }

  /** The attribute named `fqn` (current ident or alias), or undefined. */
  attrByIdent(fqn: string): AttrInfo | undefined {
    return this.#attrsByName.get(fqn);
  }

  /** The current ident of entity `e`, or null. */
  ident(e: number): Keyword | null {
    return this.#records.get(e)?.ident ?? null;
  }

  /** Every attribute. */
  attrs(): IterableIterator<AttrInfo> {
    return this.#attrs.values();
  }

  /** Old idents that still resolve, with the entity they resolve to. */
  aliases(): ReadonlyMap<string, number> {
    return this.#aliases;
  }

  /** Schema datoms of entity `e`, as they stand. */
  isSchemaEntity(e: number): boolean {
    return this.#records.has(e);
  }

  /**
   * The schema after `changes` (the schema datoms of one transaction, retractions first), checked
   * against Datomic's rules: a new attribute needs an ident, a value type and a cardinality; the
   * value type and tuple definition of an installed attribute never change; an attribute cannot be
   * uninstalled. `checkData` answers the questions that need the data (are there entities with
   * several values, or values held twice) when cardinality or uniqueness is tightened.
   */
  apply(changes: readonly SchemaChange[], checkData: SchemaDataCheck): Schema {
    if (changes.length === 0) return this;
    const records = new Map(this.#records);
    const aliases = new Map(this.#aliases);
    const touched = new Set<number>();
    for (const c of changes) {
      let r = records.get(c.e);
      if (r === undefined) r = {};
      else if (!touched.has(c.e)) r = { ...r };
      records.set(c.e, r);
      touched.add(c.e);
      if (c.added) setField(r, c.a, c.v);
      else if (c.a !== A.ident || r.ident === c.v) setField(r, c.a, undefined);
    }
    for (const e of touched) {
      const before = this.#records.get(e);
      const after = records.get(e) as SchemaRecord;
      if (Object.values(after).every((x) => x === undefined)) records.delete(e);
      // A renamed ident keeps working as an alias of the same entity.
      if (before?.ident !== undefined && before.ident !== after.ident) aliases.set(before.ident.fqn, e);
      if (after.ident !== undefined) aliases.delete(after.ident.fqn);
      validate(e, before, after, checkData);
    }
    for (const [e, r] of records) {
      if (r.ident !== undefined && touched.has(e)) {
        const other = this.#byIdent.get(r.ident.fqn);
        if (other !== undefined && other !== e && records.get(other)?.ident === r.ident) {
          throw new DatomError('schema/validation', `Ident ${String(r.ident)} is already used by entity ${other}`, {
            data: { ident: String(r.ident), entity: e, holder: other },
          });
        }
      }
    }
    return new Schema(records, aliases);
  }
}

/** Questions about the data that tightening cardinality or uniqueness must ask. */
export interface SchemaDataCheck {
  /** True when some entity has several values of attribute `a`. */
  hasManyValues(a: number): boolean;
  /** True when some value of attribute `a` is held by several entities. */
  hasDuplicateValues(a: number): boolean;
}

function name(e: number, r: SchemaRecord | undefined): string {
  return r?.ident !== undefined ? String(r.ident) : String(e);
}

function sameKeywords(x: readonly Keyword[] | undefined, y: readonly Keyword[] | undefined): boolean {
  if (x === y) return true;
  if (x === undefined || y === undefined || x.length !== y.length) return false;
  return x.every((k, i) => k === y[i]);
}

function validate(e: number, before: SchemaRecord | undefined, after: SchemaRecord, check: SchemaDataCheck): void {
  const wasAttr = before?.valueType !== undefined;
  const isAttr = after.valueType !== undefined || after.cardinality !== undefined;
  const attr = name(e, after.ident !== undefined ? after : before);
  if (wasAttr) {
    if (after.valueType === undefined || after.cardinality === undefined || after.ident === undefined) {
      throw new DatomError(
        'schema/alteration',
        `Attribute ${attr} cannot be uninstalled: its ident, value type and cardinality must stay`,
        { data: { attribute: attr } },
      );
    }
    if (before.valueType !== after.valueType) {
      throw new DatomError('schema/alteration', `The value type of attribute ${attr} cannot be changed`, {
        data: { attribute: attr },
      });
    }
    if (
      !sameKeywords(before.tupleAttrs, after.tupleAttrs) ||
      !sameKeywords(before.tupleTypes, after.tupleTypes) ||
      before.tupleType !== after.tupleType
    ) {
      throw new DatomError('schema/alteration', `The tuple definition of attribute ${attr} cannot be changed`, {
        data: { attribute: attr },
      });
    }
    if (before.cardinality === CARD_MANY && after.cardinality === CARD_ONE && check.hasManyValues(e)) {
      throw new DatomError(
        'schema/alteration',
        `Attribute ${attr} cannot become cardinality one: some entities have several values`,
        { data: { attribute: attr } },
      );
    }
    if (before.unique === undefined && after.unique !== undefined && check.hasDuplicateValues(e)) {
      throw new DatomError('schema/alteration', `Attribute ${attr} cannot become unique: some values are held twice`, {
        data: { attribute: attr },
      });
    }
    return;
  }
  if (!isAttr) {
    if (after.unique !== undefined || after.isComponent !== undefined || after.tupleAttrs !== undefined) {
      throw new DatomError('schema/validation', `Entity ${attr} has attribute properties but no value type`, {
        data: { attribute: attr },
      });
    }
    return;
  }
  if (after.ident === undefined || after.valueType === undefined || after.cardinality === undefined) {
    throw new DatomError(
      'schema/validation',
      `A new attribute needs db/ident, db/valueType and db/cardinality (${attr} lacks ${[
        after.ident === undefined ? 'db/ident' : '',
        after.valueType === undefined ? 'db/valueType' : '',
        after.cardinality === undefined ? 'db/cardinality' : '',
      ]
        .filter(Boolean)
        .join(', ')})`,
      { data: { attribute: attr } },
    );
  }
  if (after.ident.namespace === null || after.ident.namespace === 'db' || after.ident.namespace.startsWith('db.')) {
    if (after.ident.namespace !== null) {
      throw new DatomError('schema/validation', `Attribute ${attr} uses the reserved namespace ${after.ident.namespace}`, {
        data: { attribute: attr },
      });
    }
  }
  const vt = valueTypeOfEid(after.valueType);
  if (vt === null) {
    throw new DatomError('schema/validation', `Attribute ${attr} has an unknown value type`, { data: { attribute: attr } });
  }
  if (after.cardinality !== CARD_ONE && after.cardinality !== CARD_MANY) {
    throw new DatomError('schema/validation', `Attribute ${attr} has an unknown cardinality`, { data: { attribute: attr } });
  }
  if (after.unique !== undefined && after.unique !== UNIQUE_IDENTITY && after.unique !== UNIQUE_VALUE) {
    throw new DatomError('schema/validation', `Attribute ${attr} has an unknown uniqueness`, { data: { attribute: attr } });
  }
  if (after.isComponent === true && vt !== 'ref') {
    throw new DatomError('schema/validation', `Attribute ${attr} is a component but not a ref`, { data: { attribute: attr } });
  }
  const tupleDefs =
    (after.tupleAttrs !== undefined ? 1 : 0) + (after.tupleTypes !== undefined ? 1 : 0) + (after.tupleType !== undefined ? 1 : 0);
  if (vt === 'tuple' && tupleDefs !== 1) {
    throw new DatomError(
      'schema/validation',
      `Tuple attribute ${attr} needs exactly one of db/tupleAttrs, db/tupleTypes or db/tupleType`,
      { data: { attribute: attr } },
    );
  }
  if (vt !== 'tuple' && tupleDefs !== 0) {
    throw new DatomError('schema/validation', `Attribute ${attr} has a tuple definition but is not a tuple`, {
      data: { attribute: attr },
    });
  }
  const parts = after.tupleAttrs ?? after.tupleTypes;
  if (parts !== undefined && (parts.length < 2 || parts.length > 8)) {
    throw new DatomError('schema/validation', `Tuple attribute ${attr} needs 2 to 8 elements, got ${parts.length}`, {
      data: { attribute: attr },
    });
  }
  if (after.tupleAttrs !== undefined && after.cardinality !== CARD_ONE) {
    throw new DatomError('schema/validation', `Composite tuple ${attr} must have cardinality one`, {
      data: { attribute: attr },
    });
  }
}
