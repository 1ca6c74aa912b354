// The part of the `datascript` npm package (1.8.1, CommonJS, untyped) the benchmarks use.
// Attribute names are plain strings; keys and keyword values of schema and tx data carry a colon.
declare module 'datascript' {
  namespace datascript {
    /** An immutable database value (a ClojureScript record). */
    interface DB {
      readonly __datascriptDb: unique symbol;
    }
    /** A mutable reference to the current DB. */
    interface Conn {
      readonly __datascriptConn: unique symbol;
    }
    /** A datom: `tx` is negative for a retraction; there is no `added`. */
    interface Datom {
      readonly e: number;
      readonly a: string;
      readonly v: unknown;
      readonly tx: number;
    }
    type Schema = Record<string, Record<string, unknown>>;
    type TxData = readonly unknown[];
    interface TxReport {
      readonly db_before: DB;
      readonly db_after: DB;
      readonly tx_data: readonly Datom[];
      readonly tempids: Readonly<Record<string, number>>;
      readonly tx_meta: unknown;
    }
    type IndexName = ':eavt' | ':aevt' | ':avet';

    function empty_db(schema?: Schema): DB;
    function init_db(datoms: readonly unknown[], schema?: Schema): DB;
    function create_conn(schema?: Schema): Conn;
    function conn_from_db(db: DB): Conn;
    function db(conn: Conn): DB;
    function db_with(db: DB, txData: TxData): DB;
    function transact(conn: Conn, txData: TxData, txMeta?: unknown): TxReport;
    function resolve_tempid(tempids: TxReport['tempids'], tempid: string | number): number;
    function datoms(db: DB, index: IndexName, ...components: unknown[]): Datom[];
    /** Runs a Datalog query given as EDN text. */
    function q(query: string, ...inputs: unknown[]): unknown;
  }
  export = datascript;
}
