import { type Connection, type Database, kw } from '@datomkit/datom-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { q } from '../src/index.js';
import { asSet, attr, connWith } from './ported-fixture.js';

// The behaviour of Datomic's documented time queries: history values with ?tx and ?added, asOf and
// since values, several sources in one query, and the transaction entity's :db/txInstant.

const SCHEMA = `[${attr('acct/id', 'string', ':db/unique :db.unique/identity')} ${attr('acct/balance', 'long')} ${attr('acct/tags', 'keyword', 'many')}]`;
let conn: Connection;
let a: number;
let b: number;
/** The tx id of each of the three transactions after the first data. */
let tx: number[];

beforeAll(async () => {
  const r = await connWith(SCHEMA, '[{:db/id "a" :acct/id "a" :acct/balance 100 :acct/tags [:new]} {:db/id "b" :acct/id "b" :acct/balance 50}]');
  conn = r.conn;
  a = r.ids.a as number;
  b = r.ids.b as number;
  const t0 = conn.db();
  tx = [t0.tToTx(t0.basisT)];
  for (const step of [
    '[[:db/add [:acct/id "a"] :acct/balance 80] [:db/add [:acct/id "b"] :acct/balance 100]]',
    '[[:db/add [:acct/id "a"] :acct/balance 120] [:db/retract [:acct/id "a"] :acct/tags :new]]',
  ]) {
    const report = await conn.transact(step);
    tx.push(report.dbAfter.tToTx(report.dbAfter.basisT));
  }
});

describe('history queries', () => {
  it('a history value gives every assertion and retraction, with ?tx and ?added', async () => {
    const rows = await q('[:find ?v ?tx ?added :in $ ?e :where [?e :acct/balance ?v ?tx ?added]]', conn.db().history(), a);
    expect(asSet(rows)).toEqual(
      asSet([
        [100, tx[0], true],
        [100, tx[1], false],
        [80, tx[1], true],
        [80, tx[2], false],
        [120, tx[2], true],
      ]),
    );
  });

  it('?added as a constant picks assertions or retractions', async () => {
    const retracted = await q('[:find ?e ?v :where [?e :acct/tags ?v _ false]]', conn.db().history());
    expect(retracted).toEqual([[a, kw('new')]]);
    const asserted = (await q('[:find [?v ...] :in $ ?e :where [?e :acct/balance ?v _ true]]', conn.db().history(), b)) as number[];
    expect([...asserted].sort((x, y) => x - y)).toEqual([50, 100]);
  });

  it('counts the changes of each entity with an aggregate over history', async () => {
    const rows = await q('[:find ?id (count ?tx) :with ?v ?added :where [?e :acct/id ?id] [?e :acct/balance ?v ?tx ?added]]', conn.db().history());
    // a: +100, -100, +80, -80, +120 (the count is over [?id ?tx ?v ?added] tuples); b: +50, -50, +100.
    expect(asSet(rows)).toEqual(asSet([['a', 5], ['b', 3]]));
  });

  it('the transactions that touched an entity, and when', async () => {
    const txs = (await q('[:find [?tx ...] :in $ ?e :where [?e _ _ ?tx]]', conn.db().history(), a)) as number[];
    expect([...txs].sort((x, y) => x - y)).toEqual(tx);
    const inst = await q('[:find ?inst . :in $ ?tx :where [?tx :db/txInstant ?inst]]', conn.db(), tx[1]);
    expect(inst).toBeInstanceOf(Date);
    // Instants of later transactions are not earlier.
    const insts = (await q('[:find ?tx ?inst :in $ [?tx ...] :where [?tx :db/txInstant ?inst]]', conn.db(), tx)) as [number, Date][];
    const byTx = insts.sort((x, y) => x[0] - y[0]).map(([, d]) => d.getTime());
    expect([...byTx].sort((x, y) => x - y)).toEqual(byTx);
  });

  it('the current value carries the tx that asserted it', async () => {
    expect(await q('[:find ?v ?tx :in $ ?e :where [?e :acct/balance ?v ?tx]]', conn.db(), a)).toEqual([[120, tx[2]]]);
  });
});

describe('asOf and since values', () => {
  it('an asOf value answers as the database did then', async () => {
    const db = conn.db();
    const balances = (d: Database) => q('[:find ?id ?v :where [?e :acct/id ?id] [?e :acct/balance ?v]]', d);
    expect(asSet(await balances(db.asOf(tx[0] as number)))).toEqual(asSet([['a', 100], ['b', 50]]));
    expect(asSet(await balances(db.asOf(tx[1] as number)))).toEqual(asSet([['a', 80], ['b', 100]]));
    expect(asSet(await balances(db))).toEqual(asSet([['a', 120], ['b', 100]]));
    expect(await q('[:find ?t :in $ ?e :where [?e :acct/tags ?t]]', db.asOf(tx[1] as number), a)).toHaveLength(1);
    expect(await q('[:find ?t :in $ ?e :where [?e :acct/tags ?t]]', db, a)).toEqual([]);
  });

  it('a since value sees only what was asserted after', async () => {
    const rows = await q('[:find ?e ?v :where [?e :acct/balance ?v]]', conn.db().since(tx[1] as number));
    expect(rows).toEqual([[a, 120]]);
    // Entities whose identity was asserted before are not found by it in a since value: join with
    // the full value as a second source instead.
    const joined = await q('[:find ?id ?v :in $ $since :where [$since ?e :acct/balance ?v] [$ ?e :acct/id ?id]]', conn.db(), conn.db().since(tx[1] as number));
    expect(joined).toEqual([['a', 120]]);
  });

  it('joins the present with the past: accounts that ever held 100, and their balance now', async () => {
    const rows = await q('[:find ?id ?now :in $ $h :where [$h ?e :acct/balance 100 _ true] [?e :acct/balance ?now] [?e :acct/id ?id]]', conn.db(), conn.db().history());
    expect(asSet(rows)).toEqual(asSet([['a', 120], ['b', 100]]));
  });
});
