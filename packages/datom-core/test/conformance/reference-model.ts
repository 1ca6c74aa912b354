import type { TxData, Value } from '../../src/index.js';
import { COMPONENTS, MANY, PROP_ATTRS, REFS, UNIQUE, vkey } from './gen.js';

/** An entity in the model: an existing entity id, or `new:<group>` for an entity the transaction creates. */
export type EKey = number | string;

/** The reference model's database: entity -> attribute -> values (by value key). */
export type ModelState = Map<EKey, Map<string, Map<string, Value>>>;

/** One datom the model expects in a report. */
export interface ModelDatom {
  readonly e: EKey;
  readonly a: string;
  readonly v: Value;
  readonly added: boolean;
}

/** What the model expects of one transaction. */
export type Expected =
  | { readonly ok: false; readonly code: 'transact/conflict' | 'transact/unique' | 'transact/cas' | 'transact/lookup-ref' }
  | {
      readonly ok: true;
      readonly state: ModelState;
      readonly diff: readonly ModelDatom[];
      /** Each tempid: the existing entity it upserts to, or its new-entity group. */
      readonly tempids: ReadonlyMap<string, EKey>;
    };

function clone(s: ModelState): ModelState {
  const out: ModelState = new Map();
  for (const [e, attrs] of s) {
    const m = new Map<string, Map<string, Value>>();
    for (const [a, vs] of attrs) m.set(a, new Map(vs));
    out.set(e, m);
  }
  return out;
}

function vals(s: ModelState, e: EKey, a: string): Map<string, Value> {
  return s.get(e)?.get(a) ?? new Map();
}

function holderOf(s: ModelState, a: string, v: Value): EKey | undefined {
  const k = vkey(v);
  for (const [e, attrs] of s) if (attrs.get(a)?.has(k)) return e;
  return undefined;
}

function put(s: ModelState, e: EKey, a: string, v: Value): void {
  let attrs = s.get(e);
  if (attrs === undefined) s.set(e, (attrs = new Map()));
  let vs = attrs.get(a);
  if (vs === undefined) attrs.set(a, (vs = new Map()));
  vs.set(vkey(v), v);
}

function remove(s: ModelState, e: EKey, a: string, v: Value): void {
  const attrs = s.get(e);
  const vs = attrs?.get(a);
  vs?.delete(vkey(v));
  if (vs !== undefined && vs.size === 0) attrs?.delete(a);
  if (attrs !== undefined && attrs.size === 0) s.delete(e);
}

/**
 * Datomic's semantics, written plainly for the {@link PROP_SCHEMA} forms that `toForms` makes: the
 * transaction is a set seen against the state before; tempids upsert through `p/name` and merge when
 * they assert the same new name; retractEntity takes the entity's datoms and the refs to it; a
 * card-one attribute with two values, or a datom both asserted and retracted, is a conflict; a new
 * card-one value retracts the old one; redundant datoms vanish; unique attributes hold after.
 */
export function expectTx(before: ModelState, forms: TxData): Expected {
  const tempids = new Map<string, EKey>();
  const adds = new Map<string, ModelDatom>();
  const retracts = new Map<string, ModelDatom>();
  const key = (e: EKey, a: string, v: Value): string => `${e}|${a}|${vkey(v)}`;
  const add = (e: EKey, a: string, v: Value): void => void adds.set(key(e, a, v), { e, a, v, added: true });
  const retract = (e: EKey, a: string, v: Value): void => void retracts.set(key(e, a, v), { e, a, v, added: false });

  for (const f of forms) {
    if (!Array.isArray(f)) {
      const m = f as Record<string, unknown>;
      const t = m['db/id'] as string;
      const name = m['p/name'] as Value | undefined;
      const holder = name === undefined ? undefined : holderOf(before, 'p/name', name);
      tempids.set(t, holder ?? (name === undefined ? `new:#${t}` : `new:${vkey(name)}`));
    }
  }
  for (const f of forms) {
    if (Array.isArray(f)) {
      const [op, e0, a, v] = f as [string, number | [string, Value], string, Value | undefined];
      let e: EKey;
      if (Array.isArray(e0)) {
        // A lookup ref, resolved against the db before.
        const holder = holderOf(before, e0[0], e0[1]);
        if (holder === undefined) return { ok: false, code: 'transact/lookup-ref' };
        e = holder;
      } else e = e0;
      if (op === 'db/add') add(e, a, v as Value);
      else if (op === 'db/retract' && f.length === 4) retract(e, a, v as Value);
      else if (op === 'db/retract') for (const x of vals(before, e, a).values()) retract(e, a, x);
      else if (op === 'db/cas') {
        const old = f[3] as Value | null;
        const cur = [...vals(before, e, a).values()][0];
        if (old === null ? cur !== undefined : cur === undefined || vkey(cur) !== vkey(old)) return { ok: false, code: 'transact/cas' };
        add(e, a, f[4] as Value);
      } else if (op === 'db/retractEntity') {
        // Its datoms, the refs to it, and its components, recursively.
        const todo: EKey[] = [e];
        const seen = new Set<EKey>();
        while (todo.length > 0) {
          const x = todo.pop() as EKey;
          if (seen.has(x)) continue;
          seen.add(x);
          for (const [a2, vs] of before.get(x) ?? []) {
            for (const y of vs.values()) {
              retract(x, a2, y);
              if (COMPONENTS.has(a2)) todo.push(y as EKey);
            }
          }
          for (const [y, attrs] of before) for (const r of REFS) if (attrs.get(r)?.has(vkey(x))) retract(y, r, x);
        }
      }
      continue;
    }
    const m = f as Record<string, unknown>;
    const e = tempids.get(m['db/id'] as string) as EKey;
    for (const a of PROP_ATTRS) {
      const raw = m[a];
      if (raw === undefined) continue;
      for (const v of MANY.has(a) ? (raw as Value[]) : [raw as Value]) add(e, a, v);
    }
  }

  // Conflicts inside the transaction.
  const cardOne = new Map<string, string>();
  for (const d of adds.values()) {
    if (MANY.has(d.a)) continue;
    const k = `${d.e}|${d.a}`;
    const prev = cardOne.get(k);
    if (prev !== undefined && prev !== vkey(d.v)) return { ok: false, code: 'transact/conflict' };
    cardOne.set(k, vkey(d.v));
  }
  for (const k of adds.keys()) if (retracts.has(k)) return { ok: false, code: 'transact/conflict' };

  const after = clone(before);
  const diff: ModelDatom[] = [];
  const retracted = new Set<string>();
  for (const [k, d] of retracts) {
    if (!vals(before, d.e, d.a).has(vkey(d.v))) continue;
    remove(after, d.e, d.a, d.v);
    diff.push(d);
    retracted.add(k);
  }
  for (const d of adds.values()) {
    const cur = vals(before, d.e, d.a);
    if (cur.has(vkey(d.v))) continue;
    if (!MANY.has(d.a)) {
      for (const old of cur.values()) {
        const k = key(d.e, d.a, old);
        if (retracted.has(k)) continue;
        remove(after, d.e, d.a, old);
        diff.push({ e: d.e, a: d.a, v: old, added: false });
        retracted.add(k);
      }
    }
    put(after, d.e, d.a, d.v);
    diff.push(d);
  }
  for (const a of UNIQUE) {
    const seen = new Set<string>();
    for (const attrs of after.values()) {
      for (const k of attrs.get(a)?.keys() ?? []) {
        if (seen.has(k)) return { ok: false, code: 'transact/unique' };
        seen.add(k);
      }
    }
  }
  return { ok: true, state: after, diff, tempids };
}

/** The model state with new-entity groups replaced by the entity ids the engine gave them. */
export function settle(s: ModelState, groups: ReadonlyMap<EKey, number>): ModelState {
  const out: ModelState = new Map();
  const id = (e: EKey): EKey => groups.get(e) ?? e;
  for (const [e, attrs] of s) {
    const m = new Map<string, Map<string, Value>>();
    for (const [a, vs] of attrs) {
      const nv = new Map<string, Value>();
      for (const v of vs.values()) {
        const x = REFS.has(a) ? (id(v as EKey) as Value) : v;
        nv.set(vkey(x), x);
      }
      m.set(a, nv);
    }
    out.set(id(e), m);
  }
  return out;
}

/** `e|a|vkey` strings of a model state, sorted. */
export function stateKeys(s: ModelState): string[] {
  const out: string[] = [];
  for (const [e, attrs] of s) for (const [a, vs] of attrs) for (const k of vs.keys()) out.push(`${e}|${a}|${k}`);
  return out.sort();
}
