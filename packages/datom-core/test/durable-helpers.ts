import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { connect, createDatabase, kw, type Database } from '../src/index.js';
import { childScript } from '../../../test-support/child-script.js';

/** A schema of one unique long attribute, `item/n`. */
export const ITEM_SCHEMA = [{ 'db/ident': kw('item/n'), 'db/valueType': kw('db.type/long'), 'db/cardinality': kw('db.cardinality/one'), 'db/unique': kw('db.unique/identity') }];

/**
 * A database at `dir` with the item schema and `count` items, copied to `copy` while its writer was
 * open (no checkpoint on close, the log holds every transaction), as a crashed writer leaves it.
 * Returns the paths of the copy's log, directory and pack.
 */
export async function crashedCopy(dir: string, copy: string, count: number): Promise<{ dir: string; log: string; directory: string; pack: string }> {
  await createDatabase(dir);
  const conn = await connect(dir);
  await conn.transact(ITEM_SCHEMA);
  for (let i = 1; i <= count; i++) await conn.transact([{ 'item/n': i }]);
  cpSync(dir, copy, { recursive: true });
  rmSync(join(copy, 'LOCK'), { force: true });
  await conn.close();
  const files = readdirSync(copy);
  const named = (prefix: string): string => join(copy, files.find((f) => f.startsWith(prefix)) as string);
  return { dir: copy, log: named('log-'), directory: named('dir-'), pack: named('pack-') };
}

const CHILD = fileURLToPath(new URL('./fixtures/writer-child.ts', import.meta.url));

/** A writer child process and the batches it has acknowledged. */
export interface Writer {
  readonly child: ChildProcess;
  /** The highest batch whose `transact` resolved, as the child printed it. */
  acked(): number;
  /** Resolves once the child has opened the database. */
  ready: Promise<void>;
  /** Resolves when the child has exited. */
  exited: Promise<void>;
  /** What the child has done so far: batches acknowledged, how it exited, the end of its stderr. */
  describe(): string;
}

/** Starts `fixtures/writer-child.ts` on `target` (a directory or a database URI) in `mode`. */
export function startWriter(target: string, mode: 'run' | 'slow' | 'hold' | 'retry'): Writer {
  const child = spawn(process.execPath, [childScript(CHILD), target, mode], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let acked = 0;
  let buf = '';
  let stderr = '';
  let onReady: () => void = () => undefined;
  let onFail: (e: Error) => void = () => undefined;
  const ready = new Promise<void>((res, rej) => {
    onReady = res;
    onFail = rej;
  });
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    buf += chunk;
    let nl = buf.indexOf('\n');
    while (nl >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line === 'ready') onReady();
      else if (line.startsWith('ok ')) acked = Number(line.slice(3));
      nl = buf.indexOf('\n');
    }
  });
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  let exit = 'running';
  const exited = new Promise<void>((res) => {
    child.on('exit', (code, signal) => {
      exit = `exited (code ${code}, signal ${signal})`;
      if (signal === null && code !== 0) onFail(new Error(`writer exited with ${code}: ${stderr}`));
      res();
    });
  });
  const describe = (): string => `writer ${child.pid} acknowledged ${acked}, ${exit}; stderr: ${stderr.slice(-2000) || '(empty)'}`;
  return { child, acked: () => acked, ready, exited, describe };
}

/** Waits until `cond()` holds, polling; fails after `ms` with what `explain()` says. */
export async function until(cond: () => boolean, ms = 20_000, explain?: () => string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting${explain === undefined ? '' : `: ${explain()}`}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Checks the three crash properties on `db`; returns the number of whole batches. */
export async function checkBatches(db: Database): Promise<number> {
  const heads = await db.datoms('avet', 'batch/n').toArray();
  const ns = heads.map((d) => d.v as number);
  // Batches are 1..M with no gap: no acknowledged batch is lost and none is half there.
  ns.forEach((n, i) => {
    if (n !== i + 1) throw new Error(`batch numbers have a gap at ${i + 1}: found ${n}`);
  });
  for (const h of heads) {
    const parts = await db.datoms('vaet', h.e, 'batch/of').count();
    if (parts !== 4) throw new Error(`batch ${String(h.v)} has ${parts} parts instead of 4`);
  }
  const counter = await db.datoms('aevt', 'counter/value').toArray();
  const m = ns.length;
  if (m > 0 && (counter.length !== 1 || counter[0]?.v !== m)) throw new Error(`counter is ${String(counter[0]?.v)} with ${m} batches`);
  // Every index holds the same datoms.
  const key = (d: { e: number; a: number; v: unknown; tx: number }): string => `${d.e}|${d.a}|${String(d.v)}|${d.tx}`;
  const eavt = (await db.datoms('eavt').toArray()).map(key).sort();
  const aevt = (await db.datoms('aevt').toArray()).map(key).sort();
  const avet = (await db.datoms('avet').toArray()).map(key).sort();
  if (eavt.join() !== aevt.join() || eavt.join() !== avet.join()) throw new Error('the indexes disagree');
  return m;
}
