// The README's main job: a music catalog in a file database, migrated with norm, cloned with an
// incremental restore, changed, caught up and verified, using the library as an application would.
// Run it with `pnpm demo` at the root of the repository.
import { rm } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Connection, connect, createDatabase, type Database, kw, q, uuid } from 'datomkit';
import { type NormTxFns, ensureNorms } from 'datomkit/norm';
import { incrementalRestore, verifyRestore } from 'datomkit/restore';
import { catalogSchema, generateCatalog } from '@datomkit/testkit';

const DATOMS = 50_000;
const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const dataDir = here('../data');
const migrations = here('../../migrations');
// Relative to the example folder, where `pnpm demo` runs this script.
const SOURCE = 'file:./data/source';
const CLONE = 'file:./data/clone';
const STATE = 'file:./data/restore-state';

const count = (n: number): string => n.toLocaleString('en-US');
const seconds = (since: number): string => `${((performance.now() - since) / 1000).toFixed(1)}s`;
const step = (n: number, text: string): void => console.log(`${n}. ${text}`);

async function main(): Promise<void> {
  const started = performance.now();
  console.log('datomkit demo: a music catalog, migrated, cloned and kept in step\n');
  process.chdir(here('..'));
  await rm(dataDir, { recursive: true, force: true });

  // 1. A durable database on local files.
  await createDatabase(SOURCE);
  const source = await connect(SOURCE);
  step(1, `Created ${SOURCE} (examples/demo/data/source)`);

  // 2. The sample catalog: schema, then batches of artists, labels, releases and tracks.
  let t0 = performance.now();
  let datoms = (await source.transact(catalogSchema())).txData.length;
  let transactions = 1;
  for (const batch of generateCatalog({ datoms: DATOMS, seed: 42 })) {
    datoms += (await source.transact(batch)).txData.length;
    transactions++;
  }
  step(2, `Loaded the sample catalog: ${count(datoms)} datoms in ${transactions} transactions (${seconds(t0)})`);

  // 3. Schema migrations, each applied once and only once; the backfill's tx-fn comes from the app.
  t0 = performance.now();
  const { MUSIC_TX_FNS } = (await import(pathToFileURL(`${migrations}/music-tx-fns.ts`).href)) as { MUSIC_TX_FNS: NormTxFns };
  const norms = await ensureNorms(source, migrations, { txFns: MUSIC_TX_FNS });
  step(3, `Applied ${norms.applied.length} norms from examples/migrations (${seconds(t0)})`);
  for (const s of norms.steps) {
    const batches = s.batches === null ? '' : ` in ${s.batches} transaction${s.batches === 1 ? '' : 's'}`;
    console.log(`     ${s.id.padEnd(32)} ${s.status}, ${count(s.datoms.length)} datoms${batches}`);
  }
  const again = await ensureNorms(source, migrations, { txFns: MUSIC_TX_FNS });
  console.log(`     (running them again applies ${again.applied.length}: every norm is marked as applied)`);

  // 4. The clone: an incremental restore copies the current state on its first run.
  t0 = performance.now();
  await createDatabase(CLONE);
  await createDatabase(STATE);
  const clone = await connect(CLONE);
  const state = await connect(STATE);
  const first = await incrementalRestore({ sourceConn: source, destConn: clone, stateConn: state });
  step(
    4,
    `Cloned it into ${CLONE} with an incremental restore: ${count(first.stats.datomsWritten)} datoms in ${count(first.stats.transactions)} transactions (${seconds(t0)}), as of source t ${first.lastSourceT}`,
  );

  // 5. Life goes on in the source.
  const changes = await changeSource(source);
  step(5, `Changed the source in ${changes.length} transactions:`);
  for (const c of changes) console.log(`     ${c}`);

  // 6. The next run replays only the source transactions the clone lacks.
  t0 = performance.now();
  const next = await incrementalRestore({ sourceConn: source, destConn: clone, stateConn: state });
  step(6, `Caught the clone up: replayed ${next.transactionsReplayed} transactions (${seconds(t0)}); it is at source t ${next.lastSourceT}`);

  // 7. Schema and every datom, entity ids mapped through the restore's mapping.
  t0 = performance.now();
  const report = await verifyRestore(source.db(), clone.db());
  const compared = report.attributes.reduce((n, a) => n + a.source, 0);
  if (!report.equal) {
    console.error(`7. The clone differs from the source: ${report.missing} missing, ${report.extra} extra datoms`);
    console.error(report.differences.slice(0, 10));
    process.exitCode = 1;
  } else {
    step(7, `Verified: source and clone are equal (${report.attributes.length} attributes, ${count(compared)} datoms compared, ${seconds(t0)})`);
  }

  // 8. Datalog on the clone: the same answers as on the source.
  t0 = performance.now();
  const top = await topArtists(clone.db());
  const same = JSON.stringify(await topArtists(source.db())) === JSON.stringify(top);
  step(8, `Queried the clone with q (${seconds(t0)}): the artists with the most releases${same ? ', as in the source' : ' DIFFER from the source'}`);
  for (const [name, n] of top) console.log(`     ${String(name).padEnd(32)} ${n} releases`);
  if (!same) process.exitCode = 1;

  await Promise.all([source.close(), clone.close(), state.close()]);
  console.log(`\nDone in ${seconds(started)}. Look around with the CLI, from the repository root:`);
  console.log('  node packages/cli/bin/datomkit.js info examples/demo/data/clone');
  console.log('  node packages/cli/bin/datomkit.js norm status examples/demo/data/source examples/migrations');
  console.log('  node packages/cli/bin/datomkit.js verify examples/demo/data/source examples/demo/data/clone');
  console.log(`  node packages/cli/bin/datomkit.js q examples/demo/data/clone '[:find ?name (count ?r) :where [?r :release/artists ?a] [?a :artist/name ?name]]'`);
}

/** The three artists with the most releases, by a query with a join and an aggregate. */
async function topArtists(db: Database): Promise<[string, number][]> {
  const rows = (await q('[:find ?name (count ?r) :where [?r :release/artists ?a] [?a :artist/name ?name]]', db)) as [string, number][];
  return rows.sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1)).slice(0, 3);
}

/** A few ordinary transactions: ratings (a migrated attribute), a new label, an update, a retraction. */
async function changeSource(conn: Connection): Promise<string[]> {
  const db = conn.db();
  const named = (await q('[:find ?r ?name :where [?r :release/name ?name]]', db)) as [number, string][];
  const releases = named.sort((x, y) => x[0] - y[0]).slice(0, 20).map(([e, v]) => ({ e, v }));
  await conn.transact(releases.map((d, i) => ['db/add', d.e, 'release/rating', (i % 5) + 1] as const));
  await conn.transact([
    {
      'label/gid': uuid('0d3c2b1a-0000-4000-8000-00000000d3e0'),
      'label/name': 'Demo Records',
      'label/founded': 2026,
      'label/country': kw('country/SE'),
    },
  ]);
  const first = releases[0];
  if (first === undefined) throw new Error('the catalog has no releases');
  await conn.transact([['db/add', first.e, 'release/name', `${String(first.v)} (Remastered)`]]);
  const trackId = (await q('[:find (min ?t) . :where [?t :track/name]]', db)) as number | null;
  if (trackId === null) throw new Error('the catalog has no tracks');
  const track = { e: trackId };
  await conn.transact([['db/retractEntity', track.e]]);
  return [
    `rated ${releases.length} releases (:release/rating, added by norm 001)`,
    'added the label "Demo Records" (:label/country, added by norm 004)',
    `renamed release ${first.e} to "${String(first.v)} (Remastered)"`,
    `retracted track ${track.e} and everything about it`,
  ];
}

await main();
