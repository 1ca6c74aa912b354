import { type Datom, FIRST_USER_EID, TX_BASE, type TxLogEntry, Uuid, tToTx } from '@datomkit/datom-core';
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { LogColumns, Rows } from '../src/index.js';

/** Source transactions in t order, each with datoms of its own transaction (values of several kinds, entities up to transaction ids). */
const entries = fc
  .array(
    fc.array(
      fc.record({
        e: fc.oneof(fc.integer({ min: 1, max: FIRST_USER_EID + 100_000 }), fc.integer({ min: TX_BASE, max: TX_BASE + 1_000_000 })),
        a: fc.integer({ min: 1, max: FIRST_USER_EID + 500 }),
        v: fc.oneof(
          fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
          fc.string(),
          fc.boolean(),
          fc.double({ noNaN: true }),
          fc.uuid().map((u) => new Uuid(u)),
          fc.date({ noInvalidDate: true }),
        ),
        added: fc.boolean(),
      }),
      { maxLength: 30 },
    ),
    { maxLength: 20 },
  )
  .map((txs): TxLogEntry[] =>
    txs.map((data, i) => {
      const t = 3 * i + 1;
      const tx = tToTx(t);
      return { t, tx, data: data.map((d): Datom => ({ ...d, tx })) };
    }),
  );

describe('LogColumns', () => {
  test.prop([entries])('LogColumns.of gives back every transaction as it was, in order', (log) => {
    const cols = LogColumns.of(log);
    expect(cols.count).toBe(log.length);
    expect(cols.rows).toBe(log.reduce((n, e) => n + e.data.length, 0));
    for (let k = 0; k < log.length; k++) expect(cols.entry(k)).toEqual(log[k]);
  });

  test.prop([entries, fc.integer({ min: 0, max: 70 })])(
    'rows appended one at a time from room for a few grow as needed; dropOpen takes back an unfinished transaction only',
    (log, capacity) => {
      const cols = new LogColumns(capacity);
      for (const entry of log) {
        // A transaction a reader gives up on halfway, then the real one.
        for (const d of entry.data.slice(0, 3)) cols.row(d.e, d.a, d.v, d.added);
        cols.dropOpen();
        for (const d of entry.data) cols.row(d.e, d.a, d.v, d.added);
        cols.endTx(entry.tx);
      }
      cols.row(1, 2, 'unfinished', true);
      cols.dropOpen();
      expect(cols.count).toBe(log.length);
      expect(cols.rows).toBe(log.reduce((n, e) => n + e.data.length, 0));
      expect(log.map((_, k) => cols.entry(k))).toEqual(log);
    },
  );

  test.prop([entries])('clear empties the columns, which then read each transaction again as new ones would', (log) => {
    const cols = new LogColumns(4);
    for (const entry of log) {
      cols.clear();
      cols.push(entry);
      expect([cols.count, cols.rows]).toEqual([1, entry.data.length]);
      expect(cols.entry(0)).toEqual(entry);
    }
    cols.clear();
    expect([cols.count, cols.rows, cols.start]).toEqual([0, 0, [0]]);
  });

  test('Rows are some datoms of one transaction, which they name (or the transaction they were made from)', () => {
    const tx = tToTx(7);
    const data: Datom[] = [
      { e: tx, a: 50, v: new Date(0), tx, added: true },
      { e: FIRST_USER_EID, a: FIRST_USER_EID + 1, v: 'Nina', tx, added: true },
      { e: FIRST_USER_EID, a: FIRST_USER_EID + 2, v: 3, tx, added: false },
    ];
    const cols = LogColumns.of([{ t: 7, tx, data }]);
    const rows = new Rows(cols, 0, 1, 3);
    expect([rows.length, rows.t]).toEqual([2, 7]);
    expect(rows.datoms()).toEqual(data.slice(1));
    expect(rows.datom(2)).toEqual(data[2]);
    expect(rows.entry()).toEqual({ t: 7, tx, data });
    const kept = LogColumns.of([{ t: 7, tx, data: data.slice(2) }]);
    const origin = { t: 7, tx, data };
    expect(new Rows(kept, 0, 0, 1, origin).entry()).toBe(origin);
  });
});
