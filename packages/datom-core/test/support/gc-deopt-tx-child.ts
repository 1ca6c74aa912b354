// Run by gc-deopt.test.ts in a node of its own (--expose-gc --trace-deopt): commits one person per
// transaction (a map form with a string tempid and a unique name, as an application's single-entity
// writes are) into a file database, and collects garbage fully between bursts of commits (as an
// idle process's collector does, and the bench before each sample).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createDatabase } from '../../src/index.js';
import { afterCollections, personAttr } from './gc-rounds.js';

const dir = mkdtempSync(join(tmpdir(), 'gc-deopt-tx-'));
const uri = `file:${dir}/db`;
await createDatabase(uri);
const conn = await connect(uri);
await conn.transact([personAttr('name', 'string', true), personAttr('last-name', 'string'), personAttr('age', 'long'), personAttr('salary', 'long')]);
let next = 0;
const burst = async (n: number): Promise<void> => {
  for (let i = 0; i < n; i++, next++) {
    await conn.transact([{ 'db/id': `p${next}`, 'person/name': `p${next}`, 'person/last-name': `L${next % 7}`, 'person/age': next % 100, 'person/salary': (next * 7919) % 100_000 }]);
  }
};
// What the schema's transaction left to be discarded goes first.
(globalThis as { gc?: () => void }).gc?.();
await burst(1500);
await afterCollections(() => burst(300));
await conn.close();
rmSync(dir, { recursive: true, force: true });
