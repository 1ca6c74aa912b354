import type { Branch, Node, Tree } from '../index/btree.js';

/**
 * A branch that can say its children are not in memory (a stored branch of
 * `engine/paged-index.ts`, whose `children` would load its page): a warm-up skips it.
 */
interface MaybeStored {
  readonly loaded?: boolean;
}

function firstRowOf(n: Node): number {
  return n.leaf ? (n.keys[0] as number) : n.min;
}

/**
 * Fills the leads (see {@link Branch.leads}) of branches that have none, as the first descent
 * through each would: the entity of each child's first row, by `leadOf` (NaN where that would load
 * a page, filled later by a read). A branch whose children are not in memory is left alone, so a
 * warm-up loads nothing.
 *
 * The first descents after a large commit (an import) otherwise filled them: a branch's 32 leads
 * cost 32 reads of rows all over the table, about half of what the first point reads after the
 * import paid more than the later ones.
 *
 * It remembers the branches whose whole subtree it has filled, with the leads each had then, so
 * that a warm-up after a small commit walks only the paths the commit changed, not the whole tree
 * again: an edit in place drops the leads of every branch on its path (a read that fills them
 * again makes new ones, which are not those remembered), and a copied branch is a new one.
 *
 * @example
 * <!-- not-run: internal; LiveTrees runs it on the head's EAVT and table after each commit -->
 * ```ts
 * const warmer = new LeadWarmer();
 * while (!warmer.warm(tree, table.entityIfLoaded.bind(table), 64)) await new Promise(setImmediate);
 * ```
 */
export class LeadWarmer {
  /** Branches whose subtree had every lead filled when last walked, with the leads they had then. */
  readonly #done = new WeakMap<Branch, Float64Array>();
  #left = 0;

  /**
   * Fills the leads of at most `budget` branches of `t`; true when no branch in memory is left
   * without leads.
   */
  warm(t: Tree, leadOf: (row: number) => number, budget: number): boolean {
    const root = t.root;
    if (root === null || root.leaf) return true;
    this.#left = budget;
    return this.#walk(root, leadOf);
  }

  /** Fills the leads below `b`; true when its whole subtree is filled (the budget lasted). */
  #walk(b: Branch, leadOf: (row: number) => number): boolean {
    if ((b as MaybeStored).loaded === false) return true;
    const ch = b.children;
    let leads = b.leads;
    if (leads !== null && this.#done.get(b) === leads && leads.length === ch.length) return true;
    if (leads === null || leads.length !== ch.length) {
      if (this.#left === 0) return false;
      this.#left -= 1;
      leads = new Float64Array(ch.length);
      for (let i = 0; i < ch.length; i++) leads[i] = leadOf(firstRowOf(ch[i] as Node));
      b.leads = leads;
    }
    let all = true;
    for (let i = 0; i < ch.length && all; i++) {
      const c = ch[i] as Node;
      if (!c.leaf) all = this.#walk(c, leadOf);
    }
    if (all) this.#done.set(b, leads);
    return all;
  }
}
