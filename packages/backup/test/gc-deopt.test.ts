import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';
import { expectNoWeakDeoptsOf } from '../../../test-support/weak-deopts.js';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

describe('optimized code survives a full collection', () => {
  // A restore's replay stage (its writer, id mapping, source schema and segments) is made per
  // restore: a full collection between two restores took the last of each, and the next restore's
  // replay ran in the interpreter again. Its writer's and schema's numbers are doubles (ids read
  // from the database), so the objects kept to hold their shapes have doubles there too.
  it('no "weak objects" deoptimization of the replay stage in the next restoreDb', () =>
    expectNoWeakDeoptsOf(here('./support/gc-deopt-restore-child.ts'), here('../src/index.ts'), [
      '#copyAttr', '#copyAttrAt', '#knownCopyAttr', 'groupable', '#subjects', '#place', '#groupBatch', 'isMapped', '#prepareRows', 'get version', 'replayGroups', '#writeSegments', 'row', 'readFastRows', 'replayColumns',
    ]), 300_000);
});
