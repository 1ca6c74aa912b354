import type { TxData, TxMap } from '@datomkit/datom-core';

/** The map forms of a batch (the generator only writes map forms). */
export function maps(tx: TxData): Readonly<Record<string, unknown>>[] {
  return tx.filter((f): f is TxMap => !Array.isArray(f)) as Readonly<Record<string, unknown>>[];
}

/** Every batch of a catalog, collected (only for the small sizes tests use). */
export function collect(batches: Iterable<TxData>): TxData[] {
  return [...batches];
}
