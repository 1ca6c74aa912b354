// The head's map of unique values (db/unique-values.ts): lookup refs, upserts and uniqueness checks
// on the latest value answer from it. Whatever commits do to unique values, in memory and on files,
// after a failed commit and after reopening, a lookup on the head must agree with the index.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { test } from '@fast-check/vitest';
import { afterAll, describe, expect, it } from 'vitest';
import { AttrValues, type RowValues, UniqueValues } from '../src/db/unique-values.js';
import { hashValue } from '../src/model/value-hash.js';
import { BigDec, type Connection, connect, connectStore, createDatabase, createStoreDatabase, deleteDatabase, FileBlobStore, isDatomError, kw, sym, type TxData, uuid, type Value } from '../src/index.js';
import { attr } from './conformance/helpers.js';

const root = mkdtempSync(join(tmpdir(), 'datomkit-unique-values-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

const SCHEMA: TxData = [attr('u/code', 'string', { unique: 'value' }), attr('u/n', 'long', { unique: 'identity' }), attr('u/gid', 'uuid', { unique: 'identity' }), attr('u/note', 'string')];

/** The uuid numbered `i`. */
const gid = (i: number) => uuid(`6f1d3c1a-0000-4000-8000-${i.toString(16).padStart(12, '0')}`);

/** Who holds each code, number and uuid (numbered as the numbers), read from the head (the map) and from the index (an asOf value, which scans the tree). */
async function holders(conn: Connection, codes: readonly string[], ns: readonly number[]): Promise<{ head: number[]; index: number[] }> {
  const db = conn.db();
  const tree = db.asOf(db.basisT);
  const head: number[] = [];
  const index: number[] = [];
  for (const c of codes) {
    head.push((await db.entid(['u/code', c])) ?? -1);
    index.push((await tree.entid(['u/code', c])) ?? -1);
  }
  for (const x of ns) {
    head.push((await db.entid(['u/n', x])) ?? -1);
    index.push((await tree.entid(['u/n', x])) ?? -1);
    head.push((await db.entid(['u/gid', gid(x)])) ?? -1);
    index.push((await tree.entid(['u/gid', gid(x)])) ?? -1);
  }
  return { head, index };
}

const CODES = ['a', 'b', 'c', 'd', 'e', 'f'];
const NS = [0, 1, 2, 3, 4, 5];

/** One step of a random history: most touch unique values, some are refused. */
const step = fc.oneof(
  fc.record({ kind: fc.constant('new' as const), code: fc.constantFrom(...CODES), n: fc.constantFrom(...NS) }),
  fc.record({ kind: fc.constant('recode' as const), who: fc.nat(7), code: fc.constantFrom(...CODES) }),
  fc.record({ kind: fc.constant('swap' as const), x: fc.nat(7), y: fc.nat(7) }),
  fc.record({ kind: fc.constant('retract' as const), who: fc.nat(7) }),
  fc.record({ kind: fc.constant('retractEntity' as const), who: fc.nat(7) }),
  fc.record({ kind: fc.constant('upsert' as const), n: fc.constantFrom(...NS), note: fc.string({ maxLength: 3 }) }),
  fc.record({ kind: fc.constant('many' as const), first: fc.nat(100) }),
);
type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;

async function apply(conn: Connection, s: Step): Promise<void> {
  const db = conn.db();
  const people = (await db.datoms('aevt', 'u/code').toArray()).map((d) => d.e);
  const who = (k: number): number | undefined => people[k % Math.max(1, people.length)];
  let tx: TxData;
  switch (s.kind) {
    case 'new':
      tx = [{ 'u/code': s.code, 'u/n': s.n, 'u/gid': gid(s.n) }];
      break;
    case 'recode': {
      const e = who(s.who);
      if (e === undefined) return;
      tx = [['db/add', e, 'u/code', s.code]];
      break;
    }
    case 'swap': {
      const [x, y] = [who(s.x), who(s.y)];
      if (x === undefined || y === undefined || x === y) return;
      const code = async (e: number) => ((await db.pull(['u/code'], e)) as Record<string, string>)['u/code'] as string;
      tx = [
        ['db/add', x, 'u/code', await code(y)],
        ['db/add', y, 'u/code', await code(x)],
      ];
      break;
    }
    case 'retract': {
      const e = who(s.who);
      if (e === undefined) return;
      tx = [['db/retract', e, 'u/code']];
      break;
    }
    case 'retractEntity': {
      const e = who(s.who);
      if (e === undefined) return;
      tx = [['db/retractEntity', e]];
      break;
    }
    case 'upsert':
      tx = [s.note.length % 2 === 0 ? { 'u/n': s.n, 'u/note': s.note } : { 'u/gid': gid(s.n), 'u/note': s.note }];
      break;
    case 'many':
      // A large transaction (64 unique values or more) checks them all at once.
      tx = Array.from({ length: 70 }, (_, i) => ({ 'u/code': `m${s.first + i}`, 'u/n': 1000 + s.first + i, 'u/gid': gid(1000 + s.first + i) }));
      break;
  }
  await conn.transact(tx).catch((err: unknown) => {
    if (!isDatomError(err, 'transact/')) throw err;
  });
}

describe('the head map of unique values', () => {
  it('answers what the index answers after every commit, refused or not, in memory and on files', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), fc.boolean(), async (steps, durable) => {
        const uri = durable ? join(root, `db-${++n}`) : `mem://unique-values-${++n}`;
        await createDatabase(uri);
        let conn = await connect(uri);
        try {
          await conn.transact(SCHEMA);
          const codes = [...CODES, ...Array.from({ length: 200 }, (_, i) => `m${i}`)];
          const ns = [...NS, ...Array.from({ length: 200 }, (_, i) => 1000 + i)];
          for (const [i, s] of steps.entries()) {
            await apply(conn, s);
            const { head, index } = await holders(conn, codes, ns);
            expect(head).toEqual(index);
            // Reopened half-way: the map starts over from what the database holds.
            if (durable && i === steps.length >> 1) {
              await conn.close();
              conn = await connect(uri);
            }
          }
        } finally {
          await conn.close();
          await deleteDatabase(uri);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('forgets what a commit that could not be made durable wrote', async () => {
    const dir = join(root, `full-${++n}`);
    class FullDisk extends FileBlobStore {
      full = false;
      override async appendLog(key: string, offset: number, bytes: Uint8Array): Promise<void> {
        if (this.full) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
        return super.appendLog(key, offset, bytes);
      }
    }
    const store = new FullDisk(dir);
    await createStoreDatabase(store);
    const conn = await connectStore(store);
    await conn.transact(SCHEMA);
    await conn.transact([{ 'u/code': 'kept' }]);
    store.full = true;
    await expect(conn.transact([{ 'u/code': 'lost' }])).rejects.toThrow('ENOSPC');
    store.full = false;
    expect(await conn.db().entid(['u/code', 'lost'])).toBeNull();
    expect(await conn.db().entid(['u/code', 'kept'])).not.toBeNull();
    // The value is free: another entity may take it.
    await conn.transact([{ 'u/code': 'lost' }]);
    expect(await conn.db().entid(['u/code', 'lost'])).not.toBeNull();
    await conn.close();
  });
});

/** A table of rows for the maps to read values from: row i holds `values[i]`. */
function rowsOf(values: readonly Value[]): RowValues {
  return { v: (row) => values[row] as Value };
}

describe('UniqueValues', () => {
  it('tells a known value, a certain miss and an unknown one apart', () => {
    const table = rowsOf(['Ann', 'Ann', 'Ann', 'Ann', 'Ann', 'Ann', 'Ann', 'Ann', 'Ann']);
    const u = new UniqueValues();
    const complete = u.forWrite(100, () => true);
    const partial = u.forWrite(101, () => false);
    u.assert(complete, 'Ann', 7, table);
    u.assert(partial, 'Ann', 8, table);
    expect(u.find(100, 'Ann', table)).toBe(7);
    expect(u.find(100, 'Bob', table)).toBe(-1);
    expect(u.find(101, 'Ann', table)).toBe(8);
    expect(u.find(101, 'Bob', table)).toBeUndefined();
    expect(u.find(102, 'Ann', table)).toBeUndefined();
    // A retraction of another row holding the value (an older one) leaves the current holder.
    u.retract(complete, 'Ann', 3);
    expect(u.find(100, 'Ann', table)).toBe(7);
    u.retract(complete, 'Ann', 7);
    expect(u.find(100, 'Ann', table)).toBe(-1);
    expect(u.size).toBe(1);
  });

  it('keeps every kind of value, equal exactly when the index order makes them equal', () => {
    const gid = uuid('6f1d3c1a-0000-4000-8000-000000000001');
    const table = rowsOf([5, 2n ** 60n, -0, gid, ['x', 3], kw('a/b'), new BigDec(10n, 1)]);
    const u = new UniqueValues();
    const m = u.forWrite(100, () => true);
    for (let row = 0; row < 7; row++) u.assert(m, table.v(row), row, table);
    expect(u.isComplete(100)).toBe(true);
    // A number and the bigint of its value are one value, as in the index; so are 0 and -0.
    expect(u.find(100, 5n, table)).toBe(0);
    expect(u.find(100, 2 ** 60, table)).toBe(1);
    expect(u.find(100, 2n ** 60n + 1n, table)).toBe(-1);
    expect(u.find(100, 0, table)).toBe(2);
    expect(u.find(100, uuid(gid.text), table)).toBe(3);
    // A uuid's text is another value than the uuid.
    expect(u.find(100, gid.text, table)).toBe(-1);
    expect(u.find(100, ['x', 3n], table)).toBe(4);
    expect(u.find(100, ['x', 3, null], table)).toBe(-1);
    expect(u.find(100, kw('a/b'), table)).toBe(5);
    expect(u.find(100, sym('a/b'), table)).toBe(-1);
    // 1.0M and 1.00M are different values.
    expect(u.find(100, new BigDec(10n, 1), table)).toBe(6);
    expect(u.find(100, new BigDec(100n, 2), table)).toBe(-1);
    // NaN is one value, equal only to NaN (whatever its bits), as in the index.
    expect(u.find(100, Number.NaN, table)).toBe(-1);
    const nan = rowsOf([...Array.from({ length: 7 }, (_, i) => table.v(i)), new Float64Array(new BigUint64Array([0x7ff8_0000_0000_0001n]).buffer)[0] as number, ['x', Number.NaN]]);
    u.assert(m, nan.v(7), 7, nan);
    u.assert(m, nan.v(8), 8, nan);
    expect(u.isComplete(100)).toBe(true);
    expect(u.find(100, Number.NaN, nan)).toBe(7);
    expect(u.find(100, ['x', Number.NaN], nan)).toBe(8);
    expect(u.find(100, ['x', 3], nan)).toBe(4);
    expect(u.find(100, 6, nan)).toBe(-1);
  });

  it('stops adding past its bound, and its misses are then uncertain', () => {
    const table = rowsOf(['a', 'b', 'c', 'd', 'c']);
    const u = new UniqueValues(3);
    const m = u.forWrite(100, () => true);
    for (const [i, v] of ['a', 'b', 'c', 'd'].entries()) u.assert(m, v, i, table);
    expect(u.size).toBe(3);
    expect(u.find(100, 'c', table)).toBe(2);
    expect(u.find(100, 'd', table)).toBeUndefined();
    expect(u.find(100, 'z', table)).toBeUndefined();
    // A value held already takes its new row, bound or not.
    u.retract(m, 'c', 2);
    expect(u.size).toBe(2);
    u.assert(m, 'c', 4, table);
    expect(u.find(100, 'c', table)).toBe(4);
    u.drop(100);
    expect(u.size).toBe(0);
    expect(u.find(100, 'a', table)).toBeUndefined();
  });
});

/**
 * A step on an attribute's table and on its model, a Map of which row holds each value. Values are
 * small integers, so that steps meet the same values often.
 */
type TableStep = { kind: 'assert' | 'retract' | 'retractOther'; v: number };

const steps = fc.array(
  fc.oneof(
    fc.record({ kind: fc.constant('assert' as const), v: fc.nat(40) }),
    fc.record({ kind: fc.constant('retract' as const), v: fc.nat(40) }),
    fc.record({ kind: fc.constant('retractOther' as const), v: fc.nat(40) }),
  ),
  { maxLength: 300 },
);

describe('AttrValues', () => {
  // Few distinct hashes: every probe run is long, wraps around the table, and holds other values of
  // the same hash, which only the rows' values tell apart; removals shift runs back across the wrap.
  const hashings: [string, (v: number) => number][] = [
    ['one hash for all', () => 7],
    ['three hashes near the end of the slots', (v) => 13 + (v % 3)],
    ['hashes that differ only above the slot bits', (v) => 1 + ((v % 5) << 20)],
    ['the real hash', (v) => hashValue(v)],
  ];
  for (const [name, hashOf] of hashings) {
    test.prop([steps], { numRuns: 150, seed: 23 })(`finds, adds and removes as a Map does, ${name}`, (script: readonly TableStep[]) => {
      const values: Value[] = [];
      const table = rowsOf(values);
      const m = new AttrValues(true);
      const model = new Map<number, number>();
      for (const s of script) {
        const h = hashOf(s.v);
        switch (s.kind) {
          case 'assert': {
            // A new row holds the value (a held value's holder changes, as after a retraction).
            const row = values.push(s.v) - 1;
            expect(m.put(h, s.v, row, table, false)).toBe(model.has(s.v));
            model.set(s.v, row);
            break;
          }
          case 'retract': {
            const row = model.get(s.v);
            expect(m.remove(h, row ?? 1e6)).toBe(row !== undefined);
            model.delete(s.v);
            break;
          }
          case 'retractOther':
            // A row that does not hold the value now (an older holder): nothing changes.
            expect(m.remove(h, (model.get(s.v) ?? -1) + 1e6)).toBe(false);
            break;
        }
        expect(m.size).toBe(model.size);
        for (let v = 0; v <= 40; v++) expect(m.find(hashOf(v), v, table)).toBe(model.get(v) ?? -1);
      }
    });
  }
});

describe('UniqueValues reusing the hashes of a check', () => {
  // A commit asserts its values in the order its check hashed them; any other order, a check whose
  // commit never came, or values the check did not see must still file each value by its own hash.
  const script = fc.array(
    fc.oneof(
      fc.record({ kind: fc.constant('check' as const), vs: fc.array(fc.nat(30), { maxLength: 6 }) }),
      fc.record({ kind: fc.constant('assert' as const), v: fc.nat(30) }),
      fc.record({ kind: fc.constant('retract' as const), v: fc.nat(30) }),
    ),
    { maxLength: 80 },
  );
  test.prop([script], { numRuns: 300, seed: 29 })('files every value where a lookup finds it', (steps) => {
    const values: Value[] = [];
    const table = rowsOf(values);
    const u = new UniqueValues();
    const m = u.forWrite(100, () => true);
    const model = new Map<number, number>();
    for (const s of steps) {
      if (s.kind === 'check') {
        u.beginCheck();
        for (const v of s.vs) u.hashChecked(`v${v}`);
      } else if (s.kind === 'assert') {
        const old = model.get(s.v);
        if (old !== undefined) u.retract(m, `v${s.v}`, old);
        const row = values.push(`v${s.v}`) - 1;
        u.assert(m, `v${s.v}`, row, table);
        model.set(s.v, row);
      } else {
        const old = model.get(s.v);
        if (old !== undefined) u.retract(m, `v${s.v}`, old);
        model.delete(s.v);
      }
      for (let v = 0; v <= 30; v++) expect(u.find(100, `v${v}`, table)).toBe(model.get(v) ?? -1);
    }
  });
});
