/**
 * The JSON form of a datomkit value, as `--json` prints it: keywords as `":a/b"` strings, bigints,
 * big decimals and UUIDs as strings, instants as ISO strings, bytes as base64, EDN sets and lists
 * as arrays, maps as objects (keyword keys as `":a/b"`), and non-finite numbers as `"NaN"`,
 * `"Infinity"`, `"-Infinity"`.
 *
 * @example
 * ```ts
 * toJsonValue(new Map([[kw('a/b'), 1n]])) // { ':a/b': '1' }
 * ```
 */
export function toJsonValue(value: unknown): unknown {
  return convert(value, 0);
}

function convert(value: unknown, depth: number): unknown {
  if (depth > 1000) throw new RangeError('Value nested too deeply for JSON');
  switch (typeof value) {
    case 'undefined':
      return null;
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'bigint':
      return value.toString();
    case 'symbol':
    case 'function':
      return String(value);
    default:
      break;
  }
  if (value === null) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (Array.isArray(value)) return value.map((v) => convert(v, depth + 1));
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of value) out[keyText(k)] = convert(v, depth + 1);
    return out;
  }
  if (value instanceof Set) return [...value].map((v) => convert(v, depth + 1));
  const obj = value as Record<string, unknown> & { toJSON?: () => unknown };
  if (typeof obj.toJSON === 'function') return convert(obj.toJSON(), depth + 1);
  // EdnList and EdnSet keep their elements in `items`.
  if (Array.isArray((obj as { items?: unknown }).items) && typeof (obj as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function') {
    return (obj.items as unknown[]).map((v) => convert(v, depth + 1));
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) out[k] = convert(v, depth + 1);
  return out;
}

function keyText(key: unknown): string {
  const v = convert(key, 0);
  return typeof v === 'string' ? v : JSON.stringify(v);
}
