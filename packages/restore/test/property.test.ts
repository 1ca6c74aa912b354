import { type Connection, type TxData, kw } from '@datomkit/datom-core';
import { fc, test } from '@fast-check/vitest';
import { afterAll, describe, expect } from 'vitest';
import { currentStateRestore, incrementalRestore, verifyRestore } from '../src/index.js';
import { dropAll, freshConn } from './helpers.js';

afterAll(dropAll);

const NUM_RUNS = Number(process.env.RESTORE_PROP_RUNS ?? 40);

type AttrType = 'string' | 'long' | 'boolean' | 'keyword' | 'ref' | 'pair' | 'refs';
interface AttrSpec {
  readonly type: AttrType;
  readonly many: boolean;
  readonly unique: boolean;
}

const attrSpec: fc.Arbitrary<AttrSpec> = fc
  .record({ type: fc.constantFrom<AttrType>('string', 'long', 'boolean', 'keyword', 'ref', 'pair', 'refs'), many: fc.boolean(), unique: fc.boolean() })
  .map((s) => ({
    type: s.type,
    many: s.many && s.type !== 'pair' && s.type !== 'refs',
    unique: s.unique && (s.type === 'string' || s.type === 'long') && !s.many,
  }));

/** One step of history; numbers pick attributes and entities modulo what exists then. */
type Op =
  | { readonly k: 'create'; readonly vals: readonly [number, number][]; readonly selfRef: boolean }
  | { readonly k: 'set'; readonly e: number; readonly a: number; readonly v: number }
  | { readonly k: 'retract'; readonly e: number; readonly a: number }
  | { readonly k: 'retractEntity'; readonly e: number }
  | { readonly k: 'rename'; readonly a: number }
  | { readonly k: 'addAttr'; readonly spec: AttrSpec };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ k: fc.constant('create' as const), vals: fc.array(fc.tuple(fc.nat(), fc.nat(40)), { maxLength: 6 }), selfRef: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('set' as const), e: fc.nat(), a: fc.nat(), v: fc.nat(40) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('retract' as const), e: fc.nat(), a: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('retractEntity' as const), e: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('rename' as const), a: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('addAttr' as const), spec: attrSpec }) },
);

class Source {
  readonly attrs: { ident: string; spec: AttrSpec }[] = [];
  readonly entities: number[] = [];
  #n = 0;
  constructor(readonly conn: Connection) {}

  async addAttr(spec: AttrSpec): Promise<void> {
    const ident = `p${this.attrs.length}/a`;
    const base = { 'db/ident': kw(ident), 'db/cardinality': kw(`db.cardinality/${spec.many ? 'many' : 'one'}`) };
    const form =
      spec.type === 'pair'
        ? { ...base, 'db/valueType': kw('db.type/tuple'), 'db/tupleTypes': [kw('db.type/ref'), kw('db.type/long')] }
        : spec.type === 'refs'
          ? { ...base, 'db/valueType': kw('db.type/tuple'), 'db/tupleType': kw('db.type/ref') }
          : { ...base, 'db/valueType': kw(`db.type/${spec.type}`), ...(spec.unique ? { 'db/unique': kw('db.unique/identity') } : {}) };
    await this.conn.transact([form]);
    this.attrs.push({ ident, spec });
  }

  value(spec: AttrSpec, v: number, self: string | number): unknown {
    const ent = (i: number) => (this.entities.length === 0 ? self : (this.entities[i % this.entities.length] as number));
    const existing = (i: number) => (this.entities.length === 0 ? null : (this.entities[i % this.entities.length] as number));
    switch (spec.type) {
      case 'string':
        return spec.unique ? `u${this.#n++}` : `s${v % 7}`;
      case 'long':
        return spec.unique ? this.#n++ : v % 5;
      case 'boolean':
        return v % 2 === 0;
      case 'keyword':
        return kw(`k/v${v % 4}`);
      case 'ref':
        return v % 6 === 0 ? self : ent(v);
      case 'pair':
        return [v % 3 === 0 ? null : existing(v), v];
      case 'refs':
        return [existing(v), v % 2 === 0 ? null : existing(v + 1)];
    }
  }

  async apply(o: Op): Promise<void> {
    const tx: TxData | null = this.#tx(o);
    if (o.k === 'addAttr') return this.addAttr(o.spec);
    if (o.k === 'rename') {
      const a = this.attrs[o.a % this.attrs.length];
      if (a === undefined) return;
      const next = `${a.ident.split('/')[0]}/r${this.#n++}`;
      await this.conn.transact([{ 'db/id': kw(a.ident), 'db/ident': kw(next) }]);
      a.ident = next;
      return;
    }
    if (tx === null) return;
    try {
      const r = await this.conn.transact(tx);
      if (o.k === 'create') this.entities.push(r.tempids.e as number);
      if (o.k === 'retractEntity') this.entities.splice(o.e % this.entities.length, 1);
    } catch {
      // The source refused it (e.g. a tuple needs an existing entity): not part of the history.
    }
  }

  #tx(o: Op): TxData | null {
    const attr = (i: number) => this.attrs[i % this.attrs.length] as { ident: string; spec: AttrSpec };
    switch (o.k) {
      case 'create': {
        const m: Record<string, unknown> = { 'db/id': 'e', [attr(0).ident]: this.value(attr(0).spec, 1, 'e') };
        for (const [a, v] of o.vals) m[attr(a).ident] = this.value(attr(a).spec, v, o.selfRef ? 'e' : 'e');
        for (const [k, v] of Object.entries(m)) if (v === null || (Array.isArray(v) && v.every((x) => x === null))) delete m[k];
        return [m];
      }
      case 'set': {
        if (this.entities.length === 0) return null;
        const e = this.entities[o.e % this.entities.length] as number;
        const a = attr(o.a);
        const v = this.value(a.spec, o.v, e);
        return v === null ? null : [['db/add', e, a.ident, v]];
      }
      case 'retract': {
        if (this.entities.length === 0) return null;
        return [['db.fn/retractAttribute', this.entities[o.e % this.entities.length] as number, attr(o.a).ident]];
      }
      case 'retractEntity':
        return this.entities.length === 0 ? null : [['db/retractEntity', this.entities[o.e % this.entities.length] as number]];
      default:
        return null;
    }
  }
}

const scenario = fc.record({
  schema: fc.array(attrSpec, { minLength: 1, maxLength: 5 }),
  history: fc.array(op, { minLength: 15, maxLength: 80 }),
  split: fc.nat(),
  maxBatchSize: fc.integer({ min: 1, max: 30 }),
  txParallelism: fc.integer({ min: 1, max: 4 }),
  readParallelism: fc.integer({ min: 1, max: 4 }),
  readChunk: fc.integer({ min: 1, max: 20 }),
});

describe('random schema, random history', () => {
  test.prop([scenario], { numRuns: NUM_RUNS })('restore then verifyRestore reports no difference (current state, and initial + incremental)', async (s) => {
    const src = new Source(await freshConn('prop-src'));
    for (const spec of s.schema) await src.addAttr(spec);
    const split = s.split % (s.history.length + 1);
    for (const o of s.history.slice(0, split)) await src.apply(o);
    const dest = await freshConn('prop-dest');
    const state = await freshConn('prop-state');
    const opts = { maxBatchSize: s.maxBatchSize, txParallelism: s.txParallelism, readParallelism: s.readParallelism, readChunk: s.readChunk };
    await incrementalRestore({ sourceConn: src.conn, destConn: dest, stateConn: state, ...opts });
    for (const o of s.history.slice(split)) await src.apply(o);
    await incrementalRestore({ sourceConn: src.conn, destConn: dest, stateConn: state, ...opts });
    const incremental = await verifyRestore(src.conn.db(), dest.db());
    expect(incremental.differences).toEqual([]);

    const copy = await freshConn('prop-copy');
    await currentStateRestore({ sourceDb: src.conn.db(), destConn: copy, ...opts });
    const snapshot = await verifyRestore(src.conn.db(), copy.db());
    expect(snapshot.differences).toEqual([]);
    expect(snapshot.equal && incremental.equal).toBe(true);
  });
});
