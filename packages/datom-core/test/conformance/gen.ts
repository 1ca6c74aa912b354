import fc from 'fast-check';
import { type Datom, kw, type TxData, type Value } from '../../src/index.js';
import { attr } from './helpers.js';

/**
 * Random transactions over a small fixed schema, for the property tests: small value pools so that
 * values collide (unique conflicts, redundant datoms, card-one replacements), entities named by an
 * index into the entities created so far.
 */
export const PROP_SCHEMA: TxData = [
  attr('p/name', 'string', { unique: 'identity' }),
  attr('p/code', 'long', { unique: 'value' }),
  attr('p/age', 'long'),
  attr('p/big', 'long'),
  attr('p/when', 'instant'),
  attr('p/score', 'double'),
  attr('p/kw', 'keyword', { many: true }),
  attr('p/tags', 'string', { many: true }),
  attr('p/friend', 'ref', { many: true }),
  attr('p/best', 'ref'),
  attr('p/part', 'ref', { many: true, component: true }),
];

export type PropAttr = 'p/name' | 'p/code' | 'p/age' | 'p/big' | 'p/when' | 'p/score' | 'p/kw' | 'p/tags' | 'p/friend' | 'p/best' | 'p/part';

export const PROP_ATTRS: readonly PropAttr[] = ['p/name', 'p/code', 'p/age', 'p/big', 'p/when', 'p/score', 'p/kw', 'p/tags', 'p/friend', 'p/best', 'p/part'];
export const MANY: ReadonlySet<string> = new Set(['p/kw', 'p/tags', 'p/friend', 'p/part']);
export const REFS: ReadonlySet<string> = new Set(['p/friend', 'p/best', 'p/part']);
export const COMPONENTS: ReadonlySet<string> = new Set(['p/part']);
export const UNIQUE: ReadonlySet<string> = new Set(['p/name', 'p/code']);

const POOLS: Record<Exclude<PropAttr, 'p/friend' | 'p/best' | 'p/part'>, readonly Value[]> = {
  'p/name': ['n0', 'n1', 'n2', 'n3', 'n4'],
  'p/code': [0, 1, 2, 3],
  'p/age': [0, 1, 2, 3],
  'p/big': [-(2n ** 60n), -1, 0, 2n ** 53n + 1n, 2n ** 62n],
  'p/when': [new Date(0), new Date(-5000), new Date(1_700_000_000_000), new Date(1)],
  'p/score': [-1.5, 0, 0.25, 1e10],
  'p/kw': [kw('k/a'), kw('k/b'), kw('a'), kw('k/a.b')],
  'p/tags': ['t0', 't1', 't2', 'T'],
};

/** One generated operation; `e` and ref values are indexes into the entities known so far. */
export type GenOp =
  | { readonly k: 'new'; readonly age: number; readonly name: number | null; readonly code: number | null; readonly tags: readonly number[]; readonly friend: number | null }
  | { readonly k: 'add'; readonly e: number; readonly a: PropAttr; readonly v: number }
  | { readonly k: 'retract'; readonly e: number; readonly a: PropAttr; readonly v: number }
  | { readonly k: 'retractAttr'; readonly e: number; readonly a: PropAttr }
  | { readonly k: 'retractEntity'; readonly e: number }
  | { readonly k: 'cas'; readonly e: number; readonly old: number | null; readonly v: number }
  | { readonly k: 'addByName'; readonly name: number; readonly a: PropAttr; readonly v: number };

const idx = fc.nat({ max: 7 });
const attrArb = fc.constantFrom(...PROP_ATTRS);

export const genOp: fc.Arbitrary<GenOp> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ k: fc.constant('new' as const), age: fc.nat({ max: 3 }), name: fc.option(fc.nat({ max: 3 })), code: fc.option(fc.nat({ max: 3 }), { freq: 3 }), tags: fc.array(fc.nat({ max: 3 }), { maxLength: 2 }), friend: fc.option(idx) }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('add' as const), e: idx, a: attrArb, v: idx }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('retract' as const), e: idx, a: attrArb, v: idx }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('retractAttr' as const), e: idx, a: attrArb }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('retractEntity' as const), e: idx }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('cas' as const), e: idx, old: fc.option(fc.nat({ max: 3 })), v: fc.nat({ max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('addByName' as const), name: fc.nat({ max: 3 }), a: attrArb, v: idx }) },
);

/** A transaction: a few operations. */
export const genTx: fc.Arbitrary<readonly GenOp[]> = fc.array(genOp, { minLength: 0, maxLength: 5 });

/** The value `v` (a pool index, or an entity index for refs) of `a`, or undefined when no entity exists. */
export function poolValue(a: PropAttr, v: number, known: readonly number[]): Value | undefined {
  if (REFS.has(a)) return known.length === 0 ? undefined : known[v % known.length];
  const pool = POOLS[a as keyof typeof POOLS];
  return pool[v % pool.length];
}

/** Transaction forms for `ops` given the entities known so far; tempids are `t0`, `t1`, ... */
export function toForms(ops: readonly GenOp[], known: readonly number[]): TxData {
  const forms: unknown[] = [];
  ops.forEach((op, i) => {
    const ent = (x: number): number | undefined => (known.length === 0 ? undefined : known[x % known.length]);
    switch (op.k) {
      case 'new': {
        const m: Record<string, unknown> = { 'db/id': `t${i}`, 'p/age': poolValue('p/age', op.age, known) };
        if (op.name !== null) m['p/name'] = poolValue('p/name', op.name, known);
        if (op.code !== null) m['p/code'] = poolValue('p/code', op.code, known);
        if (op.tags.length > 0) m['p/tags'] = op.tags.map((t) => poolValue('p/tags', t, known));
        if (op.friend !== null && known.length > 0) m['p/friend'] = [ent(op.friend)];
        forms.push(m);
        return;
      }
      case 'add':
      case 'retract': {
        const e = ent(op.e);
        const v = poolValue(op.a, op.v, known);
        if (e === undefined || v === undefined) return;
        forms.push([op.k === 'add' ? 'db/add' : 'db/retract', e, op.a, v]);
        return;
      }
      case 'retractAttr': {
        const e = ent(op.e);
        if (e !== undefined) forms.push(['db/retract', e, op.a]);
        return;
      }
      case 'retractEntity': {
        const e = ent(op.e);
        if (e !== undefined) forms.push(['db/retractEntity', e]);
        return;
      }
      case 'cas': {
        const e = ent(op.e);
        if (e !== undefined) forms.push(['db/cas', e, 'p/age', op.old === null ? null : poolValue('p/age', op.old, known), poolValue('p/age', op.v, known)]);
        return;
      }
      case 'addByName': {
        const v = poolValue(op.a, op.v, known);
        if (v !== undefined) forms.push(['db/add', ['p/name', poolValue('p/name', op.name, known)], op.a, v]);
        return;
      }
    }
  });
  return forms as TxData;
}

/** A key for a value, equal exactly for equal values of the types in {@link PROP_SCHEMA}. */
export function vkey(v: Value): string {
  if (typeof v === 'number' || typeof v === 'bigint') return `n${v}`;
  if (typeof v === 'string') return `s${v}`;
  if (typeof v === 'boolean') return `b${v}`;
  if (v instanceof Date) return `d${v.getTime()}`;
  if (typeof v === 'object' && v !== null && 'fqn' in v) return `k${(v as { fqn: string }).fqn}`;
  throw new Error(`vkey: unexpected value ${String(v)}`);
}

/**
 * The reference order of values, written independently of the engine's comparator for the value
 * types the property tests use: numbers and bigints numerically, strings and keywords by UTF-16
 * code units, instants by time, false before true.
 */
export function refCompareValues(x: Value, y: Value): number {
  const kind = (v: Value): string => (typeof v === 'bigint' ? 'number' : v instanceof Date ? 'date' : typeof v === 'object' && v !== null && 'fqn' in v ? 'kw' : typeof v);
  const kx = kind(x);
  const ky = kind(y);
  if (kx !== ky) throw new Error(`refCompareValues: ${kx} against ${ky}`);
  switch (kx) {
    case 'number':
      return (x as number) < (y as number) ? -1 : (x as number) > (y as number) ? 1 : 0;
    case 'string':
      return (x as string) < (y as string) ? -1 : (x as string) > (y as string) ? 1 : 0;
    case 'date':
      return Math.sign((x as Date).getTime() - (y as Date).getTime());
    case 'kw': {
      const a = (x as unknown as { fqn: string }).fqn;
      const b = (y as unknown as { fqn: string }).fqn;
      return a < b ? -1 : a > b ? 1 : 0;
    }
    case 'boolean':
      return Number(x) - Number(y);
    default:
      throw new Error(`refCompareValues: unexpected ${kx}`);
  }
}

const num = (a: number, b: number): number => (a < b ? -1 : a > b ? 1 : 0);

/** Reference comparators of the four index orders (components, then tx). */
export const REF_ORDER: Record<'eavt' | 'aevt' | 'avet' | 'vaet', (x: Datom, y: Datom) => number> = {
  eavt: (x, y) => num(x.e, y.e) || num(x.a, y.a) || refCompareValues(x.v, y.v) || num(x.tx, y.tx),
  aevt: (x, y) => num(x.a, y.a) || num(x.e, y.e) || refCompareValues(x.v, y.v) || num(x.tx, y.tx),
  avet: (x, y) => num(x.a, y.a) || refCompareValues(x.v, y.v) || num(x.e, y.e) || num(x.tx, y.tx),
  vaet: (x, y) => num(x.v as number, y.v as number) || num(x.a, y.a) || num(x.e, y.e) || num(x.tx, y.tx),
};

/**
 * fast-check parameters: a fixed number of runs (scaled by FC_RUNS_SCALE for a longer hunt); the seed
 * is printed by fast-check on failure and may be pinned with FC_SEED.
 */
export function fcParams(numRuns: number): fc.Parameters<unknown> {
  const seed = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
  const scale = process.env.FC_RUNS_SCALE === undefined ? 1 : Number(process.env.FC_RUNS_SCALE);
  return { numRuns: Math.max(1, Math.round(numRuns * scale)), ...(seed === undefined ? {} : { seed }), endOnFailure: false };
}
