import { BigDec, type Connection, type TxData, Uuid, kw } from '@datomkit/datom-core';
import fc from 'fast-check';

/**
 * Value types a random attribute may have (tuples: a (ref long) pair and a homogeneous ref tuple).
 *
 * @example
 * ```ts
 * const types: AttrType[] = ['string', 'ref', 'pair']
 * ```
 */
export type AttrType = 'string' | 'long' | 'double' | 'boolean' | 'keyword' | 'instant' | 'uuid' | 'bigint' | 'bigdec' | 'ref' | 'pair' | 'refs';

/**
 * A random attribute: its type, cardinality and whether it is unique identity.
 *
 * @example
 * ```ts
 * const spec: AttrSpec = { type: 'long', many: false, unique: true }
 * ```
 */
export interface AttrSpec {
  readonly type: AttrType;
  readonly many: boolean;
  readonly unique: boolean;
}

/** Every {@link AttrType}. */
export const ATTR_TYPES: readonly AttrType[] = ['string', 'long', 'double', 'boolean', 'keyword', 'instant', 'uuid', 'bigint', 'bigdec', 'ref', 'pair', 'refs'];

/**
 * Random attribute specs of the given types (default all): only strings and longs are unique,
 * tuples are cardinality one.
 *
 * @example
 * ```ts
 * const specs = attrSpecs(['string', 'ref']) // a fast-check arbitrary
 * ```
 */
export function attrSpecs(types: readonly AttrType[] = ATTR_TYPES): fc.Arbitrary<AttrSpec> {
  return fc.record({ type: fc.constantFrom(...types), many: fc.boolean(), unique: fc.boolean() }).map((s) => ({
    type: s.type,
    many: s.many && s.type !== 'pair' && s.type !== 'refs',
    unique: s.unique && (s.type === 'string' || s.type === 'long') && !s.many,
  }));
}

/**
 * One step of a random history; numbers pick attributes and entities modulo what exists then.
 *
 * @example
 * ```ts
 * const created: HistoryOp = { k: 'create', vals: [[0, 3]], meta: false }
 * ```
 */
export type HistoryOp =
  | { readonly k: 'create'; readonly vals: readonly [number, number][]; readonly meta: boolean }
  | { readonly k: 'set'; readonly e: number; readonly a: number; readonly v: number }
  | { readonly k: 'retract'; readonly e: number; readonly a: number }
  | { readonly k: 'retractEntity'; readonly e: number }
  | { readonly k: 'rename'; readonly a: number }
  | { readonly k: 'addAttr'; readonly spec: AttrSpec };

/**
 * Random history steps, new attributes among `types` (default all): creations (some with
 * transaction metadata), card-one and card-many sets, retractions, renames.
 *
 * @example
 * ```ts
 * const steps = historyOps() // a fast-check arbitrary
 * ```
 */
export function historyOps(types: readonly AttrType[] = ATTR_TYPES): fc.Arbitrary<HistoryOp> {
  return fc.oneof(
    { weight: 5, arbitrary: fc.record({ k: fc.constant('create' as const), vals: fc.array(fc.tuple(fc.nat(), fc.nat(40)), { maxLength: 6 }), meta: fc.boolean() }) },
    { weight: 4, arbitrary: fc.record({ k: fc.constant('set' as const), e: fc.nat(), a: fc.nat(), v: fc.nat(40) }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constant('retract' as const), e: fc.nat(), a: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('retractEntity' as const), e: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('rename' as const), a: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('addAttr' as const), spec: attrSpecs(types) }) },
  );
}

/**
 * A source database built from a random schema and a random history ({@link randomScenario}),
 * for property tests of restores, backups and exports. Steps the database refuses (a unique value
 * that clashes, a tuple that needs an entity) are left out of the history.
 *
 * @example
 * ```ts
 * const src = new RandomSource(conn)
 * await src.addAttr({ type: 'long', many: false, unique: false })
 * await src.apply({ k: 'create', vals: [[0, 3]], meta: true })
 * src.entities.length // 1
 * ```
 */
export class RandomSource {
  readonly attrs: { ident: string; spec: AttrSpec }[] = [];
  readonly entities: number[] = [];
  readonly #txMeta: boolean;
  #n = 0;
  /** `txMeta: false`: creations carry no transaction metadata (and no `meta/note` attribute is made). */
  constructor(
    readonly conn: Connection,
    options: { readonly txMeta?: boolean } = {},
  ) {
    this.#txMeta = options.txMeta ?? true;
  }

  async addAttr(spec: AttrSpec): Promise<void> {
    const ident = `p${this.attrs.length}/a`;
    const base = { 'db/ident': kw(ident), 'db/cardinality': kw(`db.cardinality/${spec.many ? 'many' : 'one'}`) };
    const form =
      spec.type === 'pair'
        ? { ...base, 'db/valueType': kw('db.type/tuple'), 'db/tupleTypes': [kw('db.type/ref'), kw('db.type/long')] }
        : spec.type === 'refs'
          ? { ...base, 'db/valueType': kw('db.type/tuple'), 'db/tupleType': kw('db.type/ref') }
          : { ...base, 'db/valueType': kw(`db.type/${spec.type}`), ...(spec.unique ? { 'db/unique': kw('db.unique/identity') } : {}) };
    if (this.attrs.length === 0 && this.#txMeta) await this.conn.transact([{ 'db/ident': kw('meta/note'), 'db/valueType': kw('db.type/string'), 'db/cardinality': kw('db.cardinality/one') }]);
    await this.conn.transact([form]);
    this.attrs.push({ ident, spec });
  }

  /** The value `v` picks for an attribute of `spec` (`self`: the entity being written). */
  value(spec: AttrSpec, v: number, self: string | number): unknown {
    const ent = (i: number) => (this.entities.length === 0 ? self : (this.entities[i % this.entities.length] as number));
    const existing = (i: number) => (this.entities.length === 0 ? null : (this.entities[i % this.entities.length] as number));
    switch (spec.type) {
      case 'string':
        return spec.unique ? `u${this.#n++}` : `s"\\${v % 7}\n`;
      case 'long':
        return spec.unique ? this.#n++ : v % 5 === 4 ? 2n ** 60n + BigInt(v) : v % 5;
      case 'double':
        return [1, 0.5, -2.25, 1e300, Number.NaN, Number.POSITIVE_INFINITY][v % 6];
      case 'boolean':
        return v % 2 === 0;
      case 'keyword':
        return kw(`k/v${v % 4}`);
      case 'instant':
        return new Date(Date.UTC(2020, 0, 1) + v * 86_400_123);
      case 'uuid':
        return new Uuid(`00000000-0000-4000-8000-${String(v).padStart(12, '0')}`);
      case 'bigint':
        return BigInt(v) * 10n ** 20n;
      case 'bigdec':
        return new BigDec(BigInt(v) * 7n, v % 3);
      case 'ref':
        return v % 6 === 0 ? self : ent(v);
      case 'pair':
        return [v % 3 === 0 ? null : existing(v), v];
      case 'refs':
        return [existing(v), v % 2 === 0 ? null : existing(v + 1)];
    }
  }

  /** Applies one step of history. */
  async apply(o: HistoryOp): Promise<void> {
    if (o.k === 'addAttr') return this.addAttr(o.spec);
    if (o.k === 'rename') {
      const a = this.attrs[o.a % this.attrs.length];
      if (a === undefined) return;
      const next = `${a.ident.split('/')[0]}/r${this.#n++}`;
      await this.conn.transact([{ 'db/id': kw(a.ident), 'db/ident': kw(next) }]);
      a.ident = next;
      return;
    }
    const tx = this.#tx(o);
    if (tx === null) return;
    try {
      const r = await this.conn.transact(tx);
      if (o.k === 'create') this.entities.push(r.tempids.e as number);
      if (o.k === 'retractEntity') this.entities.splice(o.e % this.entities.length, 1);
    } catch {
      // The source refused it (a tuple needs an existing entity, a unique value clashes): not history.
    }
  }

  #tx(o: HistoryOp): TxData | null {
    const attr = (i: number) => this.attrs[i % this.attrs.length] as { ident: string; spec: AttrSpec };
    switch (o.k) {
      case 'create': {
        const m: Record<string, unknown> = { 'db/id': 'e', [attr(0).ident]: this.value(attr(0).spec, 1, 'e') };
        for (const [a, v] of o.vals) m[attr(a).ident] = this.value(attr(a).spec, v, 'e');
        for (const [k, v] of Object.entries(m)) if (v === null || (Array.isArray(v) && v.every((x) => x === null))) delete m[k];
        return o.meta && this.#txMeta ? [m, { 'db/id': 'datomic.tx', 'meta/note': `created ${this.#n++}` }] : [m];
      }
      case 'set': {
        if (this.entities.length === 0) return null;
        const e = this.entities[o.e % this.entities.length] as number;
        const a = attr(o.a);
        const v = this.value(a.spec, o.v, e);
        return v === null ? null : [['db/add', e, a.ident, v]];
      }
      case 'retract':
        return this.entities.length === 0 ? null : [['db.fn/retractAttribute', this.entities[o.e % this.entities.length] as number, attr(o.a).ident]];
      case 'retractEntity':
        return this.entities.length === 0 ? null : [['db/retractEntity', this.entities[o.e % this.entities.length] as number]];
      default:
        return null;
    }
  }
}

/**
 * A random schema (1-5 attributes of `types`), a history of `minOps`-`maxOps` steps, and a split
 * point (`split` modulo the history's length + 1) for tests that restore or back up twice.
 *
 * @example
 * ```ts
 * const scenarios = randomScenario({ types: ['string', 'ref'], maxOps: 20 }) // for test.prop
 * ```
 */
export function randomScenario(options: { readonly types?: readonly AttrType[]; readonly minOps?: number; readonly maxOps?: number } = {}) {
  return fc.record({
    schema: fc.array(attrSpecs(options.types), { minLength: 1, maxLength: 5 }),
    history: fc.array(historyOps(options.types), { minLength: options.minOps ?? 10, maxLength: options.maxOps ?? 60 }),
    split: fc.nat(),
  });
}
