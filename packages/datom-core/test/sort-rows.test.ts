// Index catch-ups and large batches sort rows attribute by attribute (index/sort-rows.ts).
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { treeFromSorted } from '../src/index/btree.js';
import { sortByAttribute, stableOrder } from '../src/index/sort-rows.js';
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

describe('sortByAttribute on groups written in entity order', () => {
  // One value class per attribute (strings, numbers, few or many distinct values, -0; not NaN, which
  // compareValues does not order against other numbers, so no sort is defined for it),
  // rows written in entity order with t not going back: the fast paths of an import's catch-up.
  const valuesOf = [
    fc.constantFrom('male', 'female', ''),
    fc.string({ maxLength: 4 }),
    fc.integer({ min: 0, max: 3 }),
    fc.oneof(fc.double({ noNaN: true }), fc.constantFrom(0, -0)),
    fc.integer(),
  ];
  const group = fc.tuple(fc.integer({ min: 0, max: valuesOf.length - 1 }), fc.integer({ min: 1, max: 300 })).chain(([kind, n]) =>
    fc.tuple(fc.constant(kind), fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), valuesOf[kind] as fc.Arbitrary<string | number>), { minLength: n, maxLength: n })),
  );
  test.prop([fc.array(group, { minLength: 1, maxLength: 4 }), fc.boolean()], { numRuns: 200, seed: 15 })(
    'orders rows as a full sort does',
    (groups, reversed) => {
      const table = new DatomTable();
      const ids: number[] = [];
      let e = 1000;
      let t = 1;
      groups.forEach(([, rows], gi) => {
        for (const [step, v] of rows) {
          // Entities go up (or repeat, as a card-many attribute's values do), t goes up now and then.
          e += step === 0 ? 0 : 1;
          if (step === 2) t++;
          ids.push(table.add(e, 100 + gi, v, t, true));
        }
      });
      const cmp = new IndexComparators(table);
      const input = reversed ? [...ids].reverse() : ids;
      expect(sortByAttribute(input, table, cmp.avet, true)).toEqual([...ids].sort(cmp.avet));
    },
  );
});

describe('sortByAttribute with the unique attributes index', () => {
  // The full AVET's catch-up reads a unique attribute's rows off the unique AVET of the same value
  // (which holds all of them, sorted): rows of older transactions are in it too, and rows of other
  // attributes, unique or not, are sorted as without it.
  test.prop(
    [fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.string({ maxLength: 6 }), fc.integer({ min: 1000, max: 5000 })), { minLength: 1, maxLength: 800, size: 'max' }), fc.integer({ min: 0, max: 800 }), fc.boolean()],
    { numRuns: 100, seed: 23 },
  )('orders rows as a full sort does', (datoms, cut, uniqueTwo) => {
    const table = new DatomTable();
    // Attributes 100 and (when uniqueTwo) 102 are unique: one value each, held by one entity.
    const unique = (a: number): boolean => a === 100 || (uniqueTwo && a === 102);
    const held = new Set<string>();
    const rows: number[] = [];
    datoms.forEach(([ai, v, e], i) => {
      const a = 100 + ai;
      if (unique(a)) {
        if (held.has(`${a}|${v}`)) return;
        held.add(`${a}|${v}`);
      }
      rows.push(table.add(e, a, unique(a) ? v : ai === 1 ? v.length : v, 1 + (i >> 6), true));
    });
    const cmp = new IndexComparators(table);
    const uniques = treeFromSorted([...rows].filter((r) => unique(table.a(r))).sort(cmp.avet), null);
    // The rows of the transactions since the last catch-up: the last ones written.
    const pending = rows.slice(Math.min(cut, rows.length)).filter((_, i) => i % 5 !== 3);
    expect(sortByAttribute(pending, table, cmp.avet, true, uniques)).toEqual([...pending].sort(cmp.avet));
    // A unique index missing a row (not of the same value) is not trusted.
    const partial = treeFromSorted([...rows].filter((r) => unique(table.a(r))).sort(cmp.avet).slice(1), null);
    expect(sortByAttribute(pending, table, cmp.avet, true, partial)).toEqual([...pending].sort(cmp.avet));
  });
});

describe('stableOrder', () => {
  // The merge sort behind a large group of strings or numbers: the order of a stable sort by `<`,
  // across run and merge boundaries (sizes around 16, 32, 64...), with many ties and runs in order.
  const stable = (vs: readonly (string | number)[]): number[] =>
    vs.map((_, i) => i).sort((x, y) => ((vs[x] as string | number) < (vs[y] as string | number) ? -1 : (vs[x] as string | number) > (vs[y] as string | number) ? 1 : x - y));
  test.prop([fc.array(fc.string({ maxLength: 3, unit: fc.constantFrom('a', 'b', 'B', '\u00e9', '\ud83d\ude00') }), { maxLength: 300, size: 'max' })], { numRuns: 300, seed: 31 })('orders strings as a stable sort', (vs) => {
    expect([...stableOrder(vs)]).toEqual(stable(vs));
  });
  test.prop([fc.array(fc.oneof(fc.integer({ min: -5, max: 5 }), fc.double({ noNaN: true })), { maxLength: 300, size: 'max' }), fc.boolean()], { numRuns: 300, seed: 32 })('orders numbers as a stable sort, sorted input included', (vs, sorted) => {
    const input = sorted ? [...vs].sort((x, y) => x - y) : vs;
    expect([...stableOrder(input)]).toEqual(stable(input));
  });
});
