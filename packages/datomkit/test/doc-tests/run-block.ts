import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type DocBlock, REPO } from './doc-blocks.js';

/** The part of esbuild's API used here (esbuild comes with tsup, a root dev dependency). */
interface Esbuild {
  buildSync(options: Record<string, unknown>): unknown;
}

const esbuild = createRequire(createRequire(join(REPO, 'package.json')).resolve('tsup'))('esbuild') as Esbuild;

/** The folder of the preambles that `<!-- preamble: name -->` names. */
export const PREAMBLES = join(dirname(new URL(import.meta.url).pathname), 'preambles');

/**
 * A temporary folder laid out as an application that installed datomkit: `node_modules/datomkit`
 * and `node_modules/@datomkit/*` link to the packages of this repository, so that imports resolve
 * to their built `dist` (as from npm). Each block runs in a folder of its own inside it.
 */
export function makeApp(): { root: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'datomkit-doc-'));
  const scope = join(root, 'node_modules', '@datomkit');
  mkdirSync(scope, { recursive: true });
  for (const dir of readdirSync(join(REPO, 'packages'))) {
    const manifest = join(REPO, 'packages', dir, 'package.json');
    if (!existsSync(manifest)) continue;
    const name = (JSON.parse(readFileSync(manifest, 'utf8')) as { name: string }).name;
    symlinkSync(join(REPO, 'packages', dir), name === 'datomkit' ? join(root, 'node_modules', 'datomkit') : join(scope, name.slice('@datomkit/'.length)), 'dir');
  }
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** Bundles TypeScript `code` (relative imports resolve from `resolveDir`) into one ES module at `out`; packages stay imports. */
function bundle(code: string, resolveDir: string, sourcefile: string, out: string): void {
  esbuild.buildSync({
    stdin: { contents: code, resolveDir, sourcefile, loader: 'ts' },
    outfile: out,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'silent',
  });
}

/** What running a block gave. */
export interface BlockRun {
  readonly ok: boolean;
  readonly output: string;
}

/**
 * Runs a README block as a module of its own with `node`, in a fresh folder of `app` as the current
 * directory, after the preambles it names (in the same process, so that they can create files and
 * databases and set globals the block uses). Fails when a preamble or the block throws or the process
 * does not exit by itself within 60 s.
 */
export function runBlock(app: string, block: DocBlock, index: number): BlockRun {
  const dir = join(app, `block-${index}`);
  mkdirSync(dir);
  const imports: string[] = [];
  try {
    for (const name of block.preambles) {
      const file = join(PREAMBLES, `${name}.ts`);
      if (!existsSync(file)) return { ok: false, output: `no preamble ${name}: ${file} does not exist` };
      bundle(readFileSync(file, 'utf8'), PREAMBLES, file, join(dir, `preamble-${name}.mjs`));
      imports.push(`await import('./preamble-${name}.mjs');`);
    }
    bundle(block.code, dirname(join(REPO, block.file)), `${block.file}:${block.line}`, join(dir, 'block.mjs'));
  } catch (err) {
    return { ok: false, output: `does not compile: ${(err as Error).message}` };
  }
  imports.push(`await import('./block.mjs');`);
  writeFileSync(join(dir, 'run.mjs'), `${imports.join('\n')}\n`);
  const r = spawnSync(process.execPath, ['run.mjs'], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, NO_COLOR: '1', DATOMKIT_REPO: REPO },
  });
  const output = `${r.stdout}${r.stderr}`;
  if (r.error !== undefined) return { ok: false, output: `${r.error.message}\n${output}` };
  return { ok: r.status === 0, output: r.status === 0 ? output : `exit code ${r.status}, signal ${r.signal}\n${output}` };
}
