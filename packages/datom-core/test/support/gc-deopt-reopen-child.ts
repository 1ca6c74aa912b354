// Run by gc-deopt.test.ts in a node of its own (--expose-gc --trace-deopt): commits single entities
// into one file database, closes it, collects garbage fully, and does the same in a new database (as
// a program or test suite that opens one database after another does, and the bench for each
// sample).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createDatabase } from '../../src/index.js';
import { afterCollections, personAttr } from './gc-rounds.js';

const database = async (commits: number): Promise<void> => {
  const dir = mkdtempSync(join(tmpdir(), 'gc-deopt-reopen-'));
  try {
    const uri = `file:${dir}/db`;
    await createDatabase(uri);
    const conn = await connect(uri);
    await conn.transact([personAttr('name', 'string', true), personAttr('age', 'long')]);
    for (let i = 0; i < commits; i++) await conn.transact([{ 'db/id': `p${i}`, 'person/name': `p${i}`, 'person/age': i % 100 }]);
    await conn.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
await database(1500);
await database(1500);
await afterCollections(() => database(300));
