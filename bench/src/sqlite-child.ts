// The SQLite peer of cases/sqlite.ts, in a child process under a Node that has node:sqlite (>= 22.13):
// it answers each request of the parent with the milliseconds that its timed part took. The tables
// are the cases' people, made here from the same seed, so that no rows cross the channel.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { settle } from './settle.js';
import { type Person, uniquelyNamed } from './workload/people.js';

/** What the parent asks for; `count` people from the first, `batch` rows per transaction. */
export type SqliteRequest =
  | { readonly id: number; readonly op: 'init'; readonly count: number }
  | { readonly id: number; readonly op: 'single'; readonly count: number }
  | { readonly id: number; readonly op: 'bulk'; readonly count: number; readonly batch: number; readonly keep: boolean }
  | { readonly id: number; readonly op: 'reads'; readonly people: readonly number[] }
  | { readonly id: number; readonly op: 'drop' };

export type SqliteReply = { readonly id: number; readonly ms: number } | { readonly id: number; readonly error: string };

const gc = (globalThis as { gc?: () => void }).gc;
const root = mkdtempSync(join(tmpdir(), 'datomkit-bench-sqlite-'));
let all: Person[] = [];
let counter = 0;
/** The database a `bulk` with `keep` left open for `reads`. */
let kept: { db: DatabaseSync; dir: string; byName: StatementSync } | null = null;

/** A fresh file database: WAL, synchronous=FULL, five columns with a unique name. */
function open(): { db: DatabaseSync; dir: string; insert: StatementSync } {
  const dir = join(root, `db-${++counter}`);
  const db = new DatabaseSync(`${dir}.sqlite`);
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;');
  db.exec(
    'CREATE TABLE person (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, last_name TEXT NOT NULL, sex TEXT NOT NULL, age INTEGER NOT NULL, salary INTEGER NOT NULL)',
  );
  return { db, dir, insert: db.prepare('INSERT INTO person (name, last_name, sex, age, salary) VALUES (?, ?, ?, ?, ?)') };
}

function remove(dir: string): void {
  for (const suffix of ['.sqlite', '.sqlite-wal', '.sqlite-shm']) rmSync(`${dir}${suffix}`, { force: true });
}

async function timed(run: () => void): Promise<number> {
  gc?.();
  await settle();
  const t0 = performance.now();
  run();
  return performance.now() - t0;
}

function insert(stmt: StatementSync, p: Person): void {
  stmt.run(p.name, p.lastName, p.sex, p.age, p.salary);
}

async function handle(req: SqliteRequest): Promise<number> {
  switch (req.op) {
    case 'init':
      all = uniquelyNamed(req.count);
      return 0;
    case 'single': {
      const { db, dir, insert: stmt } = open();
      // Autocommit: each insert is its own transaction, synced to the WAL before it returns.
      const ms = await timed(() => {
        for (let i = 0; i < req.count; i++) insert(stmt, all[i] as Person);
      });
      db.close();
      remove(dir);
      return ms;
    }
    case 'bulk': {
      if (req.keep) await handle({ id: req.id, op: 'drop' });
      const { db, dir, insert: stmt } = open();
      const ms = await timed(() => {
        for (let i = 0; i < req.count; i += req.batch) {
          db.exec('BEGIN');
          for (let j = i; j < Math.min(req.count, i + req.batch); j++) insert(stmt, all[j] as Person);
          db.exec('COMMIT');
        }
      });
      if (req.keep) kept = { db, dir, byName: db.prepare('SELECT * FROM person WHERE name = ?') };
      else {
        db.close();
        remove(dir);
      }
      return ms;
    }
    case 'reads': {
      const k = kept;
      if (k === null) throw new Error('reads: no database loaded (send bulk with keep first)');
      let found = 0;
      const ms = await timed(() => {
        for (const i of req.people) if (k.byName.get((all[i] as Person).name) !== undefined) found++;
      });
      if (found !== req.people.length) throw new Error(`reads: found ${found} of ${req.people.length}`);
      return ms;
    }
    case 'drop':
      if (kept !== null) {
        kept.db.close();
        remove(kept.dir);
        kept = null;
      }
      return 0;
  }
}

process.on('message', async (req: SqliteRequest) => {
  let reply: SqliteReply;
  try {
    reply = { id: req.id, ms: await handle(req) };
  } catch (err) {
    reply = { id: req.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
  }
  process.send?.(reply);
});
process.on('disconnect', () => {
  rmSync(root, { recursive: true, force: true });
  process.exit(0);
});
