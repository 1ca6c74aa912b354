import { type Database, type Datom, FIRST_USER_EID, TX_BASE } from '@datomkit/datom-core';
import { checkAborted } from './internal/abort.js';
import { Channel } from './internal/channel.js';
import { SourceSchema } from './source-schema.js';

/**
 * Options of {@link readCurrentState}.
 *
 * @example
 * ```ts
 * const options: ReadCurrentStateOptions = { sourceDb, readParallelism: 4, readChunk: 1000 }
 * ```
 */
export interface ReadCurrentStateOptions {
  /** The source database value. */
  readonly sourceDb: Database;
  /** The t to read as of; default the value's own basis. */
  readonly basisT?: number;
  /** The source schema as of `basisT` (loaded when not given). */
  readonly schema?: SourceSchema;
  /** How many entity ranges are read at once. Default 1: the whole of EAVT in one pass, in order. */
  readonly readParallelism?: number;
  /** Entity ids per range, and the datom count at which a chunk is handed on. Default 5000. */
  readonly readChunk?: number;
  readonly signal?: AbortSignal;
}

/**
 * The filter every current-state read applies: the datoms that a copy writes as data. Schema
 * attributes of schema entities are copied by `copySchema`, `db/txInstant` is the destination's
 * own, composite tuples are derived by the destination from their parts, and the restore's
 * bookkeeping is never copied.
 *
 * @example
 * ```ts
 * const data = datoms.filter((d) => isDataDatom(schema, d))
 * ```
 */
export function isDataDatom(schema: SourceSchema, d: Datom): boolean {
  const kind = schema.kind(d.a);
  if (kind === null || kind.bookkeeping || kind.composite) return false;
  if (d.a < FIRST_USER_EID) return d.a === schema.sys.doc && !schema.isSchemaEntity(d.e);
  return true;
}

/** {@link isDataDatom} with the decision about each attribute made once. */
function dataFilter(schema: SourceSchema): (d: Datom) => boolean {
  // Per attribute: 0 never data, 1 always, 2 unless the entity is a schema entity (db/doc).
  const byAttr = new Map<number, number>();
  return (d) => {
    let k = byAttr.get(d.a);
    if (k === undefined) {
      const kind = schema.kind(d.a);
      k = kind === null || kind.bookkeeping || kind.composite ? 0 : d.a >= FIRST_USER_EID ? 1 : d.a === schema.sys.doc ? 2 : 0;
      byAttr.set(d.a, k);
    }
    return k === 1 || (k === 2 && !schema.isSchemaEntity(d.e));
  };
}

/**
 * The current-state reader: every data datom of `sourceDb` as of one basis t, in chunks that each
 * hold whole entities (an entity is never split between two chunks). With `readParallelism` 1 the
 * user entities come in EAVT order, in one pass; above 1, entity id ranges are read that many at a
 * time, so chunks arrive in no particular order. Transaction entities' own datoms (other than
 * `db/txInstant`) are read alongside. A failure of any range reader fails the iteration; breaking
 * out of it stops the readers.
 *
 * @example
 * ```ts
 * for await (const chunk of readCurrentState({ sourceDb })) console.log(chunk.length)
 * ```
 */
export async function* readCurrentState(options: ReadCurrentStateOptions): AsyncGenerator<readonly Datom[]> {
  const { sourceDb, signal } = options;
  const basisT = options.basisT ?? sourceDb.asOfT ?? sourceDb.basisT;
  const schema = options.schema ?? (await SourceSchema.load(sourceDb, basisT));
  // A plain value read at its own basis needs no asOf filter, which would merge in the history index.
  const plain = sourceDb.asOfT === null && sourceDb.sinceT === null && !sourceDb.isHistory && basisT >= sourceDb.basisT;
  const db = plain ? sourceDb : sourceDb.asOf(basisT);
  const isData = dataFilter(schema);
  const parallelism = Math.max(1, options.readParallelism ?? 1);
  const chunk = Math.max(1, options.readChunk ?? 5000);
  const out = new Channel<readonly Datom[]>(parallelism * 2);
  let next = FIRST_USER_EID;
  let userDone = false;
  let stopped = false;

  /** Reads [lo, hi) and hands on chunks of whole entities; returns the first entity at or past hi. */
  const readRange = async (lo: number, hi: number): Promise<number> => {
    let acc: Datom[] = [];
    let lastE = -1;
    let beyond = Number.POSITIVE_INFINITY;
    outer: for await (const batch of db.seekDatoms('eavt', lo).batches()) {
      if (stopped) return beyond;
      checkAborted(signal, 'reading the current state');
      // An index loop: the loop holds across an await, and an iterator would make a result per datom.
      for (let i = 0; i < batch.length; i++) {
        const d = batch[i] as Datom;
        if (d.e >= hi) {
          beyond = d.e;
          break outer;
        }
        if (d.e !== lastE) {
          if (acc.length >= chunk) {
            await out.put(acc);
            acc = [];
          }
          lastE = d.e;
        }
        if (isData(d)) acc.push(d);
      }
    }
    if (acc.length > 0) await out.put(acc);
    return beyond;
  };

  // One reader scans the user entities in one pass: no range restarts, no datoms read past a range's end.
  const span = parallelism === 1 ? TX_BASE : chunk;
  const worker = async (): Promise<void> => {
    while (!userDone && !stopped) {
      const lo = next;
      const hi = Math.min(lo + span, TX_BASE);
      next = hi;
      const beyond = await readRange(lo, hi);
      if (beyond >= TX_BASE) userDone = true;
      else if (beyond > next) next = beyond;
    }
  };

  const all = Promise.all([...Array.from({ length: parallelism }, worker), readRange(TX_BASE, Number.POSITIVE_INFINITY)]).then(
    () => out.close(),
    (err: unknown) => out.fail(err),
  );
  try {
    for await (const c of out) yield c;
  } finally {
    stopped = true;
    out.fail(new Error('reader stopped'));
    await all;
  }
}
