import type { Database } from '../db/database.js';
import type { DbState } from '../db/db-state.js';
import type { Datom } from '../model/datom.js';
import type { TxOutcome } from '../db/tx-outcome.js';
import type { TxReport } from '../tx/tx-data.js';

/**
 * The report of a committed transaction. Its database values and datoms are made when first read
 * and then kept: at thousands of small transactions per second, making them for every commit cost
 * more than most of the commit itself, and most callers read only `tempids` or nothing.
 *
 * The fields are getters on the prototype, so a spread (`{ ...report }`) copies none of them; read
 * them by name.
 *
 * @example
 * ```ts
 * const report = await conn.transact([{ 'db/id': 'p', 'person/name': 'Ada' }])
 * const ada = report.tempids.p
 * for (const d of report.txData) console.log(d.e, d.a, d.v)
 * ```
 */
export class CommitReport implements TxReport {
  /**
   * A live report, kept as `Tempids.kept` (tx/expand-tx.ts) is: one is made per transaction, and
   * callers mostly drop it at once.
   */
  static readonly kept: CommitReport = new CommitReport(
    () => null as unknown as Database,
    null as unknown as DbState,
    { state: null as unknown as DbState, rows: [] } as unknown as TxOutcome,
  );

  readonly #valueOf: (s: DbState) => Database;
  readonly #before: DbState;
  readonly #after: DbState;
  readonly #rows: readonly number[];
  readonly #out: TxOutcome;
  #dbBefore: Database | null = null;
  #dbAfter: Database | null = null;
  #txData: readonly Datom[] | null = null;

  /**
   * @param dbOf makes the database value of a state (the connection's).
   * @param out what processing the transaction gave: the state after it, its rows and tempids.
   */
  constructor(dbOf: (s: DbState) => Database, before: DbState, out: TxOutcome) {
    this.#valueOf = dbOf;
    this.#before = before;
    this.#after = out.state;
    this.#rows = out.rows;
    this.#out = out;
  }

  /** The entity id of each tempid, `datomic.tx` included. */
  get tempids(): Readonly<Record<string, number>> {
    return this.#out.tempids;
  }

  /** The database before the transaction. */
  get dbBefore(): Database {
    this.#dbBefore ??= this.#valueOf(this.#before);
    return this.#dbBefore;
  }

  /** The database after the transaction. */
  get dbAfter(): Database {
    this.#dbAfter ??= this.#valueOf(this.#after);
    return this.#dbAfter;
  }

  /** The datoms the transaction wrote, its txInstant first. */
  get txData(): readonly Datom[] {
    if (this.#txData === null) {
      const { table } = this.#after;
      this.#txData = Object.freeze(this.#rows.map((r) => table.datom(r)));
    }
    return this.#txData;
  }
}
