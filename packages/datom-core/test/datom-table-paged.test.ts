// A table's rows read the same whether they are in memory, in loaded pages or pinned outside their
// pages (index/datom-table.ts): the one-lookup reads of a point lookup (compareAttrValue, datom)
// agree with the column reads.
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { DatomTable, type RowColumns, RowPins, ROW_PAGE_ROWS } from '../src/index/datom-table.js';
import { IndexComparators } from '../src/index/index-order.js';
import { compareValues } from '../src/model/value.js';

const row = fc.tuple(fc.integer({ min: 1000, max: 1100 }), fc.constantFrom(10, 11, 40), fc.oneof(fc.integer({ min: -50, max: 50 }), fc.string({ maxLength: 3 })), fc.boolean());

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
      loadRows(k: number): RowColumns {
        const cols: RowColumns = { e: [], a: [], t: [], link: [], v: [] };
        for (let r = k * ROW_PAGE_ROWS; r < Math.min(base, (k + 1) * ROW_PAGE_ROWS); r++) {
          const s = mem.stored(r);
          cols.e.push(s.e);
          cols.a.push(s.a);
          cols.t.push(s.t);
          cols.link.push(s.link);
          cols.v.push(s.v);
        }
        return cols;
      },
      track(): void {},
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
