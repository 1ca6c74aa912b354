import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const built = new Map<string, string>();

/** The part of esbuild's API this file uses (esbuild is not a direct dependency, so no types). */
interface Esbuild {
  buildSync(options: Record<string, unknown>): unknown;
}

// Shared by the packages' tests (imported by relative path, as vitest.shared.ts is by their configs).

/**
 * A test's child-process script, bundled once per test process into one plain `.mjs` file that
 * `node` runs without a TypeScript loader. A child started with `node --import tsx child.ts`
 * spends about 0.8 s of CPU loading the sources; the crash tests start dozens of children, so they
 * bundle the child once (the workspace packages from their TypeScript sources, through the
 * `@datomkit/source` condition) and start each child as `node <bundle>`. Packages from npm stay
 * imports and resolve from the entry's package's `node_modules`, where the bundle is written
 * (`node_modules/.cache/datomkit-children/`).
 *
 * @param entry - absolute path of the child's `.ts` entry file.
 * @returns the absolute path of the bundled script, to pass to `spawn(process.execPath, [path, ...args])`.
 * @example
 * ```ts
 * const script = childScript(fileURLToPath(new URL('./fixtures/writer-child.ts', import.meta.url)));
 * const child = spawn(process.execPath, [script, dir, 'run']);
 * ```
 */
export function childScript(entry: string): string {
  const done = built.get(entry);
  if (done !== undefined) return done;
  const pkg = packageRoot(entry);
  const dir = join(pkg, 'node_modules', '.cache', 'datomkit-children');
  mkdirSync(dir, { recursive: true });
  const name = createHash('sha256').update(entry).digest('hex').slice(0, 16);
  const out = join(dir, `${name}.mjs`);
  // esbuild comes with the workspace's build tool (tsup), a root dev dependency.
  const fromRoot = createRequire(import.meta.url);
  const esbuild = createRequire(fromRoot.resolve('tsup'))('esbuild') as Esbuild;
  const tmp = `${out}.${process.pid}.tmp`;
  esbuild.buildSync({
    entryPoints: [entry],
    outfile: tmp,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['@datomkit/source'],
    logLevel: 'error',
    // Packages from npm stay imports (every workspace package's dependencies that are not
    // workspace packages); the workspace's own are bundled from their sources.
    external: npmDependencies(),
    // Bundled CommonJS code calls require; an ES module has none of its own.
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  renameSync(tmp, out); // test processes running at once each write the same file whole
  built.set(entry, out);
  return out;
}

function npmDependencies(): string[] {
  const packages = join(dirname(fileURLToPath(import.meta.url)), '..', 'packages');
  const names = new Set<string>();
  for (const dir of readdirSync(packages)) {
    const file = join(packages, dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { dependencies?: Record<string, string> };
    for (const [name, version] of Object.entries(pkg.dependencies ?? {})) if (!version.startsWith('workspace:')) names.add(name);
  }
  return [...names];
}

function packageRoot(file: string): string {
  const require = createRequire(file);
  let dir = dirname(file);
  for (;;) {
    try {
      require.resolve(join(dir, 'package.json'));
      return dir;
    } catch {
      const up = dirname(dir);
      if (up === dir) throw new Error(`childScript: no package.json above ${file}`);
      dir = up;
    }
  }
}
