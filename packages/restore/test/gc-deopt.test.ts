import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';
import { expectNoWeakDeoptsOf } from '../../../test-support/weak-deopts.js';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

describe('optimized code survives a full collection', () => {
  // A replay's writer, its builds, id mapping and source schema are made per replay: a full
  // collection between two replays took the last of each, and the next replay ran in the
  // interpreter again (see backup's gc-deopt test for restoreDb's grouped replay). Not yet kept:
  // whatever else #add, #ref and LogReplay's #prepare meet that dies with a replay; they still go.
  it('no "weak objects" deoptimization of the writer in the next log replay', () =>
    expectNoWeakDeoptsOf(here('./support/gc-deopt-replay-child.ts'), here('../src/index.ts'), [
      '#entity', '#build', 'assert', 'replay', '#copyAttr', 'get version', 'isMapped',
    ]), 300_000);
});
