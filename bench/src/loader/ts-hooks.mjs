// Module hooks that run the bench's own TypeScript (bench/src/**/*.ts) and leave every other file as
// it is. tsx, which ran the bench before, transforms every file outside node_modules, and so the
// workspace packages' built dist too, with esbuild's keepNames: each named closure the library makes
// became a call to __name(), a cost users of the published package never pay. Here only the
// bench's sources are transformed (types stripped by esbuild, the one tsx itself uses).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
/** @type {{ transform(code: string, options: Record<string, unknown>): Promise<{ code: string }> }} */
const esbuild = createRequire(require.resolve('tsx'))('esbuild');
const SRC = new URL('../', import.meta.url).href;

/** A relative `.js` specifier of a bench source names the `.ts` file beside it, as TypeScript's NodeNext does. */
export async function resolve(specifier, context, next) {
  if (context.parentURL?.startsWith(SRC) && specifier.endsWith('.js') && (specifier.startsWith('./') || specifier.startsWith('../'))) {
    const ts = new URL(`${specifier.slice(0, -3)}.ts`, context.parentURL);
    if (existsSync(fileURLToPath(ts))) return { url: ts.href, format: 'module', shortCircuit: true };
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (url.startsWith(SRC) && url.endsWith('.ts')) {
    const file = fileURLToPath(url);
    const { code } = await esbuild.transform(await readFile(file, 'utf8'), {
      loader: 'ts',
      format: 'esm',
      target: `node${process.versions.node}`,
      sourcemap: 'inline',
      sourcefile: file,
    });
    return { format: 'module', source: code, shortCircuit: true };
  }
  return next(url, context);
}
