// Datahike's four norm tests (datahike.norm.norm-test), ported: same fixture folders, same
// tx-fns (written in TypeScript), same expectations.
import { join } from 'node:path';
import { kw } from '@datomkit/datom-core';
import { describe, expect, it } from 'vitest';
import { ensureNorms, verifyChecksums } from '../src/index.js';
import { DATAHIKE_TX_FNS, datomsOf } from './helpers/datahike-tx-fns.js';
import { freshConn } from './helpers/fresh-conn.js';
import { FIXTURES } from './helpers/temp-folder.js';

const folder = (name: string) => join(FIXTURES, name);

async function verifyAndEnsure(conn: Awaited<ReturnType<typeof freshConn>>, dir: string) {
  expect((await verifyChecksums(dir)).ok).toBe(true);
  return ensureNorms(conn, dir, { txFns: DATAHIKE_TX_FNS });
}

describe("Datahike's norm tests", () => {
  it('simple-test: installs both attributes and the marker attribute exactly as Datahike does', async () => {
    const conn = await freshConn();
    await verifyAndEnsure(conn, folder('simple-test'));
    const db = conn.db();
    expect(db.attribute('character/place-of-occupation')).toMatchObject({
      valueType: 'string',
      cardinality: 'one',
      unique: null,
      doc: 'Place of occupation',
    });
    expect(db.attribute('character/name')).toMatchObject({
      valueType: 'string',
      cardinality: 'one',
      unique: 'identity',
      doc: 'Simpsons character name',
    });
    // :tx/norm is exactly {:db/ident :tx/norm :db/valueType :db.type/keyword :db/cardinality :db.cardinality/one}.
    const txNorm = await db.pull(['*'], kw('tx/norm'));
    expect(Object.keys(txNorm ?? {}).sort()).toEqual(['db/cardinality', 'db/id', 'db/ident', 'db/valueType']);
    expect(db.attribute('tx/norm')).toMatchObject({
      valueType: 'keyword',
      cardinality: 'one',
      unique: null,
      index: false,
      isComponent: false,
      noHistory: false,
      doc: null,
    });
  });

  it('tx-fn-test: a tx-fn sees earlier norms and data transacted between runs', async () => {
    const conn = await freshConn();
    await verifyAndEnsure(conn, folder('tx-fn-test/first'));
    await conn.transact([
      { 'character/place-of-occupation': 'SPRINGFIELD ELEMENTARY SCHOOL' },
      { 'character/place-of-occupation': 'SPRINGFIELD NUCLEAR POWER PLANT' },
    ]);
    await verifyAndEnsure(conn, folder('tx-fn-test/second'));
    const values = (await datomsOf(conn.db(), 'character/place-of-occupation')).map((d) => d.v);
    expect(new Set(values)).toEqual(new Set(['springfield elementary school', 'springfield nuclear power plant']));
  });

  it("tx-data-and-tx-fn-test: the tx-fn's output follows the norm's tx-data in one transaction", async () => {
    const conn = await freshConn();
    await verifyAndEnsure(conn, folder('tx-data-and-tx-fn-test/first'));
    await conn.transact(
      ['Homer Simpson', 'Marge Simpson', 'Bart Simpson', 'Lisa Simpson', 'Maggie Simpson'].map((name) => ({
        'character/name': name,
      })),
    );
    const result = await verifyAndEnsure(conn, folder('tx-data-and-tx-fn-test/second'));
    expect(result.applied).toEqual(['004-tx-data-and-tx-fn-test.edn']);
    const db = conn.db();
    const parents = await db.pullMany(
      ['character/name', { 'character/children': ['character/name'] }],
      [
        ['character/name', 'Homer Simpson'],
        ['character/name', 'Marge Simpson'],
      ],
    );
    const children = [
      { 'character/name': 'Bart Simpson' },
      { 'character/name': 'Lisa Simpson' },
      { 'character/name': 'Maggie Simpson' },
    ];
    const sortChildren = (p: Record<string, unknown> | null) => ({
      ...p,
      'character/children': [...((p?.['character/children'] as { 'character/name': string }[]) ?? [])].sort((a, b) =>
        a['character/name'] < b['character/name'] ? -1 : 1,
      ),
    });
    expect(parents.map(sortChildren)).toEqual([
      { 'character/name': 'Homer Simpson', 'character/children': children },
      { 'character/name': 'Marge Simpson', 'character/children': children },
    ]);
  });

  it('naming-and-sorting-test: spaces become dashes, code-unit order, one marker entity per norm', async () => {
    const conn = await freshConn();
    const result = await verifyAndEnsure(conn, folder('naming-and-sorting-test'));
    expect(result.steps.map((s) => [s.id, s.status])).toEqual([
      ['001-a1-example.edn', 'applied'],
      ['002-a2-example.edn', 'applied'],
      ['003-tx-fn-test.edn', 'applied'],
      ['004-tx-data-and-tx-fn-test.edn', 'applied'],
      ['01-transact-basic-characters.edn', 'applied'],
      ['02-add-occupation.edn', 'applied'],
    ]);
    const db = conn.db();
    const students = (await datomsOf(db, 'character/occupation')).filter((d) => d.v === kw('student')).map((d) => d.e);
    const pulled = await db.pullMany(['*'], students);
    expect(pulled.map((p) => ({ ...p, 'db/id': undefined }))).toEqual([
      { 'db/id': undefined, 'character/name': 'Bart Simpson', 'character/occupation': kw('student') },
      { 'db/id': undefined, 'character/name': 'Lisa Simpson', 'character/occupation': kw('student') },
    ]);
    // Datahike expects Bart = eid 10 and Lisa = eid 11: eid 1 is :tx/norm, then each norm's marker
    // entity comes before the entities its norm creates. Counting entities the same way (datomkit's
    // extra :tx.norm/* attributes and transaction entities left out), Bart and Lisa are 10th and 11th.
    const extra = new Set(['tx.norm/id', 'tx.norm/checksum', 'tx.norm/batches'].map((a) => db.attribute(a)?.id));
    const all = await db.datoms('eavt').toArray();
    const txs = new Set(all.map((d) => d.tx));
    const entities = [...new Set(all.map((d) => d.e))].filter((e) => !txs.has(e) && !extra.has(e));
    const created = entities.filter((e) => e >= (db.attribute('tx/norm')?.id ?? Number.POSITIVE_INFINITY)).sort((a, b) => a - b);
    expect(created.indexOf(students[0] as number) + 1).toBe(10);
    expect(created.indexOf(students[1] as number) + 1).toBe(11);
  });
});
