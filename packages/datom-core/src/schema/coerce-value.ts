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

/** A value as EDN-like text for a message: never `[object Object]`, cut when long. */
function describe(v: unknown, depth = 0): string {
  const text = render(v, depth);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function render(v: unknown, depth: number): string {
  if (v === null) return 'nil';
  if (v === undefined) return 'undefined';
  if (depth > 4) return '...';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  if (typeof v === 'bigint') return `${v}N`;
  if (v instanceof Date) return `#inst "${Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString()}"`;
  if (v instanceof EdnBigInt) return `${v.value}N`;
  if (v instanceof EdnDouble) return Number.isInteger(v.value) ? `${v.value}.0` : String(v.value);
  if (v instanceof BigDec) return `${v.toString()}M`;
  if (v instanceof Keyword) return `:${v.fqn}`;
  if (v instanceof Sym) return v.fqn;
  if (v instanceof Uuid) return `#uuid "${v.text}"`;
  if (v instanceof Uri) return `#uri "${v.text}"`;
  if (v instanceof Uint8Array) return `#bytes[${v.length}]`;
  if (Array.isArray(v)) return `[${v.map((x) => render(x, depth + 1)).join(' ')}]`;
  if (v instanceof Map) return `{${[...v].map(([k, x]) => `${render(k, depth + 1)} ${render(x, depth + 1)}`).join(', ')}}`;
  if (v instanceof Set) return `#{${[...v].map((x) => render(x, depth + 1)).join(' ')}}`;
  if (typeof v === 'object') {
    // EDN lists and sets (from the edn folder, which depends on this one) keep their elements in `items`.
    const items = (v as { items?: unknown }).items;
    if (Array.isArray(items)) {
      // A bundler may rename the class (EdnSet2), never drop its name.
      const [open, close] = /Set\d*$/.test(v.constructor?.name ?? '') ? ['#{', '}'] : ['(', ')'];
      return `${open}${items.map((x) => render(x, depth + 1)).join(' ')}${close}`;
    }
    return `{${Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `:${k} ${render(x, depth + 1)}`)
      .join(', ')}}`;
  }
  if (typeof v === 'function') return `a function ${v.name || '(anonymous)'}`;
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
