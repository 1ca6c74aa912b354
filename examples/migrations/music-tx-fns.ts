// The tx-fns the example norms name. datomkit never loads code from a migrations folder: the
// caller imports this registry and passes it as `txFns` (see README.md). No imports here, so any
// package can import this file as it is.

interface Datom {
  readonly e: number;
  readonly v: unknown;
}
interface Db {
  attribute(ident: string): unknown;
  datoms(index: 'aevt', attr: string): AsyncIterable<Datom> & { toArray(): Promise<Datom[]> };
}
interface Conn {
  db(): Db;
}

/** Releases per transaction of the backfill. */
export const BACKFILL_BATCH_SIZE = 500;

/**
 * `datomkit.examples.music/backfill-release-year`: sets `:release/year` from `:release/date`,
 * 500 releases per transaction. Each batch asks the database for releases that still lack a year,
 * so the backfill is idempotent and resumes where an interrupted run stopped.
 */
function backfillReleaseYear(conn: Conn): AsyncIterable<unknown[]> {
  return (async function* () {
    for (;;) {
      const db = conn.db();
      if (db.attribute('release/date') === null) return;
      const done = new Set((await db.datoms('aevt', 'release/year').toArray()).map((d) => d.e));
      const batch: unknown[] = [];
      for await (const d of db.datoms('aevt', 'release/date')) {
        if (done.has(d.e) || !(d.v instanceof Date)) continue;
        batch.push(['db/add', d.e, 'release/year', d.v.getUTCFullYear()]);
        if (batch.length === BACKFILL_BATCH_SIZE) break;
      }
      if (batch.length === 0) return;
      yield batch;
    }
  })();
}

/**
 * The registry to pass to `ensureNorms(conn, 'examples/migrations', { txFns: MUSIC_TX_FNS })`.
 */
export const MUSIC_TX_FNS = {
  'datomkit.examples.music/backfill-release-year': backfillReleaseYear,
} as const;
