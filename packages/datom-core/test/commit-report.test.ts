// A committed transaction's report makes its database values and datoms when first read
// (conn/commit-report.ts): read late, after later commits and checkpoints, it must say what it
// would have said at once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Connection, type TxReport, connect, createDatabase } from '../src/index.js';
import { attr, datomsText } from './conformance/helpers.js';

const root = mkdtempSync(join(tmpdir(), 'datomkit-report-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const SCHEMA = [attr('person/name', 'string', { unique: 'identity' }), attr('person/age', 'long'), attr('person/friend', 'ref', { many: true })];

async function picture(r: TxReport): Promise<string> {
  return [
    `before t=${r.dbBefore.basisT}`,
    datomsText(await r.dbBefore.datoms('eavt').toArray()),
    `after t=${r.dbAfter.basisT}`,
    datomsText(await r.dbAfter.datoms('eavt').toArray()),
    datomsText(r.txData),
    JSON.stringify(r.tempids),
  ].join('\n--\n');
}

async function exercise(conn: Connection): Promise<void> {
  await conn.transact(SCHEMA);
  const seen: TxReport[] = [];
  conn.listen((r) => seen.push(r));
  const early: string[] = [];
  const late: TxReport[] = [];
  for (let i = 0; i < 30; i++) {
    const forms = [{ 'db/id': 'p', 'person/name': `p${i % 7}`, 'person/age': i, 'person/friend': i > 0 ? [['person/name', 'p0']] : [] }];
    const r = await conn.transact(i % 5 === 4 ? [['db/retractEntity', ['person/name', `p${1 + (i % 2)}`]]] : forms);
    if (i % 2 === 0) early.push(await picture(r));
    else early.push('');
    late.push(r);
  }
  // Read now, after every later commit (and, on file storage, checkpoints and evictions).
  for (let i = 0; i < late.length; i += 2) expect(await picture(late[i] as TxReport)).toBe(early[i]);
  for (let i = 1; i < late.length; i += 2) {
    const r = late[i] as TxReport;
    expect(r.dbAfter.basisT).toBe(r.dbBefore.basisT + 1);
    expect(r.txData.length).toBeGreaterThan(0);
  }
  // Listeners get the very report that transact resolved to; its fields are made once.
  expect(seen).toEqual(late.map(() => expect.anything()));
  for (let i = 0; i < late.length; i++) expect(seen[i]).toBe(late[i]);
  const r = late[3] as TxReport;
  expect(r.txData).toBe(r.txData);
  expect(r.dbAfter).toBe(r.dbAfter);
  expect(Object.isFrozen(r.txData)).toBe(true);
}

describe('CommitReport', () => {
  it('reads the same late as at once, in memory', async () => {
    await createDatabase('mem://commit-report');
    const conn = await connect('mem://commit-report');
    await exercise(conn);
    await conn.close();
  });

  it('reads the same late as at once, on file storage that checkpoints after every transaction with no page cache', async () => {
    const path = join(root, 'db');
    await createDatabase(`file:${path}`);
    const conn = await connect(`file:${path}`, { checkpointRows: 1, cacheBytes: 0 });
    await exercise(conn);
    await conn.close();
  });
});
