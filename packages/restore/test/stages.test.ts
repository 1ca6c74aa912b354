import { type Datom, FIRST_USER_EID, kw } from '@datomkit/datom-core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  IdMapping,
  RestoreWriter,
  SourceSchema,
  applyTransforms,
  attributeMatcher,
  copySchema,
  readCurrentState,
  readLog,
  selectAttributes,
  transformValues,
  verifyRestore,
} from '../src/index.js';
import { catalogConn, dropAll, freshConn } from './helpers.js';

afterAll(dropAll);

describe('attribute selection', () => {
  it('matches idents, namespace wildcards and *, with or without a colon', () => {
    const m = attributeMatcher([':user/email', 'payment/*']);
    expect(m('user/email')).toBe(true);
    expect(m('user/name')).toBe(false);
    expect(m('payment/card')).toBe(true);
    expect(m('payment.card/number')).toBe(false);
    expect(attributeMatcher(['*'])('any/thing')).toBe(true);
  });

  it('keeps included attributes only, and an exclude wins over an include', () => {
    const ident = (a: number) => ['user/name', 'user/email', 'order/total'][a] as string;
    const datoms: Datom[] = [0, 1, 2].map((a) => ({ e: 1000, a, v: 'x', tx: 1, added: true }));
    const kept = applyTransforms(datoms, [selectAttributes({ include: ['user/*'], exclude: ['user/email'] })], { ident, t: null });
    expect(kept.map((d) => ident(d.a))).toEqual(['user/name']);
  });

  it('rewrites the values of matching attributes only', () => {
    const ident = (a: number) => (a === 0 ? 'user/email' : 'user/name');
    const datoms: Datom[] = [0, 1].map((a) => ({ e: 1001, a, v: 'v', tx: 1, added: true }));
    const out = transformValues({ 'user/email': (_v, d) => `u${d.e}@x.invalid` })(datoms, { ident, t: null });
    expect(out.map((d) => d.v)).toEqual(['u1001@x.invalid', 'v']);
  });
});

describe('readCurrentState', () => {
  it('reads every data datom once, as of the basis, in chunks that never split an entity', async () => {
    const src = await catalogConn(4_000);
    const basis = src.db();
    await src.transact([{ 'artist/name': 'after the basis' }]);
    const seenIn = new Map<number, number>();
    let total = 0;
    let chunkNo = 0;
    for await (const chunk of readCurrentState({ sourceDb: src.db(), basisT: basis.basisT, readParallelism: 3, readChunk: 50 })) {
      chunkNo++;
      for (const d of chunk) {
        total++;
        const prev = seenIn.get(d.e);
        expect(prev === undefined || prev === chunkNo).toBe(true);
        seenIn.set(d.e, chunkNo);
        expect(d.v).not.toBe('after the basis');
      }
    }
    expect(chunkNo).toBeGreaterThan(10);
    // Every datom of a user attribute but the composite tuples (derived in the destination).
    let expected = 0;
    for (const a of basis.schema().values()) {
      if (a.id < FIRST_USER_EID || a.tupleAttrs !== null) continue;
      expected += await basis.datoms('aevt', a.id).count();
    }
    expect(total).toBe(expected);
  });

  it('stops its readers when the consumer stops early', async () => {
    const src = await catalogConn(2_000);
    let n = 0;
    for await (const _ of readCurrentState({ sourceDb: src.db(), readParallelism: 4, readChunk: 10 })) if (++n === 2) break;
    expect(n).toBe(2);
  });
});

describe('a pipeline composed from the stages', () => {
  it('copies the schema, the current state and then the log, through a transform, into an equal database', async () => {
    const src = await catalogConn(2_000);
    const dest = await freshConn();
    const basisT = src.db().basisT;
    const schema = await SourceSchema.load(src.db(), basisT);
    const mapping = new IdMapping(dest);
    await copySchema({ schema, destConn: dest, mapping });
    const writer = new RestoreWriter({ destConn: dest, schema, mapping });
    const upper = transformValues({ 'artist/name': (v) => String(v).toUpperCase() });
    const ctx = { ident: (a: number) => schema.identOf(a), t: null };
    for await (const chunk of readCurrentState({ sourceDb: src.db(), schema })) await writer.writeCurrentState(applyTransforms(chunk, [upper], ctx));
    await src.transact([{ 'artist/name': 'late', 'artist/gid': (await import('@datomkit/datom-core')).uuid('00000000-0000-4000-8000-000000000001') }]);
    for await (const entry of readLog({ sourceConn: src, fromT: basisT + 1 })) {
      schema.apply(entry.data, entry.t);
      const user = entry.data.filter((d) => d.a >= FIRST_USER_EID);
      await writer.replay(entry, applyTransforms(user, [upper], { ...ctx, t: entry.t }), []);
    }
    const names = (await dest.db().datoms('aevt', 'artist/name').toArray()).map((d) => String(d.v));
    expect(names).toContain('LATE');
    expect(names.every((x) => x === x.toUpperCase())).toBe(true);
    const v = await verifyRestore(src.db(), dest.db(), { countOnly: ['artist/name'] });
    expect(v.differences).toEqual([]);
    expect(await dest.db().entid([kw('artist/gid'), (await import('@datomkit/datom-core')).uuid('00000000-0000-4000-8000-000000000001')])).not.toBeNull();
  });
});
