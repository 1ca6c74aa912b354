import { BigDec } from '../model/big-dec.js';
import { Keyword } from '../model/keyword.js';
import { Sym } from '../model/sym.js';
import { Uri } from '../model/uri.js';
import { Uuid } from '../model/uuid.js';
import type { Value } from '../model/value.js';

/**
 * A string that is equal for two values exactly when the indexes consider them equal, for use as
 * a `Map` key. Numbers and bigints with the same numeric value share a key, as they compare equal.
 */
export function valueKey(v: Value | null): string {
  if (v === null) return '_';
  switch (typeof v) {
    case 'string':
      return `s${v}`;
    case 'number':
      return Number.isInteger(v) ? `n${BigInt(v)}` : `n${v}`;
    case 'bigint':
      return `n${v}`;
    case 'boolean':
      return v ? 'T' : 'F';
  }
  if (v instanceof Keyword) return `k${v.fqn}`;
  if (v instanceof Date) return `d${v.getTime()}`;
  if (v instanceof Uuid) return `u${v.text}`;
  if (v instanceof Sym) return `y${v.fqn}`;
  if (v instanceof Uri) return `r${v.text}`;
  if (v instanceof BigDec) return `m${v.unscaled}e${v.scale}`;
  if (v instanceof Uint8Array) return `x${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}`;
  if (Array.isArray(v)) return `t[${v.map((x) => valueKey(x)).join(',')}]`;
  return `?${String(v)}`;
}
