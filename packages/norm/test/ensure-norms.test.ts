import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Connection, type DatomError, type Database, isDatomError, kw } from '@datomkit/datom-core';
import { describe, expect, it } from 'vitest';
import {
  type NormTxFn,
  dryRun,
  ensureNorms,
  normStatus,
  readMarkers,
  readNorms,
  updateChecksums,
} from '../src/index.js';
import { freshConn } from './helpers/fresh-conn.js';
import { FIXTURES, tempFolder } from './helpers/temp-folder.js';
import { DATAHIKE_TX_FNS } from './helpers/datahike-tx-fns.js';

const ARTIST_NAME =
  '{:tx-data [{:db/ident :artist/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one}]}';
const ARTIST_COUNTRY =
  '{:tx-data [{:db/ident :artist/country :db/valueType :db.type/string :db/cardinality :db.cardinality/one}]}';

/** A migrations folder with up-to-date checksums.edn. */
async function migrations(files: Record<string, string>): Promise<string> {
  const dir = await tempFolder(files);
  await updateChecksums(dir);
  return dir;
}

async function caught(p: Promise<unknown>): Promise<DatomError> {
  try {
    await p;
  } catch (err) {
    if (isDatomError(err)) return err;
    throw err;
  }
  throw new Error('expected a DatomError');
}

async function values(db: Database, attr: string): Promise<unknown[]> {
  return db.attribute(attr) === null ? [] : (await db.datoms('aevt', attr).toArray()).map((d) => d.v);
}

const stepsOf = (err: DatomError) => (err.data.steps as { id: string; status: string }[]).map((s) => [s.id, s.status]);

describe('ensureNorms', () => {
  it('installs the marker attributes in their own transaction, then one transaction per norm', async () => {
    const conn = await freshConn();
    const dir = await migrations({ '001-name.edn': ARTIST_NAME, '002-nina.edn': '{:tx-data [{:artist/name "Nina"}]}' });
    const t0 = conn.db().basisT;
    const result = await ensureNorms(conn, dir);
    expect(result.markerInstalled?.length).toBeGreaterThan(0);
    expect(result.applied).toEqual(['001-name.edn', '002-nina.edn']);
    expect(conn.db().basisT - t0).toBe(3);
    const [, nina] = result.steps;
    // The marker entity comes first in the norm's transaction, then the norm's data.
    const markerEntity = (await readMarkers(conn.db())).get('002-nina.edn')?.entity;
    const ninaEntity = nina?.datoms.find((d) => d.v === 'Nina')?.e;
    expect(markerEntity).toBeLessThan(ninaEntity as number);
    expect(nina?.tx).toBe(nina?.datoms[0]?.tx);
  });

  it('skips applied norms: a second run transacts nothing', async () => {
    const conn = await freshConn();
    const dir = await migrations({ '001-name.edn': ARTIST_NAME, '002-nina.edn': '{:tx-data [{:artist/name "Nina"}]}' });
    await ensureNorms(conn, dir);
    const t = conn.db().basisT;
    const again = await ensureNorms(conn, dir);
    expect(again.markerInstalled).toBeNull();
    expect(again.steps.map((s) => s.status)).toEqual(['skipped', 'skipped']);
    expect(again.applied).toEqual([]);
    expect(conn.db().basisT).toBe(t);
    expect(await values(conn.db(), 'artist/name')).toEqual(['Nina']);
  });

  it('reports each step to onStep as it happens', async () => {
    const conn = await freshConn();
    const dir = await migrations({ '001-name.edn': ARTIST_NAME, '002-nina.edn': '{:tx-data [{:artist/name "Nina"}]}' });
    const seen: string[] = [];
    await ensureNorms(conn, dir, {
      onStep: (s) => seen.push(`${s.id}:${s.status}:${conn.db().attribute('artist/name') !== null}`),
    });
    expect(seen).toEqual(['001-name.edn:applied:true', '002-nina.edn:applied:true']);
  });

  it('records the checksum and the time applied on the marker', async () => {
    const conn = await freshConn();
    const dir = await migrations({ '001-name.edn': ARTIST_NAME });
    const before = Date.now();
    await ensureNorms(conn, dir);
    const marker = (await readMarkers(conn.db())).get('001-name.edn');
    const [norm] = await readNorms(dir);
    expect(marker?.complete).toBe(true);
    expect(marker?.checksum).toBe(norm?.checksum);
    expect(marker?.appliedAt?.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(await values(conn.db(), 'tx/norm')).toEqual([kw('001-name.edn')]);
  });

  it('an empty folder only installs the marker attributes', async () => {
    const conn = await freshConn();
    const result = await ensureNorms(conn, await migrations({}));
    expect(result.steps).toEqual([]);
    expect(conn.db().attribute('tx/norm')?.valueType).toBe('keyword');
  });

  it('a Datahike marker (only :tx/norm) counts as applied', async () => {
    const conn = await freshConn();
    await conn.transact([
      { 'db/ident': kw('tx/norm'), 'db/valueType': kw('db.type/keyword'), 'db/cardinality': kw('db.cardinality/one') },
    ]);
    await conn.transact([{ 'tx/norm': kw('001-name.edn') }]);
    const result = await ensureNorms(conn, await migrations({ '001-name.edn': ARTIST_NAME }));
    expect(result.steps.map((s) => s.status)).toEqual(['skipped']);
    expect(conn.db().attribute('artist/name')).toBeNull();
  });

  describe('checks everything before transacting anything', () => {
    it('verifies checksums by default: an edited norm is norm/checksum-mismatch', async () => {
      const conn = await freshConn();
      const dir = await migrations({ '001-name.edn': ARTIST_NAME });
      await writeFile(join(dir, '001-name.edn'), ARTIST_COUNTRY);
      await writeFile(join(dir, '002-new.edn'), '{:tx-data []}');
      const t = conn.db().basisT;
      const err = await caught(ensureNorms(conn, dir));
      expect(err.code).toBe('norm/checksum-mismatch');
      expect(err.data.added).toEqual(['002-new.edn']);
      expect((err.data.changed as { id: string }[]).map((c) => c.id)).toEqual(['001-name.edn']);
      expect(conn.db().basisT).toBe(t);
      // The option turns it off.
      const result = await ensureNorms(conn, dir, { verifyChecksums: false });
      expect(result.applied).toEqual(['001-name.edn', '002-new.edn']);
    });

    it('a missing checksums.edn is norm/missing-checksums', async () => {
      const conn = await freshConn();
      const dir = await tempFolder({ '001-name.edn': ARTIST_NAME });
      expect((await caught(ensureNorms(conn, dir))).code).toBe('norm/missing-checksums');
    });

    it('an unknown tx-fn is norm/unknown-tx-fn, before anything is transacted', async () => {
      const conn = await freshConn();
      const dir = await migrations({ '001-name.edn': ARTIST_NAME, '002-fill.edn': '{:tx-fn my.app/backfill}' });
      const t = conn.db().basisT;
      const err = await caught(ensureNorms(conn, dir, { txFns: { 'my.app/other': () => [] } }));
      expect(err.code).toBe('norm/unknown-tx-fn');
      expect(String(err.data.file)).toMatch(/002-fill\.edn$/);
      expect(err.message).toContain('my.app/backfill');
      expect(conn.db().basisT).toBe(t);
    });

    it('an invalid late norm stops the run before the first norm applies', async () => {
      const conn = await freshConn();
      const dir = await migrations({ '001-name.edn': ARTIST_NAME });
      await writeFile(join(dir, '002-bad.edn'), '{:tx-data {:artist/name "x"}}');
      const err = await caught(ensureNorms(conn, dir, { verifyChecksums: false }));
      expect(err.code).toBe('norm/tx-data');
      expect(conn.db().attribute('artist/name')).toBeNull();
    });

    it('a missing folder is norm/missing-folder', async () => {
      const conn = await freshConn();
      expect((await caught(ensureNorms(conn, '/nonexistent/norms'))).code).toBe('norm/missing-folder');
    });
  });

  describe('failures', () => {
    const folder = () =>
      migrations({
        '001-name.edn': ARTIST_NAME,
        '002-fill.edn': '{:tx-data [{:artist/name "Nina"}] :tx-fn my.app/fill}',
        '003-country.edn': ARTIST_COUNTRY,
      });

    it('a tx-fn that throws: earlier norms stay, the failing one has no marker, later ones do not run; a rerun resumes', async () => {
      const conn = await freshConn();
      const dir = await folder();
      const err = await caught(
        ensureNorms(conn, dir, {
          txFns: {
            'my.app/fill': () => {
              throw new Error('boom');
            },
          },
        }),
      );
      expect(err.code).toBe('norm/tx-fn-failed');
      expect(String(err.data.file)).toMatch(/002-fill\.edn$/);
      expect(err.message).toContain('boom');
      expect((err.cause as Error).message).toBe('boom');
      expect(stepsOf(err)).toEqual([['001-name.edn', 'applied']]);
      expect([...(await readMarkers(conn.db())).keys()]).toEqual(['001-name.edn']);
      expect(await values(conn.db(), 'artist/name')).toEqual([]);
      expect(conn.db().attribute('artist/country')).toBeNull();

      const rerun = await ensureNorms(conn, dir, { txFns: { 'my.app/fill': () => [{ 'artist/name': 'Ada' }] } });
      expect(rerun.steps.map((s) => [s.id, s.status])).toEqual([
        ['001-name.edn', 'skipped'],
        ['002-fill.edn', 'applied'],
        ['003-country.edn', 'applied'],
      ]);
      expect(new Set(await values(conn.db(), 'artist/name'))).toEqual(new Set(['Nina', 'Ada']));
    });

    it('a tx-fn that returns something other than tx data is norm/tx-fn-failed', async () => {
      const conn = await freshConn();
      const dir = await folder();
      const err = await caught(ensureNorms(conn, dir, { txFns: { 'my.app/fill': (() => 42) as unknown as NormTxFn } }));
      expect(err.code).toBe('norm/tx-fn-failed');
    });

    it('a failing transaction is norm/transact naming the file; nothing of the norm is committed', async () => {
      const conn = await freshConn();
      const dir = await folder();
      const err = await caught(
        ensureNorms(conn, dir, { txFns: { 'my.app/fill': () => [{ 'artist/name': 42 }] } }),
      );
      expect(err.code).toBe('norm/transact');
      expect(String(err.data.file)).toMatch(/002-fill\.edn$/);
      expect(isDatomError(err.cause, 'transact/')).toBe(true);
      expect(stepsOf(err)).toEqual([['001-name.edn', 'applied']]);
      expect([...(await readMarkers(conn.db())).keys()]).toEqual(['001-name.edn']);
      expect(await values(conn.db(), 'artist/name')).toEqual([]);
    });
  });

  describe('a norm whose tx-fn uses an attribute its own tx-data defines', () => {
    // Datahike's fixtures 004 and 02 do this; its tests run schema-on-read. Under datomkit's strict
    // schema the tx-data goes in with the claim first, then the fn output with the :tx/norm marker.
    const folder = () =>
      migrations({ '001-name.edn': ARTIST_NAME, '002-country.edn': `${ARTIST_COUNTRY.slice(0, -1)} :tx-fn my.app/fill}` });
    const fill =
      (country: unknown): NormTxFn =>
      async (_conn, { db }) =>
        (await db.datoms('aevt', 'artist/name').toArray()).map((d) => ['db/add', d.e, 'artist/country', country]);

    it('applies the tx-data, then the fn output with the marker, and marks the norm once', async () => {
      const conn = await freshConn();
      await ensureNorms(conn, await migrations({ '001-name.edn': ARTIST_NAME, '002-nina.edn': '{:tx-data [{:artist/name "Nina"}]}' }));
      const dir = await folder();
      const result = await ensureNorms(conn, dir, { txFns: { 'my.app/fill': fill('SE') } });
      const step = result.steps.find((s) => s.id === '002-country.edn');
      expect(step?.status).toBe('applied');
      expect(new Set(step?.datoms.map((d) => d.tx)).size).toBeGreaterThan(1);
      expect(await values(conn.db(), 'artist/country')).toEqual(['SE']);
      expect((await readMarkers(conn.db())).get('002-country.edn')?.complete).toBe(true);
      expect((await ensureNorms(conn, dir, { txFns: { 'my.app/fill': fill('SE') } })).applied).toEqual([]);
    });

    it('an interrupted second step leaves the norm partial; a rerun finishes it', async () => {
      const conn = await freshConn();
      const dir = await migrations({ '001-name.edn': ARTIST_NAME, '002-nina.edn': '{:tx-data [{:artist/name "Nina"}]}' });
      await ensureNorms(conn, dir);
      const dir2 = await folder();
      const err = await caught(ensureNorms(conn, dir2, { txFns: { 'my.app/fill': fill(42) } }));
      expect(err.code).toBe('norm/transact');
      const status = await normStatus(conn, dir2);
      expect(status.norms.find((n) => n.id === '002-country.edn')?.state).toBe('partial');
      expect(conn.db().attribute('artist/country')?.valueType).toBe('string');
      const result = await ensureNorms(conn, dir2, { txFns: { 'my.app/fill': fill('SE') } });
      expect(result.applied).toEqual(['002-country.edn']);
      expect(await values(conn.db(), 'artist/country')).toEqual(['SE']);
      expect((await normStatus(conn, dir2)).upToDate).toBe(true);
    });
  });

  describe('exactly once under concurrency', () => {
    const folder = () =>
      migrations({
        '001-name.edn': ARTIST_NAME,
        '002-nina.edn': '{:tx-data [{:artist/name "Nina"}]}',
        '003-fill.edn': '{:tx-fn my.app/fill}',
        '004-country.edn': ARTIST_COUNTRY,
      });
    const fill: NormTxFn = () => [{ 'artist/name': 'Ada' }];

    async function expectOnce(conn: Connection, results: { steps: readonly { id: string; status: string }[] }[]) {
      // Each norm's data went in once (a second application would add a second Nina or Ada) ...
      expect((await values(conn.db(), 'artist/name')).sort()).toEqual(['Ada', 'Nina']);
      expect((await values(conn.db(), 'tx/norm')).length).toBe(4);
      // ... and for each norm exactly one run reports it applied.
      for (const id of ['001-name.edn', '002-nina.edn', '003-fill.edn', '004-country.edn']) {
        const statuses = results.map((r) => r.steps.find((s) => s.id === id)?.status);
        expect(statuses.filter((s) => s === 'applied'), id).toHaveLength(1);
      }
    }

    it('two concurrent runs on one connection apply each norm once', async () => {
      const conn = await freshConn();
      const dir = await folder();
      const results = await Promise.all([
        ensureNorms(conn, dir, { txFns: { 'my.app/fill': fill } }),
        ensureNorms(conn, dir, { txFns: { 'my.app/fill': fill } }),
      ]);
      await expectOnce(conn, results);
    });

    it("the unique marker refuses a norm's second transaction even when the check raced", async () => {
      const conn = await freshConn();
      const dir = await folder();
      // Both runs pass the "is it applied?" check before either commits: the tx-fn of the first run
      // to reach 003 holds it back until the second run has also called the tx-fn.
      let release: (() => void) | null = null;
      const gate: NormTxFn = () =>
        new Promise((resolve) => {
          const data = [{ 'artist/name': 'Ada' }];
          if (release === null) release = () => resolve(data);
          else {
            release();
            resolve(data);
          }
        });
      const results = await Promise.all([
        ensureNorms(conn, dir, { txFns: { 'my.app/fill': gate } }),
        ensureNorms(conn, dir, { txFns: { 'my.app/fill': gate } }),
      ]);
      await expectOnce(conn, results);
      const statuses = results.map((r) => r.steps.find((s) => s.id === '003-fill.edn')?.status).sort();
      expect(statuses).toEqual(['applied', 'applied-elsewhere']);
    });
  });

  describe('exactly once under concurrency, for norms that take several transactions', () => {
    it("two concurrent runs over Datahike's naming-and-sorting folder apply each norm once", async () => {
      const conn = await freshConn();
      const dir = join(FIXTURES, 'naming-and-sorting-test');
      const results = await Promise.all([ensureNorms(conn, dir, { txFns: DATAHIKE_TX_FNS }), ensureNorms(conn, dir, { txFns: DATAHIKE_TX_FNS })]);
      for (const r of results) expect(r.steps).toHaveLength(6);
      for (const id of results[0]?.steps.map((s) => s.id) ?? []) {
        const statuses = results.map((r) => r.steps.find((s) => s.id === id)?.status);
        expect(statuses.filter((st) => st === 'applied'), id).toHaveLength(1);
      }
      expect((await values(conn.db(), 'character/name')).sort()).toEqual(['Bart Simpson', 'Lisa Simpson']);
      expect(await values(conn.db(), 'tx/norm')).toHaveLength(6);
    });

    it('a norm another runner claimed and does not finish in time is norm/in-progress', async () => {
      const conn = await freshConn();
      const dir = await migrations({ '001-name.edn': ARTIST_NAME, '002-fill.edn': '{:tx-fn my.app/fill}' });
      // The tx-fn plays the other runner: it claims norm 002 first and never finishes it.
      const rival: NormTxFn = async (c) => {
        await c.transact([{ 'tx.norm/id': kw('002-fill.edn'), 'tx.norm/batches': 0 }]);
        return [{ 'artist/name': 'Ada' }];
      };
      const err = await caught(ensureNorms(conn, dir, { txFns: { 'my.app/fill': rival }, waitMs: 0 }));
      expect(err.code).toBe('norm/in-progress');
      expect(stepsOf(err)).toEqual([['001-name.edn', 'applied']]);
      expect(await values(conn.db(), 'artist/name')).toEqual([]);
    });
  });

  describe('batched tx-fns', () => {
    const names = (n: number) => Array.from({ length: n }, (_, i) => `artist-${String(i).padStart(2, '0')}`);
    const folder = () =>
      migrations({
        '001-name.edn': ARTIST_NAME,
        '002-seed.edn': `{:tx-data [${names(10)
          .map((n) => `{:artist/name "${n}"}`)
          .join(' ')}]}`,
        '003-country.edn': `${ARTIST_COUNTRY.slice(0, -1)} :tx-fn my.app/backfill}`,
      });
    /** Sets a country on artists that have none, 3 at a time: resumable because it asks for what is left. */
    const backfill =
      (failAfter = Number.POSITIVE_INFINITY): NormTxFn =>
      (conn) =>
        (async function* () {
          for (let batch = 0; ; batch++) {
            const db = conn.db();
            const done = new Set((await values(db, 'artist/country')).length > 0 ? (await db.datoms('aevt', 'artist/country').toArray()).map((d) => d.e) : []);
            const todo = (await db.datoms('aevt', 'artist/name').toArray()).filter((d) => !done.has(d.e)).slice(0, 3);
            if (todo.length === 0) return;
            if (batch >= failAfter) throw new Error('interrupted');
            yield todo.map((d) => ['db/add', d.e, 'artist/country', 'SE']);
          }
        })();

    it('commits each batch in its own transaction and marks the norm after the last', async () => {
      const conn = await freshConn();
      const dir = await folder();
      const result = await ensureNorms(conn, dir, { txFns: { 'my.app/backfill': backfill() } });
      const step = result.steps.find((s) => s.id === '003-country.edn');
      expect(step?.status).toBe('applied');
      expect(step?.batches).toBe(4);
      expect(await values(conn.db(), 'artist/country')).toHaveLength(10);
      const marker = (await readMarkers(conn.db())).get('003-country.edn');
      expect(marker).toMatchObject({ complete: true, batches: 4 });
    });

    it('an interrupted batched norm is partial, and a rerun resumes it', async () => {
      const conn = await freshConn();
      const dir = await folder();
      const err = await caught(ensureNorms(conn, dir, { txFns: { 'my.app/backfill': backfill(2) } }));
      expect(err.code).toBe('norm/tx-fn-failed');
      expect(err.data.batchesDone).toBe(2);
      expect(await values(conn.db(), 'artist/country')).toHaveLength(6);
      const status = await normStatus(conn, dir);
      expect(status.norms.find((n) => n.id === '003-country.edn')?.state).toBe('partial');
      expect(status.upToDate).toBe(false);

      let resumedAt = -1;
      const resumed: NormTxFn = (c, ctx) => {
        resumedAt = ctx.batchesDone;
        return backfill()(c, ctx);
      };
      const result = await ensureNorms(conn, dir, { txFns: { 'my.app/backfill': resumed } });
      expect(resumedAt).toBe(2);
      expect(result.applied).toEqual(['003-country.edn']);
      expect(await values(conn.db(), 'artist/country')).toHaveLength(10);
      expect((await readMarkers(conn.db())).get('003-country.edn')).toMatchObject({ complete: true, batches: 4 });
    });

    it('two runs resuming the same interrupted norm finish it once', async () => {
      const conn = await freshConn();
      const dir = await folder();
      await caught(ensureNorms(conn, dir, { txFns: { 'my.app/backfill': backfill(1) } }));
      // Both runs hold their batches back until both have resumed the norm, so they really race.
      let arrived = 0;
      let open = () => {};
      const bothResumed = new Promise<void>((resolve) => {
        open = resolve;
      });
      const gated: NormTxFn = (c, ctx) => {
        const inner = backfill()(c, ctx) as AsyncIterable<readonly unknown[]>;
        return (async function* () {
          if (++arrived === 2) open();
          await bothResumed;
          yield* inner;
        })();
      };
      const results = await Promise.all([
        ensureNorms(conn, dir, { txFns: { 'my.app/backfill': gated } }),
        ensureNorms(conn, dir, { txFns: { 'my.app/backfill': gated } }),
      ]);
      const statuses = results.map((r) => r.steps.find((s) => s.id === '003-country.edn')?.status).sort();
      expect(statuses).toEqual(['applied', 'applied-elsewhere']);
      expect(await values(conn.db(), 'artist/country')).toHaveLength(10);
      expect(await values(conn.db(), 'tx/norm')).toHaveLength(3);
    });
  });
});

describe('normStatus', () => {
  it('reports applied, changed, pending and missing norms', async () => {
    const conn = await freshConn();
    const dir = await migrations({
      '001-name.edn': ARTIST_NAME,
      '002-gone.edn': '{:tx-data []}',
      '003-edited.edn': '{:tx-data []}',
    });
    await ensureNorms(conn, dir);
    const { rm } = await import('node:fs/promises');
    await rm(join(dir, '002-gone.edn'));
    await writeFile(join(dir, '003-edited.edn'), '{:tx-data [{:db/ident :x/y}]}');
    await writeFile(join(dir, '004-new.edn'), ARTIST_COUNTRY);
    const status = await normStatus(conn, dir);
    expect(status.norms.map((n) => [n.id, n.state])).toEqual([
      ['001-name.edn', 'applied'],
      ['003-edited.edn', 'changed'],
      ['004-new.edn', 'pending'],
      ['002-gone.edn', 'missing'],
    ]);
    expect(status.pending).toEqual(['004-new.edn']);
    expect(status.upToDate).toBe(false);
    const edited = status.norms[1];
    expect(edited?.appliedChecksum).not.toBe(edited?.checksum);
    expect(edited?.appliedAt).toBeInstanceOf(Date);
    expect(status.norms[2]?.appliedAt).toBeNull();
  });

  it('is up to date after ensureNorms, and reads database values too', async () => {
    const conn = await freshConn();
    const dir = await migrations({ '001-name.edn': ARTIST_NAME });
    expect((await normStatus(conn, dir)).pending).toEqual(['001-name.edn']);
    const before = conn.db();
    await ensureNorms(conn, dir);
    expect((await normStatus(conn, dir)).upToDate).toBe(true);
    expect((await normStatus(before, dir)).pending).toEqual(['001-name.edn']);
    expect((await normStatus(conn.db().asOf(before.basisT), dir)).pending).toEqual(['001-name.edn']);
  });
});

describe('dryRun', () => {
  it('reports the datoms each pending norm would write and commits nothing', async () => {
    const conn = await freshConn();
    const dir = await migrations({
      '001-name.edn': ARTIST_NAME,
      '002-nina.edn': '{:tx-data [{:artist/name "Nina"}] :tx-fn my.app/more}',
    });
    let seen: unknown = null;
    const more: NormTxFn = async (c, { db, dryRun: dry }) => {
      // The tx-fn reads the speculative database, where 001 is applied, and cannot transact.
      seen = [db.attribute('artist/name')?.valueType, dry, await c.transact([]).catch((e: unknown) => (e as DatomError).code)];
      return [{ 'artist/name': 'Ada' }];
    };
    const t = conn.db().basisT;
    const result = await dryRun(conn, dir, { txFns: { 'my.app/more': more } });
    expect(seen).toEqual(['string', true, 'norm/dry-run']);
    expect(result.steps.map((s) => s.status)).toEqual(['applied', 'applied']);
    expect(result.steps[1]?.datoms.filter((d) => d.v === 'Nina' || d.v === 'Ada')).toHaveLength(2);
    expect(result.markerInstalled?.length).toBeGreaterThan(0);
    expect(await values(result.db, 'artist/name')).toHaveLength(2);
    expect(conn.db().basisT).toBe(t);
    expect(conn.db().attribute('tx/norm')).toBeNull();
  });

  it('skips applied norms and fails like ensureNorms would', async () => {
    const conn = await freshConn();
    const dir = await migrations({ '001-name.edn': ARTIST_NAME });
    await ensureNorms(conn, dir);
    await writeFile(join(dir, '002-bad.edn'), '{:tx-data [{:artist/name 42}]}');
    await updateChecksums(dir);
    const err = await caught(dryRun(conn, dir));
    expect(err.code).toBe('norm/transact');
    expect(stepsOf(err)).toEqual([['001-name.edn', 'skipped']]);
  });
});
