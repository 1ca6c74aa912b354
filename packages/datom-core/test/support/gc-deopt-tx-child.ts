// Run by gc-deopt.test.ts in a node of its own (--expose-gc --trace-deopt): commits one person per
// transaction (a map form with a string tempid and a unique name, as an application's single-entity
// writes are) into a file database, collects garbage fully between bursts of commits (as an idle
// process's collector does, and the bench before each sample), and prints a line before the
// collections so that the test reads only what V8 reported after it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createDatabase, kw } from '../../src/index.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');

const dir = mkdtempSync(join(tmpdir(), 'gc-deopt-tx-'));
const uri = `file:${dir}/db`;
await createDatabase(uri);
const conn = await connect(uri);
const attr = (name: string, type: string, unique = false) => ({
  'db/ident': kw(`person/${name}`),
  'db/valueType': kw(`db.type/${type}`),
  'db/cardinality': kw('db.cardinality/one'),
  ...(unique ? { 'db/unique': kw('db.unique/value') } : {}),
});
await conn.transact([attr('name', 'string', true), attr('last-name', 'string'), attr('age', 'long'), attr('salary', 'long')]);
let next = 0;
const burst = async (n: number): Promise<void> => {
  for (let i = 0; i < n; i++, next++) {
    await conn.transact([{ 'db/id': `p${next}`, 'person/name': `p${next}`, 'person/last-name': `L${next % 7}`, 'person/age': next % 100, 'person/salary': (next * 7919) % 100_000 }]);
  }
};
// What the schema's transaction left to be discarded goes first.
gc();
gc();
await burst(1500);
console.log('=== full collection');
for (let i = 0; i < 3; i++) {
  gc();
  gc();
  await burst(300);
}
console.log('=== done');
await conn.close();
rmSync(dir, { recursive: true, force: true });
