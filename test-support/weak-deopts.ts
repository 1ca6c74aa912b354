import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'tsup';
import { expect } from 'vitest';

// Shared by the packages' tests (imported by relative path, as child-script.ts is).

/** What {@link weakDeoptsAfterCollection} saw of its child. */
interface DeoptRun {
  readonly status: number | null;
  readonly stderr: string;
  /** What the child printed from its `=== full collection` line on (empty when it printed none). */
  readonly after: string;
  /** The lines of `after` in which V8 discarded optimized code for "weak objects". */
  readonly weak: readonly string[];
}

/**
 * Runs a test's child script under `node --expose-gc --trace-deopt` and returns the "weak objects"
 * deoptimizations V8 reported after the child printed `=== full collection`. V8 discards optimized
 * code that checks for an object shape no live object has; a read path that keeps no live object
 * of a shape it makes runs in the interpreter again after every full collection.
 *
 * The child runs bundled, as the published packages are: in a bundle, a module's export that no one
 * imports is a plain variable, which V8 frees (that is how kept objects were lost once). The
 * package is an entry of its own, so that it lands in a module apart from the child's top-level
 * awaits (which would keep every variable of their module alive). Optimization runs on the main
 * thread: code that a background compile finished late would otherwise be discarded in the
 * collection the caller looks at.
 *
 * @param child - absolute path of the child's `.ts` entry.
 * @param pkg - absolute path of the package's `src/index.ts`.
 */
async function weakDeoptsAfterCollection(child: string, pkg: string): Promise<DeoptRun> {
  const dir = mkdtempSync(join(tmpdir(), 'weak-deopts-'));
  try {
    await build({
      entry: { child, pkg },
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
    const out = spawnSync(process.execPath, ['--expose-gc', '--trace-deopt', '--no-concurrent-recompilation', join(dir, 'child.js')], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    const at = out.stdout.indexOf('=== full collection');
    const after = at === -1 ? '' : out.stdout.slice(at);
    return { status: out.status, stderr: out.stderr, after, weak: after.split('\n').filter((l) => l.includes('reason: weak objects')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Expects the child (see {@link weakDeoptsAfterCollection}) to run to its `=== done` line without
 * errors, and V8 to report no "weak objects" deoptimization after its `=== full collection` line.
 *
 * @param child - absolute path of the child's `.ts` entry.
 * @param pkg - absolute path of the package's `src/index.ts`.
 * @example
 * ```ts
 * it('no deoptimization after a full collection', () => expectNoWeakDeopts(childPath, srcIndexPath), 120_000);
 * ```
 */
export async function expectNoWeakDeopts(child: string, pkg: string): Promise<void> {
  const run = await weakDeoptsAfterCollection(child, pkg);
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  expect(run.after).toContain('=== done');
  expect(run.weak).toEqual([]);
}

/** The function a "weak objects" line of V8's trace names (`<SharedFunctionInfo NAME>`), or null. */
function deoptimizedFunction(line: string): string | null {
  const m = /<SharedFunctionInfo ([^>]*)>\)/.exec(line);
  return m === null ? null : (m[1] as string);
}

/**
 * As {@link expectNoWeakDeopts}, for the named functions only: V8 must report no "weak objects"
 * deoptimization of any of `functions` after the child's `=== full collection` line. For paths
 * where some objects are kept and others are not yet: the test holds what is kept.
 *
 * @param child - absolute path of the child's `.ts` entry.
 * @param pkg - absolute path of the package's `src/index.ts`.
 * @param functions - function names as V8 prints them (`attr`, `#hashOf`, `get trees`).
 * @example
 * ```ts
 * it('the log survives', () => expectNoWeakDeoptsOf(childPath, srcIndexPath, ['at', 'TxLog']), 120_000);
 * ```
 */
export async function expectNoWeakDeoptsOf(child: string, pkg: string, functions: readonly string[]): Promise<void> {
  const run = await weakDeoptsAfterCollection(child, pkg);
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  expect(run.after).toContain('=== done');
  const named = new Set(functions);
  expect(run.weak.filter((l) => named.has(deoptimizedFunction(l) ?? ''))).toEqual([]);
}
