import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';
import { expectNoWeakDeopts } from '../../../test-support/weak-deopts.js';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

describe('optimized code survives a full collection', () => {
  // The read and join path keeps one live object of each class it makes per query; a class without
  // one sent every query after a full collection back to the interpreter, several times slower.
  it('no "weak objects" deoptimization after a full collection between queries', () => expectNoWeakDeopts(here('./support/gc-deopt-child.ts'), here('../src/index.ts')), 120_000);
});
