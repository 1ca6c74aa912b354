// Run by gc-deopt.test.ts in a node of its own (--expose-gc --trace-deopt): pulls people by lookup
// ref from a file database whose pages a checkpoint wrote, each round through a fresh database
// value (as a loop of reads calling `conn.db()` does), collects garbage fully, pulls again, and
// prints a line before the collection so that the test reads only what V8 reported after it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createDatabase, kw } from '../../src/index.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');

const dir = mkdtempSync(join(tmpdir(), 'gc-deopt-pull-'));
const uri = `file:${dir}/db`;
await createDatabase(uri);
const conn = await connect(uri, { checkpointRows: 2000 });
const attr = (name: string, type: string, unique = false) => ({
  'db/ident': kw(`person/${name}`),
  'db/valueType': kw(`db.type/${type}`),
  'db/cardinality': kw('db.cardinality/one'),
  ...(unique ? { 'db/unique': kw('db.unique/value') } : {}),
});
await conn.transact([attr('name', 'string', true), attr('last-name', 'string'), attr('sex', 'string'), attr('age', 'long'), attr('salary', 'long')]);
const PEOPLE = 3000;
// Kept, as a program that loaded them may keep them: a pull result has the same keys in the same
// order, and a transaction's maps hold other kinds of values under them.
const people = Array.from({ length: PEOPLE }, (_, i) => ({ 'db/id': `t${i}`, 'person/name': `p${i}`, 'person/last-name': `L${i % 7}`, 'person/sex': i % 3 === 0 ? 'male' : 'female', 'person/age': i % 100, 'person/salary': (i * 7919) % 100_000 }));
for (let i = 0; i < PEOPLE; i += 500) await conn.transact(people.slice(i, i + 500));
// The last checkpoint finishes: the rows are read from pages from now on.
await conn.sync();
await new Promise((r) => setTimeout(r, 200));
const name = kw('person/name');
const round = async (): Promise<void> => {
  const db = conn.db();
  for (let i = 0; i < PEOPLE; i += 3) {
    const p = await db.pull(['*'], [name, `p${i}`]);
    if (p === null) throw new Error(`no p${i}`);
  }
};
// What the transactions above left to be discarded goes first, so that the report after the
// collection below is about the read path alone.
gc();
gc();
for (let i = 0; i < 60; i++) await round();
console.log('=== full collection');
for (let i = 0; i < 3; i++) {
  gc();
  gc();
  await round();
}
console.log('=== done');
if (people.length !== PEOPLE) throw new Error('lost');
await conn.close();
rmSync(dir, { recursive: true, force: true });
