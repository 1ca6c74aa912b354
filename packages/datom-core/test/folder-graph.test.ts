import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// The folders of src/ are its architecture (see the README): each may import only folders below
// it, so the runtime import graph between folders has no cycle. Type-only imports are left out:
// they vanish from the built code, and a type may name another folder's types both ways.

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** The relative modules `file` imports at run time: neither `import type` nor imports of types alone. */
function runtimeImports(file: string, text: string): string[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, false);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const typeOnly =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined && clause.namedBindings !== undefined && ts.isNamedImports(clause.namedBindings) && clause.namedBindings.elements.length > 0 && clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      if (!typeOnly) out.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.exportClause;
      const typeOnly = node.isTypeOnly || (clause !== undefined && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly));
      if (!typeOnly) out.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] !== undefined && ts.isStringLiteral(node.arguments[0])) {
      out.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out.filter((m) => m.startsWith('.'));
}

/** Folder of src/ → the folders it imports at run time, each with one import that makes the edge. */
function folderGraph(files: readonly { path: string; text: string }[]): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const { path, text } of files) {
    const from = relative(SRC, dirname(path)) || '.';
    for (const spec of runtimeImports(path, text)) {
      const to = relative(SRC, dirname(resolve(dirname(path), spec))) || '.';
      if (to === from) continue;
      let edges = graph.get(from);
      if (edges === undefined) graph.set(from, (edges = new Map()));
      if (!edges.has(to)) edges.set(to, `${relative(SRC, path)} imports ${spec}`);
    }
  }
  return graph;
}

/** A cycle of the graph as its folders (first = last), or null when it has none. */
function findCycle(graph: Map<string, Map<string, string>>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): string[] | null => {
    state.set(n, 'open');
    stack.push(n);
    for (const m of graph.get(n)?.keys() ?? []) {
      if (state.get(m) === 'open') return [...stack.slice(stack.indexOf(m)), m];
      if (state.get(m) === undefined) {
        const c = visit(m);
        if (c !== null) return c;
      }
    }
    stack.pop();
    state.set(n, 'done');
    return null;
  };
  for (const n of graph.keys()) {
    if (state.get(n) !== undefined) continue;
    const c = visit(n);
    if (c !== null) return c;
  }
  return null;
}

function describeCycle(graph: Map<string, Map<string, string>>, cycle: readonly string[]): string {
  return cycle
    .slice(1)
    .map((to, i) => `${cycle[i]} -> ${to} (${graph.get(cycle[i] as string)?.get(to)})`)
    .join('; ');
}

describe('the folders of datom-core src/', () => {
  const files = sourceFiles(SRC).map((path) => ({ path, text: readFileSync(path, 'utf8') }));
  const graph = folderGraph(files);

  it('import each other without a cycle (runtime imports)', () => {
    const cycle = findCycle(graph);
    expect(cycle === null ? null : describeCycle(graph, cycle)).toBeNull();
  });

  it('keep persistence in engine/ above storage/, and storage/ below everything but error/ and model/', () => {
    expect(graph.get('engine')?.has('storage')).toBe(true);
    expect(graph.get('storage')?.has('engine') ?? false).toBe(false);
    expect([...(graph.get('storage')?.keys() ?? [])].filter((f) => f !== 'error' && f !== 'model')).toEqual([]);
    for (const low of ['db', 'tx', 'index', 'pull', 'schema', 'log']) expect(graph.get(low)?.has('engine') ?? false, `${low} imports engine`).toBe(false);
  });

  it('finds a cycle when there is one, and ignores type-only imports', () => {
    const at = (p: string): string => join(SRC, p);
    const made = folderGraph([
      { path: at('db/a.ts'), text: "import { b } from '../tx/b.js';" },
      { path: at('tx/b.ts'), text: "export { a } from '../db/a.js';" },
    ]);
    expect(findCycle(made)).toEqual(['db', 'tx', 'db']);
    const typed = folderGraph([
      { path: at('db/a.ts'), text: "import type { B } from '../tx/b.js';\nimport { type C } from '../tx/c.js';" },
      { path: at('tx/b.ts'), text: "import { a } from '../db/a.js';" },
    ]);
    expect(findCycle(typed)).toBeNull();
    const lazy = folderGraph([
      { path: at('db/a.ts'), text: "const m = () => import('../tx/b.js');" },
      { path: at('tx/b.ts'), text: "import { a } from '../db/a.js';" },
    ]);
    expect(findCycle(lazy)).toEqual(['db', 'tx', 'db']);
  });
});
