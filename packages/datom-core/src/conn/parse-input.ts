import { DatomError } from '../error/datom-error.js';
import { parseEdn } from '../edn/parse-edn.js';
import { EdnList } from '../edn/edn-list.js';
import type { PullPattern } from '../pull/pull-pattern.js';

/** Reads transaction data from EDN text: a vector (or list) of forms. */
export function parseTxEdn(text: string): readonly unknown[] {
  const v = parseEdn(text, { source: 'transaction' });
  if (Array.isArray(v)) return v;
  if (v instanceof EdnList) return v.items;
  throw new DatomError('transact/syntax', 'EDN transaction data must be a vector of forms', { data: { text: text.slice(0, 200) } });
}

/**
 * Reads a pull pattern from EDN text into the JS form: keywords become attribute names, `(:a :as
 * "x" :limit 2)` and `[:a :limit 2]` become `[name, options]`, maps stay maps.
 */
export function parsePatternEdn(text: string): PullPattern {
  const v = parseEdn(text, { source: 'pull pattern' });
  if (!Array.isArray(v)) throw new DatomError('pull/pattern', 'A pull pattern must be a vector', { data: { text } });
  return v.map(patternElement) as unknown as PullPattern;
}

function name(x: unknown): string {
  if (typeof x === 'string') return x;
  if (typeof x === 'object' && x !== null && 'fqn' in x) return String((x as { fqn: string }).fqn);
  if (typeof x === 'object' && x !== null && 'name' in x) return String((x as { name: string }).name);
  throw new DatomError('pull/pattern', `Not an attribute name in a pull pattern: ${String(x)}`);
}

function withOptions(items: readonly unknown[]): unknown {
  const attr = name(items[0]);
  if (items.length === 1) return attr;
  const opts: Record<string, unknown> = {};
  for (let i = 1; i < items.length; i += 2) {
    const key = name(items[i]);
    const val = items[i + 1];
    if (key === 'as') opts.as = typeof val === 'object' && val !== null && 'fqn' in val ? (val as { fqn: string }).fqn : val;
    else if (key === 'limit') opts.limit = val;
    else if (key === 'default') opts.default = val;
    else throw new DatomError('pull/pattern', `Unknown pull option :${key}`);
  }
  return [attr, opts];
}

function patternElement(x: unknown): unknown {
  if (x instanceof EdnList) return withOptions(x.items);
  if (Array.isArray(x)) return withOptions(x);
  if (x instanceof Map) {
    const out = new Map<unknown, unknown>();
    for (const [k, v] of x) {
      const key = k instanceof EdnList || Array.isArray(k) ? withOptions(k instanceof EdnList ? k.items : k) : name(k);
      const val = Array.isArray(v) ? v.map(patternElement) : typeof v === 'number' ? v : name(v);
      out.set(key, val);
    }
    return out;
  }
  const n = name(x);
  return n;
}
