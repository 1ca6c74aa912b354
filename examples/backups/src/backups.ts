// Keeps backups of a file database three ways, and restores each:
// - physical, differential backups to a folder (the second copies only what changed), listed,
//   verified, and restored as of any listed t;
// - a file backup in datomic-backup's format (one EDN line per transaction), replayed into an
//   empty database by restoreDb;
// - an EDN export of the current datoms, for Clojure tools and scripts.
//
//   pnpm --filter @datomkit/example-backups start
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { type Connection, type Database, connect, createDatabase, kw, printEdn } from 'datomkit';
import { backupDatabase, backupDb, exportDatoms, listBackups, restoreBackup, restoreDb, verifyBackup } from 'datomkit/backup';
import { verifyRestore } from 'datomkit/restore';

const work = mkdtempSync(join(tmpdir(), 'datomkit-example-backups-'));
const path = (name: string): string => join(work, name);

/** Every datom of `db`'s current state, as EDN text: a physical restore keeps the entity ids. */
async function datomText(db: Database): Promise<string> {
  return (await db.datoms('eavt').toArray()).map((d) => printEdn([d.e, d.a, d.v, d.tx])).join('\n');
}

async function open(uri: string): Promise<Connection> {
  await createDatabase(uri);
  return connect(uri);
}

const music = await open(`file:${path('music')}`);
await music.transact([
  { 'db/ident': kw('artist/name'), 'db/valueType': kw('db.type/string'), 'db/cardinality': kw('db.cardinality/one'), 'db/unique': kw('db.unique/identity') },
  { 'db/ident': kw('artist/country'), 'db/valueType': kw('db.type/keyword'), 'db/cardinality': kw('db.cardinality/one') },
]);
await music.transact([
  { 'artist/name': 'Nina Simone', 'artist/country': kw('country/US') },
  { 'artist/name': 'Fela Kuti', 'artist/country': kw('country/NG') },
]);

// 1. Physical backups: a live database is backed up consistently; the second point copies only
// the log bytes written since the first.
const folder = path('backups');
const first = await backupDatabase({ source: `file:${path('music')}`, dir: folder });
const beforeChange = music.db();
await music.transact([{ 'artist/name': 'Nina Simone', 'artist/country': kw('country/FR') }]);
const second = await backupDatabase({ source: `file:${path('music')}`, dir: folder });
console.log(`backup points: t ${first.t} (${first.bytesWritten} bytes), t ${second.t} (${second.bytesWritten} bytes more)`);
for (const p of await listBackups(folder)) console.log(`  listed: t ${p.t}, ${p.files} files, ${p.bytes} bytes, taken ${p.time}`);
const verified = await verifyBackup({ dir: folder });
console.log(`verify: ${verified.ok ? 'every blob of every point is there and matches its checksum' : 'PROBLEMS'}`);
if (!verified.ok) process.exit(1);

// Restore as of the first point: the database before the change, equal datom for datom.
await restoreBackup({ dir: folder, dest: `file:${path('as-of-first')}`, t: first.t });
const asOfFirst = await connect(`file:${path('as-of-first')}`);
const same = (await datomText(beforeChange)) === (await datomText(asOfFirst.db()));
console.log(`restore-backup --t ${first.t}: ${same ? 'equal to the source as of that t' : 'DIFFERENT'}`);
await asOfFirst.close();

// 2. A file backup of every transaction, then replayed into an empty database.
const file = path('music.backup.edn');
const written = await backupDb({ source: music, backupFile: file });
const copy = await open(`file:${path('from-file')}`);
const replayed = await restoreDb({ source: file, destConn: copy });
const equal = await verifyRestore(music.db(), copy.db());
console.log(`file backup: ${written.txCount} transactions; restoreDb replayed ${replayed.txCount}: ${equal.equal ? 'equal to the source' : 'DIFFERENT'}`);
await copy.close();

// 3. The current datoms as EDN, one #datom per line.
const edn = path('music.edn');
const out = createWriteStream(edn);
const exported = await exportDatoms({ source: music, out });
out.end();
await finished(out);
console.log(`export: ${exported.datoms} datoms to ${edn}`);

await music.close();
rmSync(work, { recursive: true, force: true });
if (!same || !equal.equal) process.exit(1);
