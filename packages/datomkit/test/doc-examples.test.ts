import { type WriteStream, createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { blocksOf, type DocBlock, REPO, sourceFiles, where } from './doc-tests/doc-blocks.js';
import { type Maker, World } from './doc-tests/example-world.js';

// Every TSDoc @example of every package's src runs (see "Code in the documentation runs" in the
// root README). Examples are fragments: each runs as the body of an async function, in an empty
// current directory, with the names its file, its package and datom-core export, and the preamble of
// doc-tests/example-world.ts. An example whose code throws on purpose (a `throw` statement at the
// start of a line) must throw. `<!-- not-run: reason -->` above the fence skips one.

interface Esbuild {
  transformSync(code: string, options: Record<string, unknown>): { code: string };
}
const esbuild = createRequire(createRequire(join(REPO, 'package.json')).resolve('tsup'))('esbuild') as Esbuild;

const RESERVED = new Set(
  'await break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof let new null return super switch this throw true try typeof var void while with yield'.split(
    ' ',
  ),
);

const withExamples = sourceFiles()
  .map((path) => ({ path, blocks: blocksOf(path) }))
  .filter((f) => f.blocks.length > 0);

const cwd = process.cwd();
afterAll(() => process.chdir(cwd));

/** Names only the command line's examples use: a commander program, a command context, subcommands. */
async function cliMakers(): Promise<Record<string, Maker>> {
  const requireCli = createRequire(join(REPO, 'packages', 'cli', 'package.json'));
  // commander is the CLI's dependency, not this package's: loaded from there, typed by what is used.
  interface Program {
    exitOverride(): Program;
    command(name: string): Program;
  }
  const { Command } = (await import(requireCli.resolve('commander'))) as { Command: new (name: string) => Program };
  const { CommandContext } = await import('../../cli/src/internal/context.js');
  const stream = (): PassThrough => Object.assign(new PassThrough().resume(), { isTTY: false });
  return {
    Command: () => Command,
    program: () => new Command('datomkit').exitOverride(),
    ctx: () => new CommandContext({ stdout: stream(), stderr: stream() }, () => ({ json: false, debug: false, quiet: true, color: false }), new AbortController().signal),
    norm: async (w) => (await w.get<Program>('program')).command('norm'),
    cmd: async (w) => (await w.get<Program>('program')).command('example'),
    argv: () => [],
  };
}

/**
 * A line `expression // literal`, where the literal is a string in single quotes, a number, true,
 * false, null or undefined, states the expression's result: the runner checks it. A literal with
 * `…` or `...` in it is an abbreviation and is not checked, nor is any other comment.
 */
const STATED = /^(\s*)(?!(?:const|let|var|for|if|while|return|throw|await)\b)(\S.*?);?\s+\/\/ ('(?:[^'\\]|\\.)*'|-?\d+(?:\.\d+)?|true|false|null|undefined)\s*$/;

/** The example's code, each stated result turned into a check. */
function withChecks(code: string): string {
  return code
    .split('\n')
    .map((line, i) => {
      const m = STATED.exec(line);
      if (m === null || /…|\.\.\./.test(m[3] as string)) return line;
      return `${m[1]}__stated(await (${m[2]}), ${m[3]}, ${i + 1});`;
    })
    .join('\n');
}

/** Checks a stated result: the same primitive value. */
function stated(got: unknown, want: unknown, line: number): void {
  if (!Object.is(got, want)) throw new Error(`line ${line} of the example gives ${inspect(got)}; its comment says ${inspect(want)}`);
}

function compile(block: DocBlock, names: readonly string[]): (scope: Record<string, unknown>) => Promise<void> {
  const wrapped = `async function __example(__scope) {\nlet { ${names.join(', ')} } = __scope;\n{\n${withChecks(block.code)}\n}\n}`;
  const js = esbuild.transformSync(wrapped, { loader: 'ts', sourcefile: where(block), target: 'node20' }).code;
  return new Function(`${js}\nreturn __example;`)() as (scope: Record<string, unknown>) => Promise<void>;
}

describe('TSDoc @examples', () => {
  it('are found, with annotations the runner understands', () => {
    expect(withExamples.reduce((n, f) => n + f.blocks.length, 0)).toBeGreaterThan(200);
    // Results stated in comments are checked: there are many.
    const checked = withExamples.flatMap((f) => f.blocks).reduce((n, b) => n + withChecks(b.code).split('__stated(').length - 1, 0);
    expect(checked).toBeGreaterThan(40);
    for (const { blocks } of withExamples) {
      for (const b of blocks) {
        expect(b.unknown, `${where(b)}: unknown annotation`).toEqual([]);
        if (b.notRun !== null) expect(b.notRun.length, `${where(b)}: <!-- not-run: --> needs a reason`).toBeGreaterThan(3);
        else expect(b.runnable, `${where(b)}: a \`\`\`${b.lang} example is not run: mark it <!-- not-run: reason -->`).toBe(true);
      }
    }
  });

  for (const { path, blocks } of withExamples) {
    const pkg = path.slice(join(REPO, 'packages').length + 1).split('/')[0] as string;
    const runnable = blocks.filter((b) => b.runnable && b.notRun === null);
    if (runnable.length === 0) continue;
    describe(path.slice(REPO.length), () => {
      it.each(runnable.map((b) => [where(b), b] as const))('%s', async (_where, block) => {
        const own = await import(path);
        const index = await import(join(REPO, 'packages', pkg, 'src', 'index.ts'));
        const core = await import('@datomkit/datom-core');
        const restore = await import('@datomkit/restore');
        const dir = mkdtempSync(join(tmpdir(), 'datomkit-example-'));
        process.chdir(dir);
        let world: World | null = null;
        const streams: WriteStream[] = [];
        try {
          // A file stream opens after the example has returned and the directory is changed back: its
          // path is resolved now, so that it lands in the example's folder, and it is closed before
          // the folder is removed.
          const fileStream = (p: string, o?: Parameters<typeof createWriteStream>[1]) => {
            const stream = createWriteStream(resolve(dir, p), o);
            streams.push(stream);
            return stream;
          };
          const exported: Record<string, unknown> = { PassThrough, createWriteStream: fileStream, readFileSync, join, ...core, ...restore, ...index };
          world = new World(pkg, block.code, pkg === 'cli' ? await cliMakers() : {});
          await world.get('files');
          const used = new Set(block.code.match(/[A-Za-z_$][\w$]*/g) ?? []);
          const scope: Record<string, unknown> = { ...exported, __stated: stated };
          // The preamble's names shadow the packages' exports (datom-core's uri function, say); the
          // example's own file's exports shadow both.
          for (const name of world.names()) if (used.has(name) && !Object.hasOwn(own, name)) scope[name] = await world.get(name);
          Object.assign(scope, own);
          used.add('__stated');
          const names = Object.keys(scope).filter((k) => used.has(k) && !RESERVED.has(k) && /^[A-Za-z_$][\w$]*$/.test(k));
          const run = compile(block, names);
          if (/^throw\s/m.test(block.code)) await expect(run(scope), `${where(block)} throws on purpose`).rejects.toThrow();
          else await run(scope);
        } finally {
          for (const stream of streams) {
            if (!stream.closed) await new Promise<void>((done) => stream.once('close', () => done()).once('error', () => done()).end());
          }
          await world?.close();
          process.chdir(cwd);
          rmSync(dir, { recursive: true, force: true });
        }
      });
    });
  }
});
