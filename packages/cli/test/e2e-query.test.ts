import { parseEdn, printEdn } from '@datomkit/datom-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, jsonDoc, runIn, tempDir } from './helpers.js';

// `datomkit q`: the built binary against a file database, and in-process runs for the rest.
const tmp = tempDir();
const cwd = tmp.dir;
afterAll(() => tmp.cleanup());

const SCHEMA = `[{:db/ident :artist/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
 {:db/ident :artist/born :db/valueType :db.type/long :db/cardinality :db.cardinality/one}
 {:db/ident :artist/tags :db/valueType :db.type/keyword :db/cardinality :db.cardinality/many}]`;
const DATA = `[{:artist/name "Nina Simone" :artist/born 1933 :artist/tags [:jazz :soul]}
 {:artist/name "Miles Davis" :artist/born 1926 :artist/tags [:jazz]}]`;
const db = './music';

beforeAll(() => {
  expect(cli(['create', db], { cwd }).code).toBe(0);
  const r = cli(['transact', db, '-'], { cwd, input: `${SCHEMA} ${DATA}` });
  expect(r.code, r.stderr).toBe(0);
});

/** Standard output read back as EDN, rows sorted: relations compare as sets. */
function rows(stdout: string): string[] {
  return (parseEdn(stdout) as unknown[]).map((row) => printEdn(row)).sort();
}

describe('datomkit q', () => {
  it('prints a relation on standard output as EDN, one tuple per line', () => {
    const r = cli(['q', db, '[:find ?n ?y :where [?a :artist/name ?n] [?a :artist/born ?y]]'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(rows(r.stdout)).toEqual(['["Miles Davis" 1926]', '["Nina Simone" 1933]']);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(2);
    expect(r.stderr).toBe('');
  });

  it('takes the inputs of :in as EDN after the query: a bare word is a string', () => {
    const scalar = cli(['q', db, '[:find ?y . :in $ ?n :where [?a :artist/name ?n] [?a :artist/born ?y]]', 'Miles Davis'], { cwd });
    expect(scalar.stdout).toBe('1926\n');
    const coll = cli(['q', db, '[:find [?t ...] :in $ ?n :where [?a :artist/name ?n] [?a :artist/tags ?t]]', '"Nina Simone"'], { cwd });
    expect(rows(coll.stdout)).toEqual([':jazz', ':soul']);
    const none = cli(['q', db, '[:find ?y . :in $ ?n :where [?a :artist/name ?n] [?a :artist/born ?y]]', 'Nobody'], { cwd });
    expect(none.stdout).toBe('nil\n');
    const rules = cli(['q', db, '[:find ?n :in $ % :where (old ?a) [?a :artist/name ?n]]', '[[(old ?a) [?a :artist/born ?y] [(< ?y 1930)]]]'], { cwd });
    expect(rules.stdout).toBe('[["Miles Davis"]]\n');
  });

  it('--json prints one document with the result', () => {
    const r = cli(['q', db, '[:find ?n ?t :where [?a :artist/name ?n] [?a :artist/tags ?t]]', '--json'], { cwd });
    const doc = jsonDoc(r);
    expect(doc).toMatchObject({ ok: true, command: 'q', exitCode: 0 });
    expect([...doc.result.result].sort()).toEqual(
      [
        ['Miles Davis', ':jazz'],
        ['Nina Simone', ':jazz'],
        ['Nina Simone', ':soul'],
      ].sort(),
    );
  });

  it('--explain prints the plan instead of the result', () => {
    const r = cli(['q', db, '[:find ?n :where [?a :artist/tags :jazz] [?a :artist/name ?n]]', '--explain'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(':artist/tags');
    expect(r.stdout).not.toContain('Miles Davis');
    const doc = jsonDoc(cli(['q', db, '[:find ?n :where [?a :artist/name ?n]]', '--explain', '--json'], { cwd }));
    expect(doc.result.plan.steps.length).toBeGreaterThan(0);
    expect(typeof doc.result.plan.text).toBe('string');
  });

  it('a bad query is exit 1 with its query/ code on one line; bad input EDN is a usage error', () => {
    const syntax = cli(['q', db, '[:find ?x :where [?a :artist/name ?n]]'], { cwd });
    expect(syntax.code).toBe(1);
    expect(syntax.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(syntax.stderr).toMatch(/^error query\/unbound-variable: /);
    const json = jsonDoc(cli(['q', db, '[:find ?x :where [(nope) ?x]]', '--json'], { cwd }));
    expect(json).toMatchObject({ ok: false, exitCode: 1, error: { code: 'query/unknown-function' } });
    expect(json.error.hint).toContain('built-in');
    const bad = cli(['q', db, '[:find ?x :in $ ?x]', '["unterminated'], { cwd });
    expect(bad.code).toBe(2);
    expect(cli(['q', './nowhere', '[:find ?x :in $ ?x]', '1'], { cwd }).code).toBe(1);
  });
});

describe('datomkit q on values in time (in-process)', () => {
  it('--history binds ?tx and ?added; --as-of sees the past', async () => {
    const uri = 'mem://cli-q-time';
    expect((await runIn(['create', uri])).code).toBe(0);
    expect((await runIn(['transact', uri, '-'], { stdin: SCHEMA })).code).toBe(0);
    expect((await runIn(['transact', uri, '-'], { stdin: '[{:artist/name "Ann" :artist/born 1900}]' })).code).toBe(0);
    const first = jsonDoc(await runIn(['info', uri, '--json'])).result.basisT as number;
    expect((await runIn(['transact', uri, '-'], { stdin: '[[:db/add [:artist/name "Ann"] :artist/born 1901]]' })).code).toBe(0);
    const history = jsonDoc(await runIn(['q', uri, '[:find ?y ?added :where [?a :artist/born ?y _ ?added]]', '--history', '--json']));
    expect([...history.result.result].sort()).toEqual(
      [
        [1900, true],
        [1900, false],
        [1901, true],
      ].sort(),
    );
    const then = await runIn(['q', uri, '[:find ?y . :where [_ :artist/born ?y]]', '--as-of', String(first)]);
    expect(then.stdout).toBe('1900\n');
    const now = await runIn(['q', uri, '[:find ?y . :where [_ :artist/born ?y]]']);
    expect(now.stdout).toBe('1901\n');
  });
});
