import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'tsup';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'query-gc-deopt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('optimized code survives a full collection', () => {
  // V8 discards optimized code that checks for an object shape no live object has. The read and
  // join path keeps one live object of each class it makes per query; a class without one sent
  // every query after a full collection back to the interpreter, several times slower. The child
  // runs bundled, as the published packages are: in a bundle, a module's export that no one
  // imports is a plain variable, which V8 frees; that is how the kept objects were lost once. The
  // package is an entry of its own so that it lands in a module apart from the child's top-level
  // awaits (which would keep every variable of their module alive).
  it('no "weak objects" deoptimization after a full collection between queries', async () => {
    await build({
      entry: {
        child: fileURLToPath(new URL('./support/gc-deopt-child.ts', import.meta.url)),
        query: fileURLToPath(new URL('../src/index.ts', import.meta.url)),
      },
      outDir: dir,
      format: ['esm'],
      platform: 'node',
      target: 'node20',
      noExternal: [/.*/],
      config: false,
      silent: true,
      esbuildOptions(o) {
        o.conditions = ['@datomkit/source'];
      },
    });
    // Optimized on the main thread: code of the transactions that a background compile finished
    // late would otherwise be discarded in the collection this test looks at.
    const out = spawnSync(process.execPath, ['--expose-gc', '--trace-deopt', '--no-concurrent-recompilation', join(dir, 'child.js')], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    const after = out.stdout.slice(out.stdout.indexOf('=== full collection'));
    expect(after).toContain('=== done');
    const weak = after.split('\n').filter((l) => l.includes('reason: weak objects'));
    expect(weak).toEqual([]);
  }, 120_000);
});
