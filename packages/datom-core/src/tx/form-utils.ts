import { EdnList } from '../edn/edn-list.js';
import { BigDec } from '../model/big-dec.js';
import { EdnBigInt, EdnDouble } from '../model/edn-number.js';
import { Keyword } from '../model/keyword.js';
import { Sym } from '../model/sym.js';
import { Uri } from '../model/uri.js';
import { Uuid } from '../model/uuid.js';

/** True for an EDN list (`(...)`) as the EDN reader returns it. */
export function isEdnList(x: unknown): x is EdnList {
  return x instanceof EdnList;
}

/**
 * A short EDN-like rendering of a transaction form or value for error messages and error data.
 * Long output is cut, so that an error about a huge form stays readable.
 */
export function formToString(x: unknown, max = 200): string {
  const s = render(x, 0);
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}

function render(x: unknown, depth: number): string {
  if (depth > 6) return '...';
  if (x === null || x === undefined) return 'nil';
  if (typeof x === 'string') return JSON.stringify(x);
  if (typeof x === 'bigint') return `${x}N`;
  if (typeof x === 'number' || typeof x === 'boolean') return String(x);
  if (x instanceof Keyword) return String(x);
  if (x instanceof Sym) return x.fqn;
  if (x instanceof BigDec) return `${x}M`;
  if (x instanceof Uuid) return `#uuid "${x.text}"`;
  if (x instanceof Uri) return `#uri "${x.text}"`;
  if (x instanceof Date) return Number.isNaN(x.getTime()) ? '#inst "Invalid Date"' : `#inst "${x.toISOString()}"`;
  if (x instanceof Uint8Array) return `#bytes[${x.length}]`;
  if (typeof x === 'function') return `#fn ${x.name || 'anonymous'}`;
  if (Array.isArray(x)) return `[${x.map((y) => render(y, depth + 1)).join(' ')}]`;
  if (isEdnList(x)) return `(${x.items.map((y) => render(y, depth + 1)).join(' ')})`;
  if (x instanceof Map) return `{${[...x].map(([k, v]) => `${render(k, depth + 1)} ${render(v, depth + 1)}`).join(', ')}}`;
  if (x instanceof Set) return `#{${[...x].map((y) => render(y, depth + 1)).join(' ')}}`;
  if (typeof x === 'object') {
    // Class names do not survive bundling (EdnBigInt may be _EdnBigInt): test the classes.
    if (x instanceof EdnBigInt) return `${x.value}N`;
    if (x instanceof EdnDouble) return Number.isInteger(x.value) ? `${x.value}.0` : String(x.value);
    return `{${Object.entries(x as Record<string, unknown>)
      .map(([k, v]) => `:${k.startsWith(':') ? k.slice(1) : k} ${render(v, depth + 1)}`)
      .join(', ')}}`;
  }
  return String(x);
}
