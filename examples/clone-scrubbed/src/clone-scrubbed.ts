// Clones a customer database for a test environment: the password hashes are left out, the
// e-mail addresses are scrubbed, everything else (refs included) is copied, and the clone is
// kept in step by replaying the source's later transactions through the same pipeline.
//
//   pnpm --filter @datomkit/example-clone-scrubbed start
import { type Connection, bigdec, connect, createDatabase, kw, printEdn } from '@datomkit/datom-core';
import { incrementalRestore, selectAttributes, transformValues, verifyRestore } from '@datomkit/restore';

async function open(uri: string): Promise<Connection> {
  await createDatabase(uri);
  return connect(uri);
}

const attr = (ident: string, type: string, extra: Record<string, unknown> = {}) => ({
  'db/ident': kw(ident),
  'db/valueType': kw(`db.type/${type}`),
  'db/cardinality': kw('db.cardinality/one'),
  ...extra,
});

const source = await open('mem://customers');
await source.transact([
  attr('customer/email', 'string', { 'db/unique': kw('db.unique/identity') }),
  attr('customer/name', 'string'),
  attr('customer/passwordHash', 'string'),
  attr('order/customer', 'ref'),
  attr('order/total', 'bigdec'),
]);
await source.transact([
  { 'db/id': 'ann', 'customer/email': 'ann@example.com', 'customer/name': 'Ann', 'customer/passwordHash': '$2b$12$abc' },
  { 'db/id': 'bob', 'customer/email': 'bob@example.com', 'customer/name': 'Bob', 'customer/passwordHash': '$2b$12$def' },
  { 'order/customer': 'ann', 'order/total': bigdec('12.50') },
  { 'order/customer': 'bob', 'order/total': bigdec('30.00') },
]);

// The pipeline: leave one attribute out, rewrite another. The rewrite is a pure function of the
// source entity, so it stays unique (the attribute is a unique identity) and replays consistently.
const transforms = [
  selectAttributes({ exclude: ['customer/passwordHash'] }),
  transformValues({ 'customer/email': (_value, datom) => `customer-${datom.e}@example.invalid` }),
];

const clone = await open('mem://customers-test');
const state = await open('mem://customers-restore-state');
const first = await incrementalRestore({ sourceConn: source, destConn: clone, stateConn: state, transforms });
console.log(`initial copy: ${first.stats.datomsWritten} datoms, as of source t ${first.lastSourceT}`);

// The source moves on; the next call replays only the new transactions, through the same stages.
await source.transact([{ 'customer/email': 'cyd@example.com', 'customer/name': 'Cyd', 'customer/passwordHash': '$2b$12$ghi' }]);
const next = await incrementalRestore({ sourceConn: source, destConn: clone, stateConn: state, transforms });
console.log(`catch-up: ${next.transactionsReplayed} transaction(s) replayed`);

const customers = await clone.db().datoms('aevt', 'customer/name').toArray();
for (const c of customers) {
  const e = await clone.db().pull('[:customer/name :customer/email :customer/passwordHash {:order/_customer [:order/total]}]', c.e);
  console.log(printEdn(e));
}

const report = await verifyRestore(source.db(), clone.db(), { ignore: ['customer/passwordHash'], countOnly: ['customer/email'] });
console.log(`verifyRestore (password hashes ignored, e-mails compared by count): ${report.equal ? 'no difference' : `${report.differences.length} difference(s)`}`);
if (!report.equal || (await clone.db().datoms('aevt', 'customer/passwordHash').count()) !== 0) process.exitCode = 1;
