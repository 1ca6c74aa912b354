// Uniqueness after a transaction: a small transaction looks each unique value up, a large one (64
// values or more) merges its sorted values with the unique index (tx/unique-check.ts). Both must
// refuse exactly the transactions that leave a value held by two entities, swaps allowed.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { connect, createDatabase, deleteDatabase, isDatomError, type TxData, uuid, type Value } from '../src/index.js';
import { attr } from './conformance/helpers.js';

let n = 0;

describe('uniqueness of a transaction', () => {
  // Numbers, strings, doubles and uuids: the head's map of unique values keeps each kind (uuids by their
  // own hash, never equal to a string of their text), and the held values fill it in one commit.
  const kinds: [string, (i: number) => Value][] = [
    ['long', (i) => i],
    ['string', (i) => `code ${i}`],
    // NaN is one value, held like any other.
    ['double', (i) => (i === 0 ? Number.NaN : i / 4)],
    ['uuid', (i) => uuid(`6f1d3c1a-0000-4000-8000-${i.toString(16).padStart(12, '0')}`)],
  ];
  for (const [type, codeOf] of kinds) {
    it(`is refused exactly when a value ends up held by two entities, small and large (${type})`, async () => {
      // Held: entity i holds code i. The transaction gives some held entities a new code and makes
      // new entities, codes drawn from a pool a little larger than what is held.
      const held = 70;
      const change = fc.record({ who: fc.nat(held - 1), code: fc.nat(held + 20) });
      await fc.assert(
        fc.asyncProperty(fc.array(change, { maxLength: 90 }), fc.array(fc.nat(held + 20), { maxLength: 90 }), async (changes, fresh) => {
          const uri = `mem://unique-check-${++n}`;
          await createDatabase(uri);
          const conn = await connect(uri);
          try {
            await conn.transact([attr('u/code', type, { unique: 'value' })]);
            const { tempids } = await conn.transact(Array.from({ length: held }, (_, i) => ({ 'db/id': `h${i}`, 'u/code': codeOf(i) })));
            const eid = (i: number) => tempids[`h${i}`] as number;
            // The model: each held entity's code after the transaction, then the new entities'.
            const codes = new Map<number, string[]>();
            const last = new Map<number, number>();
            for (const c of changes) last.set(c.who, c.code);
            const own = (code: number, who: string): void => {
              codes.set(code, [...(codes.get(code) ?? []), who]);
            };
            for (let i = 0; i < held; i++) own(last.get(i) ?? i, `h${i}`);
            for (const [i, code] of fresh.entries()) own(code, `n${i}`);
            // Two values for one entity's card-one attribute are a conflict of their own: keep one.
            const tx: TxData = [
              ...[...last].map(([who, code]) => ['db/add', eid(who), 'u/code', codeOf(code)] as const),
              ...fresh.map((code, i) => ({ 'db/id': `n${i}`, 'u/code': codeOf(code) })),
            ];
            const clash = [...codes.values()].some((owners) => owners.length > 1);
            const out = await conn.transact(tx).then(
              () => 'ok',
              (err: unknown) => (isDatomError(err, 'transact/unique') ? 'unique' : String(err)),
            );
            expect(out).toBe(clash ? 'unique' : 'ok');
          } finally {
            await conn.close();
            await deleteDatabase(uri);
          }
        }),
        { numRuns: 60 },
      );
    });
  }

  for (const [type, codeOf] of kinds) {
    it(`in a large transaction: allows swaps and new values, refuses a value held or repeated (${type})`, async () => {
      const uri = `mem://unique-check-${++n}`;
      await createDatabase(uri);
      const conn = await connect(uri);
      await conn.transact([attr('u/code', type, { unique: 'value' })]);
      const { tempids } = await conn.transact(Array.from({ length: 10 }, (_, i) => ({ 'db/id': `h${i}`, 'u/code': codeOf(i) })));
      const [a, b] = [tempids.h1 as number, tempids.h2 as number];
      const fresh = (from: number) => Array.from({ length: 100 }, (_, i) => ({ 'u/code': codeOf(from + i) }));
      const outcome = (tx: TxData) =>
        conn.transact(tx).then(
          () => 'ok',
          (err: unknown) => (isDatomError(err, 'transact/unique') ? 'unique' : String(err)),
        );
      // Two held entities swap their codes, alongside 100 new ones.
      expect(await outcome([['db/add', a, 'u/code', codeOf(2)], ['db/add', b, 'u/code', codeOf(1)], ...fresh(100)])).toBe('ok');
      expect(await outcome(fresh(300).concat([{ 'u/code': codeOf(5) }]))).toBe('unique');
      expect(await outcome(fresh(500).concat([{ 'u/code': codeOf(550) }]))).toBe('unique');
      expect(await outcome(fresh(150))).toBe('unique');
      expect(await outcome([['db/retractEntity', tempids.h5 as number], ...fresh(700), { 'u/code': codeOf(5) }])).toBe('ok');
      await conn.close();
      await deleteDatabase(uri);
    });
  }
});
