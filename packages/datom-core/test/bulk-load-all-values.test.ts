// The values a bulkLoadAll call commits: each batch's report holds the database as that batch left
// it, though the batches were written in place one after another before any was committed; and the
// head goes on taking commits in place, its unique values known by value.
import { expect, it } from 'vitest';
import { connect, createDatabase, kw, type TxReport } from '../src/index.js';
import { attr } from './conformance/helpers.js';

it('gives each batch of a bulkLoadAll its own value', async () => {
  const uri = 'mem://bulk-load-all-values';
  await createDatabase(uri);
  const conn = await connect(uri);
  await conn.transact([attr('u/code', 'string', { unique: 'value' })]);
  const a = (await conn.db().entid(kw('u/code'))) as number;
  const reports: TxReport[] = [];
  conn.listen((r) => reports.push(r));
  const batch = (codes: string[]) => ({ newEntities: codes.length, e: codes.map((_, i) => -(i + 1)), a: codes.map(() => a), v: codes });
  await conn.bulkLoadAll?.([batch(['a1', 'a2']), batch(['b1', 'b2']), batch(['c1'])]);
  const seen = [['a1', 'a2'], ['a1', 'a2', 'b1', 'b2'], ['a1', 'a2', 'b1', 'b2', 'c1']];
  for (const [i, report] of reports.entries()) {
    const db = report.dbAfter;
    // EAVT and the unique index, which the later batches changed in place.
    expect((await db.datoms('eavt').toArray()).filter((d) => d.a === a).map((d) => d.v)).toEqual(seen[i]);
    expect(await db.entid(['u/code', 'c1'])).toBe(i === 2 ? (await conn.db().entid(['u/code', 'c1'])) : null);
  }
  await conn.transact([{ 'u/code': 'd1' }]);
  expect((await conn.db().datoms('eavt').toArray()).filter((d) => d.a === a)).toHaveLength(6);
  await expect(conn.transact([{ 'u/code': 'b2' }])).rejects.toThrow(/unique/i);
  await conn.close();
});
