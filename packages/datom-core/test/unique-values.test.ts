// The head's map of unique values (db/unique-values.ts): lookup refs, upserts and uniqueness checks
// on the latest value answer from it. Whatever commits do to unique values, in memory and on files,
// after a failed commit and after reopening, a lookup on the head must agree with the index.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { UniqueValues } from '../src/db/unique-values.js';
import { type Connection, connect, connectStore, createDatabase, createStoreDatabase, deleteDatabase, FileBlobStore, isDatomError, type TxData } from '../src/index.js';
import { attr } from './conformance/helpers.js';

const root = mkdtempSync(join(tmpdir(), 'datomkit-unique-values-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

const SCHEMA: TxData = [attr('u/code', 'string', { unique: 'value' }), attr('u/n', 'long', { unique: 'identity' }), attr('u/note', 'string')];

/** Who holds each code and number, read from the head (the map) and from the index (an asOf value, which scans the tree). */
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
      tx = [{ 'u/code': s.code, 'u/n': s.n }];
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
      tx = [{ 'u/n': s.n, 'u/note': s.note }];
      break;
    case 'many':
      // A large transaction (64 unique values or more) checks them all at once.
      tx = Array.from({ length: 70 }, (_, i) => ({ 'u/code': `m${s.first + i}`, 'u/n': 1000 + s.first + i }));
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

describe('UniqueValues', () => {
  it('tells a known value, a certain miss and an unknown one apart', () => {
    const u = new UniqueValues();
    const complete = u.forWrite(100, () => true);
    const partial = u.forWrite(101, () => false);
    u.assert(complete, 'Ann', 7);
    u.assert(partial, 'Ann', 8);
    expect(u.find(100, 'Ann')).toBe(7);
    expect(u.find(100, 'Bob')).toBe(-1);
    expect(u.find(101, 'Ann')).toBe(8);
    expect(u.find(101, 'Bob')).toBeUndefined();
    expect(u.find(102, 'Ann')).toBeUndefined();
    // A retraction of another row holding the value (an older one) leaves the current holder.
    u.retract(complete, 'Ann', 3);
    expect(u.find(100, 'Ann')).toBe(7);
    u.retract(complete, 'Ann', 7);
    expect(u.find(100, 'Ann')).toBe(-1);
    expect(u.size).toBe(1);
  });

  it('keeps numbers by value and leaves other values to the index', () => {
    const u = new UniqueValues();
    const m = u.forWrite(100, () => true);
    u.assert(m, 5, 1);
    expect(u.find(100, 5)).toBe(1);
    expect(u.find(100, 5.5)).toBe(-1);
    expect(u.find(100, Number.NaN)).toBeUndefined();
    expect(u.find(100, 5n)).toBeUndefined();
    // A value the map cannot key makes a miss uncertain.
    u.assert(m, 6n, 2);
    expect(u.isComplete(100)).toBe(false);
    expect(u.find(100, 7)).toBeUndefined();
    expect(u.find(100, 5)).toBe(1);
  });

  it('stops adding past its bound, and its misses are then uncertain', () => {
    const u = new UniqueValues(3);
    const m = u.forWrite(100, () => true);
    for (const [i, v] of ['a', 'b', 'c', 'd'].entries()) u.assert(m, v, i);
    expect(u.size).toBe(3);
    expect(u.find(100, 'c')).toBe(2);
    expect(u.find(100, 'd')).toBeUndefined();
    expect(u.find(100, 'z')).toBeUndefined();
    u.drop(100);
    expect(u.size).toBe(0);
    expect(u.find(100, 'a')).toBeUndefined();
  });
});
