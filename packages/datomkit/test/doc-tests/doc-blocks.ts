import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root folder. */
export const REPO = fileURLToPath(new URL('../../../../', import.meta.url));

/** Fence languages that are run; every other fence must be marked `<!-- not-run: reason -->`. */
const RUNNABLE = new Set(['ts', 'typescript', 'js', 'javascript', 'mjs']);

/** A fenced code block of a README or a TSDoc `@example`, and what its annotations ask. */
export interface DocBlock {
  /** Repository-relative path of the file it is in. */
  readonly file: string;
  /** 1-based line of its opening fence. */
  readonly line: number;
  readonly lang: string;
  readonly code: string;
  /** The reason given by `<!-- not-run: reason -->`, or null when it is run. */
  readonly notRun: string | null;
  /** Names given by `<!-- preamble: name -->`: preambles that run before it. */
  readonly preambles: readonly string[];
  /** True when it is in a language that can be run (ts, js). */
  readonly runnable: boolean;
  /** Annotations that are not understood (a typo must not silently skip a block). */
  readonly unknown: readonly string[];
}

const ANNOTATION = /^<!--\s*([a-z-]+)(?::\s*(.*?))?\s*-->$/;
/** Annotations of other tools, which the runner leaves alone (`.ci/run` reads `<!-- tests -->`). */
const FOREIGN = new Set(['main-job', 'tests']);

/**
 * The fenced blocks of Markdown `text`, each with the HTML-comment annotations on the lines just
 * above its fence (blank lines may come between).
 */
export function markdownBlocks(file: string, text: string): DocBlock[] {
  return fencedBlocks(file, text.split('\n'), (l) => l);
}

/**
 * The fenced blocks of the TSDoc `@example`s in TypeScript `text` (lines of a doc comment, with
 * their leading `*`), annotated as in Markdown.
 */
export function exampleBlocks(file: string, text: string): DocBlock[] {
  const lines = text.split('\n');
  const blocks: DocBlock[] = [];
  let inDoc = false;
  let inExample = false;
  const docLines: (string | null)[] = lines.map((raw) => {
    const l = raw.trim();
    if (!inDoc && l.startsWith('/**')) {
      inDoc = !l.endsWith('*/');
      inExample = false;
      return null;
    }
    if (!inDoc) return null;
    if (l.endsWith('*/')) {
      inDoc = false;
      return null;
    }
    const body = raw.replace(/^\s*\* ?/, '');
    if (/^@\w+/.test(body.trim())) inExample = body.trim().startsWith('@example');
    return inExample ? body : null;
  });
  blocks.push(...fencedBlocks(file, docLines, (l) => l));
  return blocks;
}

function fencedBlocks(file: string, lines: readonly (string | null)[], text: (l: string) => string): DocBlock[] {
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = lines[i];
    if (open === null || open === undefined) continue;
    const fence = /^(\s*)(```+)\s*([\w-]*)(.*)$/.exec(text(open));
    if (fence === null) continue;
    const indent = (fence[1] ?? '').length;
    const marker = fence[2] as string;
    const lang = (fence[3] ?? '').toLowerCase();
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const l = lines[j];
      if (l === null || l === undefined) break;
      if (l.trim().startsWith(marker) && l.trim().replace(/`/g, '') === '') break;
      body.push(l.slice(Math.min(indent, l.length - l.trimStart().length)));
    }
    // Annotations: HTML comments on the lines above the fence (blank lines may come between).
    let notRun: string | null = null;
    const preambles: string[] = [];
    const unknown: string[] = [];
    for (let k = i - 1; k >= 0; k--) {
      const l = (lines[k] ?? '').trim();
      if (l === '') continue;
      const m = ANNOTATION.exec(l);
      if (m === null) break;
      const [, name, value] = m;
      if (name === 'not-run') notRun = value ?? '';
      else if (name === 'preamble') preambles.unshift(...(value ?? '').split(/[\s,]+/).filter(Boolean));
      else if (!FOREIGN.has(name as string)) unknown.push(l);
    }
    blocks.push({ file, line: i + 1, lang, code: body.join('\n'), notRun, preambles, runnable: RUNNABLE.has(lang), unknown });
    i = j;
  }
  return blocks;
}

/** Every README of the repository: the root's, each package's, each example's. */
export function readmeFiles(): string[] {
  const files = [join(REPO, 'README.md')];
  for (const parent of ['packages', 'examples']) {
    for (const dir of readdirSync(join(REPO, parent)).sort()) {
      const readme = join(REPO, parent, dir, 'README.md');
      try {
        if (statSync(readme).isFile()) files.push(readme);
      } catch {
        // A folder without a README.
      }
    }
  }
  return files;
}

/** Every TypeScript file under each package's `src/`. */
export function sourceFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) out.push(p);
    }
  };
  for (const pkg of readdirSync(join(REPO, 'packages')).sort()) {
    const src = join(REPO, 'packages', pkg, 'src');
    try {
      if (statSync(src).isDirectory()) walk(src);
    } catch {
      // A package without sources.
    }
  }
  return out;
}

/** The blocks of a file, by its kind. */
export function blocksOf(path: string): DocBlock[] {
  const text = readFileSync(path, 'utf8');
  const file = relative(REPO, path);
  return path.endsWith('.md') ? markdownBlocks(file, text) : exampleBlocks(file, text);
}

/** Where a block is, for messages: `packages/norm/README.md:12`. */
export function where(b: DocBlock): string {
  return `${b.file}:${b.line}`;
}
