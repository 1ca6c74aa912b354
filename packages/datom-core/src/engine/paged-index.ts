// The persistent form of a database's indexes: immutable pages in pack blobs, named by a
// directory blob. A checkpoint writes only what changed since the last one (the table rows after
// it, and the tree pages that commits copied) into a new pack, then a new directory; opening reads
// the directory alone, and pages load synchronously when first read, through a page cache bounded
// in bytes.
import { crc32 } from 'node:zlib';
import { DatomError } from '../error/datom-error.js';
import type { Branch, Leaf, Node, Tree } from '../index/btree.js';
import { type PinnedRow, ROW_PAGE_ROWS, ROW_PAGE_SHIFT, type RowColumns, type DatomTable, type RowPageSource, RowPins } from '../index/datom-table.js';
import type { Value } from '../model/value.js';
import type { BlobStore } from '../storage/blob-store.js';
import { ByteReader, ByteWriter, concatBytes } from '../storage/byte-codec.js';
import type { CachedPage, PageCache } from './page-cache.js';

/** Where a page is: a pack blob, and a byte range in it (the page's CRC-32 included). */
export interface PageAddr {
  readonly pack: string;
  readonly offset: number;
  readonly length: number;
}

/** The trees a directory holds, in this order. */
export const TREE_NAMES = ['eavt', 'aevt', 'avet', 'vaet', 'uavet', 'heavt', 'haevt', 'havet', 'hvaet'] as const;
export type TreeName = (typeof TREE_NAMES)[number];

const DIR_MAGIC = 'DKDIR002';
const TAG_LEAF = 0;
const TAG_BRANCH = 1;
const TAG_PAGED = 2;

function corrupt(message: string, data: Record<string, unknown>): DatomError {
  return new DatomError('storage/corrupt', message, { data });
}

/** Appends the CRC-32 of `body`. */
function sealed(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(body.length + 4);
  out.set(body);
  new DataView(out.buffer).setUint32(body.length, crc32(body), true);
  return out;
}

/** The body of a sealed blob or page, after checking its CRC-32. */
function unseal(bytes: Uint8Array, what: string, data: Record<string, unknown>): Uint8Array {
  if (bytes.length < 4) throw corrupt(`${what} is truncated`, data);
  const body = bytes.subarray(0, bytes.length - 4);
  const crc = new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 4, 4).getUint32(0, true);
  if (crc32(body) !== crc) throw corrupt(`${what} is corrupt (checksum mismatch)`, data);
  return body;
}

// --- reading pages --------------------------------------------------------------------------

/**
 * Reads pages from a store's packs, synchronously (index searches are synchronous), checking each
 * page's checksum. A store that cannot read synchronously has its packs read whole at open.
 */
export class PackReader {
  readonly #preloaded = new Map<string, Uint8Array>();
  /** Rows held outside their pages, shared by the tables this reader serves. */
  readonly pins = new RowPins();

  constructor(
    readonly store: BlobStore,
    readonly cache: PageCache,
  ) {}

  /** Makes the pages of `packs` readable: a store without synchronous reads loads them now. */
  async prepare(packs: readonly string[]): Promise<void> {
    if (this.store.readRangeSync !== undefined) return;
    for (const p of packs) if (!this.#preloaded.has(p)) this.#preloaded.set(p, await this.store.getBlob(p));
  }

  /** The body of the page at `addr`; `storage/corrupt` or `storage/missing` names it when it is bad. */
  read(addr: PageAddr): Uint8Array {
    const where = { pack: `${this.store.location}/${addr.pack}`, offset: addr.offset, length: addr.length };
    let bytes: Uint8Array;
    const whole = this.#preloaded.get(addr.pack);
    if (whole !== undefined) bytes = whole.subarray(addr.offset, addr.offset + addr.length);
    else if (this.store.readRangeSync !== undefined) bytes = this.store.readRangeSync(addr.pack, addr.offset, addr.length);
    else throw new DatomError('storage/missing', `Pack ${where.pack} was not loaded`, { data: where });
    if (bytes.length !== addr.length) throw corrupt(`Page at ${where.pack}:${addr.offset} is truncated`, where);
    return unseal(bytes, `Page at ${where.pack}:${addr.offset}`, where);
  }
}

// --- table pages ----------------------------------------------------------------------------

function encodeRowPage(rows: readonly PinnedRow[]): Uint8Array {
  const w = new ByteWriter(64 + rows.length * 24);
  w.uvar(rows.length);
  let prevE = 0;
  for (const r of rows) {
    w.svar(r.e - prevE);
    prevE = r.e;
    w.uvar(r.a);
    w.svar(r.t);
    w.value(r.v);
    if (r.t < 0) w.uvar(r.link);
  }
  return sealed(w.view());
}

function decodeRowPage(body: Uint8Array, source: string): RowColumns {
  const rd = new ByteReader(body, source);
  const n = rd.uvar();
  if (n > ROW_PAGE_ROWS) throw corrupt(`${source} holds ${n} rows, more than a page`, { source });
  // Columns made as long as they will be at once: grown by pushes, each was copied six times over
  // on its way to 512 rows, and a reader that loads a page per pull made mostly that garbage.
  const es = new Array<number>(n);
  const as = new Array<number>(n);
  const ts = new Array<number>(n);
  const links = new Array<number>(n);
  const vs = new Array<Value>(n);
  let e = 0;
  for (let i = 0; i < n; i++) {
    e += rd.svar();
    es[i] = e;
    as[i] = rd.uvar();
    const t = rd.svar();
    ts[i] = t;
    vs[i] = rd.value() as Value;
    links[i] = t < 0 ? rd.uvar() : -1;
  }
  return { e: es, a: as, t: ts, link: links, v: vs };
}

/** The table rows of a directory, loaded page by page into `cache`. */
export class TablePages implements RowPageSource {
  constructor(
    readonly reader: PackReader,
    readonly pages: readonly PageAddr[],
    readonly cache: PageCache,
  ) {}

  loadRows(k: number): RowColumns {
    const addr = this.pages[k];
    if (addr === undefined) throw corrupt(`The table has no page ${k}`, { page: k });
    return decodeRowPage(this.reader.read(addr), `${addr.pack}:${addr.offset}`);
  }

  track(page: CachedPage): void {
    this.cache.add(page);
  }

  /** Into the reader's cache, which is bounded (a writer's table cache is not). */
  keep(page: CachedPage): void {
    this.reader.cache.add(page);
  }
}

// --- tree pages -----------------------------------------------------------------------------

function writeRow(w: ByteWriter, row: PinnedRow): void {
  w.f64(row.e);
  w.uvar(row.a);
  w.svar(row.t);
  w.svar(row.link);
  w.value(row.v);
}

function readRow(rd: ByteReader): PinnedRow {
  return { e: rd.f64(), a: rd.uvar(), t: rd.svar(), link: rd.svar(), v: rd.value() as Value };
}

/**
 * The leaves of a branch whose children are all leaves, as one page, with the first row of each
 * leaf after the first (the branch's own first row is pinned by the directory): a search picks the
 * leaf by comparing with those rows, which then need no table page.
 */
function encodeTreePage(leaves: readonly Leaf[], table: DatomTable, pins: [number, PinnedRow][]): Uint8Array {
  let n = 0;
  for (const l of leaves) n += l.keys.length;
  const w = new ByteWriter(16 + leaves.length * 4 + n * 4);
  w.uvar(leaves.length);
  for (const l of leaves) {
    w.uvar(l.keys.length);
    let prev = 0;
    for (const k of l.keys) {
      w.svar(k - prev);
      prev = k;
    }
  }
  for (let i = 1; i < leaves.length; i++) {
    const r = (leaves[i] as Leaf).keys[0] as number;
    const row = table.stored(r);
    writeRow(w, row);
    pins.push([r, row]);
  }
  return sealed(w.view());
}

function decodeTreePage(body: Uint8Array, source: string): { leaves: Node[]; rows: number; pins: [number, PinnedRow][] } {
  const rd = new ByteReader(body, source);
  const n = rd.uvar();
  const leaves: Node[] = new Array(n);
  let rows = 0;
  for (let i = 0; i < n; i++) {
    const m = rd.uvar();
    const keys = new Array<number>(m);
    let prev = 0;
    for (let j = 0; j < m; j++) {
      prev += rd.svar();
      keys[j] = prev;
    }
    rows += m;
    leaves[i] = { leaf: true, keys, edit: null };
  }
  if (n === 0) throw corrupt(`${source} is an empty tree page`, { source });
  const pins: [number, PinnedRow][] = [];
  for (let i = 1; i < n; i++) pins.push([(leaves[i] as Leaf).keys[0] as number, readRow(rd)]);
  return { leaves, rows, pins };
}

/**
 * A branch of a stored tree whose leaves are in one page: its children load on first use and go
 * when the cache needs the room. It is never owned by an edit, so commits copy it, never change it.
 */
export class PagedBranch implements CachedPage {
  readonly leaf = false as const;
  readonly edit = null;
  /** See {@link Branch.leads}: its leaves' first rows are fixed by its page. */
  leads: Float64Array | null = null;
  used = false;
  bytes = 0;
  #children: Node[] | undefined = undefined;

  constructor(
    /** The first row below it. */
    readonly min: number,
    readonly addr: PageAddr,
    readonly reader: PackReader,
  ) {}

  /** Whether its leaves are in memory (reading {@link PagedBranch.children} loads no page). */
  get loaded(): boolean {
    return this.#children !== undefined;
  }

  /** Its leaves, loaded if they are not in memory. */
  get children(): Node[] {
    const c = this.#children;
    if (c !== undefined) {
      this.used = true;
      return c;
    }
    const { leaves, rows, pins } = decodeTreePage(this.reader.read(this.addr), `${this.addr.pack}:${this.addr.offset}`);
    this.#hold(leaves, rows, pins);
    return leaves;
  }

  /**
   * Takes `leaves`, the ones its page was written from, as if just loaded: what a checkpoint swaps
   * for a stub is read again at once, and decoding it was most of the first reads after.
   */
  adopt(leaves: Leaf[], pins: readonly [number, PinnedRow][]): void {
    if (this.#children !== undefined) return;
    let rows = 0;
    for (const l of leaves) rows += l.keys.length;
    this.#hold(leaves, rows, pins);
  }

  #hold(leaves: Node[], rows: number, pins: readonly [number, PinnedRow][]): void {
    this.#children = leaves;
    this.bytes = 64 + leaves.length * 120 + rows * 8;
    for (const [r, row] of pins) this.reader.pins.hold(r, row);
    this.reader.cache.add(this);
  }

  evict(): void {
    const c = this.#children;
    this.#children = undefined;
    if (c !== undefined) for (let i = 1; i < c.length; i++) this.reader.pins.release((c[i] as Leaf).keys[0] as number);
  }
}

function isPaged(n: Node): n is Node & PagedBranch {
  return n instanceof PagedBranch;
}

// --- the directory --------------------------------------------------------------------------

/** What a directory records besides its trees. */
export interface DirMeta {
  readonly id: string;
  readonly basisT: number;
  readonly maxEid: number;
  readonly lastInstant: number;
  readonly aliases: [string, number][];
  /** Rows of the table it holds. */
  readonly rows: number;
  readonly bootRows: number;
}

/** One committed transaction: its rows are `start` onwards, `count` of them. */
export interface TxSpan {
  readonly t: number;
  readonly start: number;
  readonly count: number;
  readonly instant: number;
}

/** A directory: everything needed to open the database without reading any page. */
export interface Directory {
  readonly meta: DirMeta;
  /** Packs its pages are in. */
  readonly packs: readonly string[];
  readonly tablePages: readonly PageAddr[];
  readonly txs: readonly TxSpan[];
  readonly pinned: ReadonlyMap<number, PinnedRow>;
  readonly trees: Readonly<Record<TreeName, Tree>>;
}

/** Encodes a directory; `pinned` are the first rows of the paged branches (searches compare with them). */
export function encodeDirectory(dir: Directory): Uint8Array {
  const w = new ByteWriter(1 << 16);
  for (const ch of DIR_MAGIC) w.byte(ch.charCodeAt(0));
  const meta = new TextEncoder().encode(JSON.stringify(dir.meta));
  w.u32(meta.length);
  w.bytes(meta);
  const packIndex = new Map<string, number>();
  w.uvar(dir.packs.length);
  dir.packs.forEach((p, i) => {
    packIndex.set(p, i);
    w.str(p);
  });
  const addr = (a: PageAddr): void => {
    const i = packIndex.get(a.pack);
    if (i === undefined) throw new DatomError('storage/encode', `Pack ${a.pack} is not in the directory`);
    w.uvar(i);
    w.uvar(a.offset);
    w.uvar(a.length);
  };
  w.uvar(dir.tablePages.length);
  for (const a of dir.tablePages) addr(a);
  w.uvar(dir.txs.length);
  let prevEnd = dir.meta.bootRows;
  for (const tx of dir.txs) {
    w.uvar(tx.t);
    w.uvar(tx.start - prevEnd);
    w.uvar(tx.count);
    w.f64(tx.instant);
    prevEnd = tx.start + tx.count;
  }
  w.uvar(dir.pinned.size);
  for (const [r, row] of dir.pinned) {
    w.uvar(r);
    writeRow(w, row);
  }
  const node = (n: Node): void => {
    if (isPaged(n)) {
      w.byte(TAG_PAGED);
      w.uvar(n.min);
      addr(n.addr);
    } else if (n.leaf) {
      w.byte(TAG_LEAF);
      w.uvar(n.keys.length);
      for (const k of n.keys) w.uvar(k);
    } else {
      w.byte(TAG_BRANCH);
      w.uvar(n.children.length);
      for (const c of n.children) node(c);
    }
  };
  for (const name of TREE_NAMES) {
    const t = dir.trees[name];
    w.uvar(t.size);
    w.byte(t.root === null ? 0 : 1);
    if (t.root !== null) node(t.root);
  }
  return sealed(w.view());
}

/** Reads a directory back; its paged branches read through `reader`. */
export function decodeDirectory(bytes: Uint8Array, source: string, reader: PackReader): Directory {
  const magic = new TextDecoder().decode(bytes.subarray(0, DIR_MAGIC.length));
  if (magic !== DIR_MAGIC) {
    throw new DatomError('storage/format', `Directory ${source} is in format ${JSON.stringify(magic)}; this version of datomkit reads ${DIR_MAGIC}`, {
      data: { source, format: magic, expected: DIR_MAGIC },
    });
  }
  const body = unseal(bytes, `Directory ${source}`, { source });
  const rd = new ByteReader(body, source, DIR_MAGIC.length);
  const meta = JSON.parse(new TextDecoder().decode(rd.bytes(rd.u32()))) as DirMeta;
  const packs: string[] = [];
  for (let i = rd.uvar(); i > 0; i--) packs.push(rd.str());
  const addr = (): PageAddr => {
    const pack = packs[rd.uvar()];
    if (pack === undefined) throw corrupt(`Directory ${source} names a pack it does not list`, { source });
    return { pack, offset: rd.uvar(), length: rd.uvar() };
  };
  const tablePages: PageAddr[] = [];
  for (let i = rd.uvar(); i > 0; i--) tablePages.push(addr());
  const txs: TxSpan[] = [];
  let prevEnd = meta.bootRows;
  for (let i = rd.uvar(); i > 0; i--) {
    const t = rd.uvar();
    const start = prevEnd + rd.uvar();
    const count = rd.uvar();
    txs.push({ t, start, count, instant: rd.f64() });
    prevEnd = start + count;
  }
  const pinned = new Map<number, PinnedRow>();
  for (let i = rd.uvar(); i > 0; i--) {
    const r = rd.uvar();
    pinned.set(r, readRow(rd));
  }
  const node = (): Node => {
    const tag = rd.byte();
    if (tag === TAG_PAGED) {
      const min = rd.uvar();
      return new PagedBranch(min, addr(), reader) as unknown as Branch;
    }
    if (tag === TAG_LEAF) {
      const keys = new Array<number>(rd.uvar());
      for (let i = 0; i < keys.length; i++) keys[i] = rd.uvar();
      return { leaf: true, keys, edit: null };
    }
    if (tag !== TAG_BRANCH) throw corrupt(`Directory ${source} has a node of unknown kind ${tag}`, { source });
    const children: Node[] = new Array(rd.uvar());
    for (let i = 0; i < children.length; i++) children[i] = node();
    const first = children[0];
    if (first === undefined) throw corrupt(`Directory ${source} has an empty branch`, { source });
    return { leaf: false, children, min: first.leaf ? (first.keys[0] as number) : first.min, edit: null, leads: null };
  };
  const trees = {} as Record<TreeName, Tree>;
  for (const name of TREE_NAMES) {
    const size = rd.uvar();
    trees[name] = { root: rd.byte() === 1 ? node() : null, size };
  }
  return { meta, packs, tablePages, txs, pinned, trees };
}

// --- writing a checkpoint -------------------------------------------------------------------

/** Bytes of pack written between two yields to the event loop. */
const BYTES_PER_STEP = 1 << 20;

/** A branch written as a page, and where it hangs (to swap it for its stub once the root names it). */
export interface WrittenBranch {
  readonly parent: Branch | null;
  readonly index: number;
  readonly node: Branch;
  readonly paged: PagedBranch;
  /** The first rows of its leaves after the first, as the page holds them. */
  readonly pins: readonly [number, PinnedRow][];
}

/** The result of {@link writePack}: the directory to write, and the branches to swap for stubs. */
export interface PackResult {
  readonly dir: Directory;
  readonly written: readonly WrittenBranch[];
  readonly table: TablePages;
  /** Size of the pack written. */
  readonly packBytes: number;
  /** Bytes of each pack that the directory uses. */
  readonly packLive: ReadonlyMap<string, number>;
}

/**
 * Writes, into pack `pack`, the table rows from `prev`'s last (partial) page up to `rows`, and a
 * page for every branch of leaves in `trees` that is not already a stored page; returns the new
 * directory. `full` rewrites every page (compaction), so that older packs are no longer needed.
 * The trees must not change while this runs (they are frozen), nor the table rows below `rows`.
 */
export async function writePack(args: {
  store: BlobStore;
  reader: PackReader;
  /** Where the table's pages are cached. */
  rowCache: PageCache;
  pack: string;
  prev: Directory | null;
  table: DatomTable;
  meta: DirMeta;
  txs: readonly TxSpan[];
  trees: Readonly<Record<TreeName, Tree>>;
  full: boolean;
}): Promise<PackResult> {
  const { store, reader, pack, prev, table, meta, full } = args;
  const written: WrittenBranch[] = [];
  const pinned = new Map<number, PinnedRow>();
  const tablePages: PageAddr[] = [];
  /** Bytes of each pack the new directory uses. */
  const packLive = new Map<string, number>();
  const use = (a: PageAddr): void => {
    packLive.set(a.pack, (packLive.get(a.pack) ?? 0) + a.length);
  };
  let offset = 0;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    let pending: Uint8Array[] = [];
    let size = 0;
    const put = (bytes: Uint8Array): PageAddr => {
      const a = { pack, offset, length: bytes.length };
      pending.push(bytes);
      size += bytes.length;
      offset += bytes.length;
      return a;
    };
    // Table pages: the stored ones that are complete stay; the rest are written.
    const firstPage = full || prev === null ? 0 : prev.meta.rows >>> ROW_PAGE_SHIFT;
    if (prev !== null) for (let k = 0; k < firstPage; k++) tablePages.push(prev.tablePages[k] as PageAddr);
    for (let k = firstPage; k * ROW_PAGE_ROWS < meta.rows; k++) {
      const rows: PinnedRow[] = [];
      for (let r = k * ROW_PAGE_ROWS; r < Math.min((k + 1) * ROW_PAGE_ROWS, meta.rows); r++) rows.push(table.stored(r));
      tablePages.push(put(encodeRowPage(rows)));
      if (size >= BYTES_PER_STEP) {
        yield concatBytes(pending);
        pending = [];
        size = 0;
      }
    }
    // Tree pages: depth first; a branch of leaves that commits copied becomes a page.
    const visit = function* (n: Node, parent: Branch | null, index: number): Generator<void> {
      if (isPaged(n) && !full) {
        pinned.set(n.min, table.stored(n.min));
        return;
      }
      if (n.leaf) return;
      const kids = n.children;
      if ((kids[0] as Node).leaf) {
        const pins: [number, PinnedRow][] = [];
        const paged = new PagedBranch(n.min, put(encodeTreePage(kids as Leaf[], table, pins)), reader);
        pinned.set(n.min, table.stored(n.min));
        written.push({ parent, index, node: n, paged, pins });
        yield;
        return;
      }
      for (let i = 0; i < kids.length; i++) yield* visit(kids[i] as Node, n, i);
    };
    for (const name of TREE_NAMES) {
      const root = args.trees[name].root;
      if (root === null) continue;
      for (const _ of visit(root, null, 0)) {
        if (size >= BYTES_PER_STEP) {
          yield concatBytes(pending);
          pending = [];
          size = 0;
        }
      }
    }
    if (size > 0) yield concatBytes(pending);
  }
  await store.writeBlob(pack, chunks());
  // The trees as stored: each written branch replaced by its stub.
  const swapped = new Map<Node, PagedBranch>(written.map((w) => [w.node, w.paged]));
  const trees = {} as Record<TreeName, Tree>;
  const collect = (n: Node): Node => {
    const s = swapped.get(n);
    if (s !== undefined) {
      use(s.addr);
      return s as unknown as Branch;
    }
    if (isPaged(n)) {
      use(n.addr);
      return n;
    }
    if (n.leaf) return n;
    return { leaf: false, children: n.children.map(collect), min: n.min, edit: null, leads: null };
  };
  for (const name of TREE_NAMES) {
    const t = args.trees[name];
    trees[name] = { root: t.root === null ? null : collect(t.root), size: t.size };
  }
  for (const a of tablePages) use(a);
  return {
    dir: { meta, packs: [...packLive.keys()], tablePages, txs: args.txs, pinned, trees },
    written,
    table: new TablePages(reader, tablePages, args.rowCache),
    packBytes: offset,
    packLive,
  };
}

/**
 * Once the root names a checkpoint's directory, the branches it wrote are swapped for their stubs
 * in the trees that hold them, so that their leaves can leave memory. A stub holds the same rows,
 * so the swap changes no tree's content, even in trees other values share. Each stub starts with
 * the leaves it was written from, in the page cache, which drops them when it needs the room.
 */
export function swapWritten(written: readonly WrittenBranch[], trees: readonly Tree[]): void {
  for (const w of written) {
    // A branch in memory is frozen (the checkpoint wrote a picture): its leaves and leads never
    // change. (A stored one that a compaction rewrote may have its leaves out of memory.)
    if (!isPaged(w.node)) {
      w.paged.adopt(w.node.children as Leaf[], w.pins);
      if (w.node.leads !== null) w.paged.leads = w.node.leads;
    }
    const p = w.parent;
    if (p !== null && !isPaged(p as Node) && p.children[w.index] === w.node) p.children[w.index] = w.paged as unknown as Branch;
  }
  // Trees written since the checkpoint's picture share the unchanged branches under new parents.
  const stub = new Map<Node, PagedBranch>(written.map((w) => [w.node, w.paged]));
  const visit = (b: Branch): void => {
    const kids = b.children;
    for (let i = 0; i < kids.length; i++) {
      const c = kids[i] as Node;
      const s = stub.get(c);
      if (s !== undefined) kids[i] = s as unknown as Branch;
      else if (!c.leaf && !isPaged(c)) visit(c);
    }
  };
  for (const t of trees) if (t.root !== null && !t.root.leaf && !isPaged(t.root)) visit(t.root);
}
