// treeRemoveMany takes a batch out of a B+tree with one descent per leaf where the rows are in the
// tree's order (index/btree.ts). Held to a sorted-array model: the rows left, the order, lookups
// that depend on each branch's first row, later inserts, and older versions of the tree.
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { newEdit, treeFromSorted, treeInsertMany, treeLowerBound, treeRemoveMany, treeToArray } from '../src/index/btree.js';

// Rows are numbers ordered by a key table, as the indexes order row numbers by their datoms.
const keys: number[] = [];
const cmp = (a: number, b: number): number => (keys[a] as number) - (keys[b] as number) || a - b;

describe('removing a batch of rows from a B+tree', () => {
  test.prop(
    [
      fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 1, maxLength: 3000, size: 'max' }),
      fc.array(fc.nat(), { maxLength: 400, size: 'max' }),
      fc.constantFrom('sorted', 'shuffled', 'runs'),
      fc.boolean(),
      fc.array(fc.integer({ min: 0, max: 5000 }), { maxLength: 100, size: 'max' }),
    ],
    { numRuns: 120, seed: 11 },
  )('leaves exactly the other rows, keeps lookups right, and an older tree as it was', (base, picks, order, transient, later) => {
    keys.length = 0;
    const rows = base.map((k) => keys.push(k) - 1).sort(cmp);
    // A transient edit owns the tree and changes it in place; without one, the tree is copied.
    const edit = transient ? newEdit() : null;
    const tree = treeFromSorted(rows, edit);
    const gone = new Set<number>();
    let batch = picks.map((p) => (p % 7 === 0 ? rows.length + (p % 50) : (rows[p % rows.length] as number)));
    if (order === 'sorted') batch = [...new Set(batch)].sort(cmp);
    else if (order === 'runs') {
      // Neighbours in the tree, as the datoms of one entity are in EAVT.
      const start = (picks[0] ?? 0) % rows.length;
      batch = rows.slice(start, start + picks.length);
    }
    for (const r of batch) if (r < rows.length) gone.add(r);
    // Rows past the table (p % 7 === 0 above) are not in the tree and are skipped.
    const after = treeRemoveMany(tree, batch, cmp, edit);
    const left = rows.filter((r) => !gone.has(r));
    expect(after.size).toBe(left.length);
    expect(treeToArray(after)).toEqual(left);
    if (!transient) expect(treeToArray(tree)).toEqual(rows);
    for (const k of [0, 1000, 2500, 4999, 5001]) {
      const probe = (r: number): number => (keys[r] as number) - k;
      expect(treeLowerBound(after, probe)).toBe(left.find((r) => (keys[r] as number) >= k) ?? -1);
    }
    const added = later.map((k) => keys.push(k) - 1);
    expect(treeToArray(treeInsertMany(after, added, cmp, edit))).toEqual([...left, ...added].sort(cmp));
  });
});
