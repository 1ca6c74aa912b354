import { DatomError } from '../error/datom-error.js';
import { BigDec } from '../model/big-dec.js';
import { EdnBigInt, EdnDouble } from '../model/edn-number.js';
import { Keyword } from '../model/keyword.js';
import { Sym } from '../model/sym.js';
import { Uri } from '../model/uri.js';
import { Uuid } from '../model/uuid.js';
import type { Scalar, Value } from '../model/value.js';
import type { ValueType } from './attribute.js';

const MIN_LONG = -(2n ** 63n);
const MAX_LONG = 2n ** 63n - 1n;

function describe(v: unknown): string {
  if (v === null) return 'nil';
  if (v === undefined) return 'undefined';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  if (typeof v === 'bigint') return `${v}n`;
  if (v instanceof Date) return `#inst "${Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString()}"`;
  if (Array.isArray(v)) return `[${v.map(describe).join(' ')}]`;
  if (typeof v === 'object') return `${(v as object).constructor?.name ?? 'object'} ${String(v)}`;
  return String(v);
}

function wrongType(attr: string, type: string, v: unknown): DatomError {
  return new DatomError('transact/type', `Value ${describe(v)} is not a valid ${type} for attribute :${attr}`, {
    data: { attribute: `:${attr}`, valueType: type, value: describe(v) },
  });
}

/**
 * Checks that `v` is a value of scalar type `type` and returns it in its stored form: longs as
 * numbers when safe and bigints beyond, doubles and floats as numbers (floats rounded to 32 bits),
 * bigints as `bigint`. Anything else is an error naming the attribute and the value.
 *
 * @example
 * ```ts
 * coerceScalar('person/age', 'long', 42) // 42
 * ```
 */
export function coerceScalar(attr: string, type: ValueType, v: unknown): Scalar {
  switch (type) {
    case 'string':
      if (typeof v === 'string') return v;
      break;
    case 'boolean':
      if (typeof v === 'boolean') return v;
      break;
    case 'long':
      if (typeof v === 'number' && Number.isSafeInteger(v)) return v === 0 ? 0 : v;
      if (typeof v === 'bigint' && v >= MIN_LONG && v <= MAX_LONG) {
        const n = Number(v);
        return Number.isSafeInteger(n) ? n : v;
      }
      break;
    case 'bigint':
      if (typeof v === 'bigint') return v;
      if (v instanceof EdnBigInt) return v.value;
      if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
      break;
    case 'double':
      if (typeof v === 'number') return Object.is(v, -0) ? 0 : v;
      if (v instanceof EdnDouble) return v.value;
      break;
    case 'float':
      if (typeof v === 'number') return Math.fround(v);
      if (v instanceof EdnDouble) return Math.fround(v.value);
      break;
    case 'bigdec':
      if (v instanceof BigDec) return v;
      break;
    case 'instant':
      // Copied, so that the caller mutating its Date cannot change the stored value.
      if (v instanceof Date && !Number.isNaN(v.getTime())) return new Date(v.getTime());
      break;
    case 'uuid':
      if (v instanceof Uuid) return v;
      break;
    case 'keyword':
      if (v instanceof Keyword) return v;
      break;
    case 'symbol':
      if (v instanceof Sym) return v;
      break;
    case 'uri':
      if (v instanceof Uri) return v;
      break;
    case 'bytes':
      if (v instanceof Uint8Array) return v.slice();
      break;
    case 'ref':
      if (typeof v === 'number' && Number.isSafeInteger(v) && v > 0) return v;
      break;
    case 'tuple':
      break;
  }
  throw wrongType(attr, type, v);
}

/**
 * Checks a tuple value against `types` (one type per element, or one type for all when `homogeneous`);
 * `null` elements are allowed. Refs inside tuples must already be entity ids.
 *
 * @example
 * ```ts
 * coerceTuple('a/b', ['string', 'long'], ['x', 1], false) // ['x', 1]
 * ```
 */
export function coerceTuple(attr: string, types: readonly ValueType[], v: unknown, homogeneous: boolean): Value {
  if (!Array.isArray(v)) throw wrongType(attr, 'tuple', v);
  if (homogeneous ? v.length < 1 || v.length > 8 : v.length !== types.length) throw wrongType(attr, 'tuple', v);
  const out = new Array<Scalar | null>(v.length);
  for (let i = 0; i < v.length; i++) {
    const x: unknown = v[i];
    const t = (homogeneous ? types[0] : types[i]) as ValueType;
    out[i] = x === null || x === undefined ? null : coerceScalar(attr, t, x);
  }
  return Object.freeze(out);
}
