import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';
import { expectNoWeakDeopts, expectNoWeakDeoptsOf } from '../../../test-support/weak-deopts.js';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

describe('optimized code survives a full collection', () => {
  // The shapes of a database value, a datom, a page reader and a pull result: a loop of pulls
  // through fresh database values, after a full collection had left none of them alive, ran its
  // next reads in the interpreter.
  it('no "weak objects" deoptimization of the pull path after full collections', () => expectNoWeakDeopts(here('./support/gc-deopt-child.ts'), here('../src/index.ts')), 120_000);
  // The expander, its tempids and map keys are made per transaction: a full collection between two
  // transactions took the last of each, and the next commits ran in the interpreter again.
  it('no "weak objects" deoptimization of the transaction path after full collections', () => expectNoWeakDeopts(here('./support/gc-deopt-tx-child.ts'), here('../src/index.ts')), 120_000);
  // A database's own objects die when it is closed, and the next database's commits ran in the
  // interpreter again. Kept now: its state, table, schema, trees, log, unique values, log writer,
  // connection and the handle of its warm-up slices; not yet the store's pages and caches, which
  // the functions left out of this list read.
  it('no "weak objects" deoptimization in the next database of what a database keeps', () =>
    expectNoWeakDeoptsOf(here('./support/gc-deopt-reopen-child.ts'), here('../src/index.ts'), [
      'advance', 'liveHead', 'get trees', 'with', 'indexTrees', 'Trees', '_LazyTree', 'attr', 'attrByIdent',
      '#hashOf', '#ensure', '#grow', 'put', 'find', 'byte', 'u32', 'f64', 'uvar', 'svar', 'str', 'view',
      'at', 'TxLog', 'LogEntry', 'add', 'added', 'datom', 'get size',
    ]), 120_000);
  // The bench's reads after a load, one database per sample: the loaded database's state, schema
  // and unique values died with it, and its successor's first reads ran in the interpreter. Not yet
  // kept: what the table, the tree searches and pull meet of a file store's pages (the row
  // accessors, treeMatches, pullEntity, entidSync and a few bulk-load sorts still go). Nor is
  // entityWith listed: Node 22's V8 inlines the paged table's row accessor `e` into it, so it goes
  // with the row accessors there (Node 20 and 24 keep it).
  it('no "weak objects" deoptimization in the next database of the loaded table and its reads', () =>
    expectNoWeakDeoptsOf(here('./support/gc-deopt-reads-child.ts'), here('../src/index.ts'), [
      't', 'datom', '#inRetired', 'attr', 'attrInfo', '#attrOrNull', '#hashOf',
      'liveHead', 'scanRows', 'scanDatoms', 'pull', 'treeFor', 'encodeRowPage', 'encodeTreePage',
      'byte', 'uvar', 'svar', 'str', 'named', 'expandAll', '#push', 'isNew', 'hashChecked', 'put', '#ensure', '#grow',
    ]), 300_000);
});
