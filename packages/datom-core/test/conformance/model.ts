import { describe, expect, it } from 'vitest';
import { BigDec, bigdec, kw, Keyword, Sym, sym, Uri, uri, Uuid, uuid, type Value } from '../../src/index.js';
import { aid, all, attr, type ConformanceOptions, create, type MakeConn, rejects, snapshot, value, values } from './helpers.js';

const TYPED_SCHEMA = [
  attr('v/string', 'string'),
  attr('v/boolean', 'boolean'),
  attr('v/long', 'long'),
  attr('v/bigint', 'bigint'),
  attr('v/float', 'float'),
  attr('v/double', 'double'),
  attr('v/bigdec', 'bigdec'),
  attr('v/instant', 'instant'),
  attr('v/uuid', 'uuid'),
  attr('v/keyword', 'keyword'),
  attr('v/symbol', 'symbol'),
  attr('v/uri', 'uri'),
  attr('v/bytes', 'bytes'),
  attr('v/ref', 'ref'),
  attr('v/a', 'string'),
  attr('v/b', 'long'),
  attr('v/a+b', 'tuple', { tupleAttrs: ['v/a', 'v/b'] }),
  attr('v/pair', 'tuple', { tupleTypes: ['string', 'long'] }),
  attr('v/longs', 'tuple', { tupleType: 'long' }),
];

/** Value-type and schema scenarios. */
export function describeModel(makeConn: MakeConn, options: ConformanceOptions = {}): void {
  describe('value types', () => {
    async function typedConn() {
      const conn = await makeConn();
      await conn.transact(TYPED_SCHEMA);
      return conn;
    }

    const cases: [string, unknown, (v: Value | undefined) => void][] = [
      ['v/string', 'héllo "world"', (v) => expect(v).toBe('héllo "world"')],
      ['v/boolean', false, (v) => expect(v).toBe(false)],
      ['v/long', -42, (v) => expect(v).toBe(-42)],
      ['v/long', Number.MAX_SAFE_INTEGER, (v) => expect(v).toBe(Number.MAX_SAFE_INTEGER)],
      ['v/long', Number.MIN_SAFE_INTEGER, (v) => expect(v).toBe(Number.MIN_SAFE_INTEGER)],
      ['v/long', -(2 ** 52) - 1, (v) => expect(v).toBe(-(2 ** 52) - 1)],
      ['v/long', 2n ** 62n + 1n, (v) => expect(v).toBe(2n ** 62n + 1n)],
      ['v/long', -(2n ** 63n), (v) => expect(v).toBe(-(2n ** 63n))],
      ['v/long', 7n, (v) => expect(v).toBe(7)],
      ['v/bigint', 10n ** 30n, (v) => expect(v).toBe(10n ** 30n)],
      ['v/float', 1.1, (v) => expect(v).toBe(Math.fround(1.1))],
      ['v/double', 0.1 + 0.2, (v) => expect(v).toBe(0.1 + 0.2)],
      ['v/double', 2, (v) => expect(v).toBe(2)],
      ['v/bigdec', bigdec('1.50'), (v) => { expect(v).toBeInstanceOf(BigDec); expect(String(v)).toBe('1.50'); }],
      ['v/instant', new Date('2024-02-29T12:34:56.789Z'), (v) => { expect(v).toBeInstanceOf(Date); expect((v as Date).toISOString()).toBe('2024-02-29T12:34:56.789Z'); }],
      ['v/uuid', uuid('6f1d2b3c-0000-4000-8000-00000000abcd'), (v) => { expect(v).toBeInstanceOf(Uuid); expect(String(v)).toBe('6f1d2b3c-0000-4000-8000-00000000abcd'); }],
      ['v/keyword', kw('color/red'), (v) => expect(v).toBe(kw('color/red'))],
      ['v/symbol', sym('my.app/run'), (v) => { expect(v).toBeInstanceOf(Sym); expect((v as Sym).fqn).toBe('my.app/run'); }],
      ['v/uri', uri('https://example.com/a?b=c'), (v) => { expect(v).toBeInstanceOf(Uri); expect(String(v)).toBe('https://example.com/a?b=c'); }],
      ['v/bytes', new Uint8Array([0, 1, 254, 255]), (v) => { expect(v).toBeInstanceOf(Uint8Array); expect([...(v as Uint8Array)]).toEqual([0, 1, 254, 255]); }],
      ['v/pair', ['x', 3], (v) => expect(v).toEqual(['x', 3])],
      ['v/pair', ['x', null], (v) => expect(v).toEqual(['x', null])],
      ['v/longs', [3, 1, 2], (v) => expect(v).toEqual([3, 1, 2])],
    ];
    for (const [a, input, check] of cases) {
      it(`round-trips ${a} ${typeof input === 'bigint' ? `${input}n` : String(input)} through transact and datoms`, async () => {
        const conn = await typedConn();
        const e = await create(conn, { [a]: input });
        const db = conn.db();
        check(await value(db, e, a));
        // The same value is found through AVET and AEVT too.
        const [d] = await all(db, 'eavt', e, a);
        expect(d).toBeDefined();
        const byV = await all(db, 'avet', a, d?.v);
        expect(byV.map((x) => x.e)).toEqual([e]);
        expect((await all(db, 'aevt', a, e)).map((x) => x.v)).toEqual([d?.v]);
      });
    }

    it('keeps every value of every type through closing and opening the database again', async () => {
      if (options.reconnect === undefined) return;
      const conn = await typedConn();
      const made: [number, string, (v: Value | undefined) => void][] = [];
      for (const [a, input, check] of cases) made.push([await create(conn, { [a]: input }), a, check]);
      const again = await options.reconnect(conn);
      for (const [e, a, check] of made) check(await value(again.db(), e, a));
      await again.close();
    });

    it('round-trips refs, and the VAET index finds them', async () => {
      const conn = await typedConn();
      const target = await create(conn, { 'v/string': 'target' });
      const e = await create(conn, { 'v/ref': target });
      const db = conn.db();
      expect(await value(db, e, 'v/ref')).toBe(target);
      expect((await all(db, 'vaet', target)).map((d) => [d.e, d.a])).toEqual([[e, aid(db, 'v/ref')]]);
    });

    it('keeps a composite tuple of its parts', async () => {
      const conn = await typedConn();
      const e = await create(conn, { 'v/a': 'x', 'v/b': 2 });
      expect(await value(conn.db(), e, 'v/a+b')).toEqual(['x', 2]);
    });

    it('keeps longs beyond 2^53 exact and apart from their neighbours', async () => {
      const conn = await typedConn();
      const big = 2n ** 53n + 1n;
      const e1 = await create(conn, { 'v/long': big });
      const e2 = await create(conn, { 'v/long': big + 1n });
      const db = conn.db();
      expect(await value(db, e1, 'v/long')).toBe(big);
      expect(await value(db, e2, 'v/long')).toBe(big + 1n);
      expect((await all(db, 'avet', 'v/long', big)).map((d) => d.e)).toEqual([e1]);
    });

    const wrong: [string, unknown][] = [
      ['v/string', 1],
      ['v/boolean', 'true'],
      ['v/long', 1.5],
      ['v/long', 2n ** 63n],
      ['v/long', '1'],
      ['v/bigint', 1.5],
      ['v/float', '1.0'],
      ['v/double', 1n],
      ['v/bigdec', 1.5],
      ['v/instant', '2024-01-01'],
      ['v/instant', new Date(Number.NaN)],
      ['v/uuid', '6f1d2b3c-0000-4000-8000-00000000abcd'],
      ['v/keyword', 'color/red'],
      ['v/symbol', kw('a/b')],
      ['v/uri', 'https://example.com'],
      ['v/bytes', [1, 2]],
      ['v/pair', ['x', 'y']],
      ['v/pair', ['x']],
      ['v/longs', 'x'],
      ['v/longs', [1, 'x']],
    ];
    for (const [a, v] of wrong) {
      it(`rejects ${typeof v === 'bigint' ? `${v}n` : JSON.stringify(v) ?? String(v)} for ${a} with transact/type naming the attribute and value`, async () => {
        const conn = await typedConn();
        const before = await snapshot(conn.db());
        const err = await rejects(conn.transact([['db/add', 'x', a, v]]), 'transact/type');
        expect(String(err.data.attribute)).toContain(a);
        expect(err.message).toContain(a);
        expect(err.data.value).toBeDefined();
        expect(await snapshot(conn.db())).toEqual(before);
      });
    }

    it('rejects nil in map and list forms', async () => {
      const conn = await typedConn();
      await rejects(conn.transact([{ 'v/string': null }]), 'transact/type');
      await rejects(conn.transact([['db/add', 'x', 'v/string', null]]), 'transact/type');
      await rejects(conn.transact([{ 'v/string': undefined }]), 'transact/type');
    });

    it('does not let a caller change stored values by mutating a Date or Uint8Array it passed in', async () => {
      const conn = await typedConn();
      const when = new Date('2020-01-01T00:00:00.000Z');
      const bytes = new Uint8Array([1, 2, 3]);
      const e = await create(conn, { 'v/instant': when, 'v/bytes': bytes });
      const db = conn.db();
      when.setTime(0);
      bytes[0] = 42;
      expect(((await value(db, e, 'v/instant')) as Date).toISOString()).toBe('2020-01-01T00:00:00.000Z');
      expect([...((await value(db, e, 'v/bytes')) as Uint8Array)]).toEqual([1, 2, 3]);
      expect((await all(db, 'avet', 'v/instant', new Date('2020-01-01T00:00:00.000Z'))).map((d) => d.e)).toEqual([e]);
    });

    it('does not let a reader change stored values by mutating a Date or Uint8Array it read', async () => {
      const conn = await typedConn();
      const e = await create(conn, { 'v/instant': new Date('2020-01-01T00:00:00.000Z'), 'v/bytes': new Uint8Array([1, 2, 3]) });
      const db = conn.db();
      ((await value(db, e, 'v/instant')) as Date).setTime(0);
      ((await value(db, e, 'v/bytes')) as Uint8Array)[0] = 42;
      expect(((await value(db, e, 'v/instant')) as Date).toISOString()).toBe('2020-01-01T00:00:00.000Z');
      expect([...((await value(db, e, 'v/bytes')) as Uint8Array)]).toEqual([1, 2, 3]);
    });

    it('treats NaN as one double value (asserting it again is redundant)', async () => {
      const conn = await typedConn();
      const e = await create(conn, { 'v/double': Number.NaN });
      const r = await conn.transact([['db/add', e, 'v/double', Number.NaN]]);
      expect(r.txData).toHaveLength(1);
      expect(Number.isNaN(await value(conn.db(), e, 'v/double'))).toBe(true);
    });

    it('checks tuple arity and keeps refs in tuples as entity ids', async () => {
      const conn = await typedConn();
      await conn.transact([attr('v/rt', 'tuple', { tupleTypes: ['ref', 'long'] })]);
      await rejects(conn.transact([{ 'v/longs': [1, 2, 3, 4, 5, 6, 7, 8, 9] }]), 'transact/type');
      await rejects(conn.transact([{ 'v/longs': [] }]), 'transact/type');
      await rejects(conn.transact([{ 'v/pair': ['x', 1, 2] }]), 'transact/type');
      const target = await create(conn, { 'v/string': 't' });
      const e = await create(conn, { 'v/rt': [target, 1] });
      expect(await value(conn.db(), e, 'v/rt')).toEqual([target, 1]);
      const eight = await create(conn, { 'v/longs': [1, 2, 3, 4, 5, 6, 7, 8] });
      expect(await value(conn.db(), eight, 'v/longs')).toHaveLength(8);
    });

    it('refuses to assert a composite tuple directly', async () => {
      const conn = await typedConn();
      await rejects(conn.transact([{ 'v/a+b': ['x', 1] }]), /^transact\//);
    });
  });

  describe('schema as data', () => {
    it('installs attributes that db.attribute and db.schema describe', async () => {
      const conn = await makeConn();
      await conn.transact([
        attr('s/name', 'string', { unique: 'identity', doc: 'A name' }),
        attr('s/parts', 'ref', { many: true, component: true }),
        attr('s/log', 'string', { noHistory: true, index: true }),
      ]);
      const db = conn.db();
      const a = db.attribute('s/name');
      expect(a).toMatchObject({ valueType: 'string', cardinality: 'one', unique: 'identity', doc: 'A name', isComponent: false });
      expect(a?.ident).toBe(kw('s/name'));
      expect(db.attribute(kw('s/parts'))).toMatchObject({ valueType: 'ref', cardinality: 'many', isComponent: true, unique: null });
      expect(db.attribute(':s/log')).toMatchObject({ noHistory: true, index: true });
      expect(db.attribute(a?.id as number)?.ident).toBe(kw('s/name'));
      expect(db.attribute('s/nope')).toBeNull();
      const schema = db.schema();
      expect([...schema.keys()]).toEqual(expect.arrayContaining(['s/name', 's/parts', 's/log']));
      expect(schema.get('s/parts')?.isComponent).toBe(true);
      // Schema is data: the attribute's datoms are in the indexes.
      const identDatoms = await all(db, 'avet', 'db/ident', kw('s/name'));
      expect(identDatoms.map((d) => d.e)).toEqual([a?.id]);
    });

    it('describes tuple attributes', async () => {
      const conn = await makeConn();
      await conn.transact(TYPED_SCHEMA);
      const db = conn.db();
      expect(db.attribute('v/a+b')?.tupleAttrs).toEqual([aid(db, 'v/a'), aid(db, 'v/b')]);
      expect(db.attribute('v/pair')?.tupleTypes).toEqual(['string', 'long']);
      expect(db.attribute('v/longs')?.tupleType).toBe('long');
    });

    it('refuses to change a value type', async () => {
      const conn = await makeConn();
      await conn.transact([attr('s/x', 'string')]);
      const err = await rejects(conn.transact([{ 'db/id': kw('s/x'), 'db/valueType': kw('db.type/long') }]), 'schema/alteration');
      expect(err.message).toContain('s/x');
      expect(conn.db().attribute('s/x')?.valueType).toBe('string');
    });

    it('allows cardinality many -> one only when no entity has several values', async () => {
      const conn = await makeConn();
      await conn.transact([attr('s/tags', 'string', { many: true }), attr('s/alts', 'string', { many: true })]);
      await conn.transact([{ 's/tags': ['a', 'b'] }, { 's/alts': ['a'] }, { 's/alts': ['b'] }]);
      await rejects(conn.transact([{ 'db/id': kw('s/tags'), 'db/cardinality': kw('db.cardinality/one') }]), 'schema/alteration');
      expect(conn.db().attribute('s/tags')?.cardinality).toBe('many');
      await conn.transact([{ 'db/id': kw('s/alts'), 'db/cardinality': kw('db.cardinality/one') }]);
      expect(conn.db().attribute('s/alts')?.cardinality).toBe('one');
      // And one -> many is always allowed.
      await conn.transact([{ 'db/id': kw('s/alts'), 'db/cardinality': kw('db.cardinality/many') }]);
      expect(conn.db().attribute('s/alts')?.cardinality).toBe('many');
    });

    it('allows adding uniqueness only when no value is held twice', async () => {
      const conn = await makeConn();
      await conn.transact([attr('s/dup', 'string'), attr('s/ok', 'string')]);
      await conn.transact([{ 's/dup': 'x', 's/ok': 'a' }, { 's/dup': 'x', 's/ok': 'b' }]);
      await rejects(conn.transact([{ 'db/id': kw('s/dup'), 'db/unique': kw('db.unique/identity') }]), 'schema/alteration');
      expect(conn.db().attribute('s/dup')?.unique).toBeNull();
      await conn.transact([{ 'db/id': kw('s/ok'), 'db/unique': kw('db.unique/value') }]);
      expect(conn.db().attribute('s/ok')?.unique).toBe('value');
      await rejects(conn.transact([{ 's/ok': 'a' }]), 'transact/unique');
    });

    it('allows isComponent, noHistory, doc and index to change', async () => {
      const conn = await makeConn();
      await conn.transact([attr('s/r', 'ref'), attr('s/s', 'string')]);
      await conn.transact([
        { 'db/id': kw('s/r'), 'db/isComponent': true, 'db/doc': 'parts' },
        { 'db/id': kw('s/s'), 'db/noHistory': true, 'db/index': true },
      ]);
      const db = conn.db();
      expect(db.attribute('s/r')).toMatchObject({ isComponent: true, doc: 'parts' });
      expect(db.attribute('s/s')).toMatchObject({ noHistory: true, index: true });
      await conn.transact([['db/retract', kw('s/r'), 'db/isComponent', true], { 'db/id': kw('s/s'), 'db/noHistory': false, 'db/doc': 'text' }]);
      expect(conn.db().attribute('s/r')).toMatchObject({ isComponent: false, doc: 'parts' });
      expect(conn.db().attribute('s/s')).toMatchObject({ noHistory: false, doc: 'text' });
    });

    it('keeps a renamed ident working as an alias, for transact and reads', async () => {
      const conn = await makeConn();
      await conn.transact([attr('s/name', 'string')]);
      const e = await create(conn, { 's/name': 'before' });
      const id = aid(conn.db(), 's/name');
      await conn.transact([{ 'db/id': kw('s/name'), 'db/ident': kw('s/fullName') }]);
      const db1 = conn.db();
      expect(db1.attribute('s/fullName')?.id).toBe(id);
      expect(db1.ident(id)).toBe(kw('s/fullName'));
      expect(db1.attribute('s/name')?.ident).toBe(kw('s/fullName'));
      expect([...db1.schema().keys()]).toContain('s/fullName');
      expect([...db1.schema().keys()]).not.toContain('s/name');
      // Writing and reading through the old name.
      await conn.transact([['db/add', e, 's/name', 'after']]);
      const db2 = conn.db();
      expect(await value(db2, e, 's/fullName')).toBe('after');
      expect(await value(db2, e, 's/name')).toBe('after');
      expect((await all(db2, 'aevt', 's/name')).map((d) => d.v)).toEqual(['after']);
      expect(await db2.pull(['s/fullName'], e)).toEqual({ 's/fullName': 'after' });
      // The old ident is not a current ident of anything.
      expect(await all(db2, 'avet', 'db/ident', kw('s/name'))).toEqual([]);
    });

    it('uses idents as enums in ref values', async () => {
      const conn = await makeConn();
      await conn.transact([attr('s/color', 'ref'), { 'db/ident': kw('color/red') }, { 'db/ident': kw('color/blue') }]);
      const e = await create(conn, { 's/color': kw('color/red') });
      const db = conn.db();
      const red = await db.entid(kw('color/red'));
      expect(red).not.toBeNull();
      expect(await value(db, e, 's/color')).toBe(red);
      expect(db.ident(red as number)).toBe(kw('color/red'));
      await conn.transact([['db/add', e, 's/color', kw('color/blue')]]);
      expect(conn.db().ident((await value(conn.db(), e, 's/color')) as number)).toBe(kw('color/blue'));
      await rejects(conn.transact([['db/add', e, 's/color', kw('color/purple')]]), 'transact/entity');
    });

    it('rejects an unknown attribute with the unknown-attribute error', async () => {
      const conn = await makeConn();
      const err = await rejects(conn.transact([{ 'no/such': 1 }]), /unknown-attribute$/);
      expect(String(err.data.attribute)).toContain('no/such');
      await rejects(conn.transact([['db/add', 'x', 'no/such', 1]]), /unknown-attribute$/);
      await rejects(async () => conn.db().datoms('aevt', 'no/such').toArray(), /unknown-attribute$/);
    });

    it('rejects an incomplete attribute', async () => {
      const conn = await makeConn();
      const err = await rejects(conn.transact([{ 'db/ident': kw('s/x'), 'db/valueType': kw('db.type/string') }]), 'schema/validation');
      expect(err.message).toContain('db/cardinality');
      await rejects(conn.transact([{ 'db/ident': kw('s/y'), 'db/cardinality': kw('db.cardinality/one') }]), 'schema/validation');
      await rejects(conn.transact([{ 'db/valueType': kw('db.type/string'), 'db/cardinality': kw('db.cardinality/one') }]), 'schema/validation');
      expect(conn.db().attribute('s/x')).toBeNull();
      expect(conn.db().attribute('s/y')).toBeNull();
    });

    it('lets a renamed ident be reused for a new attribute', async () => {
      const conn = await makeConn();
      await conn.transact([attr('s/name', 'string')]);
      const old = aid(conn.db(), 's/name');
      await conn.transact([{ 'db/id': kw('s/name'), 'db/ident': kw('s/full') }]);
      await conn.transact([attr('s/name', 'long')]);
      const db = conn.db();
      expect(db.attribute('s/full')?.id).toBe(old);
      expect(db.attribute('s/name')?.id).not.toBe(old);
      expect(db.attribute('s/name')?.valueType).toBe('long');
      const e = await create(conn, { 's/name': 5, 's/full': 'text' });
      expect(await value(conn.db(), e, 's/name')).toBe(5);
    });

    it('validates new attributes', async () => {
      const conn = await makeConn();
      await conn.transact([attr('s/a', 'string'), attr('s/b', 'long')]);
      const bad: [string, Record<string, unknown>, RegExp?][] = [
        ['a component that is not a ref', attr('s/c', 'string', { component: true })],
        ['the reserved db namespace', attr('db/mine', 'string')],
        ['a composite tuple of one attribute', attr('s/t1', 'tuple', { tupleAttrs: ['s/a'] })],
        ['a composite tuple of nine attributes', attr('s/t9', 'tuple', { tupleAttrs: Array.from({ length: 9 }, () => 's/a') }), /^(schema\/validation|transact\/type)$/],
        ['a composite tuple of an unknown attribute', attr('s/tu', 'tuple', { tupleAttrs: ['s/a', 's/nope'] })],
        ['a cardinality-many composite tuple', attr('s/tm', 'tuple', { tupleAttrs: ['s/a', 's/b'], many: true })],
        ['a tuple without element types', attr('s/tn', 'tuple')],
        ['element types on a non-tuple', attr('s/nt', 'string', { tupleType: 'long' })],
      ];
      for (const [what, form, code] of bad) {
        const before = conn.db().basisT;
        await rejects(conn.transact([form]), code ?? 'schema/validation').catch((err) => {
          throw new Error(`${what}: ${String(err)}`);
        });
        expect(conn.db().basisT, what).toBe(before);
      }
      await rejects(conn.transact([{ 'db/ident': kw('s/u'), 'db/valueType': kw('db.type/nope'), 'db/cardinality': kw('db.cardinality/one') }]), /^(transact|schema)\//);
      expect(conn.db().attribute('s/u')).toBeNull();
    });

    it('refuses to uninstall an attribute', async () => {
      const conn = await makeConn();
      await conn.transact([attr('s/a', 'string')]);
      await create(conn, { 's/a': 'x' });
      await rejects(conn.transact([['db/retractEntity', kw('s/a')]]), 'schema/alteration');
      await rejects(conn.transact([['db/retract', kw('s/a'), 'db/valueType', kw('db.type/string')]]), 'schema/alteration');
      expect(conn.db().attribute('s/a')?.valueType).toBe('string');
    });

    it('allows dropping uniqueness, after which values may repeat', async () => {
      const conn = await makeConn();
      await conn.transact([attr('s/u', 'string', { unique: 'value' })]);
      await create(conn, { 's/u': 'x' });
      await rejects(conn.transact([{ 's/u': 'x' }]), 'transact/unique');
      await conn.transact([['db/retract', kw('s/u'), 'db/unique', kw('db.unique/value')]]);
      expect(conn.db().attribute('s/u')?.unique).toBeNull();
      await conn.transact([{ 's/u': 'x' }]);
      expect(await all(conn.db(), 'avet', 's/u', 'x')).toHaveLength(2);
    });

    it('refuses an attribute used in the transaction that installs it', async () => {
      const conn = await makeConn();
      await rejects(conn.transact([attr('s/new', 'string'), { 's/new': 'x' }]), /unknown-attribute$/);
      expect(conn.db().attribute('s/new')).toBeNull();
    });

    it('upserts an ident: transacting an existing ident names that entity', async () => {
      const conn = await makeConn();
      await conn.transact([{ 'db/ident': kw('color/red') }]);
      const red = await conn.db().entid(kw('color/red'));
      const r = await conn.transact([{ 'db/id': 'c', 'db/ident': kw('color/red'), 'db/doc': 'Red' }]);
      expect(r.tempids.c).toBe(red);
      expect(await value(conn.db(), red as number, 'db/doc')).toBe('Red');
    });

    it('refuses to redefine a tuple', async () => {
      const conn = await makeConn();
      await conn.transact(TYPED_SCHEMA);
      await rejects(conn.transact([{ 'db/id': kw('v/pair'), 'db/tupleTypes': [kw('db.type/long'), kw('db.type/long')] }]), 'schema/alteration');
    });

    it('refuses an ident that is already taken', async () => {
      const conn = await makeConn();
      await conn.transact([attr('s/a', 'string'), attr('s/b', 'string')]);
      await rejects(conn.transact([{ 'db/id': kw('s/b'), 'db/ident': kw('s/a') }]), /^(schema|transact)\//);
      expect(conn.db().attribute('s/a')?.id).not.toBe(conn.db().attribute('s/b')?.id);
    });

    it('values of a bigdec keep their scale apart (1.0M and 1.00M are two values)', async () => {
      const conn = await makeConn();
      await conn.transact([attr('s/d', 'bigdec', { many: true })]);
      const e = await create(conn, { 's/d': [bigdec('1.0'), bigdec('1.00')] });
      expect((await values(conn.db(), e, 's/d')).map(String).sort()).toEqual(['1.0', '1.00']);
    });

    it('keeps keywords, symbols and strings apart', async () => {
      const conn = await makeConn();
      await conn.transact([attr('s/k', 'keyword'), attr('s/y', 'symbol'), attr('s/t', 'string')]);
      const e = await create(conn, { 's/k': kw('a/b'), 's/y': sym('a/b'), 's/t': 'a/b' });
      const db = conn.db();
      expect(await value(db, e, 's/k')).toBeInstanceOf(Keyword);
      expect(await value(db, e, 's/y')).toBeInstanceOf(Sym);
      expect(typeof (await value(db, e, 's/t'))).toBe('string');
    });
  });
}
