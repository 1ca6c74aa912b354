import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import {
  BRANCH_MAX,
  EMPTY_TREE,
  LEAF_MAX,
  type Node,
  newEdit,
  type Tree,
  TreeCursor,
  treeFromSorted,
  treeInsert,
  treeInsertMany,
  treeInsertRange,
  treeLowerBound,
  treeMatches,
  treeRemove,
  treeToArray,
} from '../src/index/btree.js';

// Rows are numbers ordered by a key table, as the indexes order row numbers by their datoms.
const keys: number[] = [];
const cmp = (a: number, b: number): number => (keys[a] as number) - (keys[b] as number) || a - b;

type Step =
  | { op: 'add'; key: number }
  | { op: 'remove'; pick: number }
  | { op: 'batch'; keys: number[] }
  | { op: 'range'; keys: number[]; before: number; after: number; sorted: boolean }
  | { op: 'snapshot' };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('add' as const), key: fc.integer({ min: 0, max: 500 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('remove' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('batch' as const), keys: fc.array(fc.integer({ min: 0, max: 500 }), { maxLength: 300 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('range' as const),
      // Past 16 rows a batch is merged rather than inserted row by row.
      keys: fc.array(fc.integer({ min: 0, max: 500 }), { maxLength: 300, size: 'medium' }),
      before: fc.nat(20),
      after: fc.nat(20),
      sorted: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('snapshot' as const) }) },
);

/** A row number no step ever makes: a tree that holds it took rows from outside its range. */
const OUTSIDE = 1e9;

/** Applies an add, a remove or a batch to `tree` and to its model (the rows it holds); other steps leave both. */
function applyStep(s: { op: string; key?: number; pick?: number; keys?: number[]; before?: number; after?: number; sorted?: boolean }, tree: Tree, model: number[], edit: ReturnType<typeof newEdit> | null): [Tree, number[]] {
  if (s.op === 'add') {
    const r = keys.push(s.key as number) - 1;
    return [treeInsert(tree, r, cmp, edit), [...model, r]];
  }
  if (s.op === 'remove' && model.length > 0) {
    const r = model[(s.pick as number) % model.length] as number;
    return [treeRemove(tree, r, cmp, edit), model.filter((x) => x !== r)];
  }
  if (s.op === 'batch') {
    const rows = (s.keys as number[]).map((k) => keys.push(k) - 1);
    return [treeInsertMany(tree, rows, cmp, edit), [...model, ...rows]];
  }
  if (s.op === 'range') {
    // The rows in the middle of a longer array, as a transaction's assertions are in its rows.
    const rows = (s.keys as number[]).map((k) => keys.push(k) - 1);
    if (s.sorted === true) rows.sort(cmp);
    const around = [...new Array<number>(s.before as number).fill(OUTSIDE), ...rows, ...new Array<number>(s.after as number).fill(OUTSIDE)];
    const lo = s.before as number;
    return [treeInsertRange(tree, around, lo, lo + rows.length, cmp, edit, s.sorted === true), [...model, ...rows]];
  }
  return [tree, model];
}

describe('persistent B+tree of rows', () => {
  test.prop([fc.array(step, { maxLength: 400 }), fc.boolean()], { numRuns: 150, seed: 42 })(
    'holds exactly the rows of a sorted-array model, and old versions never change',
    (steps, transient) => {
      keys.length = 0;
      let tree: Tree = EMPTY_TREE;
      let model: number[] = [];
      const snapshots: [Tree, number[]][] = [];
      let edit = transient ? newEdit() : null;
      for (const s of steps) {
        [tree, model] = applyStep(s, tree, model, edit);
        if (s.op === 'snapshot') {
          // A finished edit: what it built must stay as it is.
          snapshots.push([tree, [...model].sort(cmp)]);
          edit = transient ? newEdit() : null;
        }
        expect(tree.size).toBe(model.length);
      }
      expect(treeToArray(tree)).toEqual([...model].sort(cmp));
      for (const [t, rows] of snapshots) expect(treeToArray(t)).toEqual(rows);
    },
  );

  test.prop([fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 2000 }), fc.integer({ min: -1, max: 1001 })], { numRuns: 100, seed: 7 })(
    'cursors and point lookups start at the first row at or after a probe',
    (ks, probeKey) => {
      keys.length = 0;
      const rows = ks.map((k) => keys.push(k) - 1).sort(cmp);
      const tree = treeFromSorted(rows, null);
      const probe = (r: number): number => (keys[r] as number) - probeKey;
      const expected = rows.filter((r) => (keys[r] as number) >= probeKey);
      const cur = new TreeCursor(tree, probe);
      const got: number[] = [];
      for (let r = cur.next(); r !== -1; r = cur.next()) got.push(r);
      expect(got).toEqual(expected);
      expect(treeLowerBound(tree, probe)).toBe(expected[0] ?? -1);
    },
  );

  test.prop(
    [fc.array(fc.integer({ min: 0, max: 100_000 }), { minLength: 2000, maxLength: 5000 }), fc.array(fc.integer({ min: 0, max: 100_000 }), { minLength: 16, maxLength: 250 }), fc.boolean()],
    { numRuns: 60, seed: 3 },
  )('a sorted batch small next to the tree goes in leaf run by leaf run, leaving the old tree as it was', (base, batch, clustered) => {
    keys.length = 0;
    const baseRows = base.map((k) => keys.push(k) - 1).sort(cmp);
    const tree = treeFromSorted(baseRows, null);
    // Clustered batches (new entities at the end of a region) make long runs in one leaf.
    const batchKeys = clustered ? batch.map((k, i) => 100_001 + (k % 50) + i) : batch;
    const rows = batchKeys.map((k) => keys.push(k) - 1);
    const after = treeInsertMany(tree, rows, cmp, newEdit());
    expect(after.size).toBe(baseRows.length + rows.length);
    expect(treeToArray(after)).toEqual([...baseRows, ...rows].sort(cmp));
    expect(treeToArray(tree)).toEqual(baseRows);
  });

  test.prop(
    [
      fc.array(fc.nat(), { maxLength: 3000 }),
      fc.constantFrom(60, 2000),
      fc.array(fc.tuple(fc.integer({ min: -1, max: 2001 }), fc.integer({ min: 0, max: 200 })), { maxLength: 40 }),
      fc.boolean(),
    ],
    { numRuns: 100, seed: 7 },
  )('treeMatches gives the rows a probe matches, in order, up to the limit, within a leaf or across leaves', (inserted, spread, probes, fingers) => {
    keys.length = 0;
    // Inserted one by one under one edit, so that the edit keeps fingers into the tree's leaves. Few
    // distinct keys make matches that span leaves; many make fingers that hold all of a key's rows.
    const edit = newEdit();
    let tree: Tree = EMPTY_TREE;
    for (const x of inserted) tree = treeInsert(tree, keys.push(x % (spread + 1)) - 1, cmp, edit);
    const all = treeToArray(tree);
    for (const [k, limit] of probes) {
      const probe = (r: number): number => (keys[r] as number) - k;
      const want = all.filter((r) => keys[r] === k).slice(0, limit);
      expect(treeMatches(tree, probe, fingers ? edit : null, limit)).toEqual(want);
    }
  });

  test.prop(
    [fc.array(fc.integer({ min: 0, max: 3000 }), { maxLength: 2500 }), fc.array(fc.tuple(fc.nat(40), fc.nat(3)), { maxLength: 60 })],
    { numRuns: 100, seed: 9 },
  )('a cursor advanced to ever later keys returns the first row at or after each, never going back', (inserted, moves) => {
    keys.length = 0;
    let tree: Tree = EMPTY_TREE;
    const edit = newEdit();
    for (const k of inserted) tree = treeInsert(tree, keys.push(k) - 1, cmp, edit);
    const all = treeToArray(tree);
    const cur = new TreeCursor(tree, null);
    let at = 0; // index in `all` of the row next() returns
    let target = 0;
    for (const [jump, reads] of moves) {
      target += jump * 50;
      const probe = (r: number): number => (keys[r] as number) - target;
      cur.advanceTo(probe);
      while (at < all.length && (keys[all[at] as number] as number) < target) at++;
      for (let i = 0; i <= reads; i++) expect(cur.next()).toBe(at < all.length ? all[at++] : -1);
    }
  });
});


/** The depth of every leaf, and each node's size and first row, checked: what searches rely on. */
function checkShape(t: Tree): void {
  const depths = new Set<number>();
  const walk = (n: Node, depth: number, isRoot: boolean): number => {
    if (n.leaf) {
      depths.add(depth);
      expect(n.keys.length).toBeGreaterThan(0);
      expect(n.keys.length).toBeLessThanOrEqual(LEAF_MAX);
      return n.keys[0] as number;
    }
    expect(n.children.length).toBeGreaterThan(isRoot ? 1 : 0);
    expect(n.children.length).toBeLessThanOrEqual(BRANCH_MAX);
    const firsts = n.children.map((c) => walk(c, depth + 1, false));
    expect(n.min).toBe(firsts[0]);
    return n.min;
  };
  if (t.root !== null) walk(t.root, 0, true);
  expect(depths.size).toBeLessThanOrEqual(1);
}

describe('sorted batches merged into a tree', () => {
  test.prop(
    [fc.array(fc.integer({ min: 0, max: 50_000 }), { minLength: 16, maxLength: 60 }), fc.integer({ min: 0, max: 5 }), fc.boolean()],
    { numRuns: 100, seed: 17 },
  )('a few rows per leaf go into the leaves an edit owns in place, before, among and after their rows', (batch, below, sameEdit) => {
    keys.length = 0;
    // Every 10th key from 0 to 50,000, inserted in a scattered order under an edit, so that the
    // edit owns leaves with room: each row of the batch lands in a leaf of its own or shares it with
    // a few, and some sort before every row of the tree.
    const edit = newEdit();
    const base = Array.from({ length: 5000 }, (_, i) => keys.push(i * 10 + 5) - 1);
    let tree: Tree = EMPTY_TREE;
    for (let i = 0; i < base.length; i++) tree = treeInsert(tree, base[(i * 7919) % base.length] as number, cmp, edit);
    const rows = [...batch.map((k) => keys.push(k) - 1), ...Array.from({ length: below }, (_, i) => keys.push(-1 - i) - 1)];
    const after = treeInsertMany(tree, rows, cmp, sameEdit ? edit : newEdit());
    expect(treeToArray(after)).toEqual([...base, ...rows].sort(cmp));
    checkShape(after);
    if (!sameEdit) expect(treeToArray(tree)).toEqual(base);
  });

  test.prop(
    [
      fc.array(fc.integer({ min: 0, max: 20_000 }), { maxLength: 4000, size: 'max' }),
      fc.array(fc.array(fc.integer({ min: 0, max: 20_000 }), { minLength: 16, maxLength: 3000, size: 'max' }), { minLength: 1, maxLength: 4 }),
      fc.constantFrom('random', 'after', 'clustered'),
      fc.boolean(),
    ],
    { numRuns: 80, seed: 21 },
  )('hold exactly the rows, stay balanced with nodes in bounds, leave older trees as they were, and answer lookups', (base, batches, kind, sameEdit) => {
    keys.length = 0;
    // The base is built by inserts under an edit, so that the merges meet nodes the edit owns.
    const edit = newEdit();
    let tree: Tree = EMPTY_TREE;
    for (const k of base) tree = treeInsert(tree, keys.push(k) - 1, cmp, edit);
    let model = base.map((_, i) => i);
    const older: [Tree, number[]][] = [];
    for (const batch of batches) {
      if (!sameEdit) older.push([tree, [...model].sort(cmp)]);
      // After everything (new ids), clustered at a few places (ends of attributes), or anywhere.
      const ks = kind === 'after' ? batch.map((k, i) => 20_001 + k + i) : kind === 'clustered' ? batch.map((k, i) => (k % 4) * 5000 + 4999 - (i % 7)) : batch;
      const rows = ks.map((k) => keys.push(k) - 1);
      tree = treeInsertMany(tree, rows, cmp, sameEdit ? edit : newEdit());
      model = [...model, ...rows];
      expect(tree.size).toBe(model.length);
      checkShape(tree);
    }
    const sorted = [...model].sort(cmp);
    expect(treeToArray(tree)).toEqual(sorted);
    for (const [t, rows] of older) expect(treeToArray(t)).toEqual(rows);
    // Single inserts under the edit afterwards (fingers re-learnt) land where they belong.
    for (let k = 0; k < 50; k++) {
      const r = keys.push((k * 397) % 20_000) - 1;
      tree = treeInsert(tree, r, cmp, edit);
      sorted.push(r);
    }
    sorted.sort(cmp);
    expect(treeToArray(tree)).toEqual(sorted);
    checkShape(tree);
    const probeKey = 10_000;
    expect(treeLowerBound(tree, (r) => (keys[r] as number) - probeKey)).toBe(sorted.find((r) => (keys[r] as number) >= probeKey) ?? -1);
  });
});

describe('treeMatches with a lead', () => {
  // A row's lead is its key / 8, as an entity leads EAVT's components: rows of a smaller lead sort
  // before, of a larger after. Some leads are "not loaded" (NaN), as rows whose pages are not in memory.
  const lead = (r: number): number => Math.floor((keys[r] as number) / 8);
  const leadOf = (r: number): number => (r % 5 === 0 ? Number.NaN : lead(r));
  type Op = { op: 'add'; key: number } | { op: 'remove'; pick: number } | { op: 'batch'; keys: number[] } | { op: 'freeze' } | { op: 'read'; key: number; whole: boolean; limit: number };
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 4, arbitrary: fc.record({ op: fc.constant('add' as const), key: fc.integer({ min: 0, max: 2000 }) }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('remove' as const), pick: fc.nat() }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('batch' as const), keys: fc.array(fc.integer({ min: 0, max: 2000 }), { minLength: 50, maxLength: 400 }) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('freeze' as const) }) },
    {
      weight: 5,
      arbitrary: fc.record({ op: fc.constant('read' as const), key: fc.integer({ min: -10, max: 2010 }), whole: fc.boolean(), limit: fc.constantFrom(1, 3, 1000) }),
    },
  );

  test.prop([fc.array(op, { minLength: 100, maxLength: 250 }), fc.boolean()], { numRuns: 60, seed: 15 })(
    'gives the rows of the probe, as without a lead, while edits change the branches that keep leads',
    (ops, transient) => {
      keys.length = 0;
      let tree: Tree = EMPTY_TREE;
      let model: number[] = [];
      let edit = transient ? newEdit() : null;
      const frozen: [Tree, number[]][] = [];
      const check = (t: Tree, rows: readonly number[], key: number, whole: boolean, limit: number): void => {
        // A probe of the lead alone (an entity's datoms), or of the whole key (an entity and more).
        const l = Math.floor(key / 8);
        const probe = whole ? (r: number): number => (keys[r] as number) - key : (r: number): number => lead(r) - l;
        const want = rows.filter((r) => probe(r) === 0).slice(0, limit);
        expect(treeMatches(t, probe, null, limit, l, leadOf)).toEqual(want);
        expect(treeMatches(t, probe, null, limit)).toEqual(want);
      };
      for (const s of ops) {
        [tree, model] = applyStep(s, tree, model, edit);
        if (s.op === 'freeze') {
          frozen.push([tree, [...model].sort(cmp)]);
          edit = transient ? newEdit() : null;
        } else if (s.op === 'read') {
          model.sort(cmp);
          check(tree, model, s.key, s.whole, s.limit);
          // Older values, whose branches the reads above may share, still read as they were.
          const old = frozen[s.key % Math.max(1, frozen.length)];
          if (old !== undefined) check(old[0], old[1], s.key, s.whole, s.limit);
        }
      }
    },
  );

  test('a branch an edit changes in place keeps no stale leads', () => {
    keys.length = 0;
    // Ten full leaves of keys 0..639 under one branch, owned by an edit, the lead of a row its key.
    const edit = newEdit();
    let tree = treeFromSorted(
      Array.from({ length: 640 }, (_, k) => keys.push(k) - 1),
      edit,
    );
    const byKey = (t: Tree, k: number): number[] => treeMatches(t, (r) => (keys[r] as number) - k, null, 10, k, (r) => keys[r] as number);
    expect(byKey(tree, 130)).toEqual([130]);
    // The second leaf goes, the last one splits: as many children as before, at other places.
    for (let k = 64; k < 128; k++) tree = treeRemove(tree, k, cmp, edit);
    for (let k = 1000; k < 1064; k++) tree = treeInsert(tree, keys.push(k) - 1, cmp, edit);
    expect(byKey(tree, 130)).toEqual([130]);
    expect(byKey(tree, 100)).toEqual([]);
    expect(byKey(tree, 1010)).toEqual([640 + 10]);
  });
});
