import { type BigDec, DatomError, EdnBigInt, EdnDouble, Keyword, Sym, Uri, Uuid, type Value, type ValueType, parseEdn, printEdn } from '@datomkit/datom-core';

/**
 * A value's JSON form in an export, by its attribute's type: JSON's own types where they are
 * exact (strings, booleans, refs, safe longs, finite doubles), otherwise a string the type reads
 * back exactly (keywords and symbols as `":a/b"` and `"a/b"`, instants as ISO text, uuids and uris
 * as text, bigints, unsafe longs and big decimals as digits, bytes as base64, `"NaN"` and
 * `"Infinity"` for doubles). Tuples are arrays of their elements' forms.
 *
 * @example
 * ```ts
 * valueToJson('instant', new Date(0)) // '1970-01-01T00:00:00.000Z'
 * ```
 */
export function valueToJson(type: ValueType, v: Value | null, elementTypes: readonly ValueType[] | null = null, homogeneous = false): unknown {
  if (v === null) return null;
  switch (type) {
    case 'string':
    case 'boolean':
    case 'ref':
      return v;
    case 'long':
    case 'bigint':
      return typeof v === 'bigint' ? v.toString() : v;
    case 'float':
    case 'double':
      return Number.isFinite(v as number) ? v : String(v);
    case 'bigdec':
      return printEdn(v).slice(0, -1);
    case 'instant':
      return (v as Date).toISOString();
    case 'uuid':
      return (v as Uuid).text;
    case 'keyword':
    case 'symbol':
    case 'uri':
      return type === 'uri' ? (v as Uri).text : printEdn(v);
    case 'bytes':
      return Buffer.from(v as Uint8Array).toString('base64');
    case 'tuple':
      return (v as readonly (Value | null)[]).map((x, i) => valueToJson((homogeneous ? elementTypes?.[0] : elementTypes?.[i]) ?? 'string', x));
    default:
      return v;
  }
}

function bad(type: ValueType, x: unknown): DatomError {
  return new DatomError('backup/format', `${JSON.stringify(x)} is not the JSON form of a ${type} value`, { data: { valueType: type, value: x } });
}

/**
 * Reads back a value written by {@link valueToJson}.
 *
 * @example
 * ```ts
 * jsonToValue('keyword', ':color/red') // kw('color/red')
 * ```
 */
export function jsonToValue(type: ValueType, x: unknown, elementTypes: readonly ValueType[] | null = null, homogeneous = false): Value | null {
  if (x === null) return null;
  try {
    switch (type) {
      case 'string':
      case 'boolean':
      case 'ref':
        return x as Value;
      case 'long':
        return typeof x === 'string' ? BigInt(x) : (x as number);
      case 'bigint':
        return BigInt(x as string | number);
      case 'float':
      case 'double':
        return typeof x === 'string' ? Number(x) : (x as number);
      case 'bigdec':
        return parseEdn(`${x as string}M`) as BigDec;
      case 'instant': {
        const d = new Date(x as string);
        if (Number.isNaN(d.getTime())) throw bad(type, x);
        return d;
      }
      case 'uuid':
        return new Uuid(x as string);
      case 'keyword': {
        const k = parseEdn(x as string);
        if (!(k instanceof Keyword)) throw bad(type, x);
        return k;
      }
      case 'symbol': {
        const s = parseEdn(x as string);
        if (!(s instanceof Sym)) throw bad(type, x);
        return s;
      }
      case 'uri':
        return new Uri(x as string);
      case 'bytes':
        return new Uint8Array(Buffer.from(x as string, 'base64'));
      case 'tuple':
        if (!Array.isArray(x)) throw bad(type, x);
        return Object.freeze(x.map((y, i) => jsonToValue((homogeneous ? elementTypes?.[0] : elementTypes?.[i]) ?? 'string', y))) as Value;
      default:
        return x as Value;
    }
  } catch (err) {
    if (err instanceof DatomError) throw err;
    throw bad(type, x);
  }
}

/**
 * An EDN-read value in stored form: `1.0` (an `EdnDouble`) as the number, `1N` as the bigint.
 *
 * @example
 * ```ts
 * storedValue(parseEdn('1.0')) // 1
 * ```
 */
export function storedValue(v: unknown): Value {
  if (v instanceof EdnDouble || v instanceof EdnBigInt) return v.value as Value;
  if (Array.isArray(v)) return Object.freeze(v.map(storedValue)) as Value;
  return v as Value;
}
