// The tx-fns of Datahike's norm tests (datahike.norm.norm-test), in TypeScript.
import { type Database, type Datom, kw } from '@datomkit/datom-core';
import type { NormTxFn, NormTxFns } from '../../src/index.js';

export async function datomsOf(db: Database, attr: string): Promise<Datom[]> {
  return db.attribute(attr) === null ? [] : db.datoms('aevt', attr).toArray();
}

async function entitiesNamed(db: Database, names: readonly string[]): Promise<number[]> {
  return (await datomsOf(db, 'character/name')).filter((d) => names.includes(d.v as string)).map((d) => d.e);
}

const txFnTestFn: NormTxFn = async (_conn, { db }) =>
  (await datomsOf(db, 'character/place-of-occupation')).map((d) => [
    'db/add',
    d.e,
    'character/place-of-occupation',
    String(d.v).toLowerCase(),
  ]);

const txDataAndTxFnTestFn: NormTxFn = async (_conn, { db }) =>
  (await entitiesNamed(db, ['Homer Simpson', 'Marge Simpson'])).map((e) => ({
    'db/id': e,
    'character/children': [
      ['character/name', 'Bart Simpson'],
      ['character/name', 'Lisa Simpson'],
      ['character/name', 'Maggie Simpson'],
    ],
  }));

const namingAndSortingTestFn: NormTxFn = async (_conn, { db }) =>
  (await entitiesNamed(db, ['Bart Simpson', 'Lisa Simpson'])).map((e) => ({
    'db/id': e,
    'character/occupation': kw('student'),
  }));

export const DATAHIKE_TX_FNS: NormTxFns = {
  'datahike.norm.norm-test/tx-fn-test-fn': txFnTestFn,
  'datahike.norm.norm-test/tx-data-and-tx-fn-test-fn': txDataAndTxFnTestFn,
  'datahike.norm.norm-test/naming-and-sorting-test-fn': namingAndSortingTestFn,
};

