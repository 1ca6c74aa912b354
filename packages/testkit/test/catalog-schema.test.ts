import { BigDec, type Keyword, kw, uri, uuid } from '@datomkit/datom-core';
import { describe, expect, it } from 'vitest';
import { catalogSchema, catalogSchemaEdn } from '../src/index.js';
import { ednText } from '../src/internal/edn-text.js';

describe('catalogSchema', () => {
  const schema = catalogSchema() as readonly Record<string, unknown>[];

  it('defines each ident once, with a value type and cardinality on every attribute', () => {
    const idents = schema.map((f) => (f['db/ident'] as Keyword).fqn);
    expect(new Set(idents).size).toBe(idents.length);
    for (const f of schema.filter((f) => 'db/valueType' in f)) {
      expect(f['db/cardinality'], String(f['db/ident'])).toBeDefined();
      expect(typeof f['db/doc']).toBe('string');
    }
  });

  it('has the unique identities used by lookup refs', () => {
    for (const ident of ['artist/gid', 'label/gid', 'release/gid', 'track/gid']) {
      expect(schema.find((f) => f['db/ident'] === kw(ident))).toMatchObject({
        'db/valueType': kw('db.type/uuid'),
        'db/unique': kw('db.unique/identity'),
      });
    }
  });

  it('is the same data as its EDN text', () => {
    const edn = catalogSchemaEdn();
    expect(edn.startsWith('[{:db/ident :label/gid')).toBe(true);
    expect(edn.match(/\{:db\/ident /g)).toHaveLength(schema.length);
    expect(edn).toContain(
      '{:db/ident :track/medium+position, :db/valueType :db.type/tuple, :db/cardinality :db.cardinality/one, ' +
        ':db/unique :db.unique/value, :db/tupleAttrs [:track/medium :track/position]',
    );
    expect(edn).toContain(':db/isComponent true');
    expect(edn).toContain('{:db/ident :release.type/album}');
  });
});

describe('EDN text of values', () => {
  it('uses Datomic tagged literals', () => {
    expect(ednText(uuid('6f1d0000-0000-4000-8000-000000000001'))).toBe('#uuid "6f1d0000-0000-4000-8000-000000000001"');
    expect(ednText(new Date(Date.UTC(2001, 0, 2)))).toBe('#inst "2001-01-02T00:00:00.000Z"');
    expect(ednText(new BigDec(150n, 2))).toBe('1.50M');
    expect(ednText(uri('https://example.org/a'))).toBe('#uri "https://example.org/a"');
    expect(ednText(new Uint8Array([1, 2, 3]))).toBe('#bytes "AQID"');
    expect(ednText({ 'a/b': [kw('x/y'), 'q"', -1.5, true] })).toBe('{:a/b [:x/y "q\\"" -1.5 true]}');
  });
});
