import { DatomError } from '@datomkit/datom-core';

/**
 * Refuses (`restore/same-database`) a restore whose databases are not distinct: a copy into its own
 * source would add a second copy of every entity to it, and a state database that is the source
 * or the destination would mix the session's records into their data. Databases are told apart by
 * their identity (`db.id`), however their URIs are spelled.
 *
 * @example
 * ```ts
 * refuseSameDatabase({ source: sourceDb.id, destination: destConn.id })
 * ```
 */
export function refuseSameDatabase(ids: Readonly<Record<string, string>>): void {
  const entries = Object.entries(ids);
  for (const [i, [role, id]] of entries.entries()) {
    const other = entries.slice(0, i).find(([, o]) => o === id);
    if (other !== undefined) {
      throw new DatomError(
        'restore/same-database',
        `The ${role} database is the ${other[0]} database (${id}): a restore needs distinct databases. Give the ${role} another database.`,
        { data: { ...ids } },
      );
    }
  }
}
