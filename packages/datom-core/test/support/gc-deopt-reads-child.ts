// Run by gc-deopt.test.ts in a node of its own (--expose-gc --trace-deopt): loads people into a file
// database whose rows a checkpoint then moves to pages, pulls some by lookup ref, closes it, and does
// the same in a new database after full collections (the bench's reads after a load, one database per
// sample).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createDatabase, kw } from '../../src/index.js';
import { afterCollections, personAttr } from './gc-rounds.js';

const PEOPLE = 20_000;
const people = Array.from({ length: PEOPLE }, (_, i) => ({ 'db/id': `t${i}`, 'person/name': `p${i}`, 'person/age': i % 100 }));
const name = kw('person/name');
const database = async (): Promise<void> => {
  const dir = mkdtempSync(join(tmpdir(), 'gc-deopt-reads-'));
  try {
    const uri = `file:${dir}/db`;
    await createDatabase(uri);
    const conn = await connect(uri, { checkpointRows: 20_000 });
    await conn.transact([personAttr('name', 'string', true), personAttr('age', 'long')]);
    for (let i = 0; i < PEOPLE; i += 2000) await conn.transact(people.slice(i, i + 2000));
    await conn.sync();
    const db = conn.db();
    for (let i = 0; i < PEOPLE; i += 7) if ((await db.pull(['*'], [name, `p${i}`])) === null) throw new Error(`no p${i}`);
    await conn.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
await database();
await database();
await afterCollections(database);
if (people.length !== PEOPLE) throw new Error('lost');
