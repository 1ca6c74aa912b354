// A table's rows read the same whether they are in memory, in loaded pages or pinned outside their
// pages (index/datom-table.ts): the one-lookup reads of a point lookup (compareAttrValue, datom)
// agree with the column reads.
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { DatomTable, type RowColumns, RowPins, ROW_PAGE_ROWS } from '../src/index/datom-table.js';
import { IndexComparators } from '../src/index/index-order.js';
import { compareValues } from '../src/model/value.js';

const row = fc.tuple(fc.integer({ min: 1000, max: 1100 }), fc.constantFrom(10, 11, 40), fc.oneof(fc.integer({ min: -50, max: 50 }), fc.string({ maxLength: 3 })), fc.boolean());

/** Page `k` of the first `end` rows of `mem`, as a checkpoint would have written it. */
function pageOf(mem: DatomTable, k: number, end: number): RowColumns {
  const cols: RowColumns = { e: [], a: [], t: [], link: [], v: [] };
  for (let r = k * ROW_PAGE_ROWS; r < Math.min(end, (k + 1) * ROW_PAGE_ROWS); r++) {
    const s = mem.stored(r);
    cols.e.push(s.e);
    cols.a.push(s.a);
    cols.t.push(s.t);
    cols.link.push(s.link);
    cols.v.push(s.v);
  }
  return cols;
}

describe('DatomTable point-lookup reads', () => {
  test.prop([fc.array(row, { minLength: 1, maxLength: 1200 }), fc.integer({ min: 0, max: 1200 }), fc.array(fc.nat(), { maxLength: 20 }), fc.constantFrom(10, 11, 40), fc.oneof(fc.integer({ min: -50, max: 50 }), fc.string({ maxLength: 3 }))], {
    numRuns: 60,
    seed: 15,
  })('agree with the column reads for rows in memory, in pages and pinned', (rows, cut, pinAt, a, v) => {
    const base = Math.min(cut, rows.length);
    const mem = new DatomTable();
    for (const [i, [e, at, val, added]] of rows.entries()) mem.add(e, at, val, i, added);
    // The rows below `base` in pages of a source; some of them pinned, their pages never loaded.
    const pins = new RowPins();
    const pinned = new Set(pinAt.map((x) => x % Math.max(1, base)).filter((r) => r < base));
    for (const r of pinned) pins.keep(r, mem.stored(r));
    const source = {
      loadRows: (k: number): RowColumns => pageOf(mem, k, base),
      track(): void {},
      keep(): void {},
    };
    const paged = DatomTable.paged(base, source, pins);
    for (const [i, [e, at, val, added]] of rows.entries()) if (i >= base) paged.add(e, at, val, i, added);
    // Before any page is loaded: an entity that needs no page load is read; the others are NaN.
    for (const r of rows.keys()) expect(paged.entityIfLoaded(r)).toBe(r >= base || pinned.has(r) ? mem.e(r) : Number.NaN);
    // Pinned rows first, while their pages are not loaded; then the rest.
    const order = [...pinned, ...rows.keys()];
    for (const table of [mem, paged]) {
      const probe = new IndexComparators(table).probe('avet', [a, v]);
      for (const r of order) {
        const want = Math.sign(table.a(r) - a) || compareValues(table.v(r), v);
        expect(Math.sign(table.compareAttrValue(r, a, v))).toBe(Math.sign(want));
        expect(Math.sign(probe(r))).toBe(Math.sign(want));
        expect(table.datom(r)).toEqual(mem.datom(r));
        // Its page is loaded now (or the row is in memory or pinned).
        expect(table.entityIfLoaded(r)).toBe(mem.e(r));
      }
    }
  });
});

describe('DatomTable.rebase', () => {
  // A checkpoint writes the rows in memory to pages and rebases the table on them: while the cache
  // keeps the columns they were in, those rows are read from them instead of loaded.
  test.prop([fc.array(row, { minLength: 1, maxLength: 2500 }), fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 8 })], {
    numRuns: 60,
    seed: 16,
  })('reads the rows it took out of memory without loading them, and the same once the cache has dropped them', (rows, cutsAt, evictAt) => {
    const mem = new DatomTable();
    for (const [i, [e, at, val, added]] of rows.entries()) mem.add(e, at, val, i, added);
    const loads: number[] = [];
    const kept: { evict(): void }[] = [];
    const source = {
      loadRows(k: number): RowColumns {
        loads.push(k);
        return pageOf(mem, k, rows.length);
      },
      track(): void {},
      keep: (page: { evict(): void }) => kept.push(page),
    };
    const table = new DatomTable();
    for (const [i, [e, at, val, added]] of rows.entries()) table.add(e, at, val, i, added);
    const cuts = [...new Set(cutsAt.map((c) => c % (rows.length + 1)))].sort((x, y) => x - y);
    let base = 0;
    for (const cut of cuts) {
      kept.length = 0;
      table.rebase(cut, source, new Map());
      // The whole pages between the old base and the new one.
      const whole: number[] = [];
      for (let k = Math.ceil(base / ROW_PAGE_ROWS); (k + 1) * ROW_PAGE_ROWS <= cut; k++) whole.push(k);
      loads.length = 0;
      // Every row it took out of memory, also those of a page only partly retired, is read in place:
      // no page is loaded, and none is made (the cache holds the retired columns alone).
      for (let r = base; r < cut; r++) {
        expect(table.datom(r)).toEqual(mem.datom(r));
        expect(table.entityIfLoaded(r)).toBe(mem.e(r));
        expect(Math.sign(table.compareAttrValue(r, 11, 0))).toBe(Math.sign(mem.compareAttrValue(r, 11, 0)));
        expect([table.a(r), table.v(r), table.t(r), table.link(r), table.added(r)]).toEqual([mem.a(r), mem.v(r), mem.t(r), mem.link(r), mem.added(r)]);
      }
      expect(loads).toEqual([]);
      expect(kept.length).toBe(cut > base ? 1 : 0);
      // Evicted, they are loaded again: the same rows.
      for (const i of evictAt) kept[i % Math.max(1, kept.length)]?.evict();
      for (const r of rows.keys()) {
        expect(table.datom(r)).toEqual(mem.datom(r));
        expect(table.link(r)).toBe(mem.link(r));
      }
      for (const p of [...kept]) p.evict();
      loads.length = 0;
      for (const k of whole) expect(table.e(k * ROW_PAGE_ROWS)).toBe(mem.e(k * ROW_PAGE_ROWS));
      expect(loads).toEqual(whole);
      base = cut;
    }
  });
});
