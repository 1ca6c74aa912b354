import { BigDec, Keyword, type TxData, Uri, Uuid } from '@datomkit/datom-core';
import { describe, expect, it } from 'vitest';
import {
  CATALOG_ENUMS,
  CATALOG_MANY_ATTRS,
  CATALOG_VALUE_TYPES,
  catalogSchema,
  catalogStats,
  countDatoms,
  generateCatalog,
} from '../src/index.js';
import { collect, maps } from './helpers.js';

function total(datoms: number, seed = 1, batchEntities?: number): { datoms: number; batches: number } {
  let n = 0;
  let batches = 0;
  for (const tx of generateCatalog({ datoms, seed, ...(batchEntities === undefined ? {} : { batchEntities }) })) {
    n += countDatoms(tx);
    batches++;
  }
  return { datoms: n, batches };
}

describe('determinism', () => {
  it('gives the same batches for the same size and seed, on every iteration', () => {
    const a = collect(generateCatalog({ datoms: 5000, seed: 7 }));
    const catalog = generateCatalog({ datoms: 5000, seed: 7 });
    expect(collect(catalog)).toEqual(a);
    expect(collect(catalog)).toEqual(a);
  });

  it('gives different values for a different seed, with the same shape', () => {
    const a = collect(generateCatalog({ datoms: 5000, seed: 1 }));
    const b = collect(generateCatalog({ datoms: 5000, seed: 2 }));
    expect(b).not.toEqual(a);
    expect(b.map((tx) => tx.length)).toEqual(a.map((tx) => tx.length));
    const names = (txs: TxData[]) => txs.flatMap(maps).map((m) => m['artist/name']);
    expect(names(b)).not.toEqual(names(a));
  });

  it('does not let the batch size change any value', () => {
    const values = (batchEntities: number) =>
      collect(generateCatalog({ datoms: 20_000, seed: 3, batchEntities }))
        .flatMap(maps)
        .filter((m) => m['track/gid'] !== undefined)
        .map((m) => [m['track/gid'], m['track/name'], m['track/duration']]);
    expect(values(50)).toEqual(values(5000));
  });
});

describe('size', () => {
  it.each([100, 10_000, 200_000])('lands within 3%% of %i datoms, as catalogStats says', (n) => {
    const got = total(n);
    expect(Math.abs(got.datoms - n)).toBeLessThanOrEqual(Math.max(3, n * 0.03));
    const stats = catalogStats(n);
    expect(got.datoms).toBe(stats.datoms);
    expect(got.batches).toBe(stats.batches);
  });

  it('lands within 3 datoms of any target from 60 up', () => {
    for (let n = 60; n < 3000; n += 37) expect(Math.abs(total(n).datoms - n), `target ${n}`).toBeLessThanOrEqual(3);
  });

  it('counts entities the way catalogStats reports them', () => {
    const n = 30_000;
    const all = collect(generateCatalog({ datoms: n, batchEntities: 300 })).flatMap(maps);
    const has = (attr: string) => all.filter((m) => m[attr] !== undefined).length;
    const stats = catalogStats(n, { batchEntities: 300 });
    expect({
      labels: has('label/gid'),
      artists: has('artist/gid'),
      releases: has('release/gid'),
      media: has('medium/position'),
      tracks: has('track/gid'),
      credits: has('credit/track'),
    }).toEqual({
      labels: stats.labels,
      artists: stats.artists,
      releases: stats.releases,
      media: stats.media,
      tracks: stats.tracks,
      credits: stats.credits,
    });
    expect(stats.tupleDatoms).toBe(stats.tracks);
  });

  it('plans 10 million datoms without generating them, and generates lazily', () => {
    const stats = catalogStats(10_000_000);
    expect(Math.abs(stats.datoms - 10_000_000)).toBeLessThanOrEqual(3);
    expect(stats.artists).toBeGreaterThan(100_000);
    const first = generateCatalog({ datoms: 10_000_000, batchEntities: 500 })[Symbol.iterator]().next();
    expect(first.done).toBe(false);
    expect(countDatoms(first.value ?? [])).toBeLessThan(10_000);
  });

  it('rejects a size or batch size that is not a positive integer', () => {
    expect(() => generateCatalog({ datoms: 0 })).toThrow(RangeError);
    expect(() => generateCatalog({ datoms: 1.5 })).toThrow(RangeError);
    expect(() => generateCatalog({ datoms: 100, batchEntities: 0 })).toThrow(RangeError);
  });
});

const isType: Record<string, (v: unknown) => boolean> = {
  string: (v) => typeof v === 'string',
  long: (v) => Number.isSafeInteger(v),
  double: (v) => typeof v === 'number' && !Number.isInteger(v),
  float: (v) => typeof v === 'number' && Math.fround(v) === v,
  boolean: (v) => typeof v === 'boolean',
  instant: (v) => v instanceof Date && !Number.isNaN(v.getTime()),
  uuid: (v) => v instanceof Uuid,
  keyword: (v) => v instanceof Keyword,
  bigdec: (v) => v instanceof BigDec,
  uri: (v) => v instanceof Uri,
  bytes: (v) => v instanceof Uint8Array && v.length > 0 && v.length <= 64,
  ref: (v) => typeof v === 'string' || v instanceof Keyword || Array.isArray(v),
};

describe('features at the smallest useful size (100 datoms)', () => {
  const batches = collect(generateCatalog({ datoms: 100 }));
  const all = batches.flatMap(maps);
  const byId = new Map(all.filter((m) => typeof m['db/id'] === 'string').map((m) => [m['db/id'] as string, m]));

  it('fits in one batch', () => {
    expect(batches).toHaveLength(1);
  });

  it('uses every attribute of the schema with a value of its type (the tuple is derived)', () => {
    for (const [attr, type] of CATALOG_VALUE_TYPES) {
      if (type === 'tuple') continue;
      const values = all
        .filter((m) => attr in m)
        .flatMap((m) => (CATALOG_MANY_ATTRS.has(attr) ? (m[attr] as unknown[]) : [m[attr]]));
      expect(values.length, attr).toBeGreaterThan(0);
      for (const v of values) expect(isType[type]?.(v), `${attr} ${String(v)}`).toBe(true);
    }
  });

  it('refers to enum values by ident through ref attributes', () => {
    for (const [attr, idents] of Object.entries(CATALOG_ENUMS)) {
      const used = all.filter((m) => attr in m).map((m) => m[attr]);
      expect(used.length, attr).toBeGreaterThan(0);
      for (const v of used) expect(idents as readonly string[]).toContain((v as Keyword).fqn);
    }
    const schemaIdents = new Set(catalogSchema().map((f) => ((f as Record<string, unknown>)['db/ident'] as Keyword).fqn));
    for (const ident of Object.values(CATALOG_ENUMS).flat()) expect(schemaIdents.has(ident), ident).toBe(true);
  });

  it('gives a release component media, each with a format, a position and tracks', () => {
    const schema = catalogSchema().find((f) => (f as Record<string, unknown>)['db/ident'] === kwOf('release/media'));
    expect(schema).toMatchObject({ 'db/isComponent': true });
    const release = all.find((m) => 'release/media' in m);
    const media = release?.['release/media'] as string[];
    expect(media.length).toBeGreaterThan(0);
    for (const id of media) {
      expect(byId.get(id)).toMatchObject({ 'medium/position': expect.any(Number), 'medium/format': expect.any(Keyword) });
      expect(all.some((m) => m['track/medium'] === id)).toBe(true);
    }
  });

  it('declares the composite tuple and never repeats a (medium, position) pair', () => {
    const tuple = catalogSchema().find((f) => (f as Record<string, unknown>)['db/tupleAttrs'] !== undefined);
    expect(tuple).toMatchObject({ 'db/ident': kwOf('track/medium+position'), 'db/unique': kwOf('db.unique/value') });
    const keys = all.filter((m) => 'track/medium' in m).map((m) => `${m['track/medium']}/${m['track/position']}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('has ref-only join entities (credits)', () => {
    const credits = all.filter((m) => 'credit/track' in m);
    expect(credits.length).toBeGreaterThan(0);
    for (const c of credits) for (const attr of Object.keys(c)) expect(CATALOG_VALUE_TYPES.get(attr)).toBe('ref');
  });

  it('has a reference cycle among artists', () => {
    const edges = new Map<string, string[]>();
    for (const m of all) if ('artist/influencedBy' in m) edges.set(m['db/id'] as string, m['artist/influencedBy'] as string[]);
    const cyclic = [...edges.keys()].some((start) => {
      const seen = new Set<string>();
      const stack = [...(edges.get(start) ?? [])];
      while (stack.length > 0) {
        const next = stack.pop() as string;
        if (next === start) return true;
        if (seen.has(next)) continue;
        seen.add(next);
        stack.push(...(edges.get(next) ?? []));
      }
      return false;
    });
    expect(cyclic).toBe(true);
  });
});

describe('batches stand alone', () => {
  const batches = collect(generateCatalog({ datoms: 200_000, seed: 5, batchEntities: 400 }));

  it('uses tempids unique within the batch and only tempids the batch defines', () => {
    for (const tx of batches) {
      const ids = maps(tx)
        .map((m) => m['db/id'])
        .filter((id) => id !== undefined);
      expect(ids.every((id) => typeof id === 'string')).toBe(true);
      expect(new Set(ids).size).toBe(ids.length);
      const defined = new Set(ids);
      for (const m of maps(tx)) {
        for (const [attr, v] of Object.entries(m)) {
          if (CATALOG_VALUE_TYPES.get(attr) !== 'ref') continue;
          const refs = CATALOG_MANY_ATTRS.has(attr) ? (v as unknown[]) : [v];
          for (const ref of refs) if (typeof ref === 'string') expect(defined.has(ref), `${attr} ${ref}`).toBe(true);
        }
      }
    }
  });

  it('names entities of earlier batches, and only those, by lookup refs on unique identity attrs', () => {
    expect(batches.length).toBeGreaterThan(10);
    const earlier = new Set<string>();
    let lookups = 0;
    for (const tx of batches) {
      const mine: string[] = [];
      for (const m of maps(tx)) {
        for (const [attr, v] of Object.entries(m)) {
          if (attr.endsWith('/gid')) mine.push(`${attr} ${(v as Uuid).text}`);
          if (CATALOG_VALUE_TYPES.get(attr) !== 'ref') continue;
          const refs = CATALOG_MANY_ATTRS.has(attr) ? (v as unknown[]) : [v];
          for (const ref of refs) {
            if (!Array.isArray(ref)) continue;
            const [a, id] = ref as [Keyword, Uuid];
            expect(['artist/gid', 'label/gid']).toContain(a.fqn);
            expect(earlier.has(`${a.fqn} ${id.text}`), `${attr} -> ${a.fqn} ${id.text}`).toBe(true);
            lookups++;
          }
        }
      }
      for (const key of mine) earlier.add(key);
    }
    expect(lookups).toBeGreaterThan(100);
  });

  it('never gives two entities the same global id', () => {
    const gids = batches.flatMap(maps).flatMap((m) =>
      Object.entries(m)
        .filter(([attr]) => attr.endsWith('/gid'))
        .map(([, v]) => (v as Uuid).text),
    );
    expect(new Set(gids).size).toBe(gids.length);
  });
});

function kwOf(fqn: string): Keyword {
  return Keyword.of(fqn);
}
