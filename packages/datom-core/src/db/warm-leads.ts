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
 * Fills the leads (see {@link Branch.leads}) of at most `budget` branches of `t` that have none,
 * as the first descent through each would: the entity of each child's first row, by `leadOf`
 * (NaN where that would load a page, filled later by a read). A branch whose children are not in
 * memory is left alone, so a warm-up loads nothing. Returns true when no branch in memory is left
 * without leads.
 *
 * The first descents after a large commit (an import) otherwise filled them: a branch's 32 leads
 * cost 32 reads of rows all over the table, about half of what the first point reads after the
 * import paid more than the later ones.
 *
 * @example
 * ```ts
 * while (!warmLeads(tree, table.entityIfLoaded.bind(table), 64)) await new Promise(setImmediate);
 * ```
 */
export function warmLeads(t: Tree, leadOf: (row: number) => number, budget: number): boolean {
  const root = t.root;
  if (root === null || root.leaf) return true;
  const stack: Branch[] = [root];
  let left = budget;
  for (let b = stack.pop(); b !== undefined; b = stack.pop()) {
    if ((b as MaybeStored).loaded === false) continue;
    const ch = b.children;
    if (b.leads === null || b.leads.length !== ch.length) {
      if (left === 0) return false;
      left -= 1;
      const leads = new Float64Array(ch.length);
      for (let i = 0; i < ch.length; i++) leads[i] = leadOf(firstRowOf(ch[i] as Node));
      b.leads = leads;
    }
    // Children that are branches are pushed last first, so the walk goes left to right.
    for (let i = ch.length - 1; i >= 0; i--) {
      const c = ch[i] as Node;
      if (!c.leaf) stack.push(c);
    }
  }
  return true;
}
