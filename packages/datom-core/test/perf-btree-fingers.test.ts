// An edit keeps fingers to leaves its recent inserts and point lookups went through, and later
// operations that fall inside one start there (index/btree.ts, Edit). A wrong finger would put a
// row in the wrong leaf or answer a lookup from the wrong one, so two trees edited under one
// long-lived edit, as a connection's live trees are, are held to sorted-array models through runs
// of clustered inserts, removals, batches, lookups and finished edits.
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import {
  type Edit,
  EMPTY_TREE,
  newEdit,
  type Tree,
  treeFirstMatch,
  treeInsert,
  treeInsertMany,
  treeLowerBound,
  treeRemove,
  treeRemoveMany,
  treeToArray,
} from '../src/index/btree.js';

// Rows are numbers ordered by a key table, as the indexes order row numbers by their datoms.
const keys: number[] = [];
const byKey = (a: number, b: number): number => (keys[a] as number) - (keys[b] as number) || a - b;
// A second order over the same rows, for a second tree under the same edit.
const byNegKey = (a: number, b: number): number => (keys[b] as number) - (keys[a] as number) || a - b;

type Step =
  | { op: 'add'; spot: number; offset: number }
  | { op: 'batch'; spot: number; count: number }
  | { op: 'remove'; pick: number }
  | { op: 'remove-run'; pick: number; count: number }
  | { op: 'lookup'; key: number }
  | { op: 'freeze' };

// Inserts cluster around a few spots (the ends of attributes in AEVT), so that fingers are hit.
// Six spots stay within the fingers a tree keeps; sixty make them miss, rest and come back.
const stepOver = (spots: number): fc.Arbitrary<Step> => fc.oneof(
  { weight: 8, arbitrary: fc.record({ op: fc.constant('add' as const), spot: fc.nat(spots - 1), offset: fc.nat(30) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('batch' as const), spot: fc.nat(spots - 1), count: fc.integer({ min: 1, max: 40 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('remove' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('remove-run' as const), pick: fc.nat(), count: fc.integer({ min: 1, max: 30 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('lookup' as const), key: fc.integer({ min: -1, max: 6500 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('freeze' as const) }) },
);
const steps = fc.oneof(fc.array(stepOver(6), { minLength: 50, maxLength: 600, size: 'max' }), fc.array(stepOver(60), { minLength: 400, maxLength: 1500, size: 'max' }));

describe('fingers of an edit', () => {
  test.prop([steps], { numRuns: 80, seed: 5 })(
    'two trees edited under one edit hold exactly their models, and lookups find what the models do',
    (steps) => {
      keys.length = 0;
      // Spot i grows from 100 * i (spots run into each other after a hundred rows: leaves shared).
      const spotNext = Array.from({ length: 60 }, (_, i) => 100 * i);
      let edit: Edit = newEdit();
      const trees: [Tree, Tree] = [EMPTY_TREE, EMPTY_TREE];
      const cmps = [byKey, byNegKey] as const;
      let model: number[] = [];
      const apply = (f: (t: Tree, cmp: (a: number, b: number) => number) => Tree): void => {
        trees[0] = f(trees[0], cmps[0]);
        trees[1] = f(trees[1], cmps[1]);
      };
      for (const s of steps) {
        if (s.op === 'add') {
          // Mostly growing keys at a spot (ids at the end of an attribute), sometimes just before.
          const k = (spotNext[s.spot] as number) - (s.offset % 7 === 0 ? s.offset : 0);
          spotNext[s.spot] = (spotNext[s.spot] as number) + 1;
          const r = keys.push(k) - 1;
          apply((t, cmp) => treeInsert(t, r, cmp, edit));
          model.push(r);
        } else if (s.op === 'batch') {
          const rows = Array.from({ length: s.count }, () => {
            const k = spotNext[s.spot] as number;
            spotNext[s.spot] = k + 1;
            return keys.push(k) - 1;
          });
          apply((t, cmp) => treeInsertMany(t, rows, cmp, edit));
          model.push(...rows);
        } else if (s.op === 'remove' && model.length > 0) {
          const r = model[s.pick % model.length] as number;
          apply((t, cmp) => treeRemove(t, r, cmp, edit));
          model = model.filter((x) => x !== r);
        } else if (s.op === 'remove-run' && model.length > 0) {
          const sorted = [...model].sort(byKey);
          const start = s.pick % sorted.length;
          const run = sorted.slice(start, start + s.count);
          trees[0] = treeRemoveMany(trees[0], run, byKey, edit);
          trees[1] = treeRemoveMany(trees[1], [...run].reverse(), byNegKey, edit);
          const gone = new Set(run);
          model = model.filter((x) => !gone.has(x));
        } else if (s.op === 'lookup') {
          // A probe of leading components: every row with key k matches.
          const probe = (r: number): number => (keys[r] as number) - s.key;
          const sorted = [...model].sort(byKey);
          const first = sorted.find((r) => (keys[r] as number) >= s.key);
          expect(treeFirstMatch(trees[0], probe, edit)).toBe(first !== undefined && keys[first] === s.key ? first : -1);
          expect(treeLowerBound(trees[0], probe)).toBe(first ?? -1);
        } else if (s.op === 'freeze') {
          // A finished edit: the next one copies what it changes, and must not use the old fingers.
          const before = [treeToArray(trees[0]), treeToArray(trees[1])];
          const frozen = [trees[0], trees[1]];
          edit = newEdit();
          const r = keys.push(spotNext[0] as number) - 1;
          spotNext[0] = (spotNext[0] as number) + 1;
          apply((t, cmp) => treeInsert(t, r, cmp, edit));
          model.push(r);
          expect([treeToArray(frozen[0] as Tree), treeToArray(frozen[1] as Tree)]).toEqual(before);
        }
        expect(trees[0].size).toBe(model.length);
      }
      expect(treeToArray(trees[0])).toEqual([...model].sort(byKey));
      expect(treeToArray(trees[1])).toEqual([...model].sort(byNegKey));
    },
  );

  test('inserts cycling through more places than a tree keeps fingers for stay in order', () => {
    keys.length = 0;
    // 80 places, each inside a leaf of its own, written in turn: the fingers miss, rest, try again.
    const base = Array.from({ length: 80 * 64 }, (_, i) => keys.push(i * 1000) - 1);
    const edit = newEdit();
    let tree = treeInsertMany(EMPTY_TREE, base, byKey, edit);
    const model = [...base];
    for (let round = 0; round < 120; round++) {
      for (let spot = 0; spot < 80; spot++) {
        const r = keys.push(spot * 64 * 1000 + 500 + round) - 1;
        tree = treeInsert(tree, r, byKey, edit);
        model.push(r);
      }
    }
    const sorted = model.sort(byKey);
    expect(treeToArray(tree)).toEqual(sorted);
    for (const k of [0, 500, 64_500, 64_619, 5_119_000]) {
      const probe = (r: number): number => (keys[r] as number) - k;
      const first = sorted.find((r) => (keys[r] as number) >= k);
      expect(treeFirstMatch(tree, probe, edit)).toBe(first !== undefined && keys[first] === k ? first : -1);
    }
  });
});
