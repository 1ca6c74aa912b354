// The part of node:sqlite (Node >= 22.13) the SQLite peer uses; the @types/node of this repository
// is for Node 20, which has no such module.
declare module 'node:sqlite' {
  type SqlValue = null | number | bigint | string | Uint8Array;
  class StatementSync {
    run(...params: SqlValue[]): { changes: number | bigint; lastInsertRowid: number | bigint };
    get(...params: SqlValue[]): Record<string, SqlValue> | undefined;
    all(...params: SqlValue[]): Record<string, SqlValue>[];
  }
  class DatabaseSync {
    constructor(path: string);
    exec(sql: string): void;
    prepare(sql: string): StatementSync;
    close(): void;
  }
}
