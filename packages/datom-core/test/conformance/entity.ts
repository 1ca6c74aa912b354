import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bigdec, type Connection, type Database, type Entity, isDatomError, kw, uuid } from '../../src/index.js';
import { fcParams, genTx, PROP_SCHEMA, toForms } from './gen.js';
import { all, attr, type MakeConn, peopleConn } from './helpers.js';

/** Calls `f`, expecting a `DatomError` with `code`. */
function throwsCode(f: () => unknown, code: string): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(isDatomError(err), `expected a DatomError ${code}, got ${String(err)}`).toBe(true);
  expect((err as { code: string }).code).toBe(code);
}

function eids(v: unknown): number[] {
  expect(Array.isArray(v), `expected an array of entities, got ${String(v)}`).toBe(true);
  return (v as Entity[]).map((x) => x.eid).sort((a, b) => a - b);
}

/** The people schema's family: Ann with an address, a pet with a toy, friends and a color. */
async function family(conn: Connection): Promise<Record<'ann' | 'bob' | 'cy' | 'addr' | 'rex' | 'ball', number>> {
  const r = await conn.transact([
    {
      'db/id': 'ann',
      'person/name': 'Ann',
      'person/email': 'ann@x',
      'person/age': 30,
      'person/tags': ['b', 'a'],
      'person/address': { 'db/id': 'addr', 'address/street': 'Main', 'address/city': 'Oslo' },
      'person/pets': [{ 'db/id': 'rex', 'pet/name': 'Rex', 'pet/toy': { 'db/id': 'ball', 'toy/name': 'ball' } }],
      'person/friends': ['bob', 'cy'],
      'person/color': kw('color/red'),
    },
    { 'db/id': 'bob', 'person/name': 'Bob', 'person/email': 'bob@x', 'person/friends': ['cy'], 'person/spouse': 'cy' },
    { 'db/id': 'cy', 'person/name': 'Cy', 'person/email': 'cy@x', 'person/friends': ['ann'] },
  ]);
  return r.tempids as Record<'ann' | 'bob' | 'cy' | 'addr' | 'rex' | 'ball', number>;
}

/** The entity API (`db.entity`): lazy, immutable, navigable entities. */
export function describeEntity(makeConn: MakeConn): void {
  describe('entity', () => {
    it('reads every kind of scalar attribute, cardinality many as a frozen array in index order', async () => {
      const conn = await makeConn();
      await conn.transact([
        attr('v/s', 'string'),
        attr('v/l', 'long'),
        attr('v/big', 'bigint'),
        attr('v/b', 'boolean'),
        attr('v/d', 'double'),
        attr('v/i', 'instant'),
        attr('v/k', 'keyword'),
        attr('v/u', 'uuid'),
        attr('v/m', 'bigdec'),
        attr('v/t', 'tuple', { tupleTypes: ['string', 'long'] }),
        attr('v/many', 'long', { many: true }),
        attr('v/id', 'string', { unique: 'identity' }),
      ]);
      const u = uuid('5f0e7b6a-3c1d-4e2f-8a9b-0c1d2e3f4a5b');
      const r = await conn.transact([
        {
          'db/id': 'x',
          'v/id': 'x',
          'v/s': 'text',
          'v/l': 42,
          'v/big': 2n ** 70n,
          'v/b': false,
          'v/d': 1.5,
          'v/i': new Date(1000),
          'v/k': kw('k/w'),
          'v/u': u,
          'v/m': bigdec('1.50'),
          'v/t': ['a', 1],
          'v/many': [3, 1, 2],
        },
      ]);
      const x = r.tempids.x as number;
      const e = conn.db().entity(x);
      expect(e).not.toBeNull();
      const ent = e as Entity;
      expect(ent.get('v/s')).toBe('text');
      expect(ent.get(':v/l')).toBe(42);
      expect(ent.get(kw('v/big'))).toBe(2n ** 70n);
      expect(ent.get('v/b')).toBe(false);
      expect(ent.has('v/b')).toBe(true);
      expect(ent.get('v/d')).toBe(1.5);
      expect((ent.get('v/i') as Date).getTime()).toBe(1000);
      expect(ent.get('v/k')).toBe(kw('k/w'));
      expect(String(ent.get('v/u'))).toBe(String(u));
      expect(String(ent.get('v/m'))).toBe('1.50');
      expect(ent.get('v/t')).toEqual(['a', 1]);
      const many = ent.get('v/many');
      expect(many).toEqual([1, 2, 3]);
      expect(Object.isFrozen(many)).toBe(true);
      // By attribute id too; db/id in every spelling.
      expect(ent.get(conn.db().attribute('v/s')!.id)).toBe('text');
      expect(ent.get('db/id')).toBe(x);
      expect(ent.get(':db/id')).toBe(x);
      expect(ent.eid).toBe(x);
      // Absent attributes are null, not an error.
      await conn.transact([{ 'db/id': 'y', 'v/id': 'y' }]);
      const y = conn.db().entity(['v/id', 'y']) as Entity;
      expect(y.get('v/s')).toBeNull();
      expect(y.get('v/many')).toBeNull();
      expect(y.has('v/s')).toBe(false);
      expect(ent.keys()).toEqual(['v/s', 'v/l', 'v/big', 'v/b', 'v/d', 'v/i', 'v/k', 'v/u', 'v/m', 'v/t', 'v/many', 'v/id']);
      expect(y.keys()).toEqual(['v/id']);
    });

    it('names entities by id, ident and lookup ref; refs give entities, enum refs their ident', async () => {
      const conn = await peopleConn(makeConn);
      const t = await family(conn);
      const db = conn.db();
      const ann = db.entity(['person/email', 'ann@x']) as Entity;
      expect(ann.eid).toBe(t.ann);
      expect(db.entity([kw('person/email'), 'ann@x'])?.eid).toBe(t.ann);
      expect(ann.get('person/color')).toBe(kw('color/red'));
      expect(eids(ann.get('person/friends'))).toEqual([t.bob, t.cy].sort((a, b) => a - b));
      const bob = db.entity(t.bob as number) as Entity;
      const spouse = bob.get('person/spouse') as Entity;
      expect(spouse.eid).toBe(t.cy);
      expect(spouse.get('person/name')).toBe('Cy');
      // Navigation goes on as far as refs go: Ann -> Bob -> Cy -> Ann.
      const cyFriends = spouse.get('person/friends') as Entity[];
      expect(cyFriends.map((f) => f.get('person/name'))).toEqual(['Ann']);
      // An ident names an entity: an attribute is an entity whose refs to enums read as keywords.
      const name = db.entity(kw('person/name')) as Entity;
      expect(name.get('db/ident')).toBe(kw('person/name'));
      expect(name.get('db/valueType')).toBe(kw('db.type/string'));
      expect(name.get('db/cardinality')).toBe(kw('db.cardinality/one'));
      expect(db.entity(kw(':color/red'))?.get('db/ident')).toBe(kw('color/red'));
      expect(ann.db).toBe(db);
    });

    it('follows reverse refs: every referrer, and the one owner of a component', async () => {
      const conn = await peopleConn(makeConn);
      const t = await family(conn);
      const db = conn.db();
      const cy = db.entity(t.cy as number) as Entity;
      expect(eids(cy.get('person/_friends'))).toEqual([t.ann, t.bob].sort((a, b) => a - b));
      expect(eids(cy.get(kw('person/_spouse')))).toEqual([t.bob]);
      expect(cy.get('person/_address')).toBeNull();
      expect(cy.has('person/_address')).toBe(false);
      const addr = db.entity(t.addr as number) as Entity;
      const owner = addr.get('person/_address') as Entity;
      expect(owner.eid).toBe(t.ann);
      expect((db.entity(t.rex as number) as Entity).get('person/_pets')).toSatisfy((e: Entity) => e.eid === t.ann);
      // Reverse keys are not among an entity's own keys.
      expect(addr.keys()).toEqual(['address/street', 'address/city']);
      throwsCode(() => cy.get('person/_name'), 'db/arg');
    });

    it('gives components as entities; touch reads everything and touches components recursively', async () => {
      const conn = await peopleConn(makeConn);
      const t = await family(conn);
      const db = conn.db();
      const ann = db.entity(t.ann as number) as Entity;
      const address = ann.get('person/address') as Entity;
      expect(address.get('address/city')).toBe('Oslo');
      const pets = ann.get('person/pets') as Entity[];
      expect(((pets[0] as Entity).get('pet/toy') as Entity).get('toy/name')).toBe('ball');
      // Before touch an entity shows only what was read.
      const fresh = db.entity(t.ann as number) as Entity;
      expect(fresh.toJSON()).toEqual({ 'db/id': t.ann });
      fresh.get('person/name');
      expect(fresh.toJSON()).toEqual({ 'db/id': t.ann, 'person/name': 'Ann' });
      expect(fresh.touch()).toBe(fresh);
      expect(fresh.toJSON()).toEqual({
        'db/id': t.ann,
        'person/name': 'Ann',
        'person/email': 'ann@x',
        'person/age': 30,
        'person/tags': ['a', 'b'],
        'person/friends': [{ 'db/id': t.bob }, { 'db/id': t.cy }],
        'person/address': { 'db/id': t.addr, 'address/street': 'Main', 'address/city': 'Oslo' },
        'person/pets': [{ 'db/id': t.rex, 'pet/name': 'Rex', 'pet/toy': { 'db/id': t.ball, 'toy/name': 'ball' } }],
        'person/color': kw('color/red'),
      });
      // The same as pull's wildcard, but for the enum (an ident here, a ref map in pull).
      const pulled = (await db.pull(['*'], t.ann as number)) as Record<string, unknown>;
      expect({ ...fresh.toJSON(), 'person/color': pulled['person/color'] }).toEqual(pulled);
    });

    it('a touch stops at cycles of components', async () => {
      const conn = await makeConn();
      await conn.transact([attr('n/name', 'string', { unique: 'identity' }), attr('n/part', 'ref', { component: true, many: true })]);
      const r = await conn.transact([
        { 'db/id': 'a', 'n/name': 'a', 'n/part': ['b'] },
        { 'db/id': 'b', 'n/name': 'b', 'n/part': ['a'] },
      ]);
      const a = conn.db().entity(r.tempids.a as number) as Entity;
      expect(a.touch().toJSON()).toEqual({ 'db/id': r.tempids.a, 'n/name': 'a', 'n/part': [{ 'db/id': r.tempids.b, 'n/name': 'b', 'n/part': [{ 'db/id': r.tempids.a }] }] });
    });

    it('is immutable and compares by entity id and database value', async () => {
      const conn = await peopleConn(makeConn);
      const t = await family(conn);
      const db = conn.db();
      const ann = db.entity(t.ann as number) as Entity;
      expect(Object.isFrozen(ann)).toBe(true);
      expect(ann.equals(db.entity(['person/email', 'ann@x']))).toBe(true);
      expect(ann.equals(conn.db().entity(t.ann as number))).toBe(true);
      expect(ann.equals(db.entity(t.bob as number))).toBe(false);
      expect(ann.equals(t.ann)).toBe(false);
      const friends = ann.get('person/friends') as Entity[];
      // A later transaction changes nothing an entity of an older value answers, read before or after.
      const bobEarly = friends.find((f) => f.eid === t.bob) as Entity;
      expect(bobEarly.get('person/name')).toBe('Bob');
      await conn.transact([
        ['db/add', t.bob, 'person/name', 'Robert'],
        ['db/add', t.ann, 'person/age', 31],
      ]);
      expect(bobEarly.get('person/name')).toBe('Bob');
      expect(ann.get('person/age')).toBe(30);
      expect(conn.db().entity(t.ann as number)?.get('person/age')).toBe(31);
      expect(ann.equals(conn.db().entity(t.ann as number))).toBe(false);
      expect(() => (friends as Entity[]).push(ann)).toThrow(TypeError);
      expect(String(ann)).toBe(`#:db{:id ${t.ann}}`);
    });

    it('reads as of and since a point in time; refuses a history value', async () => {
      const conn = await peopleConn(makeConn);
      const r1 = await conn.transact([{ 'db/id': 'p', 'person/name': 'v1', 'person/email': 'p@x', 'person/tags': ['x'] }]);
      const p = r1.tempids.p as number;
      const r2 = await conn.transact([
        ['db/add', p, 'person/name', 'v2'],
        ['db/add', p, 'person/tags', 'y'],
        ['db/retract', p, 'person/tags', 'x'],
      ]);
      const now = conn.db();
      const then = now.asOf(r1.dbAfter.basisT).entity(p) as Entity;
      expect(then.get('person/name')).toBe('v1');
      expect(then.get('person/tags')).toEqual(['x']);
      expect(now.entity(p)?.get('person/tags')).toEqual(['y']);
      // Before the entity existed there is no entity.
      expect(now.asOf(r1.dbAfter.basisT - 1).entity(p)).toBeNull();
      // Since r1: only what r2 added.
      const since = now.since(r1.dbAfter.basisT).entity(p) as Entity;
      expect(since.get('person/name')).toBe('v2');
      expect(since.get('person/email')).toBeNull();
      expect(since.keys()).toEqual(['person/name', 'person/tags']);
      // Equal entities come from one database value: an older value and a later one as of the same t
      // answer alike but are two values (as in Datomic, where they are not equal either).
      expect(now.asOf(r1.dbAfter.basisT).entity(p)?.equals(then)).toBe(true);
      expect(r2.dbBefore.entity(p)?.equals(then)).toBe(false);
      throwsCode(() => now.history().entity(p), 'db/arg');
    });

    it('gives null for a missing entity and the errors of pull for a bad reference', async () => {
      const conn = await peopleConn(makeConn);
      const t = await family(conn);
      const db = conn.db();
      expect(db.entity(999_999)).toBeNull();
      expect(db.entity(0)).toBeNull();
      expect(db.entity(-5)).toBeNull();
      expect(db.entity(['person/email', 'nobody@x'])).toBeNull();
      expect(db.entity(kw('no/such-ident'))).toBeNull();
      // entity is null exactly where entid is.
      expect(await db.entid(999_999)).toBeNull();
      throwsCode(() => db.entity(['person/name', 'Ann']), 'db/arg');
      throwsCode(() => db.entity(['no/such', 'Ann']), 'schema/unknown-attribute');
      throwsCode(() => db.entity({ bad: true } as never), 'db/arg');
      const ann = db.entity(t.ann as number) as Entity;
      throwsCode(() => ann.get('no/such'), 'schema/unknown-attribute');
      throwsCode(() => ann.get({} as never), 'db/arg');
      // pull agrees on the same references.
      expect(await db.pull(['*'], ['person/email', 'nobody@x'])).toBeNull();
      await expect(db.pull(['*'], ['person/name', 'Ann'])).rejects.toMatchObject({ code: 'db/arg' });
      await expect(db.pull(['no/such'], t.ann as number)).rejects.toMatchObject({ code: 'schema/unknown-attribute' });
    });

    it('an entity, touched, is what pull [*] gives; its reverse refs are what VAET holds (random data)', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(genTx, { minLength: 1, maxLength: 8 }), fc.nat(), async (txs, pick) => {
          const conn = await makeConn();
          await conn.transact(PROP_SCHEMA);
          const known: number[] = [];
          const bases: number[] = [];
          for (const ops of txs) {
            try {
              const r = await conn.transact(toForms(ops, known));
              bases.push(r.dbAfter.basisT);
              for (const [k, e] of Object.entries(r.tempids)) if (k !== 'datomic.tx' && !known.includes(e)) known.push(e);
            } catch (err) {
              if (!isDatomError(err, 'transact/')) throw err;
            }
          }
          const now = conn.db();
          const dbs: Database[] = [now, ...(bases.length > 0 ? [now.asOf(bases[pick % bases.length] as number)] : [])];
          for (const db of dbs) {
            for (const e of known) {
              const pulled = await db.pull(['*'], e);
              const ent = db.entity(e);
              expect(ent === null, `entity ${e} exists iff pull finds it`).toBe(pulled === null);
              if (ent === null) continue;
              expect(ent.touch().toJSON()).toEqual(pulled);
              const referrers = (await all(db, 'vaet', e, 'p/friend')).map((d) => d.e);
              expect(ent.has('p/_friend') ? eids(ent.get('p/_friend')) : []).toEqual(referrers.sort((a, b) => a - b));
            }
          }
          await conn.close();
        }),
        fcParams(25),
      );
    });
  });
}
