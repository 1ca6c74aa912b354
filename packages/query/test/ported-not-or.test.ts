import { type Database, isDatomError } from '@datomkit/datom-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { q } from '../src/index.js';
import { asSet, attr, dbWith } from './ported-fixture.js';

// The behaviour of DataScript's not/not-join and or/or-join tests, on six people: names and ages
// p1 Ada 10, p2 Ada 20, p3 Bo 10, p4 Bo 20, p5 Ada 10, p6 Ada 20 (each also has a :u/n = its number).

const SCHEMA = `[${attr('u/n', 'long', ':db/unique :db.unique/identity')} ${attr('u/name', 'string')} ${attr('u/age', 'long')}]`;
let db: Database;
let num: (e: unknown) => number;

beforeAll(async () => {
  const people = [
    [1, 'Ada', 10],
    [2, 'Ada', 20],
    [3, 'Bo', 10],
    [4, 'Bo', 20],
    [5, 'Ada', 10],
    [6, 'Ada', 20],
  ];
  const r = await dbWith(SCHEMA, `[${people.map(([n, name, age]) => `{:db/id "p${n}" :u/n ${n} :u/name "${name}" :u/age ${age}}`).join(' ')}]`);
  db = r.db;
  const back = new Map(Object.entries(r.ids).map(([k, e]) => [e, Number(k.slice(1))]));
  num = (e) => back.get(e as number) ?? -1;
});

/** The people `where` finds, by number. */
async function who(where: string, ...inputs: unknown[]): Promise<number[]> {
  const ins = inputs.length === 0 ? '' : ` :in $ ${inputs.map((_, i) => `?in${i}`).join(' ')}`;
  const rows = (await q(`[:find ?e${ins} :where ${where}]`, db, ...inputs)) as unknown[][];
  return rows.map((r) => num(r[0])).sort((a, b) => a - b);
}

describe('not', () => {
  it('removes what its clauses match', async () => {
    expect(await who('[?e :u/name] (not [?e :u/name "Ada"])')).toEqual([3, 4]);
    expect(await who('[?e :u/name] (not [?e :u/name "Ada"] [?e :u/age 10])')).toEqual([2, 3, 4, 6]);
    expect(await who('[?e :u/name] (not [?e :u/name "Ada"]) (not [?e :u/age 10])')).toEqual([4]);
  });

  it('removes everything, nothing, or a disjoint set', async () => {
    expect(await who('[?e :u/name] (not [?e :u/age])')).toEqual([]);
    expect(await who('[?e :u/name "Ada"] (not [?e :u/name "Bo"])')).toEqual([1, 2, 5, 6]);
    // A conjunction that can never hold removes nothing.
    expect(await who('[?e :u/name] (not [?e :u/name "Ada"] [?e :u/name "Bo"])')).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('nests, and may use variables of its own', async () => {
    expect(await who('[?e :u/name] (not [?e :u/name "Ada"] (not [?e :u/age 10]))')).toEqual([1, 3, 4, 5]);
    expect(await who('[?e :u/name ?a] (not [?e :u/age ?f] [?e :u/age 10])')).toEqual([2, 4, 6]);
  });

  it('not-join joins on the variables it names only', async () => {
    const rows = (await q('[:find ?e ?a :where [?e :u/name] [?e :u/age ?a] (not-join [?e] [?e :u/name "Bo"] [?e :u/age ?a])]', db)) as unknown[][];
    expect(asSet(rows.map(([e, a]) => [num(e), a]))).toEqual(asSet([[1, 10], [2, 20], [5, 10], [6, 20]]));
    // Joined on ?a only: no "Zed" exists, so nothing is removed.
    const all = (await q('[:find ?e ?a :where [?e :u/age ?a] (not-join [?a] [?x :u/name "Zed"] [?x :u/age ?a])]', db)) as unknown[][];
    expect(all).toHaveLength(6);
  });

  it('works whatever the sets on each side: constants and relations', async () => {
    expect(await who('[?e :u/name "Bo"] [?e :u/age 10] (not [?e :u/age 20])')).toEqual([3]);
    expect(await who('[?e :u/name "Bo"] [?e :u/age 10] (not [?e :u/age 10])')).toEqual([]);
    const pairs = (await q('[:find ?e ?f :where [?e :u/name "Bo"] [?f :u/name "Bo"] (not [?e :u/age 10] [?f :u/age 20])]', db)) as unknown[][];
    expect(asSet(pairs.map((r) => r.map(num)))).toEqual(asSet([[3, 3], [4, 3], [4, 4]]));
  });

  it('a not whose variables nothing binds is query/insufficient-binding', async () => {
    await expect(q('[:find ?e :where [?e :u/name] (not [?x :u/name "Ada"])]', db)).rejects.toSatisfy((e) => isDatomError(e, 'query/insufficient-binding'));
  });
});

describe('or', () => {
  it('unites its branches', async () => {
    expect(await who('(or [?e :u/name "Bo"] [?e :u/age 10])')).toEqual([1, 3, 4, 5]);
    expect(await who('(or [?e :u/name "Bo"] [?e :u/age 30])')).toEqual([3, 4]);
    expect(await who('(or [?e :u/name "Cy"] [?e :u/age 30])')).toEqual([]);
    expect(await who('[?e :u/name "Ada"] (or [?e :u/name "Bo"] [?e :u/age 10])')).toEqual([1, 5]);
  });

  it('branches are and-ed clauses, and may bind variables the rest of the query joins on', async () => {
    const branches = '(or (and [?e :u/name "Ada"] [?p1 :u/n 1] [?p1 :u/age ?a]) (and [?e :u/name "Bo"] [?p2 :u/n 2] [?p2 :u/age ?a]))';
    // Both branches must bind the same variables: use or-join to name them.
    const joined = branches.replace('(or ', '(or-join [?e ?a] ');
    expect(await who(`[?e :u/age ?a] ${joined}`)).toEqual([1, 4, 5]);
    expect(await who(`${joined} [?e :u/age ?a]`)).toEqual([1, 4, 5]);
  });

  it('a branch with no match does not stop the others', async () => {
    expect(await who('(or (and [?e :u/age 30] [?e :u/name ?n]) (and [?e :u/age 20] [?e :u/name ?n])) [(ground "Ada") ?n]')).toEqual([2, 6]);
  });

  it('or-join keeps only the variables it names', async () => {
    expect(await who('(or-join [?e] [?e :u/name ?n] (and [?e :u/age ?a] [?e :u/name ?n]))')).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await who('[?e :u/name ?a] [?f :u/name ?a] (or-join [?e] (and [?e :u/age ?a] [?f :u/age ?a]))')).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('an input joins with an or-join that names it', async () => {
    // DataScript also accepts this with a plain or; Datomic wants every branch of an or to use the
    // same variables, an input's included, so here the or-join names them.
    expect(await who('(or-join [?e ?in0] [?e :u/age ?in0] [?e :u/name "Bo"])', 10)).toEqual([1, 3, 4, 5]);
  });

  it('branches binding different variables are a query error', async () => {
    await expect(q('[:find ?e :where (or [?e :u/name ?n] [?e :u/age ?a])]', db)).rejects.toSatisfy((e) => isDatomError(e, 'query/'));
  });
});
