// Index catch-ups and large batches sort rows attribute by attribute (index/sort-rows.ts).
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { sortByAttribute } from '../src/index/sort-rows.js';
import { DatomTable } from '../src/index/datom-table.js';
import { IndexComparators } from '../src/index/index-order.js';
import { kw, uuid } from '../src/index.js';

const row = fc.tuple(
  fc.integer({ min: 1000, max: 1100 }),
  fc.constantFrom(10, 11, 40, 1001, 5000),
  fc.oneof(
    fc.integer({ min: -50, max: 50 }),
    fc.string({ maxLength: 3 }),
    fc.uuid().map((u) => uuid(u)),
    fc.constantFrom(kw('a'), kw('b/c'), kw('b/a')),
    fc.integer({ min: 0, max: 99 }).map((n) => new Date(n)),
  ),
);

describe('sortByAttribute', () => {
  test.prop([fc.array(row, { maxLength: 600 }), fc.boolean()], { numRuns: 150, seed: 11 })(
    'orders rows as a full sort by an attribute-led order does',
    (rows, entityOrder) => {
      const table = new DatomTable();
      // Written in entity order, as a bulk load writes them, or as they come.
      const written = entityOrder ? [...rows].sort((x, y) => x[0] - y[0]) : rows;
      const ids = written.map(([e, a, v], i) => table.add(e, a, v, 1 + (i % 7), true));
      const cmp = new IndexComparators(table);
      for (const [order, valueFirst] of [[cmp.aevt, false], [cmp.avet, true]] as const) {
        expect(sortByAttribute(ids, table, order, valueFirst)).toEqual([...ids].sort(order));
      }
    },
  );
});
