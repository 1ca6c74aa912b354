// The in-memory transaction log keeps its entries as columns of numbers (log/tx-log.ts).
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { LogEntry, TxLog } from '../src/log/tx-log.js';

interface Span {
  t: number;
  start: number;
  count: number;
  instant: number;
}

/** Entries with increasing t (from `firstT`, with gaps), consecutive rows and non-decreasing instants. */
const spans = fc
  .tuple(fc.integer({ min: 1, max: 50 }), fc.array(fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 9 }), fc.nat(5000)), { maxLength: 300 }))
  .map(([firstT, steps]) => {
    const out: Span[] = [];
    let t = firstT;
    let row = 10;
    let instant = 1_700_000_000_000;
    for (const [dt, count, di] of steps) {
      out.push({ t, start: row, count, instant });
      t += dt;
      row += count;
      instant += di;
    }
    return out;
  });

const plain = (e: LogEntry | undefined): Span | undefined => (e === undefined ? undefined : { t: e.t, start: e.start, count: e.count, instant: e.instant });

describe('TxLog', () => {
  test.prop([spans, fc.nat(400), fc.nat(400)], { numRuns: 200, seed: 3 })('holds what was pushed, finds entries by t, slices and iterates like an array of entries', (model, a, b) => {
    const log = new TxLog(1);
    for (const s of model) log.pushRows(s.t, Array.from({ length: s.count }, (_, i) => s.start + i), s.instant);
    expect(log.length).toBe(model.length);
    for (let i = 0; i < model.length; i++) {
      const s = model[i] as Span;
      expect(plain(log.at(i))).toEqual(s);
      expect([log.t(i), log.count(i), log.instant(i)]).toEqual([s.t, s.count, s.instant]);
      expect(log.indexOf(s.t)).toBe(i);
      expect(log.rowsOf(s.t)).toEqual(Array.from({ length: s.count }, (_, k) => s.start + k));
    }
    const ts = new Set(model.map((s) => s.t));
    for (let t = 0; t < 400; t++) if (!ts.has(t)) expect(log.rowsOf(t)).toBeUndefined();
    expect(log.at(-1)).toBeUndefined();
    expect(log.at(model.length)).toBeUndefined();
    expect([...log].map(plain)).toEqual(model);
    expect([...log.slice(a, b)].map(plain)).toEqual(model.slice(a, b));
    expect([...log.slice(a)].map(plain)).toEqual(model.slice(a));
    expect([...TxLog.from(model)].map(plain)).toEqual(model);
    // A slice is a copy: pushing to it leaves the log as it was.
    const copy = log.slice();
    copy.push(10_000, 0, 1, 0);
    expect(log.length).toBe(model.length);
  });

  it('gives a log entry its rows, the txInstant first', () => {
    expect(new LogEntry(4, 100, 3, 0).rows).toEqual([100, 101, 102]);
    expect(new LogEntry(4, 100, 0, 0).rows).toEqual([]);
  });
});
