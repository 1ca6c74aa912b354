// Reads by a unique attribute's value (lookup refs, pull, datoms and indexRange on AVET) are answered
// from the eagerly kept AVET of the unique attributes, so that they never wait for the full AVET to
// catch up with a large write. They must give what the full AVET gives, on current, asOf, since and
// history values.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DbValue } from '../src/db/db-value.js';
import { type Database, type TxData, connect, createDatabase, deleteDatabase, kw } from '../src/index.js';
import { attr, datomsText } from './conformance/helpers.js';

let n = 0;

const SCHEMA = [
  attr('u/name', 'string', { unique: 'value' }),
  attr('u/code', 'long', { unique: 'identity' }),
  attr('u/note', 'string'),
];

async function fresh() {
  const uri = `mem://unique-reads-${++n}`;
  await createDatabase(uri);
  const conn = await connect(uri);
  await conn.transact(SCHEMA);
  return { uri, conn };
}

/** Whether the full AVET of `db` has been brought up to date (built). */
function fullAvetBuilt(db: Database): boolean {
  return (db as DbValue).state.trees.lazyAvet.built !== null;
}

describe('reads by unique value', () => {
  it('leave the full AVET unbuilt after a write: entid, pull, datoms and indexRange', async () => {
    const { uri, conn } = await fresh();
    const people = Array.from({ length: 300 }, (_, i) => ({ 'u/name': `n${i}`, 'u/code': i, 'u/note': `x${i % 7}` }));
    await conn.transact(people);
    const db = conn.db();
    expect(fullAvetBuilt(db)).toBe(false);
    const e = (await db.entid([kw('u/name'), 'n17'])) as number;
    expect(await db.pull(['u/code'], [kw('u/name'), 'n17'])).toEqual({ 'u/code': 17 });
    expect((await db.datoms('avet', 'u/code', 17).toArray()).map((d) => d.e)).toEqual([e]);
    expect((await db.indexRange('u/code', 10, 13).toArray()).map((d) => d.v)).toEqual([10, 11, 12]);
    expect(await db.datoms('avet', 'u/name').count()).toBe(300);
    expect(fullAvetBuilt(db)).toBe(false);
    // An attribute that is not unique is read from the full AVET.
    expect(await db.datoms('avet', 'u/note', 'x3').count()).toBe(43);
    expect(fullAvetBuilt(db)).toBe(true);
    await conn.close();
    await deleteDatabase(uri);
  });

  const op = fc.oneof(
    fc.record({ kind: fc.constant('add' as const), name: fc.nat(9), code: fc.nat(9) }),
    fc.record({ kind: fc.constant('rename' as const), who: fc.nat(20), name: fc.nat(9) }),
    fc.record({ kind: fc.constant('retract' as const), who: fc.nat(20) }),
  );

  it('give what the full AVET gives, as of every t, since and in history', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
        const { uri, conn } = await fresh();
        try {
          const ids: number[] = [];
          for (const o of ops) {
            const who = ids.length === 0 ? undefined : ids[('who' in o ? o.who : 0) % ids.length];
            const tx: TxData | null =
              o.kind === 'add'
                ? [{ 'db/id': 'p', 'u/name': `n${o.name}`, 'u/code': o.code }]
                : who === undefined
                  ? null
                  : o.kind === 'rename'
                    ? [['db/add', who, 'u/name', `n${o.name}`]]
                    : [['db/retractEntity', who]];
            // Conflicting names and codes are refused: that is part of the sequence too.
            const r = tx === null ? null : await conn.transact(tx).catch(() => null);
            if (r?.tempids.p !== undefined) ids.push(r.tempids.p as number);
          }
          const db = conn.db();
          const values = [db, db.history(), db.since(2)];
          for (let t = 1; t <= db.basisT; t++) values.push(db.asOf(t));
          for (const v of values) {
            for (const a of ['u/name', 'u/code']) {
              const viaUnique = datomsText(await v.datoms('avet', a).toArray());
              const range = datomsText(await v.indexRange(a, null, null).toArray());
              // A read across attributes walks the full AVET.
              const full = datomsText((await v.datoms('avet').toArray()).filter((d) => d.a === v.attribute(a)?.id));
              expect(viaUnique).toBe(full);
              expect(range).toBe(full);
              for (const x of [0, 3, 7]) {
                const value = a === 'u/name' ? `n${x}` : x;
                const one = await v.datoms('avet', a, value).toArray();
                expect(datomsText(one)).toBe(datomsText((await v.datoms('avet').toArray()).filter((d) => d.a === v.attribute(a)?.id && d.v === value)));
              }
            }
          }
          for (let x = 0; x < 10; x++) {
            const rows = (await db.datoms('avet').toArray()).filter((d) => d.a === db.attribute('u/name')?.id && d.v === `n${x}`);
            expect(await db.entid([kw('u/name'), `n${x}`])).toBe(rows[0]?.e ?? null);
          }
        } finally {
          await conn.close();
          await deleteDatabase(uri);
        }
      }),
      { numRuns: 40 },
    );
  });
});
