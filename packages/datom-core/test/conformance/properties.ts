import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BigDec,
  type Connection,
  type Database,
  type Datom,
  EdnBigInt,
  EdnDouble,
  ednEquals,
  isDatomError,
  kw,
  parseEdn,
  printEdn,
  sym,
  type TxData,
  type TxReport,
  uri,
  uuid,
  type Value,
  valuesEqual,
} from '../../src/index.js';
import { fcParams, type GenOp, genTx, PROP_ATTRS, PROP_SCHEMA, REF_ORDER, REFS, toForms, vkey } from './gen.js';
import { all, attr, type MakeConn } from './helpers.js';
import { type EKey, expectTx, type ModelState, settle, stateKeys } from './reference-model.js';

const INDEXES = ['eavt', 'aevt', 'avet', 'vaet'] as const;

/** Applies generated transactions, skipping the ones the engine refuses; returns the committed reports. */
async function applyAll(conn: Connection, txs: readonly (readonly GenOp[])[]): Promise<TxReport[]> {
  const known: number[] = [];
  const reports: TxReport[] = [];
  for (const ops of txs) {
    const forms = toForms(ops, known);
    try {
      const r = await conn.transact(forms);
      reports.push(r);
      for (const [k, e] of Object.entries(r.tempids)) if (k !== 'datomic.tx' && !known.includes(e)) known.push(e);
    } catch (err) {
      if (!isDatomError(err, 'transact/')) throw err;
    }
  }
  return reports;
}

function userAttrIds(db: Database): Set<number> {
  return new Set(PROP_ATTRS.map((a) => db.attribute(a)?.id as number));
}

function dkey(d: Datom): string {
  return `${d.e}|${d.a}|${vkey(d.v)}|${d.tx}|${d.added}`;
}

async function checkIndexes(db: Database, label: string): Promise<void> {
  const ids = userAttrIds(db);
  const user = (ds: Datom[]) => ds.filter((d) => ids.has(d.a));
  const got: Record<string, Datom[]> = {};
  for (const ix of INDEXES) got[ix] = await all(db, ix);
  // Every index is in its own order (checked on the user datoms with the reference comparator) ...
  for (const ix of INDEXES) {
    const ds = user(got[ix] as Datom[]);
    for (let i = 1; i < ds.length; i++) {
      const c = REF_ORDER[ix](ds[i - 1] as Datom, ds[i] as Datom);
      if (c >= 0) expect.fail(`${label}: ${ix} out of order at ${i}: ${dkey(ds[i - 1] as Datom)} then ${dkey(ds[i] as Datom)}`);
    }
  }
  // ... and they hold the same datoms (VAET: those of ref attributes).
  const set = (ds: Datom[]) => ds.map(dkey).sort();
  const eavt = got.eavt as Datom[];
  expect(set(got.aevt as Datom[]), `${label}: aevt`).toEqual(set(eavt));
  expect(set(got.avet as Datom[]), `${label}: avet`).toEqual(set(eavt));
  const refIds = new Set([...db.schema().values()].filter((a) => a.valueType === 'ref').map((a) => a.id));
  expect(set(got.vaet as Datom[]), `${label}: vaet`).toEqual(set(eavt.filter((d) => refIds.has(d.a))));
}

/** fast-check properties over random transaction sequences. */
export function describeProperties(makeConn: MakeConn): void {
  describe('properties', () => {
    it('the four indexes hold the same datoms, each in its own order (current and history)', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(genTx, { minLength: 1, maxLength: 12 }), async (txs) => {
          const conn = await makeConn();
          await conn.transact(PROP_SCHEMA);
          await applyAll(conn, txs);
          const db = conn.db();
          await checkIndexes(db, 'current');
          await checkIndexes(db.history(), 'history');
          await conn.close();
        }),
        fcParams(40),
      );
    });

    it('db.asOf(t) equals the database as it was at t', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(genTx, { minLength: 1, maxLength: 10 }), async (txs) => {
          const conn = await makeConn();
          await conn.transact(PROP_SCHEMA);
          const reports = await applyAll(conn, txs);
          const now = conn.db();
          for (const r of reports) {
            const t = r.dbAfter.basisT;
            const asOf = now.asOf(t);
            for (const ix of INDEXES) {
              expect((await all(asOf, ix)).map(dkey), `asOf ${t} ${ix}`).toEqual((await all(r.dbAfter, ix)).map(dkey));
            }
            expect((await all(now.history().asOf(t), 'eavt')).map(dkey), `history asOf ${t}`).toEqual((await all(r.dbAfter.history(), 'eavt')).map(dkey));
            const since = (await all(now.since(t), 'eavt')).map(dkey);
            expect(since, `since ${t}`).toEqual((await all(now, 'eavt')).filter((d) => now.txToT(d.tx) > t).map(dkey));
          }
          await conn.close();
        }),
        fcParams(30),
      );
    });

    it('random transaction sequences agree with a reference model (fc.commands)', async () => {
      interface Real {
        conn: Connection;
        known: number[];
      }
      interface Model {
        state: ModelState;
      }
      const engineState = async (db: Database): Promise<string[]> => {
        const ids = userAttrIds(db);
        return (await all(db, 'eavt'))
          .filter((d) => ids.has(d.a))
          .map((d) => `${d.e}|${db.ident(d.a)?.fqn}|${vkey(d.v)}`)
          .sort();
      };
      const check = async (m: Model, r: Real, ops: readonly GenOp[], commit: boolean): Promise<void> => {
        const forms: TxData = toForms(ops, r.known);
        const exp = expectTx(m.state, forms);
        const db = r.conn.db();
        let report: TxReport;
        try {
          report = commit ? await r.conn.transact(forms) : await db.with(forms);
        } catch (err) {
          if (!isDatomError(err)) throw err;
          if (exp.ok) expect.fail(`engine refused ${JSON.stringify(forms, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))} with ${err.code}: ${err.message}`);
          expect(err.code, err.message).toBe(exp.code);
          expect(r.conn.db().basisT).toBe(db.basisT);
          return;
        }
        if (!exp.ok) expect.fail(`engine accepted ${JSON.stringify(forms, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))}; the model expects ${exp.code}`);
        // Tempids: upserts go to the holder, merged tempids share one new entity.
        const groups = new Map<EKey, number>();
        for (const [t, k] of exp.tempids) {
          const e = report.tempids[t] as number;
          expect(e, `tempid ${t}`).toBeTypeOf('number');
          if (typeof k === 'number') expect(e, `tempid ${t} upserts`).toBe(k);
          else {
            const g = groups.get(k);
            if (g === undefined) {
              expect(r.known.includes(e), `tempid ${t} gets a new entity`).toBe(false);
              groups.set(k, e);
            } else expect(e, `tempid ${t} merges`).toBe(g);
          }
        }
        const next = settle(exp.state, groups);
        expect(await engineState(report.dbAfter)).toEqual(stateKeys(next));
        const ids = userAttrIds(report.dbAfter);
        const gotDiff = report.txData
          .filter((d) => ids.has(d.a))
          .map((d) => `${d.e}|${report.dbAfter.ident(d.a)?.fqn}|${vkey(d.v)}|${d.added}`)
          .sort();
        const id = (e: EKey): EKey => groups.get(e) ?? e;
        const wantDiff = exp.diff.map((d) => `${id(d.e)}|${d.a}|${vkey(REFS.has(d.a) ? (id(d.v as EKey) as Value) : d.v)}|${d.added}`).sort();
        expect(gotDiff).toEqual(wantDiff);
        expect(report.dbAfter.basisT).toBe(db.basisT + 1);
        if (commit) {
          m.state = next;
          for (const e of groups.values()) r.known.push(e);
        } else expect(r.conn.db().basisT).toBe(db.basisT);
      };
      class TransactCommand implements fc.AsyncCommand<Model, Real> {
        constructor(readonly ops: readonly GenOp[]) {}
        check(): boolean {
          return true;
        }
        async run(m: Model, r: Real): Promise<void> {
          await check(m, r, this.ops, true);
        }
        toString(): string {
          return `transact(${JSON.stringify(this.ops)})`;
        }
      }
      class WithCommand implements fc.AsyncCommand<Model, Real> {
        constructor(readonly ops: readonly GenOp[]) {}
        check(): boolean {
          return true;
        }
        async run(m: Model, r: Real): Promise<void> {
          await check(m, r, this.ops, false);
        }
        toString(): string {
          return `with(${JSON.stringify(this.ops)})`;
        }
      }
      await fc.assert(
        fc.asyncProperty(
          fc.commands([genTx.map((ops) => new TransactCommand(ops)), genTx.map((ops) => new WithCommand(ops))], { maxCommands: 40, size: '+1' }),
          async (cmds) => {
            const conn = await makeConn();
            await conn.transact(PROP_SCHEMA);
            await fc.asyncModelRun(() => ({ model: { state: new Map() }, real: { conn, known: [] } }), cmds);
            await conn.close();
          },
        ),
        fcParams(60),
      );
    });

    describe('EDN print-then-read is the identity for every value type through transact', () => {
      const cases: [string, Record<string, unknown>, fc.Arbitrary<unknown>, (v: Value) => unknown][] = [
        ['string', {}, fc.string({ unit: 'binary', maxLength: 20 }), (v) => v],
        ['boolean', {}, fc.boolean(), (v) => v],
        ['long', {}, fc.oneof(fc.maxSafeInteger(), fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n)), (v) => v],
        ['bigint', {}, fc.bigInt(-(10n ** 40n), 10n ** 40n), (v) => new EdnBigInt(v as bigint)],
        ['float', {}, fc.float(), (v) => (Number.isInteger(v) ? new EdnDouble(v as number) : v)],
        ['double', {}, fc.double(), (v) => (Number.isInteger(v) ? new EdnDouble(v as number) : v)],
        ['bigdec', {}, fc.tuple(fc.bigInt(-(10n ** 30n), 10n ** 30n), fc.integer({ min: -10, max: 40 })).map(([u, s]) => new BigDec(u, s)), (v) => v],
        ['instant', {}, fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }), (v) => v],
        ['uuid', {}, fc.uuid().map((u) => uuid(u)), (v) => v],
        ['keyword', {}, fc.tuple(fc.option(fc.stringMatching(/^[a-z][a-z0-9.*+!_?-]{0,6}$/)), fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9*+!_?<>=-]{0,8}$/)).map(([ns, n]) => kw(ns === null ? n : `${ns}/${n}`)), (v) => v],
        ['symbol', {}, fc.tuple(fc.option(fc.stringMatching(/^[a-z][a-z0-9.*+!_?-]{0,6}$/)), fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9*+!_?<>=-]{0,8}$/)).filter(([, n]) => !['nil', 'true', 'false'].includes(n)).map(([ns, n]) => sym(ns === null ? n : `${ns}/${n}`)), (v) => v],
        ['uri', {}, fc.webUrl({ withQueryParameters: true, withFragments: true }).map((u) => uri(u)), (v) => v],
        ['bytes', {}, fc.uint8Array({ maxLength: 40 }), (v) => v],
        ['tuple', { tupleTypes: ['string', 'long', 'instant'] }, fc.tuple(fc.option(fc.string({ maxLength: 8 })), fc.option(fc.maxSafeInteger()), fc.option(fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(4e12) }))), (v) => v],
        ['tuple', { tupleType: 'keyword' }, fc.array(fc.constantFrom(kw('a'), kw('b/c'), kw('d.e/f')), { minLength: 1, maxLength: 8 }), (v) => v],
      ];
      for (const [type, opts, arb, ednForm] of cases) {
        const label = type === 'tuple' ? `tuple ${JSON.stringify(opts)}` : type;
        it(label, async () => {
          const conn = await makeConn();
          await conn.transact([attr('e/v', type, opts as never), attr('e/ref', 'ref')]);
          await fc.assert(
            fc.asyncProperty(arb, async (input) => {
              const r1 = await conn.transact([['db/add', 'x', 'e/v', input]]);
              const stored = (await all(r1.dbAfter, 'eavt', r1.tempids.x, 'e/v'))[0]?.v as Value;
              // The printed form reads back as the same EDN value ...
              const form = ednForm(stored);
              const text = printEdn(form);
              const back = parseEdn(text);
              if (!ednEquals(back, form)) expect.fail(`${text} reads back as ${printEdn(back)}`);
              // ... and transacting the printed transaction stores the same value, of the same kind.
              const txText = printEdn([[kw('db/add'), 'x', kw('e/v'), form]]);
              const r2 = await conn.transact(txText);
              const again = (await all(r2.dbAfter, 'eavt', r2.tempids.x, 'e/v'))[0]?.v as Value;
              expect(valuesEqual(again, stored), `${txText}: ${String(again)} vs ${String(stored)}`).toBe(true);
              expect(Object.prototype.toString.call(again)).toBe(Object.prototype.toString.call(stored));
              if (typeof stored === 'number') expect(Object.is(again, stored) || (Number.isNaN(again) && Number.isNaN(stored))).toBe(true);
            }),
            fcParams(60),
          );
        });
      }

      it('ref and composite tuple values', async () => {
        const conn = await makeConn();
        await conn.transact([attr('e/ref', 'ref'), attr('e/a', 'string'), attr('e/b', 'long'), attr('e/a+b', 'tuple', { tupleAttrs: ['e/a', 'e/b'] })]);
        await fc.assert(
          fc.asyncProperty(fc.option(fc.string({ maxLength: 10 })), fc.option(fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n)), async (a, b) => {
            fc.pre(a !== null || b !== null);
            const m: Record<string, unknown> = { 'db/id': 'x' };
            if (a !== null) m['e/a'] = a;
            if (b !== null) m['e/b'] = b;
            const r = await conn.transact([m, { 'db/id': 'y', 'e/ref': 'x' }]);
            const tuple = (await all(r.dbAfter, 'eavt', r.tempids.x, 'e/a+b'))[0]?.v as Value;
            expect(ednEquals(parseEdn(printEdn(tuple)), tuple)).toBe(true);
            const ref = (await all(r.dbAfter, 'eavt', r.tempids.y, 'e/ref'))[0]?.v as Value;
            const r2 = await conn.transact(printEdn([[kw('db/add'), 'z', kw('e/ref'), ref]]));
            expect((await all(r2.dbAfter, 'eavt', r2.tempids.z, 'e/ref'))[0]?.v).toBe(ref);
          }),
          fcParams(40),
        );
      });
    });
  });
}
