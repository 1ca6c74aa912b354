import { type Connection, kw } from '@datomkit/datom-core';

const attr = (ident: string, type: string, extra: Record<string, unknown> = {}) => ({
  'db/ident': kw(ident),
  'db/valueType': kw(`db.type/${type}`),
  'db/cardinality': kw(`db.cardinality/${(extra.card as string | undefined) ?? 'one'}`),
  ...Object.fromEntries(Object.entries(extra).filter(([k]) => k !== 'card')),
});

/**
 * A source with the hard cases of ref copying: a named node graph with forward refs, self refs,
 * cycles of ref-only entities, refs in heterogeneous and homogeneous tuples (with nil), a unique
 * composite with a ref part, an enum, a component, and custom metadata on an attribute.
 */
export async function hardCases(conn: Connection): Promise<Record<string, number>> {
  await conn.transact([
    attr('node/name', 'string', { 'db/unique': kw('db.unique/identity') }),
    attr('node/next', 'ref'),
    attr('node/links', 'ref', { card: 'many' }),
    attr('node/kind', 'ref'),
    attr('node/parts', 'ref', { card: 'many', 'db/isComponent': true }),
    attr('node/pair', 'tuple', { 'db/tupleTypes': [kw('db.type/ref'), kw('db.type/string'), kw('db.type/ref')] }),
    attr('node/refs', 'tuple', { 'db/tupleType': kw('db.type/ref') }),
    attr('node/slot', 'long'),
    attr('node/owner', 'ref'),
    attr('meta/owner', 'string'),
    { 'db/ident': kw('kind/a') },
    { 'db/ident': kw('kind/b') },
  ]);
  await conn.transact([attr('node/owner+slot', 'tuple', { 'db/tupleAttrs': [kw('node/owner'), kw('node/slot')], 'db/unique': kw('db.unique/value') })]);
  await conn.transact([{ 'db/id': kw('node/name'), 'meta/owner': 'catalog team' }]);
  const r = await conn.transact([
    // A named chain with a forward ref and a self ref.
    { 'db/id': 'a', 'node/name': 'a', 'node/next': 'b', 'node/kind': kw('kind/a'), 'node/links': ['a', 'c'] },
    { 'db/id': 'b', 'node/name': 'b', 'node/next': 'c', 'node/kind': kw('kind/b') },
    { 'db/id': 'c', 'node/name': 'c', 'node/next': 'a', 'node/parts': [{ 'node/slot': 1 }, { 'node/slot': 2 }] },
    // Ref-only entities: a 2-cycle and a 3-cycle, each reachable only by refs.
    { 'db/id': 'x1', 'node/next': 'x2' },
    { 'db/id': 'x2', 'node/next': 'x1' },
    { 'db/id': 'y1', 'node/next': 'y2' },
    { 'db/id': 'y2', 'node/next': 'y3' },
    { 'db/id': 'y3', 'node/next': 'y1', 'node/links': ['a', 'x1'] },
    // A ref-only self loop.
    { 'db/id': 'z', 'node/next': 'z' },
  ]);
  const id = (t: string) => r.tempids[t] as number;
  await conn.transact([
    ['db/add', id('a'), 'node/pair', [id('x1'), 'first', null]],
    ['db/add', id('b'), 'node/pair', [null, 'second', id('y2')]],
    ['db/add', id('c'), 'node/refs', [id('a'), id('z'), id('y3')]],
    ['db/add', id('a'), 'node/owner', id('b')],
    ['db/add', id('a'), 'node/slot', 1],
    ['db/add', id('c'), 'node/owner', id('b')],
    ['db/add', id('c'), 'node/slot', 2],
    // A composite with only its second part: the tuple is (nil 7).
    ['db/add', id('b'), 'node/slot', 7],
  ]);
  return Object.fromEntries(['a', 'b', 'c', 'x1', 'x2', 'y1', 'y2', 'y3', 'z'].map((t) => [t, id(t)]));
}
