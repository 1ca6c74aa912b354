import { DatomError } from '../error/datom-error.js';

/** What a storage error tells the user to do. */
export const REPAIR_HINT = 'The database refuses to open until it is repaired: `datomkit repair <db>` (or repairDatabase) truncates it to the last good transaction and reports what it drops; or restore it from a backup';

/** A `storage/corrupt` error naming `source` (the file or key) and what else locates the damage. */
export function corrupt(message: string, source: string, extra: Record<string, unknown> = {}): DatomError {
  return new DatomError('storage/corrupt', message, { data: { source, ...extra } });
}
