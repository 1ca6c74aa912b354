import { afterAll, describe, expect, it } from 'vitest';
import { blocksOf, readmeFiles, where } from './doc-tests/doc-blocks.js';
import { makeApp, runBlock } from './doc-tests/run-block.js';

// Every code block of every README runs as written (see "Code in the documentation runs" in the
// root README): ts and js blocks as modules against the built packages, each in a folder of its own;
// any other block must say why it is not run with <!-- not-run: reason -->.
const app = makeApp();
afterAll(() => app.cleanup());

const blocks = readmeFiles().flatMap(blocksOf);

describe('README code blocks', () => {
  it('are all found, with annotations the runner understands', () => {
    expect(blocks.length).toBeGreaterThan(10);
    for (const b of blocks) {
      expect(b.unknown, `${where(b)}: unknown annotation`).toEqual([]);
      if (b.notRun !== null) expect(b.notRun.length, `${where(b)}: <!-- not-run: --> needs a reason`).toBeGreaterThan(3);
      else expect(b.runnable, `${where(b)}: a \`\`\`${b.lang} block is not run: mark it <!-- not-run: reason -->`).toBe(true);
    }
  });

  const runnable = blocks.filter((b) => b.runnable && b.notRun === null);
  it.each(runnable.map((b, i) => [where(b), b, i] as const))('%s runs', (_where, block, i) => {
    const r = runBlock(app.root, block, i);
    expect(r.ok, `${where(block)} failed:\n${r.output}`).toBe(true);
  });
});
