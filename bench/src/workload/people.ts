import { Prng } from '@datomkit/testkit';

/** One person of DataScript's benchmark workload. */
export interface Person {
  /** A string tempid, unique in the workload. */
  readonly id: string;
  readonly name: string;
  readonly lastName: string;
  readonly sex: string;
  readonly age: number;
  readonly salary: number;
}

// The pools of DataScript's bench/datascript/bench.cljc `random-man`.
const NAMES = ['Ivan', 'Petr', 'Sergei', 'Oleg', 'Yuri', 'Dmitry', 'Fedor', 'Denis'];
const LAST_NAMES = ['Ivanov', 'Petrov', 'Sidorov', 'Kovalev', 'Kuznetsov', 'Voronoi'];
const SEXES = ['male', 'female'];

/** Attributes per person: 20,000 people make DataScript's 100k-datom workload. */
export const ATTRS_PER_PERSON = 5;

/**
 * DataScript's benchmark people, drawn deterministically: names from small pools, age 0..99,
 * salary 0..99,999. DataScript draws keywords for sex; here it is a string on both sides, since
 * DataScript's JS API stores a JS string value as a string.
 */
export function people(count: number, seed = 42): Person[] {
  const rng = new Prng(seed);
  return Array.from({ length: count }, (_, i) => ({
    id: `p${i}`,
    name: rng.pick(NAMES),
    lastName: rng.pick(LAST_NAMES),
    sex: rng.pick(SEXES),
    age: rng.int(100),
    salary: rng.int(100_000),
  }));
}

/**
 * {@link people} with unique names: the pool name, last name and the person's number (so that a
 * unique attribute or column can hold them).
 */
export function uniquelyNamed(count: number, seed = 42): Person[] {
  return people(count, seed).map((p, i) => ({ ...p, name: `${p.name} ${p.lastName} ${i}` }));
}

/** A deterministic shuffle (Fisher-Yates) of a copy of `items`. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const rng = new Prng(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
