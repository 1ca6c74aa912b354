import { type Database, type Datom, FIRST_USER_EID, type TxLogEntry, tToTx } from '@datomkit/datom-core';

/**
 * No-history backups keep, of each transaction, the datoms of system attributes (so schema changes
 * and renames replay as they happened), the assertions still current at the backup's basis, and,
 * when continuing a file whose basis is `fileT`, the first retraction of each datom the file holds
 * (current at `fileT`) that is gone now.
 */
export async function currentDatoms(db: Database, entry: TxLogEntry, fileT: number | null): Promise<Datom[]> {
  const out: Datom[] = [];
  for (const d of entry.data) {
    if (d.a < FIRST_USER_EID || d.e === entry.tx) {
      out.push(d);
      continue;
    }
    if (d.added) {
      for (const c of await db.datoms('eavt', d.e, d.a, d.v).toArray()) {
        if (c.tx === d.tx) {
          out.push(d);
          break;
        }
      }
    } else if (fileT !== null) {
      const before = await db.asOf(entry.t - 1).datoms('eavt', d.e, d.a, d.v).toArray();
      if (before.some((c) => c.tx <= tToTx(fileT))) out.push(d);
    }
  }
  return out;
}

