// The full AVET and the history indexes are caught up lazily from the table rows that commits
// wrote, recorded as row ranges that consecutive commits extend (db/lazy-tree.ts,
// db/history-index.ts). These tests hold a database read only now and then to one whose lazy
// indexes are caught up after every commit: the same transactions must give the same AVET, history
// and asOf values, with `with` writing rows between commits (so ranges are not contiguous), failed
// transactions, and an attribute whose noHistory is switched on and off in between.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Database, connect, createDatabase, deleteDatabase, kw } from '../src/index.js';
import { attr, datomsText } from './conformance/helpers.js';
import { isPeopleStep, type PeopleStep, peopleTx, person } from './conformance/people-steps.js';

let n = 0;

const SCHEMA = [
  attr('p/name', 'string'),
  attr('p/tag', 'string', { many: true }),
  attr('p/friend', 'ref', { many: true }),
  attr('p/code', 'long', { unique: 'identity' }),
  attr('p/log', 'string', { noHistory: true }),
];

type Step =
  | PeopleStep
  | { kind: 'log'; who: number; text: string }
  | { kind: 'no-history'; on: boolean }
  | { kind: 'with'; back: number }
  | { kind: 'read'; back: number };

// Weighted towards what ends history ranges: retractions of the noHistory attribute, and switching it.
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('new' as const), name: fc.constantFrom('ann', 'bob'), code: fc.integer({ min: 1, max: 8 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('rename' as const), who: fc.nat(12), name: fc.constantFrom('ann', 'bob', 'cy') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tag' as const), who: fc.nat(12), tag: fc.constantFrom('x', 'y'), add: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('friend' as const), who: fc.nat(12), whom: fc.nat(12) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('log' as const), who: fc.nat(12), text: fc.constantFrom('l1', 'l2', 'l3') }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('retract-entity' as const), who: fc.nat(12) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('no-history' as const), on: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('with' as const), back: fc.nat(4) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('read' as const), back: fc.nat(4) }) },
);

function txOf(s: Step, people: readonly number[]): unknown[] | null {
  if (isPeopleStep(s)) return peopleTx(s, people);
  switch (s.kind) {
    case 'log':
      return [['db/add', person(people, s.who), 'p/log', s.text]];
    case 'no-history':
      return [['db/add', kw('p/log'), 'db/noHistory', s.on]];
    default:
      return null;
  }
}

/** AVET, history and the value as of every earlier t, as text (txInstant values left out). */
async function picture(db: Database): Promise<string> {
  const instant = await db.entid(kw('db/txInstant'));
  const text = async (x: Database, index: 'eavt' | 'avet' | 'vaet') =>
    datomsText((await x.datoms(index).toArray()).filter((d) => d.a !== instant));
  const parts = [`avet:${await text(db, 'avet')}`, `history:${await text(db.history(), 'eavt')}`, `hvaet:${await text(db.history(), 'vaet')}`];
  for (let t = 1; t < db.basisT; t++) parts.push(`asOf ${t}:${await text(db.asOf(t), 'eavt')}`);
  return parts.join('\n');
}

describe('lazily kept indexes caught up from row ranges', () => {
  it('give the same AVET, history and asOf as indexes caught up after every commit (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 30 }), async (steps) => {
        const lazyUri = `mem://ranges-lazy-${++n}`;
        const eagerUri = `mem://ranges-eager-${n}`;
        await createDatabase(lazyUri);
        await createDatabase(eagerUri);
        const lazy = await connect(lazyUri);
        const eager = await connect(eagerUri);
        try {
          await lazy.transact(SCHEMA);
          await eager.transact(SCHEMA);
          const values: { db: Database; seen: string }[] = [];
          const people: number[] = [];
          for (const s of steps) {
            const tx = txOf(s, people);
            const back = () => values[Math.max(0, values.length - 1 - ('back' in s ? s.back : 0))];
            if (tx !== null) {
              const r = await lazy.transact(tx as never).catch(() => null);
              const e = await eager.transact(tx as never).catch(() => null);
              expect(r === null).toBe(e === null);
              if (r === null || e === null) continue;
              if (s.kind === 'new' && r.tempids.p !== undefined && !people.includes(r.tempids.p)) people.push(r.tempids.p);
              // The eager side reads its lazy indexes at once, so each catch-up covers one commit.
              values.push({ db: r.dbAfter, seen: await picture(e.dbAfter) });
            } else if (s.kind === 'with') {
              // Writes rows into the table between two commits of the lazy side.
              await (back()?.db ?? lazy.db()).with([{ 'p/name': 'w', 'p/log': 'w' }, ['db/retractEntity', people[0] ?? 0]]).catch(() => null);
            } else {
              const v = back();
              if (v !== undefined) expect(await picture(v.db)).toBe(v.seen);
            }
          }
          for (const v of [...values].reverse()) expect(await picture(v.db)).toBe(v.seen);
        } finally {
          await lazy.close();
          await eager.close();
          await deleteDatabase(lazyUri);
          await deleteDatabase(eagerUri);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('keep the retractions made under noHistory out of the history after noHistory is switched off', async () => {
    const uri = `mem://ranges-${++n}`;
    await createDatabase(uri);
    const conn = await connect(uri);
    await conn.transact(SCHEMA);
    const e = (await conn.transact([{ 'db/id': 'p', 'p/code': 1, 'p/log': 'a' }])).tempids.p as number;
    await conn.transact([['db/add', e, 'p/log', 'b']]);
    await conn.transact([['db/add', kw('p/log'), 'db/noHistory', false]]);
    await conn.transact([['db/add', e, 'p/log', 'c']]);
    const history = await conn.db().history().datoms('eavt', e, 'p/log').toArray();
    // "a" was retracted while p/log kept no history; "b" after it kept history again.
    expect(history.map((d) => `${String(d.v)} ${d.added}`)).toEqual(['b true', 'b false', 'c true']);
    await conn.close();
    await deleteDatabase(uri);
  });
});
