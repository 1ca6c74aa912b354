import { fileURLToPath } from 'node:url';
import { kw } from '@datomkit/datom-core';
import { describe, expect, it } from 'vitest';
import { type NormTxFns, dryRun, ensureNorms, normStatus, verifyChecksums } from '../src/index.js';
import { freshConn } from './helpers/fresh-conn.js';

const EXAMPLE = fileURLToPath(new URL('../../../examples/migrations', import.meta.url));
// Imported by URL: the example folder lies outside this package's tsconfig.
const txFnsModule = new URL('../../../examples/migrations/music-tx-fns.ts', import.meta.url).href;
const { MUSIC_TX_FNS } = (await import(txFnsModule)) as { MUSIC_TX_FNS: NormTxFns };

async function catalog(releases: number) {
  const conn = await freshConn();
  const attr = (ident: string, type: string) => ({
    'db/ident': kw(ident),
    'db/valueType': kw(`db.type/${type}`),
    'db/cardinality': kw('db.cardinality/one'),
  });
  await conn.transact([attr('release/name', 'string'), attr('release/date', 'instant')]);
  await conn.transact(
    Array.from({ length: releases }, (_, i) => ({
      'release/name': `Release ${i}`,
      'release/date': new Date(Date.UTC(1950 + (i % 70), i % 12, 1)),
    })),
  );
  return conn;
}

describe('examples/migrations', () => {
  it('has up-to-date checksums', async () => {
    expect(await verifyChecksums(EXAMPLE)).toMatchObject({ ok: true, added: [], missing: [], changed: [] });
  });

  it('migrates a music catalog: two attributes, a batched backfill, then nothing on a second run', async () => {
    const conn = await catalog(1200);
    const result = await ensureNorms(conn, EXAMPLE, { txFns: MUSIC_TX_FNS });
    expect(result.applied).toEqual([
      '001-release-rating.edn',
      '002-release-year.edn',
      '003-backfill-release-year.edn',
      '004-label-country.edn',
    ]);
    expect(result.steps[2]?.batches).toBe(3);
    const db = conn.db();
    expect(db.attribute('release/year')).toMatchObject({ valueType: 'long', index: true });
    const years = await db.datoms('aevt', 'release/year').toArray();
    expect(years).toHaveLength(1200);
    const dates = new Map((await db.datoms('aevt', 'release/date').toArray()).map((d) => [d.e, d.v as Date]));
    expect(years.every((d) => dates.get(d.e)?.getUTCFullYear() === d.v)).toBe(true);
    expect((await ensureNorms(conn, EXAMPLE, { txFns: MUSIC_TX_FNS })).applied).toEqual([]);
    expect((await normStatus(conn, EXAMPLE)).upToDate).toBe(true);
  });

  it('dry-runs on the catalog without committing', async () => {
    const conn = await catalog(40);
    const t = conn.db().basisT;
    const result = await dryRun(conn, EXAMPLE, { txFns: MUSIC_TX_FNS });
    expect(result.steps.map((s) => s.status)).toEqual(['applied', 'applied', 'applied', 'applied']);
    expect(await result.db.datoms('aevt', 'release/year').count()).toBe(40);
    expect(conn.db().basisT).toBe(t);
  });
});
