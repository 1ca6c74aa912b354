import { parseEdn } from '@datomkit/datom-core';
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { normChecksum } from '../src/index.js';

// A small EDN model, printed to text by this test itself so that the property exercises the real
// reader: layout, comments and map key order vary; values and types do not.
type Node =
  | { t: 'nil' }
  | { t: 'bool'; v: boolean }
  | { t: 'long'; v: number }
  | { t: 'double'; v: number }
  | { t: 'string'; v: string }
  | { t: 'keyword'; v: string }
  | { t: 'symbol'; v: string }
  | { t: 'inst'; v: number }
  | { t: 'vector'; items: Node[] }
  | { t: 'list'; items: Node[] }
  | { t: 'map'; entries: [string, Node][] }
  | { t: 'set'; keywords: string[] };

const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,6}$/);
const qualified = fc.tuple(name, name).map(([ns, n]) => `${ns}/${n}`);
const identifier = fc.oneof(name, qualified);

const leaf: fc.Arbitrary<Node> = fc.oneof(
  fc.constant<Node>({ t: 'nil' }),
  fc.boolean().map((v): Node => ({ t: 'bool', v })),
  fc.integer({ min: -1e6, max: 1e6 }).map((v): Node => ({ t: 'long', v })),
  fc
    .double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 })
    .filter((v) => !Object.is(v, -0))
    .map((v): Node => ({ t: 'double', v })),
  fc.string({ maxLength: 12, unit: 'grapheme-ascii' }).map((v): Node => ({ t: 'string', v })),
  identifier.map((v): Node => ({ t: 'keyword', v })),
  qualified.map((v): Node => ({ t: 'symbol', v })),
  fc.integer({ min: 0, max: 4e12 }).map((v): Node => ({ t: 'inst', v })),
);

const { node } = fc.letrec<{ node: Node }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('node'), { maxLength: 4 }).map((items): Node => ({ t: 'vector', items })),
    fc.array(tie('node'), { maxLength: 3 }).map((items): Node => ({ t: 'list', items })),
    fc
      .uniqueArray(fc.tuple(identifier, tie('node')), { maxLength: 4, selector: ([k]) => k })
      .map((entries): Node => ({ t: 'map', entries })),
    fc.uniqueArray(identifier, { maxLength: 4 }).map((keywords): Node => ({ t: 'set', keywords })),
  ),
}));

/** A norm: {:tx-data [maps...] :tx-fn sym}, either part optional. */
const norm = fc.record(
  {
    txData: fc.array(
      fc.uniqueArray(fc.tuple(qualified, node), { minLength: 1, maxLength: 4, selector: ([k]) => k }),
      { maxLength: 3 },
    ),
    txFn: qualified,
  },
  { requiredKeys: [] },
);
type Norm = { txData?: [string, Node][][]; txFn?: string };

interface Layout {
  readonly gaps: readonly string[];
  readonly shuffle: number;
}
const layout = fc.record({
  gaps: fc.array(fc.constantFrom(' ', '\n', '  ', ',', '\t', ' ;; a comment\n', '\n;; note: [x y]\n '), {
    minLength: 1,
    maxLength: 8,
  }),
  shuffle: fc.nat(),
});

function printer(l: Layout) {
  let i = 0;
  const gap = () => l.gaps[i++ % l.gaps.length] as string;
  const order = <T>(xs: T[]): T[] => {
    if (xs.length < 2) return xs;
    const k = (l.shuffle + i++) % xs.length;
    return [...xs.slice(k), ...xs.slice(0, k)];
  };
  const doubleText = (v: number) => {
    const s = String(v);
    return /[.e]/.test(s) ? s : `${s}.0`;
  };
  const print = (n: Node): string => {
    switch (n.t) {
      case 'nil':
        return 'nil';
      case 'bool':
        return String(n.v);
      case 'long':
        return String(n.v);
      case 'double':
        return doubleText(n.v);
      case 'string':
        // Printable ASCII only, so the only escapes are \" and \\, the same in JSON and EDN.
        return JSON.stringify(n.v);
      case 'keyword':
        return `:${n.v}`;
      case 'symbol':
        return n.v;
      case 'inst':
        return `#inst ${gap()}"${new Date(n.v).toISOString()}"`;
      case 'vector':
        return `[${gap()}${n.items.map(print).join(gap())}${gap()}]`;
      case 'list':
        return `(${gap()}${n.items.map(print).join(gap())}${gap()})`;
      case 'map':
        return `{${gap()}${order(n.entries)
          .map(([k, v]) => `:${k}${gap()}${print(v)}`)
          .join(gap())}${gap()}}`;
      case 'set':
        return `#{${gap()}${order(n.keywords)
          .map((k) => `:${k}`)
          .join(gap())}${gap()}}`;
    }
  };
  return (x: Norm): string => {
    const parts: string[] = [];
    if (x.txData !== undefined) parts.push(`:tx-data${gap()}${print({ t: 'vector', items: x.txData.map((entries) => ({ t: 'map', entries })) })}`);
    if (x.txFn !== undefined) parts.push(`:tx-fn${gap()}${x.txFn}`);
    return `${gap()}{${order(parts).join(gap())}}${gap()}`;
  };
}

const checksumOf = (text: string) => normChecksum(parseEdn(text, { source: 'property' }));

/** Every way to change one leaf's value or type, keeping the rest (and EDN validity) as is. */
function mutations(n: Node): Node[] {
  switch (n.t) {
    case 'nil':
      return [{ t: 'bool', v: false }, { t: 'vector', items: [] }];
    case 'bool':
      return [{ t: 'bool', v: !n.v }, { t: 'nil' }, { t: 'string', v: String(n.v) }];
    case 'long':
      return [
        { t: 'long', v: n.v + 1 },
        { t: 'double', v: n.v },
        { t: 'string', v: String(n.v) },
      ];
    case 'double':
      return [
        { t: 'double', v: n.v + 0.5 },
        { t: 'string', v: String(n.v) },
        ...(Number.isInteger(n.v) && Math.abs(n.v) <= 1e6 ? [{ t: 'long', v: n.v } as Node] : []),
      ];
    case 'string':
      return [{ t: 'string', v: `${n.v}x` }, ...(/^[a-z][a-z0-9-]*$/.test(n.v) ? [{ t: 'keyword', v: n.v } as Node] : [])];
    case 'keyword':
      return [
        { t: 'keyword', v: `${n.v}x` },
        { t: 'string', v: n.v },
        ...(n.v.includes('/') ? [{ t: 'symbol', v: n.v } as Node] : []),
      ];
    case 'symbol':
      return [{ t: 'symbol', v: `${n.v}x` }, { t: 'keyword', v: n.v }, { t: 'string', v: n.v }];
    case 'inst':
      return [{ t: 'inst', v: n.v + 1 }, { t: 'long', v: n.v }];
    case 'vector':
      return [{ t: 'list', items: n.items }, ...n.items.flatMap((c, i) => mutations(c).map((m) => ({ ...n, items: n.items.with(i, m) })))];
    case 'list':
      return [{ t: 'vector', items: n.items }, ...n.items.flatMap((c, i) => mutations(c).map((m) => ({ ...n, items: n.items.with(i, m) })))];
    case 'map':
      return n.entries.flatMap(([k, v], i) => mutations(v).map((m): Node => ({ ...n, entries: n.entries.with(i, [k, m]) })));
    case 'set':
      return [
        { t: 'vector', items: n.keywords.map((v): Node => ({ t: 'keyword', v })) },
        { t: 'set', keywords: n.keywords.includes('zz') ? n.keywords.filter((k) => k !== 'zz') : [...n.keywords, 'zz'] },
      ];
  }
}

function normMutations(x: Norm): Norm[] {
  const out: Norm[] = [];
  if (x.txFn !== undefined) out.push({ ...x, txFn: `${x.txFn}x` });
  if (x.txData !== undefined) {
    const asNode: Node = { t: 'vector', items: x.txData.map((entries) => ({ t: 'map', entries })) };
    for (const m of mutations(asNode)) {
      if (m.t === 'vector' && m.items.every((it) => it.t === 'map')) {
        out.push({ ...x, txData: m.items.map((it) => (it as { entries: [string, Node][] }).entries) });
      }
    }
  }
  return out;
}

describe('checksum properties', () => {
  test.prop([norm, layout, layout], { numRuns: 300, seed: 20261125, verbose: 1 })(
    'whitespace, comments and map key order do not change the checksum',
    (x, a, b) => {
      expect(checksumOf(printer(a)(x))).toBe(checksumOf(printer(b)(x)));
    },
  );

  test.prop([norm, layout, fc.nat()], { numRuns: 300, seed: 20261125, verbose: 1 })(
    'any change of a value or of its type changes the checksum',
    (x, l, pick) => {
      const changed = normMutations(x);
      fc.pre(changed.length > 0);
      const y = changed[pick % changed.length] as Norm;
      expect(checksumOf(printer(l)(y))).not.toBe(checksumOf(printer(l)(x)));
    },
  );
});
