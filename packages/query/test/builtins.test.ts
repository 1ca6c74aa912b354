import { type Database, DatomError, type Keyword, kw } from '@datomkit/datom-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { q } from '../src/index.js';
import { asSet, attr, dbWith } from './ported-fixture.js';

// Every built-in function, predicate and aggregate, called from a query: what each returns, and the
// error each gives on arguments it does not take (query/fn-failed naming the function and the
// clause, with what was wrong in the message).

const SCHEMA = `[${attr('u/name', 'string', ':db/unique :db.unique/identity')} ${attr('u/age', 'long')} ${attr('u/nick', 'string')}
  ${attr('u/tag', 'keyword', 'many')} ${attr('u/score', 'long')}]`;
let db: Database;
let ids: Record<string, number>;

beforeAll(async () => {
  ({ db, ids } = await dbWith(
    SCHEMA,
    `[{:db/id "ann" :u/name "Ann" :u/age 30 :u/nick "annie" :u/tag [:x :y] :u/score 4}
      {:db/id "bob" :u/name "Bob" :u/age 20 :u/score 8}
      {:db/id "cid" :u/name "Cid" :u/age 40 :u/score 8}
      {:db/id "dan" :u/name "Dan" :u/age 20 :u/score 15}]`,
  ));
});

const eid = (k: string): number => ids[k] as number;

/** The value `[(expr) ?r]` binds, with `inputs` bound to their names (null when it binds nothing). */
function call(expr: string, inputs: Record<string, unknown> = {}): Promise<unknown> {
  return q(`[:find ?r . :in $ ${Object.keys(inputs).join(' ')} :where [${expr} ?r]]`, db, ...Object.values(inputs));
}

/** Whether the predicate `[(expr)]` holds, with `inputs` bound to their names. */
async function holds(expr: string, inputs: Record<string, unknown> = {}): Promise<boolean> {
  const r = await q(`[:find ?ok . :in $ ${Object.keys(inputs).join(' ')} :where [(ground true) ?ok] [${expr}]]`, db, ...Object.values(inputs));
  return r === true;
}

/** Expects `[(expr) ?r]` to fail with query/fn-failed naming `fn`, its message matching `message`. */
async function fails(expr: string, fn: string, message: RegExp, inputs: Record<string, unknown> = {}): Promise<void> {
  const err = await call(expr, inputs).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, `${expr} should fail`).toBeInstanceOf(DatomError);
  expect(err).toMatchObject({ code: 'query/fn-failed', data: { fn, clause: expect.stringContaining(fn) } });
  expect((err as Error).message).toMatch(message);
}

describe('comparisons', () => {
  it('=, ==, != and not= compare values as data, on any number of arguments', async () => {
    expect(await holds('(= 1 1 1)')).toBe(true);
    expect(await holds('(= 1 1 2)')).toBe(false);
    expect(await holds('(== ?a ?b)', { '?a': [1, 'x'], '?b': [1, 'x'] })).toBe(true);
    expect(await holds('(= ?a ?b)', { '?a': kw('k/a'), '?b': kw('k/a') })).toBe(true);
    expect(await holds('(= "1" 1)')).toBe(false);
    expect(await holds('(!= 1 2)')).toBe(true);
    expect(await holds('(!= 1 1)')).toBe(false);
    expect(await holds('(not= "a" "a" "b")')).toBe(true);
  });

  it('<, >, <= and >= order any values as the indexes do, and chain', async () => {
    expect(await holds('(< 1 2 3)')).toBe(true);
    expect(await holds('(< 1 3 2)')).toBe(false);
    expect(await holds('(> 3 2 1)')).toBe(true);
    expect(await holds('(<= 1 1 2)')).toBe(true);
    expect(await holds('(>= 2 2 3)')).toBe(false);
    expect(await holds('(< "abc" "abd")')).toBe(true);
    expect(await holds('(< :a/b :a/c)')).toBe(true);
    expect(await holds('(< ?a ?b)', { '?a': 1n, '?b': 2 })).toBe(true);
    expect(await call('(compare 1 2)')).toBe(-1);
    expect(await call('(compare "b" "a")')).toBe(1);
    expect(await call('(compare :a :a)')).toBe(0);
  });

  it('compare their arguments pairwise, so a single argument holds', async () => {
    expect(await holds('(< 5)')).toBe(true);
    expect(await holds('(= 5)')).toBe(true);
  });
});

describe('arithmetic', () => {
  it('+, -, *, / on numbers and bigints, with Clojure’s units and negation', async () => {
    expect(await call('(+ 1 2 3)')).toBe(6);
    expect(await call('(+)')).toBe(0);
    expect(await call('(*)')).toBe(1);
    expect(await call('(* 2 3 4)')).toBe(24);
    expect(await call('(- 10 3 2)')).toBe(5);
    expect(await call('(- 4)')).toBe(-4);
    expect(await call('(/ 12 3)')).toBe(4);
    expect(await call('(/ 1 4)')).toBe(0.25);
    expect(await call('(/ 4)')).toBe(0.25);
    expect(await call('(+ ?a ?b)', { '?a': 2n ** 60n, '?b': 1n })).toBe(2n ** 60n + 1n);
    expect(await call('(+ ?a 1)', { '?a': 2n })).toBe(3);
    expect(await call('(/ ?a ?b)', { '?a': 12n, '?b': 4n })).toBe(3n);
    expect(await call('(/ ?a ?b)', { '?a': 1n, '?b': 2n })).toBe(0.5);
  });

  it('quot, rem and mod round as Clojure does', async () => {
    expect(await call('(quot 7 2)')).toBe(3);
    expect(await call('(quot -7 2)')).toBe(-3);
    expect(await call('(rem -7 2)')).toBe(-1);
    expect(await call('(mod -7 2)')).toBe(1);
    expect(await call('(mod 7 -2)')).toBe(-1);
    expect(await call('(quot ?a ?b)', { '?a': 7n, '?b': 2n })).toBe(3n);
    expect(await call('(mod ?a ?b)', { '?a': -7n, '?b': 2n })).toBe(1n);
    expect(await call('(rem ?a ?b)', { '?a': -7n, '?b': 2n })).toBe(-1n);
  });

  it('inc, dec, abs, max and min', async () => {
    expect(await call('(inc 41)')).toBe(42);
    expect(await call('(dec ?a)', { '?a': 1n })).toBe(0n);
    expect(await call('(abs -3)')).toBe(3);
    expect(await call('(abs ?a)', { '?a': -3n })).toBe(3n);
    expect(await call('(max 3 9 2)')).toBe(9);
    expect(await call('(min 3 9 2)')).toBe(2);
    expect(await call('(max "a" "c" "b")')).toBe('c');
  });

  it('fail on what is not a number, on no arguments where there is no unit, and on division by zero', async () => {
    await fails('(+ 1 "2")', '+', /\+ takes numbers, got "2"/);
    await fails('(* :a 2)', '*', /\* takes numbers/);
    await fails('(-)', '-', /- needs at least one argument/);
    await fails('(/)', '/', /needs at least one argument/);
    await fails('(/ 1 0)', '/', /Divide by zero/);
    await fails('(quot 1 0)', 'quot', /Divide by zero/);
    await fails('(rem 1 0)', 'rem', /Divide by zero/);
    await fails('(mod 1 0)', 'mod', /Divide by zero/);
    await fails('(quot "7" 2)', 'quot', /quot takes numbers/);
    await fails('(rem 7 nil)', 'rem', /rem takes numbers, got nil/);
    await fails('(mod 7 "x")', 'mod', /mod takes numbers/);
    await fails('(inc "1")', 'inc', /inc takes numbers/);
    await fails('(dec nil)', 'dec', /dec takes numbers/);
    await fails('(abs "x")', 'abs', /abs takes numbers/);
  });
});

describe('predicates on values', () => {
  it('zero?, pos?, neg?, even?, odd? on numbers', async () => {
    expect(await holds('(zero? 0)')).toBe(true);
    expect(await holds('(zero? 1)')).toBe(false);
    expect(await holds('(pos? 2)')).toBe(true);
    expect(await holds('(neg? -2)')).toBe(true);
    expect(await holds('(neg? 0)')).toBe(false);
    expect(await holds('(even? 4)')).toBe(true);
    expect(await holds('(odd? -3)')).toBe(true);
    expect(await holds('(even? ?a)', { '?a': 10n })).toBe(true);
    expect(await holds('(odd? ?a)', { '?a': 10n })).toBe(false);
  });

  it('zero?, pos?, neg?, even?, odd? fail on what is not a number (or not an integer)', async () => {
    await fails('(zero? "0")', 'zero?', /zero\? takes numbers/);
    await fails('(pos? nil)', 'pos?', /pos\? takes numbers/);
    await fails('(neg? :a)', 'neg?', /neg\? takes numbers/);
    await fails('(even? 1.5)', 'even?', /even\? takes an integer, got 1.5/);
    await fails('(odd? "1")', 'odd?', /odd\? takes an integer/);
  });

  it('true?, false?, nil?, some? and not', async () => {
    expect(await holds('(true? true)')).toBe(true);
    expect(await holds('(true? 1)')).toBe(false);
    expect(await holds('(false? false)')).toBe(true);
    expect(await holds('(false? nil)')).toBe(false);
    expect(await holds('(nil? nil)')).toBe(true);
    expect(await holds('(nil? 0)')).toBe(false);
    expect(await holds('(some? 0)')).toBe(true);
    expect(await holds('(some? nil)')).toBe(false);
    expect(await holds('(not false)')).toBe(true);
    expect(await holds('(not nil)')).toBe(true);
    expect(await holds('(not 0)')).toBe(false);
  });

  it('identity and ground return their argument; ground binds constants of every shape', async () => {
    expect(await call('(identity 7)')).toBe(7);
    expect(await call('(identity ?a)', { '?a': kw('k/x') })).toEqual(kw('k/x'));
    expect(await call('(ground "s")')).toBe('s');
    expect(await q('[:find ?x . :where [(ground [1 2 3]) [?x ...]] [(> ?x 2)]]', db)).toBe(3);
    expect(await q('[:find ?a ?b :where [(ground [[1 :a] [2 :b]]) [[?a ?b]]]]', db).then(asSet)).toEqual(asSet([[1, kw('a')], [2, kw('b')]]));
  });
});

describe('strings', () => {
  it('str joins the printed forms of its arguments (nil as nothing, keywords with their colon)', async () => {
    expect(await call('(str "a" 1 :k/w nil 2.5)')).toBe('a1:k/w2.5');
    expect(await call('(str)')).toBe('');
    expect(await call('(str ?d)', { '?d': new Date(Date.UTC(2020, 0, 2)) })).toBe('2020-01-02T00:00:00.000Z');
  });

  it('subs takes a start and an optional end, and fails outside the string or on a non-string', async () => {
    expect(await call('(subs "datalog" 4)')).toBe('log');
    expect(await call('(subs "datalog" 0 4)')).toBe('data');
    expect(await call('(subs "datalog" 7)')).toBe('');
    await fails('(subs "abc" 2 9)', 'subs', /subs: range 2..9 is outside a string of length 3/);
    await fails('(subs "abc" -1)', 'subs', /outside a string/);
    await fails('(subs "abc" 2 1)', 'subs', /outside a string/);
    await fails('(subs 123 1)', 'subs', /subs takes a string, got 123/);
    await fails('(subs "abc" 1.5)', 'subs', /subs takes an integer, got 1.5/);
  });

  it('count and empty? of strings and collections, failing on what has no count', async () => {
    expect(await call('(count "abcd")')).toBe(4);
    expect(await call('(count [1 2 3])')).toBe(3);
    expect(await call('(count ?s)', { '?s': new Set([1, 2]) })).toBe(2);
    expect(await call('(count nil)')).toBe(0);
    expect(await holds('(empty? "")')).toBe(true);
    expect(await holds('(empty? [1])')).toBe(false);
    await fails('(count 12)', 'count', /count takes a collection or a string, got 12/);
    await fails('(empty? :k)', 'empty?', /count takes a collection or a string/);
  });

  it('contains? looks up keys of sets and maps and indices of vectors', async () => {
    expect(await holds('(contains? #{1 2} 2)')).toBe(true);
    expect(await holds('(contains? #{1 2} 3)')).toBe(false);
    expect(await holds('(contains? {:a 1} :a)')).toBe(true);
    expect(await holds('(contains? [:x :y] 1)')).toBe(true);
    expect(await holds('(contains? [:x :y] 2)')).toBe(false);
    expect(await holds('(contains? nil 1)')).toBe(false);
  });

  it('clojure.string predicates and transforms, failing on a non-string', async () => {
    expect(await holds('(clojure.string/starts-with? "datalog" "data")')).toBe(true);
    expect(await holds('(clojure.string/ends-with? "datalog" "log")')).toBe(true);
    expect(await holds('(clojure.string/includes? "datalog" "tal")')).toBe(true);
    expect(await holds('(clojure.string/includes? "datalog" "xyz")')).toBe(false);
    expect(await holds('(clojure.string/blank? "  ")')).toBe(true);
    expect(await holds('(clojure.string/blank? nil)')).toBe(true);
    expect(await holds('(clojure.string/blank? " a ")')).toBe(false);
    expect(await call('(clojure.string/lower-case "DaTa")')).toBe('data');
    expect(await call('(clojure.string/upper-case "DaTa")')).toBe('DATA');
    expect(await call('(clojure.string/trim "  a b ")')).toBe('a b');
    expect(await call('(clojure.string/join ", " [1 :a "s"])')).toBe('1, :a, s');
    expect(await call('(clojure.string/join ["x" "y"])')).toBe('xy');
    await fails('(clojure.string/starts-with? 12 "1")', 'clojure.string/starts-with?', /starts-with\? takes a string, got 12/);
    await fails('(clojure.string/ends-with? "a" nil)', 'clojure.string/ends-with?', /ends-with\? takes a string, got nil/);
    await fails('(clojure.string/includes? :a "a")', 'clojure.string/includes?', /includes\? takes a string/);
    await fails('(clojure.string/blank? 3)', 'clojure.string/blank?', /blank\? takes a string/);
    await fails('(clojure.string/lower-case 3)', 'clojure.string/lower-case', /lower-case takes a string/);
    await fails('(clojure.string/upper-case [])', 'clojure.string/upper-case', /upper-case takes a string/);
    await fails('(clojure.string/trim nil)', 'clojure.string/trim', /trim takes a string/);
    await fails('(clojure.string/join 1 ["a"])', 'clojure.string/join', /join takes a string/);
  });

  it('keyword, name and namespace', async () => {
    expect(await call('(keyword "a" "b")')).toEqual(kw('a/b'));
    expect(await call('(keyword "c")')).toEqual(kw('c'));
    expect(await call('(keyword :d/e)')).toEqual(kw('d/e'));
    expect(await call('(keyword nil "f")')).toEqual(kw('f'));
    expect(await call('(name :a/b)')).toBe('b');
    expect(await call('(name "s")')).toBe('s');
    expect(await call('(namespace :a/b)')).toBe('a');
    expect(await call('(namespace :b)')).toBeNull();
    await fails('(keyword 1 "b")', 'keyword', /keyword takes a string, got 1/);
    await fails('(name 12)', 'name', /name takes a string, got 12/);
    await fails('(namespace "a/b")', 'namespace', /namespace takes a keyword or a symbol, got "a\/b"/);
  });
});

describe('regular expressions', () => {
  it('re-pattern makes a pattern from a string and fails on anything else', async () => {
    expect(await call('(re-pattern "a+")')).toBeInstanceOf(RegExp);
    expect(await call('(re-find ?p "baaad")', { '?p': /a+/ })).toBe('aaa');
    expect(await q('[:find ?m . :where [(re-pattern "[0-9]+") ?re] [(re-find ?re "ab123c") ?m]]', db)).toBe('123');
    await fails('(re-pattern 12)', 're-pattern', /re-pattern takes a pattern \(re-pattern\) or a string, got 12/);
  });

  it('re-find gives the first match (with its groups), nil (nothing bound) when none', async () => {
    expect(await call('(re-find "b+" "abbbc")')).toBe('bbb');
    expect(await call('(re-find "(a)(x)?" "abc")')).toEqual(['a', 'a', null]);
    expect(await call('(re-find "z" "abc")')).toBeNull();
    await fails('(re-find "a" 12)', 're-find', /re-find takes a string, got 12/);
    await fails('(re-find 12 "a")', 're-find', /re-find takes a pattern/);
  });

  it('re-matches matches the whole string only', async () => {
    expect(await call('(re-matches "a.c" "abc")')).toBe('abc');
    expect(await call('(re-matches "b" "abc")')).toBeNull();
    expect(await call('(re-matches "(a)(b)c" "abc")')).toEqual(['abc', 'a', 'b']);
    await fails('(re-matches "a" nil)', 're-matches', /re-matches takes a string, got nil/);
    await fails('(re-matches :k "a")', 're-matches', /re-matches takes a pattern/);
  });

  it('re-seq gives every match', async () => {
    expect(await call('(re-seq "[0-9]" "a1b2c3")')).toEqual(['1', '2', '3']);
    expect(await call('(re-seq "x" "abc")')).toBeNull();
    await fails('(re-seq "a" 1)', 're-seq', /re-seq takes a string/);
  });
});

describe('collections and tuples', () => {
  it('vector, list and tuple make a tuple; untuple takes one apart', async () => {
    expect(await call('(vector 1 "a")')).toEqual([1, 'a']);
    expect(await call('(list 1 2)')).toEqual([1, 2]);
    expect(await call('(tuple 1 :k)')).toEqual([1, kw('k')]);
    expect(await q('[:find ?a ?b :where [(tuple 1 2) ?t] [(untuple ?t) [?a ?b]]]', db)).toEqual([[1, 2]]);
    expect(await q('[:find ?x . :in $ ?t :where [(untuple ?t) [_ ?x]]]', db, ['a', 'b'])).toBe('b');
    await fails('(untuple "ab")', 'untuple', /untuple takes a tuple, got "ab"/);
    await fails('(untuple 5)', 'untuple', /untuple takes a tuple, got 5/);
  });
});

describe('functions of the database', () => {
  it('get-else gives the value, or the default when the entity has none', async () => {
    expect(await call('(get-else $ ?e :u/nick "none")', { '?e': eid('ann') })).toBe('annie');
    expect(await call('(get-else $ ?e :u/nick "none")', { '?e': eid('bob') })).toBe('none');
    expect(asSet(await q('[:find ?n ?k :where [?e :u/name ?n] [(get-else $ ?e :u/nick "-") ?k]]', db))).toEqual(
      asSet([['Ann', 'annie'], ['Bob', '-'], ['Cid', '-'], ['Dan', '-']]),
    );
  });

  it('get-else fails on a cardinality-many attribute, a nil default, an unknown attribute or no database', async () => {
    await fails('(get-else $ ?e :u/tag :none)', 'get-else', /get-else takes a cardinality-one attribute, :u\/tag is cardinality many/, { '?e': eid('ann') });
    await fails('(get-else $ ?e :u/nick nil)', 'get-else', /get-else needs a default that is not nil/, { '?e': eid('ann') });
    await fails('(get-else $ ?e :u/nope 1)', 'get-else', /Unknown attribute :u\/nope/, { '?e': eid('ann') });
    await fails('(get-else 1 ?e :u/nick 1)', 'get-else', /get-else takes a database \(\$\) as its first argument/, { '?e': eid('ann') });
  });

  it('get-some gives the first attribute that has a value, with that value', async () => {
    expect(await call('(get-some $ ?e :u/nick :u/name)', { '?e': eid('ann') })).toEqual([kw('u/nick'), 'annie']);
    expect(await call('(get-some $ ?e :u/nick :u/name)', { '?e': eid('bob') })).toEqual([kw('u/name'), 'Bob']);
    expect(await call('(get-some $ ?e :u/nick)', { '?e': eid('bob') })).toBeNull();
    expect(await q('[:find ?a ?v :in $ ?e :where [(get-some $ ?e :u/nick :u/age) [?a ?v]]]', db, eid('cid'))).toEqual([[kw('u/age'), 40]]);
    await fails('(get-some $ ?e :u/nope)', 'get-some', /Unknown attribute :u\/nope/, { '?e': eid('bob') });
    await fails('(get-some "db" ?e :u/name)', 'get-some', /get-some takes a database/, { '?e': eid('bob') });
  });

  it('missing? holds when the entity has no value of the attribute', async () => {
    expect(asSet(await q('[:find ?n :where [?e :u/name ?n] [(missing? $ ?e :u/nick)]]', db))).toEqual(asSet([['Bob'], ['Cid'], ['Dan']]));
    expect(await holds('(missing? $ ?e :u/tag)', { '?e': eid('ann') })).toBe(false);
    const err = await q('[:find ?e :where [?e :u/name] [(missing? $ ?e :u/nope)]]', db).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'query/fn-failed', data: { fn: 'missing?' } });
    expect((err as Error).message).toMatch(/Unknown attribute :u\/nope/);
    const noDb = await q('[:find ?e :where [?e :u/name] [(missing? 1 ?e :u/nick)]]', db).catch((e: unknown) => e);
    expect(noDb).toMatchObject({ code: 'query/fn-failed', data: { fn: 'missing?' } });
  });

  it('q runs a nested query with its inputs; a nested query that pulls is refused', async () => {
    expect(await call('(q "[:find (max ?a) . :where [_ :u/age ?a]]" $)')).toBe(40);
    expect(
      asSet(
        await q(
          `[:find ?n :where [?e :u/age ?a] [(q "[:find (min ?x) . :where [_ :u/age ?x]]" $) ?min] [(= ?a ?min)] [?e :u/name ?n]]`,
          db,
        ),
      ),
    ).toEqual(asSet([['Bob'], ['Dan']]));
    expect(await call('(q "[:find [?n ...] :in $ ?a :where [?e :u/age ?a] [?e :u/name ?n]]" $ 30)')).toEqual(['Ann']);
    await expect(call('(q "[:find (pull ?e [*]) :where [?e :u/name]]" $)')).rejects.toMatchObject({ code: 'query/bad-find' });
    await expect(call('(q "[:find ?e :where [?e :u/name"  $)')).rejects.toMatchObject({ code: 'query/syntax' });
    await expect(call('(q "[:find ?e :in $ ?x :where [?e :u/age ?x]]" $)')).rejects.toMatchObject({ code: 'query/bad-input' });
  });
});

describe('aggregates', () => {
  const agg = (find: string, where = '[?e :u/score ?s]'): Promise<unknown> => q(`[:find ${find} . :with ?e :where ${where}]`, db);

  it('count, count-distinct, sum, avg, min, max over every row of :with', async () => {
    expect(await agg('(count ?s)')).toBe(4);
    expect(await agg('(count-distinct ?s)')).toBe(3);
    expect(await agg('(sum ?s)')).toBe(35);
    expect(await agg('(avg ?s)')).toBe(8.75);
    expect(await agg('(min ?s)')).toBe(4);
    expect(await agg('(max ?s)')).toBe(15);
    expect(await agg('(min ?n)', '[?e :u/name ?n]')).toBe('Ann');
    expect(await agg('(max ?n)', '[?e :u/name ?n]')).toBe('Dan');
  });

  it('median, variance and stddev', async () => {
    expect(await agg('(median ?s)')).toBe(8);
    expect(await agg('(median ?a)', '[?e :u/age ?a]')).toBe(25);
    expect(await q('[:find (median ?a) . :where [?e :u/age ?a] [(> ?a 25)]]', db)).toBe(35);
    expect(await agg('(variance ?s)')).toBeCloseTo(15.6875, 10);
    expect(await agg('(stddev ?s)')).toBeCloseTo(Math.sqrt(15.6875), 10);
  });

  it('distinct, (min n), (max n), (sample n) and (rand n)', async () => {
    expect([...((await agg('(distinct ?s)')) as number[])].sort((a, b) => a - b)).toEqual([4, 8, 15]);
    expect(await agg('(min 2 ?s)')).toEqual([4, 8]);
    expect(await agg('(max 2 ?s)')).toEqual([15, 8]);
    expect(await agg('(max 9 ?s)')).toEqual([15, 8, 4]);
    const sample = (await agg('(sample 2 ?s)')) as number[];
    expect(sample).toHaveLength(2);
    expect(new Set(sample).size).toBe(2);
    for (const x of sample) expect([4, 8, 15]).toContain(x);
    expect(await agg('(sample 9 ?s)').then((s) => [...(s as number[])].sort((a, b) => a - b))).toEqual([4, 8, 15]);
    const rand = (await agg('(rand 5 ?s)')) as number[];
    expect(rand).toHaveLength(5);
    for (const x of rand) expect([4, 8, 15]).toContain(x);
  });

  it('group by the other :find elements', async () => {
    expect(asSet(await q('[:find ?a (count ?e) :where [?e :u/age ?a]]', db))).toEqual(asSet([[20, 2], [30, 1], [40, 1]]));
    expect(asSet(await q('[:find ?a (sum ?s) :with ?e :where [?e :u/age ?a] [?e :u/score ?s]]', db))).toEqual(asSet([[20, 23], [30, 4], [40, 8]]));
  });

  it('sum of bigints stays a bigint', async () => {
    expect(await q('[:find (sum ?x) . :in [?x ...]]', [1n, 2n, 2n ** 60n])).toBe(3n + 2n ** 60n);
  });

  it('the numeric aggregates fail on values that are not numbers, naming the aggregate', async () => {
    for (const fn of ['sum', 'avg', 'median', 'variance', 'stddev']) {
      const err = await agg(`(${fn} ?n)`, '[?e :u/name ?n]').catch((e: unknown) => e);
      expect(err, fn).toMatchObject({ code: 'query/fn-failed', data: { fn: fn === 'stddev' ? 'variance' : fn } });
      expect((err as Error).message).toMatch(/aggregates numbers, got Ann|aggregates numbers, got [BCD]/);
    }
  });

  it('(min n), (max n), (sample n) and (rand n) need a non-negative integer n', async () => {
    for (const fn of ['min', 'max', 'sample', 'rand']) {
      const err = await agg(`(${fn} -1 ?s)`).catch((e: unknown) => e);
      expect(err, fn).toMatchObject({ code: 'query/bad-find', data: { fn } });
      expect((err as Error).message).toMatch(new RegExp(`\\(${fn} n \\?x\\) needs a non-negative integer n, got -1`));
    }
    await expect(agg('(max "2" ?s)')).rejects.toMatchObject({ code: 'query/bad-find' });
  });

  it('keeps Keyword values as they are', async () => {
    const tags = (await agg('(distinct ?t)', '[?e :u/tag ?t]')) as Keyword[];
    expect(tags.map((t) => t.fqn).sort()).toEqual(['x', 'y']);
  });
});
