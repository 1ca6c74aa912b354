import type { Connection, TxData } from '@datomkit/datom-core';

/**
 * `conn`, with a `transact` that lets the event loop turn at least every `everyMs` before it
 * commits. A file database's transact can complete without ever yielding, so a restore that awaits
 * one transaction after another would otherwise hold back Ctrl-C (and its abort signal) until the
 * very end.
 *
 * @example
 * ```ts
 * await currentStateRestore({ sourceDb, destConn: yieldingConnection(destConn), signal })
 * ```
 */
export function yieldingConnection(conn: Connection, everyMs = 50): Connection {
  let last = performance.now();
  const transact = async (txData: TxData | string) => {
    if (performance.now() - last > everyMs) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      last = performance.now();
    }
    return conn.transact(txData);
  };
  return new Proxy(conn, {
    get(target, prop) {
      if (prop === 'transact') return transact;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
