import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DATOM_ERROR_CODES, DatomError, isDatomError } from '../src/index.js';

// Every code thrown anywhere in datomkit is a member of the one union, DatomErrorCode, and every
// member is thrown somewhere (or kept on purpose, below). The compiler checks `new DatomError(...)`
// against the union; this scan also catches a code that reaches a throw through a string (a
// helper, a cast, a CliError) and a member left behind when its last throw site went away.

const PACKAGES = fileURLToPath(new URL('../../', import.meta.url));
const UNION_FILE = join('datom-core', 'src', 'error', 'datom-error.ts');
const DOCS_FILE = fileURLToPath(new URL('../docs/error-codes.md', import.meta.url));

/** Members no source throws, and why each is kept. */
const KEPT: Readonly<Record<string, string>> = {};

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'dist') continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if (/\.(ts|mts|js|mjs)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

// Codes are `subsystem/kebab-name`. Literals of these prefixes are codes wherever they appear.
const CODE_PREFIXES = ['edn', 'schema', 'transact', 'pull', 'storage', 'query', 'backup', 'norm', 'restore', 'cli'];
const ANY_CODE = new RegExp(`['"\`]((?:${CODE_PREFIXES.join('|')})/[a-z][a-z0-9-]*)['"\`]`, 'g');
// `db/...` literals are also attribute idents (db/id, db/index): they count as codes only where a code goes.
const DB_CODE = /(?:new \w+\(\s*|isDatomError\([^,()]*,\s*|\bcode\s*(?:===|!==|:)\s*)['"`](db\/[a-z][a-z0-9-]*)['"`]|['"](db\/[a-z][a-z0-9-]*)['"]:\s*\(/g;

interface Found {
  readonly code: string;
  readonly where: string;
}

function scan(): Found[] {
  const found: Found[] = [];
  for (const pkg of readdirSync(PACKAGES, { withFileTypes: true })) {
    if (!pkg.isDirectory()) continue;
    const src = join(PACKAGES, pkg.name, 'src');
    let files: string[];
    try {
      files = sourceFiles(src);
    } catch {
      continue;
    }
    for (const file of files) {
      const rel = relative(PACKAGES, file);
      if (rel === UNION_FILE) continue;
      const text = readFileSync(file, 'utf8');
      for (const re of [ANY_CODE, DB_CODE]) {
        for (const m of text.matchAll(re)) {
          const line = text.slice(0, m.index).split('\n').length;
          found.push({ code: (m[1] ?? m[2]) as string, where: `${rel}:${line}` });
        }
      }
    }
  }
  return found;
}

describe('error codes', () => {
  const found = scan();
  const members = new Set<string>(DATOM_ERROR_CODES);

  it('finds the throw sites it scans for (the scan itself works)', () => {
    expect(found.some((f) => f.code === 'transact/unique')).toBe(true);
    expect(found.some((f) => f.code === 'db/locked')).toBe(true);
    expect(found.some((f) => f.code.startsWith('norm/'))).toBe(true);
    expect(found.some((f) => f.code.startsWith('cli/'))).toBe(true);
  });

  it('every code used in any package is a member of DatomErrorCode', () => {
    const unknown = found.filter((f) => !members.has(f.code)).map((f) => `${f.code} at ${f.where}`);
    expect(unknown, 'add these to DATOM_ERROR_CODES (datom-core src/error/datom-error.ts) and to docs/error-codes.md').toEqual([]);
  });

  it('every member is used somewhere, or kept on purpose', () => {
    const used = new Set(found.map((f) => f.code));
    const idle = DATOM_ERROR_CODES.filter((c) => !used.has(c) && KEPT[c] === undefined);
    expect(idle, 'remove these from DATOM_ERROR_CODES, or say in KEPT why each is kept').toEqual([]);
    for (const c of Object.keys(KEPT)) expect(members.has(c), `${c} is in KEPT but not a member`).toBe(true);
  });

  it('every member has a row in docs/error-codes.md, and the docs name no other code', () => {
    const docs = readFileSync(DOCS_FILE, 'utf8');
    const rows = [...docs.matchAll(/^\| `([a-z]+\/[a-z0-9-]+)` \|/gm)].map((m) => m[1] as string);
    expect(DATOM_ERROR_CODES.filter((c) => !rows.includes(c))).toEqual([]);
    expect(rows.filter((c) => !members.has(c))).toEqual([]);
    expect(new Set(rows).size).toBe(rows.length);
  });

  it('codes are subsystem/kebab-name and listed once', () => {
    for (const c of DATOM_ERROR_CODES) expect(c).toMatch(/^[a-z]+\/[a-z][a-z0-9-]*$/);
    expect(new Set(DATOM_ERROR_CODES).size).toBe(DATOM_ERROR_CODES.length);
  });

  it('the constructor refuses a code outside the union, at compile time and at run time', () => {
    // @ts-expect-error: not a member of DatomErrorCode
    expect(() => new DatomError('made/up', 'x')).toThrow(TypeError);
    const err = new DatomError('transact/unique', 'x');
    expect(isDatomError(err, 'transact/')).toBe(true);
  });
});
