import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { run } from '../src/index.js';

/** The committed bin stub, which imports the built dist. */
export const BIN = fileURLToPath(new URL('../bin/datomkit.js', import.meta.url));
/** The repository's example migrations and their tx-fns. */
export const MIGRATIONS = fileURLToPath(new URL('../../../examples/migrations', import.meta.url));
export const MUSIC_TX_FNS = join(MIGRATIONS, 'music-tx-fns.ts');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Environment for child runs: no colours, no CI marker, fast progress lines. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...extra };
  delete env.FORCE_COLOR;
  return env;
}

/** Runs the built `datomkit` in a child process. */
export function cli(args: readonly string[], options: { cwd: string; input?: string; env?: Record<string, string> }): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    input: options.input ?? '',
    env: childEnv(options.env),
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts the built `datomkit` in a child process, for tests that signal it. */
export function startCli(args: readonly string[], options: { cwd: string; env?: Record<string, string> }) {
  return spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env: childEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Starts the built `datomkit`, sends it SIGINT (Ctrl-C) once its standard error matches `ready`,
 * and resolves to its exit code and everything it wrote to standard error.
 */
export async function interruptWhen(args: readonly string[], options: { cwd: string; env?: Record<string, string> }, ready: RegExp): Promise<{ code: number | null; stderr: string }> {
  const child = startCli(args, options);
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (ready.test(stderr)) resolve();
    });
  });
  child.kill('SIGINT');
  const code = await exited;
  return { code, stderr };
}

/** Runs the CLI in this process (mem:// databases work here). */
export async function runIn(args: readonly string[], options: { stdin?: string; env?: Record<string, string>; signal?: AbortSignal } = {}): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const stdin = Object.assign(Readable.from(options.stdin === undefined ? [] : [options.stdin]), { isTTY: options.stdin === undefined });
  const code = await run(args, { stdout, stderr, stdin, env: { NO_COLOR: '1', ...options.env }, ...(options.signal ? { signal: options.signal } : {}) });
  return { code, stdout: out, stderr: err };
}

/** A fresh temporary directory, removed by the returned function. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'datomkit-cli-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

// biome-ignore lint/suspicious/noExplicitAny: test assertions walk arbitrary JSON documents
type Json = any;

/** Parses the one JSON document a `--json` run printed on stdout. */
export function jsonDoc(r: CliResult): { ok: boolean; command: string; exitCode: number; result?: Json; error?: Json } {
  return JSON.parse(r.stdout);
}

/** The schema and data the end-to-end tests use: every value type the JSON rules cover. */
export const SCHEMA_EDN = `[{:db/ident :artist/gid :db/valueType :db.type/uuid :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
 {:db/ident :artist/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/index true}
 {:db/ident :artist/type :db/valueType :db.type/ref :db/cardinality :db.cardinality/one}
 {:db/ident :artist/born :db/valueType :db.type/instant :db/cardinality :db.cardinality/one}
 {:db/ident :artist/plays :db/valueType :db.type/bigint :db/cardinality :db.cardinality/one}
 {:db/ident :artist/tags :db/valueType :db.type/keyword :db/cardinality :db.cardinality/many}
 {:db/ident :artist.type/person}]`;

export const DATA_EDN = `[{:artist/gid #uuid "6f1d3c1a-0000-4000-8000-000000000001" :artist/name "Nina Simone" :artist/type :artist.type/person
  :artist/born #inst "1933-02-21T00:00:00.000-00:00" :artist/plays 12345678901234567890N :artist/tags #{:jazz :soul}}]`;
