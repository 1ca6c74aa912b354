// The leads of EAVT's branches are filled ahead of the first reads (db/warm-leads.ts), in slices
// between commits (LiveTrees). These tests hold that a warm-up fills exactly what a descent would,
// within its budget, loads nothing, and leaves reads answering as they did while edits go on.
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { LiveTrees, DbState, indexTrees } from '../src/db/db-state.js';
import { HistoryIndex } from '../src/db/history-index.js';
import { LazyTree } from '../src/db/lazy-tree.js';
import { LeadWarmer } from '../src/db/warm-leads.js';
import { EMPTY_TREE, type Branch, type Edit, type Node, newEdit, type Tree, treeFromSorted, treeInsert, treeInsertMany, treeMatches, treeRemove } from '../src/index/btree.js';
import { DatomTable } from '../src/index/datom-table.js';
import { IndexComparators } from '../src/index/index-order.js';
import { Schema } from '../src/schema/schema.js';
import { bootstrapDatoms } from '../src/schema/bootstrap.js';

// Rows are numbers ordered by a key table; a row's lead is its key / 8 (as an entity leads EAVT).
const keys: number[] = [];
const cmp = (a: number, b: number): number => (keys[a] as number) - (keys[b] as number) || a - b;
const lead = (r: number): number => Math.floor((keys[r] as number) / 8);
// Some rows' leads are not known without a page load (NaN), as rows whose pages are not in memory.
const leadOf = (r: number): number => (r % 7 === 0 ? Number.NaN : lead(r));

function branches(t: Tree): Branch[] {
  const out: Branch[] = [];
  const visit = (n: Node): void => {
    if (n.leaf) return;
    out.push(n);
    for (const c of n.children) visit(c);
  };
  if (t.root !== null) visit(t.root);
  return out;
}

function firstRow(n: Node): number {
  return n.leaf ? (n.keys[0] as number) : n.min;
}

/** The leads a descent would give `b`: its children's first rows' (NaN where unknown). */
function expectedLeads(b: Branch, of: (r: number) => number): number[] {
  return b.children.map((c) => of(firstRow(c)));
}

describe('LeadWarmer', () => {
  test.prop([fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 1, maxLength: 6000 }), fc.integer({ min: 1, max: 40 })], { numRuns: 40, seed: 11 })(
    'fills the leads of every branch, at most a budget of branches per call',
    (ks, budget) => {
      keys.length = 0;
      const rows = ks.map((k) => keys.push(k) - 1);
      const tree = treeInsertMany(EMPTY_TREE, rows, cmp, newEdit());
      const all = branches(tree);
      let calls = 1;
      const before = (): number => all.filter((b) => b.leads === null).length;
      let cold = before();
      const warmer = new LeadWarmer();
      while (!warmer.warm(tree, leadOf, budget)) {
        const now = before();
        expect(cold - now).toBe(budget);
        cold = now;
        calls += 1;
      }
      expect(calls).toBe(Math.max(1, Math.ceil(all.length / budget)));
      for (const b of all) expect([...(b.leads as Float64Array)]).toEqual(expectedLeads(b, leadOf));
    },
  );

  it('leaves a branch whose children are not in memory alone, and reads none of them', () => {
    keys.length = 0;
    const rows = Array.from({ length: 64 * 40 }, (_, k) => keys.push(k) - 1);
    const tree = treeFromSorted(rows, null);
    const root = tree.root as Branch;
    // A stored branch whose page is not loaded: reading its children would load it.
    const stored = { leaf: false as const, edit: null, leads: null, min: firstRow(root.children[0] as Node), loaded: false };
    Object.defineProperty(stored, 'children', {
      get() {
        throw new Error('a warm-up loaded a page');
      },
    });
    root.children[0] = stored as unknown as Branch;
    expect(new LeadWarmer().warm(tree, leadOf, 1000)).toBe(true);
    expect(stored.leads).toBeNull();
    expect([...(root.leads as Float64Array)]).toEqual(expectedLeads(root, leadOf));
  });

  type Op = { op: 'add'; key: number } | { op: 'remove'; pick: number } | { op: 'batch'; keys: number[] } | { op: 'warm'; budget: number } | { op: 'read'; key: number; limit: number };
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 4, arbitrary: fc.record({ op: fc.constant('add' as const), key: fc.integer({ min: 0, max: 2000 }) }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('remove' as const), pick: fc.nat() }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('batch' as const), keys: fc.array(fc.integer({ min: 0, max: 2000 }), { minLength: 50, maxLength: 400 }) }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('warm' as const), budget: fc.integer({ min: 1, max: 8 }) }) },
    { weight: 5, arbitrary: fc.record({ op: fc.constant('read' as const), key: fc.integer({ min: -10, max: 2010 }), limit: fc.constantFrom(1, 3, 1000) }) },
  );

  test.prop([fc.array(op, { minLength: 100, maxLength: 250 })], { numRuns: 60, seed: 16 })(
    'reads by lead give the rows of the probe while warm-ups and in-place edits interleave',
    (ops) => {
      keys.length = 0;
      let tree: Tree = EMPTY_TREE;
      let model: number[] = [];
      const edit: Edit = newEdit();
      const warmer = new LeadWarmer();
      for (const s of ops) {
        if (s.op === 'add') {
          const r = keys.push(s.key) - 1;
          tree = treeInsert(tree, r, cmp, edit);
          model.push(r);
        } else if (s.op === 'remove' && model.length > 0) {
          const r = model[s.pick % model.length] as number;
          tree = treeRemove(tree, r, cmp, edit);
          model = model.filter((x) => x !== r);
        } else if (s.op === 'batch') {
          const rows = s.keys.map((k) => keys.push(k) - 1);
          tree = treeInsertMany(tree, rows, cmp, edit);
          model.push(...rows);
        } else if (s.op === 'warm') {
          // A warm-up that says it is done left no branch without its leads, however the edits
          // since the last one changed the tree (it walks again only what they changed).
          if (warmer.warm(tree, leadOf, s.budget)) for (const b of branches(tree)) expect([...(b.leads as Float64Array)]).toEqual(expectedLeads(b, leadOf));
        } else if (s.op === 'read') {
          model.sort(cmp);
          const l = Math.floor(s.key / 8);
          const probe = (r: number): number => lead(r) - l;
          expect(treeMatches(tree, probe, null, s.limit, l, leadOf)).toEqual(model.filter((r) => probe(r) === 0).slice(0, s.limit));
        }
      }
    },
  );
});

describe('LiveTrees warm-up', () => {
  it("fills the head's EAVT leads while the event loop is free, and stops", async () => {
    const table = new DatomTable();
    const cmps = new IndexComparators(table);
    // 40k rows of 10k entities: about 20 branches over 600 leaves.
    const rows: number[] = [];
    for (let e = 1000; e < 11_000; e++) for (let a = 10; a < 14; a++) rows.push(table.add(e, a, `v${e}`, 1, true));
    const eavt = treeFromSorted(rows, null);
    const lazy = new LazyTree(EMPTY_TREE, null, cmps.aevt, false);
    const trees = indexTrees(eavt, lazy, EMPTY_TREE, EMPTY_TREE, new LazyTree(EMPTY_TREE, null, cmps.avet, true));
    const state = new DbState({ id: 'warm', table, cmp: cmps, schema: Schema.fromDatoms(bootstrapDatoms()), basisT: 1, maxEid: 11_000, lastInstant: 0, history: HistoryIndex.EMPTY }, trees);
    const all = branches(eavt);
    expect(all.length).toBeGreaterThan(10);
    expect(all.every((b) => b.leads === null)).toBe(true);
    const live = new LiveTrees(() => undefined);
    live.advance(state);
    // Nothing is filled during the commit itself: only when the event loop turns.
    expect(all.every((b) => b.leads === null)).toBe(true);
    for (let i = 0; i < 100 && all.some((b) => b.leads === null); i++) await new Promise((r) => setImmediate(r));
    for (const b of all) expect([...(b.leads as Float64Array)]).toEqual(expectedLeads(b, (r) => table.e(r)));
  });
});
