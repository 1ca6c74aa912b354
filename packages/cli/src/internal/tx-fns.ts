import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { NormTxFns } from '@datomkit/norm';
import { CliError } from './cli-error.js';

/**
 * Loads the tx-fns named by norms from a module: every export that is an object whose values are
 * functions contributes its entries (`{ 'my.app/backfill': fn }`). A `.ts` module is loaded through
 * tsx when it is installed.
 *
 * @example
 * ```ts
 * const txFns = await loadTxFns('./migrations/tx-fns.js')
 * ```
 */
export async function loadTxFns(modulePath: string): Promise<NormTxFns> {
  const file = resolve(modulePath);
  const ts = /\.[mc]?ts$/.test(file);
  const tsImport = ts ? await loadTsx(file) : null;
  let mod: Record<string, unknown>;
  try {
    const url = pathToFileURL(file).href;
    mod = (tsImport === null ? await import(url) : await tsImport(url, import.meta.url)) as Record<string, unknown>;
  } catch (err) {
    throw new CliError('cli/tx-fns', `Cannot load the tx-fns module ${modulePath}: ${(err as Error).message}`, {
      hint: 'Pass a JavaScript module (or a .ts one with tsx installed) that exports an object of tx-fns.',
      data: { module: modulePath },
      cause: err,
    });
  }
  const fns: Record<string, NormTxFns[string]> = {};
  for (const value of Object.values(mod)) {
    if (typeof value !== 'object' || value === null) continue;
    const entries = Object.entries(value);
    if (entries.length === 0 || !entries.every(([, f]) => typeof f === 'function')) continue;
    for (const [name, f] of entries) fns[name] = f as NormTxFns[string];
  }
  if (Object.keys(fns).length === 0) {
    throw new CliError('cli/tx-fns', `${modulePath} exports no object of tx-fns.`, {
      hint: "Export one, e.g. export const txFns = { 'my.app/backfill': async (conn, ctx) => [] }.",
      data: { module: modulePath },
    });
  }
  return fns;
}

type TsImport = (specifier: string, parentURL: string) => Promise<unknown>;

async function loadTsx(file: string): Promise<TsImport> {
  try {
    // A computed specifier, so that the bundler leaves tsx (optional) to be resolved at run time.
    const specifier = ['tsx', 'esm', 'api'].join('/');
    const api = (await import(specifier)) as { tsImport: TsImport };
    return api.tsImport;
  } catch (err) {
    throw new CliError('cli/tx-fns', `${file} is TypeScript, and tsx is not installed to load it.`, {
      hint: 'Install tsx next to datomkit (npm i -D tsx), or compile the module to JavaScript.',
      data: { module: file },
      cause: err,
    });
  }
}
