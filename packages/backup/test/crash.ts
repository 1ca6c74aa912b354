import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { childScript } from '../../../test-support/child-script.js';

const CHILD = fileURLToPath(new URL('./crash-child.ts', import.meta.url));

/** A child process started ahead of time: it loads its modules while the one before it works. */
export interface CrashChild {
  readonly child: ChildProcess;
  /** Sends the command; resolves when the child says it started. */
  go(command: string): Promise<void>;
  /** Resolves with the exit code (`null` when killed by a signal). */
  readonly exited: Promise<number | null>;
  readonly output: () => string;
}

/**
 * Starts `test/crash-child.ts`. Starting a child costs a good part of a second even bundled, so the tests start the
 * next child while the current one runs and only tell it what to do when its turn comes.
 */
export function spawnChild(): CrashChild {
  const child = spawn(process.execPath, [childScript(CHILD)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters: { word: string; resolve: () => void }[] = [];
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    out += chunk;
    for (const w of waiters.splice(0)) {
      if (out.includes(`${w.word}\n`)) w.resolve();
      else waiters.push(w);
    }
  });
  child.stderr?.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const said = (word: string) =>
    new Promise<void>((resolve, reject) => {
      if (out.includes(`${word}\n`)) return resolve();
      waiters.push({ word, resolve });
      void exited.then((code) => {
        if (!out.includes(`${word}\n`)) reject(new Error(`child exited (${code}) before "${word}": ${err}`));
      });
    });
  const ready = said('ready');
  ready.catch(() => undefined);
  return {
    child,
    exited,
    output: () => out + err,
    async go(command) {
      await ready;
      child.stdin?.write(`${command}\n`);
      await said('start');
    },
  };
}

/**
 * Kills `c` with SIGKILL after `waitMs` unless it has exited by then. Resolves with its exit code
 * (`null`: killed mid-run) and how long it ran since the call.
 */
export async function killAfter(c: CrashChild, waitMs: number): Promise<{ code: number | null; ms: number }> {
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, waitMs));
  if (c.child.exitCode === null) c.child.kill('SIGKILL');
  const code = await c.exited;
  return { code, ms: performance.now() - t0 };
}
