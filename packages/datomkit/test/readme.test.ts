import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connect, createDatabase, q } from '../src/index.js';
import { ensureNorms } from '../src/norm.js';
import { incrementalRestore, verifyRestore } from '../src/restore.js';

const root = mkdtempSync(join(tmpdir(), 'datomkit-readme-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the README, as a user runs it through the one package', () => {
  it('creates a durable database, migrates it, transacts EDN, pulls, and clones it', async () => {
    const migrations = join(root, 'migrations');
    mkdirSync(migrations);
    writeFileSync(
      join(migrations, '001-artists.edn'),
      '{:tx-data [{:db/ident :artist/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}]}',
    );
    const uri = `file:${join(root, 'music')}`;
    await createDatabase(uri);
    const conn = await connect(uri);
    const migrated = await ensureNorms(conn, migrations, { verifyChecksums: false });
    expect(migrated.steps.map((s) => s.status)).toEqual(['applied']);
    await conn.transact('[{:artist/name "Nina Simone"}]');
    const db = conn.db();
    expect(await db.pull('[*]', [':artist/name', 'Nina Simone'])).toMatchObject({ 'artist/name': 'Nina Simone' });
    expect(await q('[:find ?name :where [?a :artist/name ?name]]', db)).toEqual([['Nina Simone']]);
    expect(db.entity([':artist/name', 'Nina Simone'] as never)?.get('artist/name')).toBe('Nina Simone');

    const copyUri = `file:${join(root, 'copy')}`;
    const stateUri = `file:${join(root, 'state')}`;
    for (const u of [copyUri, stateUri]) await createDatabase(u);
    const dest = await connect(copyUri);
    const state = await connect(stateUri);
    const first = await incrementalRestore({ sourceConn: conn, destConn: dest, stateConn: state });
    expect(first.status).toBe('initial');
    await conn.transact('[{:artist/name "Miles Davis"}]');
    const next = await incrementalRestore({ sourceConn: conn, destConn: dest, stateConn: state });
    expect(next.status).toBe('incremental');
    const report = await verifyRestore(conn.db(), dest.db());
    expect(report.differences).toEqual([]);
    expect(report.equal).toBe(true);
    for (const c of [conn, dest, state]) await c.close();
  });
});
