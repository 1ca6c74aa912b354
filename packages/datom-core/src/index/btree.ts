/**
 * A persistent B+tree of datom row numbers, ordered by a comparator over rows.
 *
 * Persistence is by path copying; a transaction passes an {@link Edit} token so that nodes it has
 * already copied are changed in place for the rest of that transaction (Clojure's transients). A
 * tree value is never changed once the edit that built it is finished, which is what makes
 * database values immutable.
 */

/** Compares two rows. */
export type RowCompare = (a: number, b: number) => number;
/** Compares a row with a search key fixed in the closure: negative when the row sorts before it. */
export type ProbeCompare = (row: number) => number;

/**
 * A leaf that a recent insert under an edit went into, with the first row of the subtree after it
 * (-1 when it is the last leaf): a row that sorts after the leaf's first row and before `after`
 * belongs in this leaf. `after` may lag behind (rows removed from the next leaf): a finger then
 * takes fewer rows than it could, never a row that belongs elsewhere.
 */
interface Finger {
  leaf: Leaf;
  after: number;
  /** When the finger was last used or set, on its edit's clock (for eviction). */
  used: number;
}

/** The fingers of an edit into one tree, in the order of their leaves. */
interface FingerGroup {
  root: Node;
  readonly fingers: Finger[];
  used: number;
  /** Searches of this tree's fingers that found one, and that did not (halved now and then). */
  hits: number;
  misses: number;
  /** Until this many searches of its edit's fingers, the tree's fingers are not searched or added. */
  restUntil: number;
}

/** Fingers kept per tree: enough for the insertion points of entities with a few dozen attributes. */
const FINGERS_PER_TREE = 32;
/** Trees with fingers per edit: a database edits EAVT, AEVT, VAET and the unique AVET. */
const FINGER_TREES = 8;
/** A finger unused for this many uses of its edit's fingers is dropped when another is added. */
const FINGER_AGE = 256;
/**
 * A tree whose finger searches mostly miss (its transactions write more places than it keeps
 * fingers for) rests from fingers for this many searches, then tries again: a miss costs a search
 * of the fingers on top of the descent.
 */
const FINGER_REST = 4096;

/**
 * Ownership token of one batch of changes. It also keeps {@link Finger}s to leaves it owns that its
 * recent inserts went into: a later insert or point lookup whose row falls inside one of them starts
 * there instead of searching from the root. Small transactions cluster (a new entity's datoms at the
 * end of EAVT, growing ids at the end of each attribute in AEVT, the lookup of an entity's current
 * value where the previous transaction wrote it), so most of their inserts and lookups start at a
 * finger. The fingers of a tree are kept in the order of their leaves, so that finding the one for a
 * row costs a binary search over them, however many insertion points a transaction cycles through.
 *
 * A finger stays true because only operations under its edit change a leaf the edit owns, and each
 * of them fixes the fingers it affects: a split narrows the bound, a merge or an emptied leaf drops
 * the finger, a new root carries the tree's fingers over and a rebuilt tree drops them. Anything that
 * rearranges a tree outside this module must do it to trees whose edit is finished, as storage does
 * after freezing them.
 */
export class Edit {
  readonly #groups: FingerGroup[] = [];
  #clock = 0;
  /** Searches of the fingers so far. */
  #searches = 0;
  /** Where the last {@link Edit.fingerFor} that found nothing would have put a finger for its row. */
  #missGroup: FingerGroup | null = null;
  #missAt = 0;

  constructor(readonly id: number) {}

  #group(root: Node): FingerGroup | null {
    for (const g of this.#groups) if (g.root === root) return g;
    return null;
  }

  /**
   * The finger whose leaf takes the rows sought, or null: for an insert (`room`), row `y` by `fn`,
   * which must not split a full leaf; for a lookup, the rows that the probe `fn(x)` matches (it is
   * negative for rows before them and positive for rows after them).
   */
  #find(root: Node, fn: RowCompare, y: number, room: boolean): Finger | null {
    const g = this.#group(root);
    this.#missGroup = g;
    if (g === null) return null;
    const searches = ++this.#searches;
    if (searches < g.restUntil) {
      this.#missGroup = null;
      return null;
    }
    const fs = g.fingers;
    // The last finger whose leaf starts before the rows sought.
    let k = -1;
    let lo = 0;
    let hi = fs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      // A probe takes one argument; it ignores `y`.
      if (fn((fs[mid] as Finger).leaf.keys[0] as number, y) < 0) {
        k = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    this.#missAt = k + 1;
    const f = fs[k];
    if (f === undefined || (f.after !== -1 && fn(f.after, y) <= 0) || (room && f.leaf.keys.length >= LEAF_MAX)) {
      g.misses++;
      if (g.misses > 64 && g.misses > 4 * g.hits) {
        g.restUntil = searches + FINGER_REST;
        g.hits = g.misses = 0;
        this.#missGroup = null;
      }
      return null;
    }
    if (++g.hits + g.misses > 1024) {
      g.hits >>>= 1;
      g.misses >>>= 1;
    }
    this.#missGroup = null;
    f.used = g.used = ++this.#clock;
    return f;
  }

  /** The finger whose leaf takes `row` (strictly after the leaf's first row) without splitting, or null. */
  fingerFor(root: Node, row: number, cmp: RowCompare): Finger | null {
    return this.#find(root, cmp, row, true);
  }

  /** The finger whose leaf holds every row `probe` matches, if the tree has any, or null. */
  fingerForProbe(root: Node, probe: ProbeCompare): Finger | null {
    return this.#find(root, probe, 0, false);
  }

  /**
   * Remembers that an insert into the tree rooted at `root` went into `leaf` (which this edit owns),
   * after a {@link Edit.fingerFor} for its row found no finger: that search tells where the finger
   * goes in the order of the tree's fingers.
   */
  remember(root: Node, leaf: Leaf, after: number, cmp: RowCompare): void {
    let g = this.#missGroup;
    let at = this.#missAt;
    this.#missGroup = null;
    if (g === null || g.root !== root) {
      g = this.#group(root);
      if (g !== null && this.#searches < g.restUntil) return;
      if (g === null) {
        // A tree without fingers yet: a new group, the least recently used group making room.
        if (this.#groups.length >= FINGER_TREES) this.#groups.splice(leastUsed(this.#groups), 1);
        if (this.#groups.length === 0) holdFingers(this);
        g = { root, fingers: [], used: 0, hits: 0, misses: 0, restUntil: 0 };
        this.#groups.push(g);
      }
      at = 0;
      const first = leaf.keys[0] as number;
      while (at < g.fingers.length && cmp((g.fingers[at] as Finger).leaf.keys[0] as number, first) < 0) at++;
    }
    const fs = g.fingers;
    g.used = ++this.#clock;
    // The leaf that took the row starts before it (the finger before `at`) or with it (at `at`).
    const same = fs[at - 1]?.leaf === leaf ? fs[at - 1] : fs[at]?.leaf === leaf ? fs[at] : undefined;
    if (same !== undefined) {
      same.after = after;
      same.used = g.used;
      return;
    }
    // Fingers not used for a while go (leaves filled up by appends, spots no longer written), so
    // that the search over the rest stays short; the least recently used goes when all are in use.
    let n = 0;
    for (let k = 0; k < fs.length; k++) {
      const f = fs[k] as Finger;
      if (g.used - f.used <= FINGER_AGE) fs[n++] = f;
      else if (k < at) at--;
    }
    while (fs.length > n) fs.pop();
    if (fs.length >= FINGERS_PER_TREE) {
      const k = leastUsed(fs);
      fs.splice(k, 1);
      if (k < at) at--;
    }
    fs.splice(at, 0, { leaf, after, used: g.used });
  }

  /** `leaf` split: it keeps its first rows, and those from `after` on went to a new leaf. */
  split(leaf: Leaf, after: number): void {
    for (const g of this.#groups) for (const f of g.fingers) if (f.leaf === leaf) f.after = after;
  }

  /** The tree rooted at `from` is now rooted at `to` (its root split or lost a level), or was rebuilt (`to` null). */
  moveRoot(from: Node, to: Node | null): void {
    const g = this.#group(from);
    if (g === null) return;
    if (to !== null) g.root = to;
    else {
      this.#groups.splice(this.#groups.indexOf(g), 1);
      if (this.#missGroup === g) this.#missGroup = null;
    }
  }

  /** Lets go of every finger (the edit is no longer among those that keep fingers). */
  forgetFingers(): void {
    this.#groups.length = 0;
    this.#missGroup = null;
  }

  /** `leaf` left its tree (it was emptied, or merged into a new leaf). */
  drop(leaf: Leaf): void {
    for (const g of this.#groups) {
      const k = g.fingers.findIndex((f) => f.leaf === leaf);
      if (k === -1) continue;
      g.fingers.splice(k, 1);
      if (this.#missGroup === g) this.#missGroup = null;
    }
  }
}

/** Edits that keep fingers, latest first (see {@link holdFingers}). */
const fingerEdits: Edit[] = [];
/** How many edits keep fingers at once: each connection's live edit, and a few finished ones. */
const FINGER_EDITS = 4;

/**
 * Notes that `edit` starts keeping fingers; the edit that started longest ago lets go of its own.
 * Nothing tells an edit that it is finished (a connection freezing its trees just takes a new one),
 * and its nodes, which stay in the trees, point to it: fingers kept for good would keep the leaves
 * and roots of old tree versions alive.
 */
function holdFingers(edit: Edit): void {
  const k = fingerEdits.indexOf(edit);
  if (k !== -1) fingerEdits.splice(k, 1);
  fingerEdits.unshift(edit);
  if (fingerEdits.length > FINGER_EDITS) (fingerEdits.pop() as Edit).forgetFingers();
}

/** The index of the least recently used of `xs`. */
function leastUsed(xs: readonly { readonly used: number }[]): number {
  let k = 0;
  for (let i = 1; i < xs.length; i++) if ((xs[i] as { used: number }).used < (xs[k] as { used: number }).used) k = i;
  return k;
}

let editCounter = 0;
/** A fresh edit token. */
export function newEdit(): Edit {
  editCounter += 1;
  return new Edit(editCounter);
}

/** Rows per leaf and children per branch: small enough that copying a path is cheap. */
export const LEAF_MAX = 64;
export const BRANCH_MAX = 32;

/** A leaf: rows in order. */
export interface Leaf {
  readonly leaf: true;
  keys: number[];
  edit: Edit | null;
}

/**
 * A branch: children in order. `children` may be a getter that loads them from storage (see
 * storage/paged-node.ts); such a branch is never owned by an edit, so it is copied, never changed.
 */
export interface Branch {
  readonly leaf: false;
  children: Node[];
  /** The first row below this branch (children are searched by their first rows). */
  min: number;
  edit: Edit | null;
  /**
   * The leading component (an entity in EAVT) of each child's first row (NaN where not known yet),
   * filled by the first {@link treeMatches} given a lead that passes through; null until then, and
   * again whenever an edit changes the branch in place (every change of a child's first row goes
   * through its parents, as `min` must follow it). A descent then compares numbers in one array
   * instead of reading each child and its first row's table page.
   */
  leads: Float64Array | null;
}

/** A node of a tree. */
export type Node = Leaf | Branch;

/** An immutable tree value: its root and its size. */
export interface Tree {
  readonly root: Node | null;
  readonly size: number;
}

/** The empty tree. */
export const EMPTY_TREE: Tree = Object.freeze({ root: null, size: 0 });

function leafOf(keys: number[], edit: Edit | null): Leaf {
  return { leaf: true, keys, edit };
}

function branchOf(children: Node[], edit: Edit | null): Branch {
  return { leaf: false, children, min: firstRow(children[0] as Node), edit, leads: null };
}

function firstRow(n: Node): number {
  return n.leaf ? (n.keys[0] as number) : n.min;
}

function own<T extends Node>(n: T, edit: Edit | null): T {
  if (edit !== null && n.edit === edit) return n;
  if (n.leaf) return leafOf(n.keys.slice(), edit) as T;
  return { leaf: false, children: n.children.slice(), min: n.min, edit, leads: null } as T;
}

/** Index of the child of `b` that may hold `row`: the last child whose first row is <= row. */
function childFor(b: Branch, row: number, cmp: RowCompare): number {
  return childFrom(b, 0, row, cmp);
}

/** Index of the last child of `b` whose first row sorts strictly before the rows `probe` matches (0 when none). */
function childBefore(b: Branch, probe: ProbeCompare): number {
  const ch = b.children;
  let ci = 0;
  let lo = 1;
  let hi = ch.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (probe(firstRow(ch[mid] as Node)) < 0) {
      ci = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return ci;
}

/**
 * {@link childBefore} for a probe whose rows lead with `lead`: the probe is negative for every row
 * whose leading component is smaller and positive for every row whose leading component is larger.
 * The branch keeps its children's leads (see {@link Branch.leads}); `leadOf` reads a row's, or
 * gives NaN when that would load a page. A tie, or a lead not known, calls the probe, which loads
 * what it needs; the lead is then kept.
 */
function childBeforeLed(b: Branch, probe: ProbeCompare, lead: number, leadOf: (row: number) => number): number {
  const ch = b.children;
  let leads = b.leads;
  if (leads === null || leads.length !== ch.length) {
    leads = new Float64Array(ch.length);
    for (let i = 0; i < ch.length; i++) leads[i] = leadOf(firstRow(ch[i] as Node));
    b.leads = leads;
  }
  let ci = 0;
  let lo = 1;
  let hi = ch.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const l = leads[mid] as number;
    let c: number;
    if (l < lead) c = -1;
    else if (l > lead) c = 1;
    else {
      // Equal, or NaN (not known yet).
      const first = firstRow(ch[mid] as Node);
      c = probe(first);
      if (Number.isNaN(l)) leads[mid] = leadOf(first);
    }
    if (c < 0) {
      ci = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return ci;
}

/**
 * Where `row` goes in `keys`: at the end when it sorts after the last row (as rows mostly do when
 * they go straight into a leaf they were found to belong in), else by a search.
 */
function appendOrSearch(keys: number[], row: number, cmp: RowCompare): number {
  return cmp(keys[keys.length - 1] as number, row) < 0 ? keys.length : leafLowerBound(keys, row, cmp);
}

/** First index in sorted `keys`, from `lo` up to `hi` (default all of it), whose row is >= `row`. */
function leafLowerBound(keys: readonly number[], row: number, cmp: RowCompare, lo = 0, hi = keys.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cmp(keys[mid] as number, row) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Inserts into `n` (owned or copied); returns the node and, when it split, the new right sibling. */
/** `arr` with `x` inserted at `at`: in place when owned, else as a new array (one copy, no splice). */
function insertAt(arr: number[], at: number, x: number, inPlace: boolean): number[];
function insertAt(arr: Node[], at: number, x: Node, inPlace: boolean): Node[];
function insertAt<T>(arr: T[], at: number, x: T, inPlace: boolean): T[] {
  const n = arr.length;
  if (inPlace) {
    arr.push(x);
    for (let j = n; j > at; j--) arr[j] = arr[j - 1] as T;
    arr[at] = x;
    return arr;
  }
  // slice() is a block copy; then only the tail moves by one.
  const out = arr.slice();
  out.push(x);
  for (let j = n; j > at; j--) out[j] = out[j - 1] as T;
  out[at] = x;
  return out;
}

/**
 * The right sibling made when the last {@link insertInto} split its node, or null. A module variable
 * rather than a returned pair: destructuring a pair per tree level showed up in profiles.
 */
let splitOut: Node | null = null;
/**
 * Where the last {@link insertInto} put its row, when the leaf did not split: the leaf, and the first
 * row of the subtree after it (-1 for none). A sorted batch keeps filling that leaf while its rows
 * sort before that bound, without descending from the root again.
 */
let leafOut: Leaf | null = null;
let afterOut = -1;

/**
 * Inserts into `n` (owned or copied); returns the node, and sets {@link splitOut} when it split.
 * With `atEnd` the row sorts after every row below `n`, and goes in last without a search.
 */
function insertInto(n: Node, row: number, cmp: RowCompare, edit: Edit | null, atEnd: boolean): Node {
  const owned = edit !== null && n.edit === edit;
  if (n.leaf) {
    const at = atEnd ? n.keys.length : leafLowerBound(n.keys, row, cmp);
    const keys = insertAt(n.keys, at, row, owned);
    const m: Leaf = owned ? n : leafOf(keys, edit);
    if (keys.length <= LEAF_MAX) {
      splitOut = null;
      leafOut = m;
      return m;
    }
    leafOut = null;
    // Appending at the end (the common case for increasing ids) keeps the left leaf full.
    const cut = at === keys.length - 1 ? LEAF_MAX : keys.length >>> 1;
    splitOut = leafOf(keys.slice(cut), edit);
    keys.length = cut;
    if (owned) (edit as Edit).split(n, splitOut.keys[0] as number);
    return m;
  }
  const i = atEnd ? n.children.length - 1 : childFor(n, row, cmp);
  if (i + 1 < n.children.length) afterOut = firstRow(n.children[i + 1] as Node);
  const child = insertInto(n.children[i] as Node, row, cmp, edit, atEnd);
  const split = splitOut;
  let m: Branch;
  if (split === null) {
    if (owned) {
      m = n;
      m.leads = null;
    } else m = { leaf: false, children: n.children.slice(), min: n.min, edit, leads: null };
    m.children[i] = child;
    if (i === 0) m.min = firstRow(child);
    splitOut = null;
    return m;
  }
  if (owned) {
    m = n;
    m.leads = null;
    m.children[i] = child;
    if (i === 0) m.min = firstRow(child);
    insertAt(m.children, i + 1, split, true);
  } else {
    const children = insertAt(n.children, i + 1, split, false);
    children[i] = child;
    m = { leaf: false, children, min: firstRow(children[0] as Node), edit, leads: null };
  }
  if (m.children.length <= BRANCH_MAX) {
    splitOut = null;
    return m;
  }
  const cut = i + 1 === m.children.length - 1 ? BRANCH_MAX : m.children.length >>> 1;
  const right: Branch = {
    leaf: false,
    children: m.children.slice(cut),
    min: firstRow(m.children[cut] as Node),
    edit,
    leads: null,
  };
  m.children.length = cut;
  splitOut = right;
  return m;
}

/** The last row of the tree below `n`. */
function lastRow(n: Node): number {
  while (!n.leaf) n = n.children[n.children.length - 1] as Node;
  return n.keys[n.keys.length - 1] as number;
}

/**
 * Adds `row` (which must not be in the tree yet). With an edit, a row that falls inside a leaf of
 * one of its fingers goes straight in (most often after the leaf's rows, found with one comparison).
 * Otherwise a row after all the others (a new transaction's datom in EAVT) costs one comparison
 * instead of a search at every level; any other row pays that one comparison more. Sets
 * {@link leafOut} and {@link afterOut} to where the row went, unless its leaf split.
 */
export function treeInsert(t: Tree, row: number, cmp: RowCompare, edit: Edit | null): Tree {
  if (t.root === null) return { root: leafOf([row], edit), size: 1 };
  if (edit !== null) {
    const f = edit.fingerFor(t.root, row, cmp);
    if (f !== null) {
      const keys = f.leaf.keys;
      insertAt(keys, appendOrSearch(keys, row, cmp), row, true);
      leafOut = f.leaf;
      afterOut = f.after;
      return { root: t.root, size: t.size + 1 };
    }
  }
  leafOut = null;
  afterOut = -1;
  const root = insertInto(t.root, row, cmp, edit, cmp(lastRow(t.root), row) < 0);
  const split = splitOut;
  splitOut = null;
  const newRoot = split === null ? root : branchOf([root, split], edit);
  if (edit !== null) {
    if (newRoot !== t.root) edit.moveRoot(t.root, newRoot);
    const leaf = leafOut as Leaf | null;
    if (leaf !== null) edit.remember(newRoot, leaf, afterOut, cmp);
  }
  return { root: newRoot, size: t.size + 1 };
}

/**
 * Removes from `n`; returns the new node (null when it became empty), or `undefined` when not found.
 * Like {@link insertInto}, notes in {@link leafOut} the leaf the row was in, when that leaf is owned
 * by `edit` and stays in the tree, and in {@link afterOut} the first row of the subtree after it.
 */
function removeFrom(n: Node, row: number, cmp: RowCompare, edit: Edit | null): Node | null | undefined {
  if (n.leaf) {
    // The row itself is searched for, not its position by order: no comparisons in the leaf.
    const at = n.keys.indexOf(row);
    if (at === -1) return undefined;
    const len = n.keys.length;
    if (len === 1) {
      if (edit !== null && n.edit === edit) edit.drop(n);
      return null;
    }
    if (edit !== null && n.edit === edit) {
      const keys = n.keys;
      for (let j = at + 1; j < len; j++) keys[j - 1] = keys[j] as number;
      keys.pop();
      leafOut = n;
      return n;
    }
    const keys = new Array<number>(len - 1);
    for (let j = 0; j < at; j++) keys[j] = n.keys[j] as number;
    for (let j = at + 1; j < len; j++) keys[j - 1] = n.keys[j] as number;
    const m = leafOf(keys, edit);
    if (edit !== null) leafOut = m;
    return m;
  }
  const i = childFor(n, row, cmp);
  if (i + 1 < n.children.length) afterOut = firstRow(n.children[i + 1] as Node);
  const child = removeFrom(n.children[i] as Node, row, cmp, edit);
  if (child === undefined) return undefined;
  if (child === null && n.children.length === 1) return null;
  const m = own(n, edit);
  m.leads = null;
  if (child === null) {
    m.children.splice(i, 1);
    m.min = firstRow(m.children[0] as Node);
    return m;
  }
  m.children[i] = child;
  if (i === 0) m.min = firstRow(child);
  // Merge a small leaf into its left neighbour so that retraction-heavy trees stay dense.
  if (child.leaf && child.keys.length < LEAF_MAX >>> 2 && i > 0) {
    const left = m.children[i - 1] as Node;
    if (left.leaf && left.keys.length + child.keys.length <= LEAF_MAX) {
      if (edit !== null) {
        edit.drop(left);
        edit.drop(child);
      }
      const merged = leafOf(left.keys.concat(child.keys), edit);
      m.children.splice(i - 1, 2, merged);
      m.min = firstRow(m.children[0] as Node);
      leafOut = null;
    }
  }
  return m;
}

/** Removes `row`; returns the same tree when the row is not there. */
export function treeRemove(t: Tree, row: number, cmp: RowCompare, edit: Edit | null): Tree {
  if (t.root === null) return t;
  let root = removeFrom(t.root, row, cmp, edit);
  if (root === undefined) return t;
  while (root !== null && !root.leaf && root.children.length === 1) root = root.children[0] as Node;
  if (edit !== null && root !== t.root) edit.moveRoot(t.root, root);
  return { root, size: t.size - 1 };
}

/** True when `row` belongs in `leaf`, whose range ends before `after`: it sorts strictly inside. */
function holds(leaf: Leaf, after: number, row: number, cmp: RowCompare): boolean {
  return cmp(row, leaf.keys[0] as number) > 0 && (after === -1 || cmp(row, after) < 0);
}

/**
 * Removes many rows; those not in the tree are skipped. A row that falls inside the leaf of the
 * previous descent comes straight out of it when that is not its first row (so no branch's first
 * row changes) and the leaf stays large enough not to be merged; other rows descend from the root.
 * Rows in the tree's order, as those of one entity in EAVT, thus cost about one descent per leaf.
 */
export function treeRemoveMany(t: Tree, rows: readonly number[], cmp: RowCompare, edit: Edit | null): Tree {
  let out = t;
  let leaf: Leaf | null = null;
  let after = -1;
  let removed = 0;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as number;
    if (leaf !== null && !holds(leaf, after, row, cmp)) leaf = null;
    if (leaf !== null && leaf.keys.length > LEAF_MAX >>> 2) {
      // The row belongs in this leaf: it is here, or not in the tree at all.
      const keys = leaf.keys;
      const at = keys.indexOf(row);
      if (at !== -1) {
        for (let j = at + 1; j < keys.length; j++) keys[j - 1] = keys[j] as number;
        keys.pop();
        removed++;
      }
      continue;
    }
    if (removed > 0) out = { root: out.root, size: out.size - removed };
    removed = 0;
    leafOut = null;
    afterOut = -1;
    out = treeRemove(out, row, cmp, edit);
    leaf = leafOut as Leaf | null;
    after = afterOut;
  }
  leafOut = null;
  return removed > 0 ? { root: out.root, size: out.size - removed } : out;
}

/** Builds a tree from rows already in order (those from `lo` to `hi`, by default all). */
export function treeFromSorted(rows: ArrayLike<number>, edit: Edit | null, lo = 0, hi = rows.length): Tree {
  const n = hi - lo;
  if (n <= 0) return EMPTY_TREE;
  let level: Node[] = [];
  for (let i = 0; i < n; i += LEAF_MAX) {
    const keys = new Array<number>(Math.min(LEAF_MAX, n - i));
    for (let j = 0; j < keys.length; j++) keys[j] = rows[lo + i + j] as number;
    level.push(leafOf(keys, edit));
  }
  while (level.length > 1) {
    const up: Node[] = [];
    for (let i = 0; i < level.length; i += BRANCH_MAX) up.push(branchOf(level.slice(i, i + BRANCH_MAX), edit));
    level = up;
  }
  return { root: level[0] as Node, size: n };
}

/** Calls `fn` for every row in order. */
export function treeForEach(t: Tree, fn: (row: number) => void): void {
  const walk = (n: Node): void => {
    if (n.leaf) for (const k of n.keys) fn(k);
    else for (const c of n.children) walk(c);
  };
  if (t.root !== null) walk(t.root);
}

/** Every row in order, as an array. */
export function treeToArray(t: Tree): number[] {
  const out = new Array<number>(t.size);
  let i = 0;
  treeForEach(t, (r) => {
    out[i++] = r;
  });
  return out;
}

/**
 * Adds many rows at once (none of them in the tree yet). Small batches go in one by one (in place on
 * nodes this edit owns, starting at its fingers); larger ones are sorted, unless `sorted` says they
 * are in the order of `cmp` already, and merged into the tree as sorted runs (see
 * {@link insertSorted}), which copies only the nodes the runs go through.
 */
export function treeInsertMany(t: Tree, rows: number[], cmp: RowCompare, edit: Edit | null, sorted = false): Tree {
  return treeInsertRange(t, rows, 0, rows.length, cmp, edit, sorted);
}

/**
 * {@link treeInsertMany} of the rows from `lo` to `hi` of `rows`: a transaction inserts a run of
 * the array of all its rows without copying it out. Arrays past 16k elements are large objects,
 * and each one allocated cost a large transaction about a millisecond.
 */
export function treeInsertRange(t: Tree, rows: number[], lo: number, hi: number, cmp: RowCompare, edit: Edit | null, sorted = false): Tree {
  const n = hi - lo;
  if (n <= 0) return t;
  if (n < 16) {
    let out = t;
    for (let i = lo; i < hi; i++) out = treeInsert(out, rows[i] as number, cmp, edit);
    return out;
  }
  if (!sorted) {
    const inOrder = rows.slice(lo, hi).sort(cmp);
    return t.root === null ? treeFromSorted(inOrder, edit) : insertSorted(t, inOrder, 0, n, cmp, edit);
  }
  return t.root === null ? treeFromSorted(rows, edit, lo, hi) : insertSorted(t, rows, lo, hi, cmp, edit);
}

/**
 * Merges `rows` (sorted by `cmp`, none in the tree) into `t` as sorted runs: each branch hands every
 * child the run of rows that sort before the next child's first row, found by a galloping search,
 * and each leaf merges its run with its rows, splitting into as many leaves as it then needs. A run
 * after everything below a node (new entities in EAVT, new ids at the end of an attribute in AEVT)
 * costs one comparison there; subtrees no run goes into are shared as they are (a stored page is
 * not even read). Nodes `edit` owns change in place; the edit's fingers into the tree go, as the
 * leaves they name may have been replaced.
 */
function insertSorted(t: Tree, rows: readonly number[], lo: number, hi: number, cmp: RowCompare, edit: Edit | null): Tree {
  const root = t.root as Node;
  if (edit !== null) edit.moveRoot(root, null);
  let level: Node[] = [];
  mergeRun(root, rows, lo, hi, cmp, edit, level);
  while (level.length > 1) {
    const up: Node[] = [];
    packBranches(level, edit, up);
    level = up;
  }
  return { root: level[0] as Node, size: t.size + (hi - lo) };
}

/** Wins in a row of one side of a leaf's merge after which it gallops. */
const GALLOP_AFTER = 4;

/** The first index in `rows` from `lo` up to `hi` whose row sorts at or after `bound` (galloping from `lo`). */
function gallop(rows: readonly number[], lo: number, hi: number, bound: number, cmp: RowCompare): number {
  let step = 1;
  let below = lo - 1;
  let at = lo;
  while (at < hi && cmp(rows[at] as number, bound) < 0) {
    below = at;
    at = lo + step;
    step *= 2;
  }
  let top = Math.min(at, hi);
  let bottom = below + 1;
  while (bottom < top) {
    const mid = (bottom + top) >>> 1;
    if (cmp(rows[mid] as number, bound) < 0) bottom = mid + 1;
    else top = mid;
  }
  return bottom;
}

/** The last child of `b` from `from` on whose first row is <= `row` (`from` when none is). */
function childFrom(b: Branch, from: number, row: number, cmp: RowCompare): number {
  const ch = b.children;
  let lo = from + 1;
  let hi = ch.length - 1;
  let ans = from;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (cmp(firstRow(ch[mid] as Node), row) <= 0) {
      ans = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return ans;
}

/**
 * Merges `rows[lo..hi)` into the subtree `n` and appends what replaces it (one node, or more of the
 * same height when it overflowed) to `out`.
 */
function mergeRun(n: Node, rows: readonly number[], lo: number, hi: number, cmp: RowCompare, edit: Edit | null, out: Node[]): void {
  const owned = edit !== null && n.edit === edit;
  if (n.leaf) {
    const keys = n.keys;
    const k = hi - lo;
    const after = cmp(keys[keys.length - 1] as number, rows[lo] as number) < 0;
    if (owned && keys.length + k <= LEAF_MAX && (after || k * 4 < keys.length)) {
      // A leaf this edit owns takes a run after its rows, or a few rows, in place: no new array
      // (a load of random keys, uuids in AVET, puts a few rows into each of many leaves).
      if (after) for (let j = lo; j < hi; j++) keys.push(rows[j] as number);
      else insertFew(keys, rows, lo, hi, cmp);
      out.push(n);
      return;
    }
    const merged = new Array<number>(keys.length + k);
    let appended = false;
    if (after) {
      // After every row of the leaf: one comparison.
      for (let i = 0; i < keys.length; i++) merged[i] = keys[i] as number;
      for (let i = 0; i < k; i++) merged[keys.length + i] = rows[lo + i] as number;
      appended = true;
    } else if (k * 4 < keys.length) {
      // A few rows: each placed by a binary search of the rest of the leaf.
      let from = 0;
      let m = 0;
      for (let j = lo; j < hi; j++) {
        const row = rows[j] as number;
        const a = leafLowerBound(keys, row, cmp, from);
        while (from < a) merged[m++] = keys[from++] as number;
        merged[m++] = row;
      }
      while (from < keys.length) merged[m++] = keys[from++] as number;
    } else {
      // A merge; a side that wins GALLOP_AFTER times in a row gallops (rows of one value going in
      // together, as new entities' rows do in AVET, cost a search instead of a comparison each).
      let i = 0;
      let j = lo;
      let m = 0;
      let streak = 0;
      while (i < keys.length && j < hi) {
        if (cmp(keys[i] as number, rows[j] as number) < 0) {
          merged[m++] = keys[i++] as number;
          streak = streak > 0 ? streak + 1 : 1;
          if (streak >= GALLOP_AFTER && i < keys.length) {
            const to = gallop(keys, i, keys.length, rows[j] as number, cmp);
            while (i < to) merged[m++] = keys[i++] as number;
            streak = 0;
          }
        } else {
          merged[m++] = rows[j++] as number;
          streak = streak < 0 ? streak - 1 : -1;
          if (streak <= -GALLOP_AFTER && j < hi) {
            const to = gallop(rows, j, hi, keys[i] as number, cmp);
            while (j < to) merged[m++] = rows[j++] as number;
            streak = 0;
          }
        }
      }
      while (i < keys.length) merged[m++] = keys[i++] as number;
      while (j < hi) merged[m++] = rows[j++] as number;
    }
    if (merged.length <= LEAF_MAX) {
      if (owned) {
        n.keys = merged;
        out.push(n);
      } else out.push(leafOf(merged, edit));
      return;
    }
    packLeaves(merged, appended ? keys.length : 0, edit, out);
    return;
  }
  const ch = n.children;
  const kids: Node[] = [];
  let i = 0;
  let j = lo;
  while (j < hi) {
    const c = childFrom(n, i, rows[j] as number, cmp);
    while (i < c) kids.push(ch[i++] as Node);
    const end = c + 1 < ch.length ? gallop(rows, j + 1, hi, firstRow(ch[c + 1] as Node), cmp) : hi;
    mergeRun(ch[c] as Node, rows, j, end, cmp, edit, kids);
    i = c + 1;
    j = end;
  }
  while (i < ch.length) kids.push(ch[i++] as Node);
  if (kids.length <= BRANCH_MAX) {
    if (owned) {
      n.children = kids;
      n.min = firstRow(kids[0] as Node);
      n.leads = null;
      out.push(n);
    } else out.push(branchOf(kids, edit));
    return;
  }
  packBranches(kids, edit, out);
}

/**
 * Inserts `rows[lo..hi)` (sorted by `cmp`, none in `keys`) into the sorted array `keys` in place,
 * last row first: each is placed by a binary search of the keys not yet moved up, which move up
 * past it in one step.
 */
function insertFew(keys: number[], rows: readonly number[], lo: number, hi: number, cmp: RowCompare): void {
  let end = keys.length;
  for (let j = lo; j < hi; j++) keys.push(0);
  let w = keys.length;
  for (let j = hi - 1; j >= lo; j--) {
    const row = rows[j] as number;
    // (The keys from `end` on are moved ones and placeholders: the search stops before them.)
    const a = leafLowerBound(keys, row, cmp, 0, end);
    while (end > a) keys[--w] = keys[--end] as number;
    keys[--w] = row;
  }
}

/**
 * `rows` as leaves appended to `out`. When the rows from `fresh` on were appended after the others
 * (a run at the end), the leaves are filled up, so that appends leave full leaves behind; otherwise
 * they share the rows evenly, so that later inserts among them do not split at once.
 */
function packLeaves(rows: readonly number[], fresh: number, edit: Edit | null, out: Node[]): void {
  const n = rows.length;
  const count = Math.ceil(n / LEAF_MAX);
  let at = 0;
  for (let c = 0; c < count; c++) {
    const size = fresh > 0 ? Math.min(LEAF_MAX, n - at) : Math.floor((n - at) / (count - c));
    const keys = new Array<number>(size);
    for (let x = 0; x < size; x++) keys[x] = rows[at + x] as number;
    out.push(leafOf(keys, edit));
    at += size;
  }
}

/** `nodes` (of one height) as branches of at most BRANCH_MAX children each, sharing them evenly, appended to `out`. */
function packBranches(nodes: readonly Node[], edit: Edit | null, out: Node[]): void {
  const n = nodes.length;
  const count = Math.ceil(n / BRANCH_MAX);
  let at = 0;
  for (let c = 0; c < count; c++) {
    const size = Math.floor((n - at) / (count - c));
    out.push(branchOf(nodes.slice(at, at + size), edit));
    at += size;
  }
}

/**
 * A forward cursor over a tree, starting at the first row for which `probe(row) >= 0`.
 * `next()` returns the next row or -1 at the end.
 */
export class TreeCursor {
  readonly #stack: Node[] = [];
  readonly #pos: number[] = [];
  readonly #root: Node | null;
  #leaf: number[] | null = null;
  #i = 0;

  constructor(t: Tree, probe: ProbeCompare | null) {
    this.#root = t.root;
    this.#descend(probe);
  }

  /** Positions the cursor from the root at the first row with `probe(row) >= 0` (the first row when null). */
  #descend(probe: ProbeCompare | null): void {
    let n = this.#root;
    if (n === null) return;
    const stack = this.#stack;
    const pos = this.#pos;
    if (stack.length > 0) {
      stack.length = 0;
      pos.length = 0;
    }
    while (!n.leaf) {
      const ci = probe === null ? 0 : childBefore(n, probe);
      stack.push(n);
      pos.push(ci);
      n = n.children[ci] as Node;
    }
    this.#leaf = n.keys;
    this.#i = probe === null ? 0 : probeLowerBound(n.keys, probe);
  }

  /**
   * Moves forward to the first row with `probe(row) >= 0`, so that {@link TreeCursor.next} returns
   * it. Never moves back: rows before the cursor are not looked at. A row in the current leaf is
   * found by a binary search there; one past it by a descent from the root.
   */
  advanceTo(probe: ProbeCompare): void {
    const leaf = this.#leaf;
    if (leaf === null) return;
    if (this.#i < leaf.length && probe(leaf[this.#i] as number) >= 0) return;
    if (leaf.length > 0 && probe(leaf[leaf.length - 1] as number) >= 0) {
      let lo = this.#i;
      let hi = leaf.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (probe(leaf[mid] as number) < 0) lo = mid + 1;
        else hi = mid;
      }
      this.#i = lo;
      return;
    }
    // A pass over sorted keys mostly finds the next one in the next leaf: look there before a descent.
    if (!this.#advanceLeaf()) return;
    const next = this.#leaf as number[] | null;
    if (next !== null && next.length > 0 && probe(next[next.length - 1] as number) >= 0) {
      this.#i = probeLowerBound(next, probe);
      return;
    }
    this.#descend(probe);
  }

  #advanceLeaf(): boolean {
    const stack = this.#stack;
    const pos = this.#pos;
    let d = stack.length - 1;
    while (d >= 0) {
      const b = stack[d] as Branch;
      const p = (pos[d] as number) + 1;
      if (p < b.children.length) {
        pos[d] = p;
        let n = b.children[p] as Node;
        // Setting a length calls into the runtime even when it does not change.
        if (stack.length > d + 1) {
          stack.length = d + 1;
          pos.length = d + 1;
        }
        while (!n.leaf) {
          stack.push(n);
          pos.push(0);
          n = n.children[0] as Node;
        }
        this.#leaf = n.keys;
        this.#i = 0;
        return true;
      }
      d--;
    }
    this.#leaf = null;
    return false;
  }

  /** The next row, or -1 at the end. */
  next(): number {
    for (;;) {
      const leaf = this.#leaf;
      if (leaf === null) return -1;
      if (this.#i < leaf.length) return leaf[this.#i++] as number;
      if (!this.#advanceLeaf()) return -1;
    }
  }
}

/** The first index in `keys` whose row has `probe(row) >= 0`. */
function probeLowerBound(keys: readonly number[], probe: ProbeCompare): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (probe(keys[mid] as number) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The rows of `t` that `probe` matches (`probe(row) === 0`), in order, at most `limit` of them.
 * Matches that lie in one leaf (an entity's datoms, mostly) cost one descent, or none from a finger
 * of `edit`; a cursor is made only when they run on past the leaf they start in. With `lead` and
 * `leadOf` (see {@link childBeforeLed}), the descent compares the leads its unowned branches keep.
 */
export function treeMatches(t: Tree, probe: ProbeCompare, edit: Edit | null, limit: number, lead?: number, leadOf?: (row: number) => number): number[] {
  const out: number[] = [];
  const root = t.root;
  if (root === null || limit <= 0) return out;
  // A finger's leaf holds every match: the next leaf starts after them.
  const f = edit === null ? null : edit.fingerForProbe(root, probe);
  let keys: readonly number[];
  // The subtree after the leaf's, at the deepest level that has one: where the leaf's next leaf starts.
  let next: Node | null = null;
  if (f !== null) keys = f.leaf.keys;
  else {
    let n: Node = root;
    while (!n.leaf) {
      const ci = leadOf === undefined ? childBefore(n, probe) : childBeforeLed(n, probe, lead as number, leadOf);
      const ch = n.children;
      if (ci + 1 < ch.length) next = ch[ci + 1] as Node;
      n = ch[ci] as Node;
    }
    keys = n.keys;
  }
  let i = probeLowerBound(keys, probe);
  for (; i < keys.length; i++) {
    const r = keys[i] as number;
    if (probe(r) !== 0 || out.length === limit) return out;
    out.push(r);
  }
  if (f !== null || next === null) return out;
  // The matches may go on in the next leaf (or start there): most often they end in it.
  while (!next.leaf) next = next.children[0] as Node;
  for (const r of next.keys) {
    if (probe(r) !== 0 || out.length === limit) return out;
    out.push(r);
  }
  // They run on past it too: scan with a cursor.
  out.length = 0;
  const cur = new TreeCursor(t, probe);
  for (let r = cur.next(); r !== -1 && out.length < limit; r = cur.next()) {
    if (probe(r) !== 0) break;
    out.push(r);
  }
  return out;
}

/** The first row for which `probe(row) >= 0`, or -1; a cursor-free point lookup. */
export function treeLowerBound(t: Tree, probe: ProbeCompare): number {
  let n = t.root;
  if (n === null) return -1;
  // Track the first row of the next subtree to the right, for when the answer is past this leaf.
  let after = -1;
  while (!n.leaf) {
    const ch = n.children;
    const ci = childBefore(n, probe);
    if (ci + 1 < ch.length) after = firstRow(ch[ci + 1] as Node);
    n = n.children[ci] as Node;
  }
  const keys = n.keys;
  const at = probeLowerBound(keys, probe);
  return at < keys.length ? (keys[at] as number) : after;
}

/**
 * The first row that `probe` matches (`probe(row) === 0`), or -1, where the rows it matches are
 * contiguous (a probe of leading components). With `edit`, a finger whose leaf starts before those
 * rows and whose bound lies after them answers without a descent: they are all in that leaf, if
 * anywhere.
 */
export function treeFirstMatch(t: Tree, probe: ProbeCompare, edit: Edit | null): number {
  const root = t.root;
  if (root === null) return -1;
  const f = edit === null ? null : edit.fingerForProbe(root, probe);
  if (f !== null) {
    const keys = f.leaf.keys;
    const at = probeLowerBound(keys, probe);
    return at < keys.length && probe(keys[at] as number) === 0 ? (keys[at] as number) : -1;
  }
  const r = treeLowerBound(t, probe);
  return r !== -1 && probe(r) === 0 ? r : -1;
}
