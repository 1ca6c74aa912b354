import { type Keyword, type Uuid, connect, createDatabase, deleteDatabase, kw } from '@datomkit/datom-core';
import { afterAll, describe, expect, it } from 'vitest';
import { CATALOG_VALUE_TYPES, catalogSchema, catalogSchemaEdn, catalogStats, generateCatalog } from '../src/index.js';
import { maps } from './helpers.js';

const URI = 'mem://testkit-catalog';
const SIZE = 20_000;
const BATCH = 300;

describe('a catalog transacted into datom-core', () => {
  afterAll(async () => {
    await deleteDatabase(URI);
    await deleteDatabase(`${URI}-edn`);
  });

  it('is accepted batch by batch and holds exactly the datoms catalogStats counts', async () => {
    await createDatabase(URI);
    const conn = await connect(URI);
    await conn.transact(catalogSchema());
    for (const tx of generateCatalog({ datoms: SIZE, batchEntities: BATCH })) await conn.transact(tx);
    const db = conn.db();
    let held = 0;
    for (const attr of CATALOG_VALUE_TYPES.keys()) held += await db.datoms('aevt', attr).count();
    const stats = catalogStats(SIZE, { batchEntities: BATCH });
    expect(held).toBe(stats.datoms + stats.tupleDatoms);
    expect(await db.datoms('aevt', 'artist/gid').count()).toBe(stats.artists);
    expect(await db.datoms('aevt', 'track/medium+position').count()).toBe(stats.tracks);
    await conn.close();
  });

  it('pulls a release with its component media, enum idents and an artist of an earlier batch', async () => {
    const conn = await connect(URI);
    const last = [...generateCatalog({ datoms: SIZE, batchEntities: BATCH })].at(-1) ?? [];
    const release = maps(last).find((m) => 'release/gid' in m);
    const pulled = await conn
      .db()
      .pull('[:release/name {:release/type [:db/ident]} {:release/media [:medium/position]} {:release/artists [:artist/name]}]', [
        kw('release/gid'),
        release?.['release/gid'] as Uuid,
      ]);
    expect(pulled).toMatchObject({
      'release/name': release?.['release/name'],
      'release/type': { 'db/ident': release?.['release/type'] as Keyword },
      'release/media': expect.arrayContaining([{ 'medium/position': 1 }]),
    });
    expect(pulled?.['release/artists']).toHaveLength(2);
    await conn.close();
  });

  it('accepts the EDN schema as well as the JS one', async () => {
    await createDatabase(`${URI}-edn`);
    const conn = await connect(`${URI}-edn`);
    await conn.transact(catalogSchemaEdn());
    expect(conn.db().attribute('track/medium+position')?.tupleAttrs).toHaveLength(2);
    expect(conn.db().attribute('release/media')).toMatchObject({ isComponent: true, cardinality: 'many' });
    await conn.close();
  });
});
