// Durable databases read their indexes from stored pages (storage/paged-index.ts) through a page
// cache bounded in bytes (storage/page-cache.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { type Database, connect, createDatabase } from '../src/index.js';
import { type CachedPage, PageCache } from '../src/engine/page-cache.js';
import { attr, datomsText } from './conformance/helpers.js';

const root = mkdtempSync(join(tmpdir(), 'datomkit-paged-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

function page(bytes: number, log: string[], name: string): CachedPage {
  return { bytes, used: false, evict: () => log.push(name) };
}

describe('PageCache', () => {
  it('stays within its budget, evicting pages not used since the hand last passed', () => {
    const evicted: string[] = [];
    const cache = new PageCache(300);
    const a = page(100, evicted, 'a');
    const b = page(100, evicted, 'b');
    const c = page(100, evicted, 'c');
    cache.add(a);
    cache.add(b);
    cache.add(c);
    expect(cache.bytes).toBe(300);
    expect(evicted).toEqual([]);
    // The hand clears every used bit on its first turn, then evicts the first page it finds clear.
    cache.add(page(100, evicted, 'd'));
    expect(evicted).toEqual(['a']);
    expect(cache.bytes).toBe(300);
    // b is used again: it gets a second chance, c goes.
    b.used = true;
    cache.add(page(100, evicted, 'e'));
    expect(evicted).toEqual(['a', 'c']);
    expect(cache.size).toBe(3);
  });

  it('keeps the page just added even over budget, and clear() evicts everything', () => {
    const evicted: string[] = [];
    const cache = new PageCache(0);
    cache.add(page(10, evicted, 'a'));
    expect(cache.size).toBe(1);
    cache.add(page(10, evicted, 'b'));
    expect(evicted).toEqual(['a']);
    cache.clear();
    expect(evicted).toEqual(['a', 'b']);
    expect(cache.bytes).toBe(0);
    expect(() => new PageCache(-1)).toThrow(RangeError);
  });
});

const SCHEMA = [attr('p/name', 'string'), attr('p/code', 'long', { unique: 'identity' }), attr('p/friend', 'ref', { many: true })];

async function everything(db: Database): Promise<string> {
  const out: string[] = [];
  for (const view of [db, db.history(), db.asOf(Math.max(0, db.basisT - 3))]) {
    for (const index of ['eavt', 'aevt', 'avet', 'vaet'] as const) {
      const ds = await view.datoms(index).toArray();
      out.push(datomsText(ds));
    }
  }
  return out.join('\n');
}

describe('paged durable storage', () => {
  it('a read-only reader with a zero-byte cache reads what the writer reads (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(
        // Codes unique: two names for one code in one transaction would be a (correct) conflict.
        fc.uniqueArray(fc.record({ code: fc.integer({ min: 1, max: 400 }), name: fc.string({ maxLength: 6 }), friend: fc.nat(399) }), {
          minLength: 1,
          maxLength: 300,
          selector: (r) => r.code,
        }),
        fc.integer({ min: 1, max: 40 }),
        async (rows, batch) => {
          const dir = join(root, `db-${++n}`);
          await createDatabase(dir);
          const writer = await connect(dir, { checkpointRows: 1 });
          await writer.transact(SCHEMA);
          for (let i = 0; i < rows.length; i += batch) {
            const tx = rows.slice(i, i + batch).map((r) => ({ 'p/code': r.code, 'p/name': r.name }));
            await writer.transact(tx);
          }
          const codes = [...new Set(rows.map((r) => r.code))];
          for (const r of rows.slice(0, 20)) {
            const to = codes[r.friend % codes.length] as number;
            await writer.transact([['db/add', ['p/code', r.code], 'p/friend', ['p/code', to]]]);
          }
          const seen = await everything(writer.db());
          const reader = await connect(dir, { readOnly: true, cacheBytes: 0 });
          expect(await everything(reader.db())).toBe(seen);
          await writer.transact([{ 'p/code': 1000, 'p/name': 'late' }]);
          await writer.close();
          // After the writer's last checkpoint the reader catches up from the new directory.
          const db = await reader.sync();
          expect((await db.pull('[*]', ['p/code', 1000]))?.['p/name']).toBe('late');
          await reader.close();
          const again = await connect(dir, { cacheBytes: 0 });
          expect(await again.db().datoms('eavt').count()).toBe(await db.datoms('eavt').count());
          await again.close();
        },
      ),
      { numRuns: 15 },
    );
  }, 120_000);
});
