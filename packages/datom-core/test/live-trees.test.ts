// Commits change the trees of the latest database value in place (db/db-state.ts, LiveTrees).
// These tests hold every other value to what it answered when it was made: values read after
// later commits (rebuilt by undoing them), `with` from the head and from older values, scans
// started before a commit and read after it, and a durable commit that fails and is undone.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { type Connection, type Database, FileBlobStore, connect, connectStore, createDatabase, createStoreDatabase, deleteDatabase, kw } from '../src/index.js';
import { attr, datomsText } from './conformance/helpers.js';
import { isPeopleStep, type PeopleStep, peopleTx, person } from './conformance/people-steps.js';

const root = mkdtempSync(join(tmpdir(), 'datomkit-live-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

const SCHEMA = [
  attr('p/name', 'string'),
  attr('p/tag', 'string', { many: true }),
  attr('p/friend', 'ref', { many: true }),
  attr('p/code', 'long', { unique: 'identity' }),
  attr('p/label', 'string'),
];

/** Every datom of every index of `db`, as text: what a value must keep answering. */
async function picture(db: Database): Promise<string> {
  const parts: string[] = [];
  for (const index of ['eavt', 'aevt', 'avet', 'vaet'] as const) {
    const ds = await db.datoms(index).toArray();
    parts.push(`${index}:${datomsText(ds)}`);
  }
  return parts.join('\n');
}

type Step =
  | PeopleStep
  | { kind: 'label'; who: number; label: string }
  | { kind: 'label-unique'; on: boolean }
  | { kind: 'with'; back: number; name: string }
  | { kind: 'scan'; back: number }
  | { kind: 'read'; back: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('new' as const), name: fc.constantFrom('ann', 'bob', 'cy'), code: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ kind: fc.constant('rename' as const), who: fc.nat(20), name: fc.constantFrom('ann', 'bob', 'cy', 'dee') }),
  fc.record({ kind: fc.constant('tag' as const), who: fc.nat(20), tag: fc.constantFrom('x', 'y', 'z'), add: fc.boolean() }),
  fc.record({ kind: fc.constant('friend' as const), who: fc.nat(20), whom: fc.nat(20) }),
  fc.record({ kind: fc.constant('retract-entity' as const), who: fc.nat(20) }),
  fc.record({ kind: fc.constant('label' as const), who: fc.nat(20), label: fc.constantFrom('l1', 'l2', 'l3') }),
  fc.record({ kind: fc.constant('label-unique' as const), on: fc.boolean() }),
  fc.record({ kind: fc.constant('with' as const), back: fc.nat(6), name: fc.constantFrom('w1', 'w2') }),
  fc.record({ kind: fc.constant('scan' as const), back: fc.nat(6) }),
  fc.record({ kind: fc.constant('read' as const), back: fc.nat(6) }),
);

/** The transaction of a writing step, or null for a step that only reads. */
function txOf(s: Step, people: readonly number[]): unknown[] | null {
  if (isPeopleStep(s)) return peopleTx(s, people);
  switch (s.kind) {
    case 'label':
      return [['db/add', person(people, s.who), 'p/label', s.label]];
    case 'label-unique':
      return [[s.on ? 'db/add' : 'db/retract', kw('p/label'), 'db/unique', kw('db.unique/value')]];
    default:
      return null;
  }
}

describe('values stay as they were while commits change the live trees', () => {
  it('every value, read after later commits, equals what it was (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40 }), async (steps) => {
        const uri = `mem://live-${++n}`;
        await createDatabase(uri);
        const conn = await connect(uri);
        try {
          await conn.transact(SCHEMA);
          const values: { db: Database; seen: string }[] = [];
          const remember = async (db: Database) => values.push({ db, seen: await picture(db) });
          await remember(conn.db());
          const people: number[] = [];
          const pending: { stream: Promise<string>; seen: string }[] = [];
          for (const s of steps) {
            const tx = txOf(s, people);
            const back = (k: number) => values[Math.max(0, values.length - 1 - k)] as { db: Database; seen: string };
            if (tx !== null) {
              // Rejected transactions (conflicts, duplicate values under a new unique) change nothing.
              const r = await conn.transact(tx as never).catch(() => null);
              if (r === null) continue;
              if (s.kind === 'new' && r.tempids.p !== undefined && !people.includes(r.tempids.p)) people.push(r.tempids.p);
              await remember(r.dbAfter);
            } else if (s.kind === 'with') {
              const v = back(s.back);
              const r = await v.db.with([{ 'db/id': 'w', 'p/name': s.name }]).catch(() => null);
              if (r !== null) expect(await picture(r.dbBefore)).toBe(v.seen);
            } else if (s.kind === 'scan') {
              // Started now, read to the end after the later steps: a chunked read sees one value.
              const v = back(s.back);
              const it = v.db.datoms('eavt')[Symbol.asyncIterator]();
              const first = await it.next();
              pending.push({
                seen: v.seen.split('\n')[0] as string,
                stream: (async () => {
                  const out = [];
                  for (let x = first; !x.done; x = await it.next()) out.push(x.value);
                  return `eavt:${datomsText(out)}`;
                })(),
              });
            } else if (s.kind === 'read') {
              const v = back(s.back);
              expect(await picture(v.db)).toBe(v.seen);
            }
          }
          for (const p of pending) expect(await p.stream).toBe(p.seen);
          // Oldest first, then newest first: each order rebuilds from a different distance.
          for (const v of values) expect(await picture(v.db)).toBe(v.seen);
          for (const v of [...values].reverse()) expect(await picture(v.db)).toBe(v.seen);
          expect(await picture(conn.db())).toBe((values[values.length - 1] as { seen: string }).seen);
        } finally {
          await conn.close();
          await deleteDatabase(uri);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('a scan started before a commit reads the value it was started on', async () => {
    const uri = `mem://live-${++n}`;
    await createDatabase(uri);
    const conn = await connect(uri);
    await conn.transact(SCHEMA);
    await conn.transact(Array.from({ length: 10_000 }, (_, i) => ({ 'p/name': `n${i}`, 'p/code': i })));
    const db = conn.db();
    const it = db.datoms('aevt', 'p/name')[Symbol.asyncIterator]();
    const first = await it.next();
    // Renames every entity while the scan is at its first datom (its batches are a few thousand).
    const all = await db.datoms('aevt', 'p/name').toArray();
    await conn.transact(all.map((d) => ['db/add', d.e, 'p/name', `renamed ${String(d.v)}`]));
    await conn.transact(all.slice(0, 5000).map((d) => ['db/retractEntity', d.e]));
    const seen = [first.value];
    for (let x = await it.next(); !x.done; x = await it.next()) seen.push(x.value);
    expect(seen.map((d) => d.v)).toEqual(all.map((d) => d.v));
    expect(await conn.db().datoms('aevt', 'p/name').count()).toBe(5000);
    await conn.close();
  });

  it('a durable commit that fails is undone in the live trees: its unique value is free again', async () => {
    const dir = join(root, `fail-${++n}`);
    class FailingStore extends FileBlobStore {
      fail = false;
      override async appendLog(key: string, offset: number, bytes: Uint8Array): Promise<void> {
        if (this.fail) throw Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
        return super.appendLog(key, offset, bytes);
      }
    }
    const store = new FailingStore(dir);
    await createStoreDatabase(store);
    const conn: Connection = await connectStore(store);
    await conn.transact(SCHEMA);
    const r1 = await conn.transact([{ 'db/id': 'a', 'p/code': 1, 'p/name': 'ann' }]);
    const a = r1.tempids.a as number;
    const before = conn.db();
    const seen = await picture(before);
    store.fail = true;
    // A new unique value, a card-one replacement and a retraction, all undone.
    const err = await conn.transact([{ 'p/code': 2, 'p/name': 'bob' }, ['db/add', a, 'p/name', 'ann 2'], ['db/add', a, 'p/tag', 'x']]).catch((e: unknown) => e);
    expect((err as Error).message).toContain('EIO');
    expect(await picture(conn.db())).toBe(seen);
    expect(await picture(before)).toBe(seen);
    store.fail = false;
    const r2 = await conn.transact([{ 'db/id': 'b', 'p/code': 2, 'p/name': 'bob' }]);
    expect(r2.tempids.b).not.toBe(a);
    expect((await conn.db().pull('[*]', ['p/code', 2]))?.['p/name']).toBe('bob');
    expect((await conn.db().pull('[*]', a))?.['p/name']).toBe('ann');
    await conn.close();
    const again = await connect(dir);
    expect((await again.db().datoms('avet', 'p/code').toArray()).map((d) => d.v)).toEqual([1, 2]);
    await again.close();
  });
});
