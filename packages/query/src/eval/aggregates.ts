import { DatomError, compareValues, type Value } from '@datomkit/datom-core';
import { hashKey } from './relation.js';

/** An aggregate over the values of one group; `args` are the constants before the variable. */
export type Aggregate = (values: unknown[], args: readonly unknown[]) => unknown;

function sorted(values: unknown[]): unknown[] {
  return [...values].sort((a, b) => compareValues(a as Value, b as Value));
}

function numbers(values: unknown[], fn: string): number[] {
  return values.map((v) => {
    if (typeof v === 'number') return v;
    if (typeof v === 'bigint') return Number(v);
    throw new DatomError('query/fn-failed', `${fn} aggregates numbers, got ${String(v)}`, { data: { fn } });
  });
}

function distinctValues(values: unknown[]): unknown[] {
  const seen = new Set<unknown>();
  const out: unknown[] = [];
  for (const v of values) {
    const k = hashKey(v);
    if (!seen.has(k)) {
      seen.add(k);
      out.push(v);
    }
  }
  return out;
}

function countArg(args: readonly unknown[], fn: string): number {
  const n = args[0];
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
    throw new DatomError('query/bad-find', `(${fn} n ?x) needs a non-negative integer n, got ${String(n)}`, { data: { fn } });
  }
  return n;
}

function sum(values: unknown[]): unknown {
  if (values.length > 0 && values.every((v) => typeof v === 'bigint')) return (values as bigint[]).reduce((a, b) => a + b, 0n);
  return numbers(values, 'sum').reduce((a, b) => a + b, 0);
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function variance(values: unknown[]): number {
  const xs = numbers(values, 'variance');
  const m = mean(xs);
  return xs.reduce((a, x) => a + (x - m) * (x - m), 0) / xs.length;
}

/** The built-in aggregates, by name. `min`/`max` with a count argument return the n smallest/largest. */
export const AGGREGATES: ReadonlyMap<string, Aggregate> = new Map<string, Aggregate>([
  ['count', (vs) => vs.length],
  ['count-distinct', (vs) => distinctValues(vs).length],
  ['sum', sum],
  ['avg', (vs) => mean(numbers(vs, 'avg'))],
  [
    'median',
    (vs) => {
      const xs = numbers(vs, 'median').sort((a, b) => a - b);
      const mid = xs.length >> 1;
      return xs.length % 2 === 1 ? xs[mid] : ((xs[mid - 1] as number) + (xs[mid] as number)) / 2;
    },
  ],
  ['variance', variance],
  ['stddev', (vs) => Math.sqrt(variance(vs))],
  ['distinct', (vs) => distinctValues(vs)],
  [
    'min',
    (vs, args) => {
      if (args.length === 0) return vs.reduce((m, v) => (compareValues(v as Value, m as Value) < 0 ? v : m));
      return sorted(distinctValues(vs)).slice(0, countArg(args, 'min'));
    },
  ],
  [
    'max',
    (vs, args) => {
      if (args.length === 0) return vs.reduce((m, v) => (compareValues(v as Value, m as Value) > 0 ? v : m));
      return sorted(distinctValues(vs)).reverse().slice(0, countArg(args, 'max'));
    },
  ],
  [
    'rand',
    (vs, args) => {
      const n = countArg(args, 'rand');
      return Array.from({ length: n }, () => vs[Math.floor(Math.random() * vs.length)]);
    },
  ],
  [
    'sample',
    (vs, args) => {
      const pool = distinctValues(vs);
      const n = Math.min(countArg(args, 'sample'), pool.length);
      for (let i = 0; i < n; i++) {
        const j = i + Math.floor(Math.random() * (pool.length - i));
        [pool[i], pool[j]] = [pool[j], pool[i]];
      }
      return pool.slice(0, n);
    },
  ],
]);
