import { EMPTY_TREE, newEdit, treeForEach, treeFromSorted, treeInsert, treeInsertMany, treeRemove, type Edit, type Tree } from '../index/btree.js';
import { DatomTable } from '../index/datom-table.js';
import { IndexComparators } from '../index/index-order.js';
import { A, bootstrapDatoms, FIRST_USER_EID } from '../schema/bootstrap.js';
import { Schema } from '../schema/schema.js';
import { HistoryIndex } from './history-index.js';
import { LazyTree } from './lazy-tree.js';
import { UniqueValues } from './unique-values.js';
import { LeadWarmer } from './warm-leads.js';

/** Branches a warm-up slice fills the leads of (32 rows read each): a slice stays well under a millisecond. */
const WARM_SLICE_BRANCHES = 48;

/** The rows of `avet` whose attribute is unique in `schema`, as a tree of their own. */
export function uniqueOnly(avet: Tree, schema: Schema, table: DatomTable): Tree {
  const rows: number[] = [];
  treeForEach(avet, (r) => {
    if (schema.attr(table.a(r))?.unique != null) rows.push(r);
  });
  return treeFromSorted(rows, null);
}

/** The current-state trees of one database value. */
export interface IndexTrees {
  readonly eavt: Tree;
  /** The AEVT index, brought up to date when first read (see {@link LazyTree}). */
  readonly aevt: Tree;
  /** The full AVET index, brought up to date when first read (see {@link LazyTree}). */
  readonly avet: Tree;
  readonly vaet: Tree;
  /** AVET of the unique attributes only, kept eagerly: transactions look unique values up here. */
  readonly uavet: Tree;
  /** What `aevt` is computed from. */
  readonly lazyAevt: LazyTree;
  /** What `avet` is computed from. */
  readonly lazyAvet: LazyTree;
}

/** {@link IndexTrees} as a class: one shape, and the lazy getters on the prototype. */
class Trees implements IndexTrees {
  /** A live object of this class, kept for the reason `Filler.kept` (db/column-read.ts) gives: a database's own die when it is closed, and the next database's code ran unoptimized. */
  static readonly kept: Trees = new Trees(EMPTY_TREE, LazyTree.kept, EMPTY_TREE, EMPTY_TREE, LazyTree.kept);

  constructor(
    readonly eavt: Tree,
    readonly lazyAevt: LazyTree,
    readonly vaet: Tree,
    readonly uavet: Tree,
    readonly lazyAvet: LazyTree,
  ) {}
  get aevt(): Tree {
    return this.lazyAevt.tree();
  }
  get avet(): Tree {
    return this.lazyAvet.tree(this.uavet);
  }
}

/**
 * Index trees with AEVT and the full AVET computed on first read. Transactions need neither: they
 * find datoms by entity (EAVT), by ref (VAET) and by unique value (the unique AVET).
 */
export function indexTrees(eavt: Tree, lazyAevt: LazyTree, vaet: Tree, uavet: Tree, lazyAvet: LazyTree): IndexTrees {
  return new Trees(eavt, lazyAevt, vaet, uavet, lazyAvet);
}

/** The fields of a database value other than its trees. */
export type DbFields = Pick<DbState, 'id' | 'table' | 'cmp' | 'schema' | 'basisT' | 'maxEid' | 'lastInstant' | 'history'>;

const NO_ROWS: readonly number[] = Object.freeze([]);

/**
 * The live index trees of one database lineage (a connection's committed transactions).
 *
 * Copying a path of every tree for every datom is what made small transactions slow, so committed
 * transactions change the trees of the latest value, the *head*, in place: nodes owned by
 * {@link LiveTrees.edit} are changed where they are. The values before the head keep answering as
 * they did, by multiversioning: the first read of an older value rebuilds its trees from the head's
 * by undoing the transactions after it (which costs as much as those transactions wrote), and
 * keeps them. Whatever must outlive the next commit (a `with`, a chunked scan, a snapshot being
 * written) first {@link LiveTrees.freeze}s the head: the edit token is replaced, so the next commit
 * copies the nodes it touches once, as every commit did before.
 */
export class LiveTrees {
  /**
   * A live handle of the kind a warm-up slice is scheduled with, kept for the reason `Filler.kept`
   * (db/column-read.ts) gives: Node makes an object per `setImmediate` and drops it once it ran, so
   * a full collection with no slice pending deoptimized {@link LiveTrees.advance} (every commit's).
   */
  static readonly keptImmediate: NodeJS.Immediate = setImmediate(() => {}).unref();

  /** The token that the head's trees are changed in place with. */
  edit: Edit = newEdit();
  /** The value whose trees are the live ones. */
  head: DbState | null = null;
  /** The head's live unique values by value, kept by the commits that write in place. */
  readonly uniques = new UniqueValues();
  /** Whether a slice of the warm-up (see {@link LiveTrees.#scheduleWarm}) is waiting for the event loop. */
  #warming = false;
  readonly #warmer = new LeadWarmer();

  /** `rowsOf(t)`: the rows transaction t wrote, for every committed t. */
  constructor(readonly rowsOf: (t: number) => readonly number[] | undefined) {}

  /** Makes the head's current trees permanent: later commits copy what they change. */
  freeze(): void {
    this.edit = newEdit();
    const h = this.head;
    if (h !== null) DbState.settle(h);
  }

  /** Makes `state`, whose trees were written in place from the head's, the new head. */
  advance(state: DbState): void {
    DbState.attach(state, this);
    this.head = state;
    this.#scheduleWarm();
  }

  /**
   * Fills the leads of the head's EAVT branches (see {@link LeadWarmer}) in slices, whenever the
   * event loop is free (between commits, and while a PostgreSQL commit waits for its server; a
   * file store's sync blocks the thread, so there it runs between commits): the first point reads
   * after an import would otherwise fill them all, and pay several times what later reads do.
   * A slice never keeps the process alive.
   */
  #scheduleWarm(): void {
    if (this.#warming) return;
    this.#warming = true;
    setImmediate(() => {
      this.#warming = false;
      const h = this.head;
      // A value no longer the head is not worth warming: the next commit schedules its successor.
      if (h === null || h.liveHead() !== this) return;
      if (!this.#warmer.warm(h.trees.eavt, h.cmp.entityOf, WARM_SLICE_BRANCHES)) this.#scheduleWarm();
    }).unref();
  }

  /** Makes `state` the head (after a reader caught up, or a value was built elsewhere). */
  adopt(state: DbState): void {
    if (this.head === state) return;
    this.uniques.clear();
    this.freeze();
    DbState.attach(state, this);
    this.head = state;
    this.#scheduleWarm();
  }

  /**
   * Undoes the head's transaction, which was written in place but could not be made durable:
   * `before` becomes the head again, with the trees it had. The failed value is unusable after.
   */
  rollback(failed: DbState, before: DbState): void {
    if (this.head !== failed) throw new Error('rollback: the failed value is not the head');
    const trees = undo(failed.trees, failed, before, this.edit, (t) => (t === failed.basisT ? failed.txRows : this.rowsOf(t)));
    this.uniques.clear();
    DbState.retire(failed);
    DbState.attach(before, this, trees);
    this.head = before;
  }

  /** The trees of `stale`, an older value of this lineage, rebuilt from the head's. */
  rewind(stale: DbState): IndexTrees {
    const head = this.head;
    if (head === null || head.basisT < stale.basisT) throw new Error('rewind: no head to rewind from');
    this.freeze();
    return undo(head.trees, head, stale, newEdit(), (t) => (t === head.basisT && head.txRows.length > 0 ? head.txRows : this.rowsOf(t)));
  }
}

/**
 * The trees of `to` from those of `from` (its descendant): the rows each transaction after `to`
 * added are taken out, and the assertions it retracted put back, newest transaction first.
 */
function undo(trees: IndexTrees, from: DbState, to: DbState, edit: Edit, rowsOf: (t: number) => readonly number[] | undefined): IndexTrees {
  const { table, cmp } = to;
  const schema = to.schema;
  let { eavt, vaet, uavet } = trees;
  for (let t = from.basisT; t > to.basisT; t--) {
    const rows = rowsOf(t);
    if (rows === undefined) throw new Error(`rewind: the rows of transaction ${t} are not known`);
    for (let i = rows.length - 1; i >= 0; i--) {
      const r = rows[i] as number;
      if (table.added(r)) {
        // An attribute created in between is in `from`'s schema only; ref-ness never changes.
        const a = from.schema.attr(table.a(r));
        eavt = treeRemove(eavt, r, cmp.eavt, edit);
        if (a?.isRef) vaet = treeRemove(vaet, r, cmp.vaet, edit);
        if (a?.unique != null) uavet = treeRemove(uavet, r, cmp.avet, edit);
      } else {
        const back = table.link(r);
        const a = schema.attr(table.a(back));
        eavt = treeInsert(eavt, back, cmp.eavt, edit);
        if (a?.isRef) vaet = treeInsert(vaet, back, cmp.vaet, edit);
        if (a?.unique != null) uavet = treeInsert(uavet, back, cmp.avet, edit);
      }
    }
  }
  // The lazily kept trees are never changed in place: `to`'s are still its own.
  const { lazyAevt, lazyAvet } = to.lazyTreesOf();
  // An attribute made unique (or no longer unique) in between moved all its rows: rebuild.
  if (from.schema !== schema && uniquenessDiffers(from.schema, schema)) uavet = uniqueOnly(lazyAvet.tree(), schema, table);
  return indexTrees(eavt, lazyAevt, vaet, uavet, lazyAvet);
}

function uniquenessDiffers(x: Schema, y: Schema): boolean {
  for (const a of x.attrs()) if ((a.unique === null) !== ((y.attr(a.id)?.unique ?? null) === null)) return true;
  for (const a of y.attrs()) if (x.attr(a.id) === undefined && a.unique !== null) return true;
  return false;
}

/**
 * Everything a database value is: the shared row table, its index trees, schema and counters.
 * Immutable as a value: a transaction makes a new one. Its trees may be the live trees of its
 * lineage (see {@link LiveTrees}); they are then read through {@link DbState.trees}, which rebuilds
 * them once the value is no longer the head.
 */
export class DbState {
  /**
   * A live state, kept for the reason `Filler.kept` (db/column-read.ts) gives: a database's states
   * die when it is closed, and the next database's commits ran unoptimized. Its last instant is a
   * double, as every real one is, so that it has their shape. Set once the class is made (below):
   * making a state needs the class.
   */
  static readonly kept: DbState;

  readonly id: string;
  readonly table: DatomTable;
  readonly cmp: IndexComparators;
  readonly schema: Schema;
  readonly basisT: number;
  /** The largest user entity id allocated so far (FIRST_USER_EID - 1 when none). */
  readonly maxEid: number;
  /** The txInstant of the latest transaction, in ms since the epoch. */
  readonly lastInstant: number;
  /** Retractions, for asOf and history (built lazily). */
  readonly history: HistoryIndex;
  /** The rows of the transaction that made this value (empty for a loaded one). */
  readonly txRows: readonly number[];
  #trees: IndexTrees | null;
  /** The lineage whose commits may change {@link #trees} in place, or null once they are permanent. */
  #live: LiveTrees | null;
  /** The lineage this value belongs to (commits from its head are written in place). */
  #lineage: LiveTrees | null;

  constructor(fields: DbFields, trees: IndexTrees, txRows: readonly number[] = NO_ROWS) {
    this.id = fields.id;
    this.table = fields.table;
    this.cmp = fields.cmp;
    this.schema = fields.schema;
    this.basisT = fields.basisT;
    this.maxEid = fields.maxEid;
    this.lastInstant = fields.lastInstant;
    this.history = fields.history;
    this.txRows = txRows;
    this.#trees = trees;
    this.#live = null;
    this.#lineage = null;
  }

  /** The current-state trees of this value. */
  get trees(): IndexTrees {
    const live = this.#live;
    if (live !== null && live.head !== this) {
      this.#trees = live.rewind(this);
      this.#live = null;
    }
    const t = this.#trees;
    if (t === null) throw new Error('This database value belongs to a transaction that failed');
    return t;
  }

  /** The trees of this value, made permanent first: for reads that outlive the next commit. */
  stableTrees(): IndexTrees {
    const live = this.#live;
    if (live !== null && live.head === this) live.freeze();
    return this.trees;
  }

  /** The lazily kept trees of this value (never changed in place). */
  lazyTreesOf(): Pick<IndexTrees, 'lazyAevt' | 'lazyAvet'> {
    const t = this.#trees;
    if (t === null) throw new Error('This database value belongs to a transaction that failed');
    return t;
  }

  /** The lineage in which this value is the head, or null: a commit from it may write in place. */
  liveHead(): LiveTrees | null {
    const l = this.#lineage;
    return l !== null && l.head === this ? l : null;
  }

  /** A value with `fields` changed and the given trees (a detached value, not in any lineage). */
  derive(fields: Partial<DbFields>, trees: IndexTrees, txRows: readonly number[] = NO_ROWS): DbState {
    const s = new DbState(this, trees, txRows);
    // Assigned here rather than spread into a fresh object: this runs once per transaction.
    const w = s as { -readonly [K in keyof DbFields]: DbFields[K] };
    if (fields.schema !== undefined) w.schema = fields.schema;
    if (fields.basisT !== undefined) w.basisT = fields.basisT;
    if (fields.maxEid !== undefined) w.maxEid = fields.maxEid;
    if (fields.lastInstant !== undefined) w.lastInstant = fields.lastInstant;
    if (fields.history !== undefined) w.history = fields.history;
    return s;
  }

  /** Makes `s` a live value of `live` (its trees changed in place by the commits after it). */
  static attach(s: DbState, live: LiveTrees, trees?: IndexTrees): void {
    if (trees !== undefined) s.#trees = trees;
    s.#live = live;
    s.#lineage = live;
  }

  /** Marks the trees of `s` permanent: nothing changes them in place any more. */
  static settle(s: DbState): void {
    s.#live = null;
  }

  /** Marks `s` unusable (its transaction was undone). */
  static retire(s: DbState): void {
    s.#trees = null;
    s.#live = null;
    s.#lineage = null;
  }
}

/** An empty state whose last instant is a double (see {@link DbState.kept}). */
function keptState(): DbState {
  const empty = emptyDbState('kept');
  return empty.derive({ lastInstant: 0.5 }, empty.trees);
}
(DbState as { kept: DbState }).kept = keptState();

/** The state of a new, empty database: the bootstrap schema at t = 0. */
export function emptyDbState(id: string): DbState {
  const table = new DatomTable();
  const cmp = new IndexComparators(table);
  const rows: number[] = [];
  const refRows: number[] = [];
  const datoms = bootstrapDatoms();
  for (const [e, a, v] of datoms) {
    const r = table.add(e, a, v, 0, true);
    rows.push(r);
    if (a === A.valueType || a === A.cardinality || a === A.unique) refRows.push(r);
  }
  const edit = newEdit();
  const schema = Schema.fromDatoms(datoms);
  const avet = treeInsertMany(EMPTY_TREE, rows, cmp.avet, edit);
  const trees = indexTrees(
    treeInsertMany(EMPTY_TREE, rows, cmp.eavt, edit),
    new LazyTree(treeInsertMany(EMPTY_TREE, rows, cmp.aevt, edit), null, cmp.aevt, false),
    treeInsertMany(EMPTY_TREE, refRows, cmp.vaet, edit),
    uniqueOnly(avet, schema, table),
    new LazyTree(avet, null, cmp.avet, true),
  );
  return new DbState({ id, table, cmp, schema, basisT: 0, maxEid: FIRST_USER_EID - 1, lastInstant: 0, history: HistoryIndex.EMPTY }, trees);
}
