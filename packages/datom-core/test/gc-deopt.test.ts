import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';
import { expectNoWeakDeopts } from '../../../test-support/weak-deopts.js';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

describe('optimized code survives a full collection', () => {
  // The shapes of a database value, a datom, a page reader and a pull result: a loop of pulls
  // through fresh database values, after a full collection had left none of them alive, ran its
  // next reads in the interpreter.
  it('no "weak objects" deoptimization of the pull path after full collections', () => expectNoWeakDeopts(here('./support/gc-deopt-child.ts'), here('../src/index.ts')), 120_000);
  // The expander, its tempids and map keys are made per transaction: a full collection between two
  // transactions took the last of each, and the next commits ran in the interpreter again.
  it('no "weak objects" deoptimization of the transaction path after full collections', () => expectNoWeakDeopts(here('./support/gc-deopt-tx-child.ts'), here('../src/index.ts')), 120_000);
});
