import { appendFileSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { type Connection, isDatomError, kw } from '@datomkit/datom-core';
import { verifyRestore } from '@datomkit/restore';
import { afterAll, describe, expect, test } from 'vitest';
import { backupDb, backupDbNoHistory, exportDatoms, importDatoms, readBackupFile, readBackupTail, restoreDb } from '../src/index.js';
import { readBackupColumns } from '../src/file/backup-file.js';
import { dropAll, freshConn, tempDir } from './helpers.js';

afterAll(dropAll);

async function people(): Promise<Connection> {
  const conn = await freshConn('people');
  await conn.transact([
    { 'db/ident': kw('person/name'), 'db/valueType': kw('db.type/string'), 'db/cardinality': kw('db.cardinality/one'), 'db/unique': kw('db.unique/identity') },
    { 'db/ident': kw('person/score'), 'db/valueType': kw('db.type/double'), 'db/cardinality': kw('db.cardinality/one') },
    { 'db/ident': kw('person/friend'), 'db/valueType': kw('db.type/ref'), 'db/cardinality': kw('db.cardinality/many') },
    { 'db/ident': kw('audit/by'), 'db/valueType': kw('db.type/string'), 'db/cardinality': kw('db.cardinality/one') },
  ]);
  await conn.transact([{ 'db/id': 'a', 'person/name': 'Ann', 'person/score': 1 }, { 'db/id': 'datomic.tx', 'audit/by': 'importer' }]);
  await conn.transact([{ 'db/id': 'b', 'person/name': 'Bob', 'person/friend': [kw('person/name'), 'Ann'] }]);
  await conn.transact([{ 'db/id': [kw('person/name'), 'Ann'], 'person/score': 2.5 }]);
  return conn;
}

describe('the backup file format', () => {
  test('one line per transaction: a header comment, then (#datom[e a v tx added] ...) with numeric ids and typed values', async () => {
    const conn = await people();
    const file = join(tempDir(), 'p.edn');
    const r = await backupDb({ source: conn, backupFile: file });
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines[0]).toMatch(/^;; datomkit-backup \{:version 1, :source "[^"]+", :history true\}$/);
    expect(lines.length).toBe(1 + r.txCount + 1);
    const score = conn.db().attribute('person/score')!.id;
    // The double 1 prints as 1.0, so it reads back as a double.
    expect(lines[2]).toContain(` ${score} 1.0 `);
    expect(lines[4]).toMatch(new RegExp(`#datom\\[\\d+ ${score} 1\\.0 \\d+ false\\]`));
    expect(r).toMatchObject({ txCount: 4, lastSourceT: 4 });
  });

  test('a torn last line (a backup killed mid-write) is cut by the next backup and ignored by restoreDb', async () => {
    const conn = await people();
    const file = join(tempDir(), 'p.edn');
    await backupDb({ source: conn, backupFile: file, stop: 4 });
    const whole = readFileSync(file, 'utf8');
    appendFileSync(file, '(#datom[1003 1001 "hal');
    const tail = await readBackupTail(file);
    expect(tail).toMatchObject({ lastT: 3, tornBytes: '(#datom[1003 1001 "hal'.length });
    const dest = await freshConn('dest');
    expect((await restoreDb({ source: file, destConn: dest })).lastSourceT).toBe(3);
    const r = await backupDb({ source: conn, backupFile: file });
    expect(r).toMatchObject({ txCount: 1, cutBytes: 22, lastSourceT: 4 });
    expect(readFileSync(file, 'utf8').startsWith(whole)).toBe(true);
    expect(readFileSync(file, 'utf8').split('\n').length).toBe(whole.split('\n').length + 1);
    expect((await restoreDb({ source: file, destConn: dest })).txCount).toBe(1);
    expect((await verifyRestore(conn.db(), dest.db())).equal).toBe(true);
  });

  test('readBackupColumns gives the lines readBackupFile gives, in batches of at least batchRows datoms, and refuses lines out of t order', async () => {
    const conn = await people();
    const file = join(tempDir(), 'p.edn');
    await backupDb({ source: conn, backupFile: file });
    const one: unknown[] = [];
    for await (const { entry, line } of readBackupFile(file)) one.push({ entry, line });
    const batched: unknown[] = [];
    const sizes: number[] = [];
    for await (const { cols, lines } of readBackupColumns(file, { batchRows: 3 })) {
      sizes.push(cols.rows);
      for (let k = 0; k < cols.count; k++) batched.push({ entry: cols.entry(k), line: lines[k] });
    }
    expect(batched).toEqual(one);
    expect(one).toHaveLength(4);
    expect(sizes.length).toBeGreaterThan(1);
    expect(sizes.slice(0, -1).every((n) => n >= 3)).toBe(true);
    // The second transaction's line again at the end: out of order, named by its line number.
    const lines = readFileSync(file, 'utf8').split('\n');
    appendFileSync(file, `${lines[2]}\n`);
    const reading = async () => {
      for await (const _ of readBackupColumns(file, { batchRows: 100 })) {
      }
    };
    await expect(reading()).rejects.toSatisfy((e) => isDatomError(e, 'backup/format') && e.data.line === 6 && e.data.t === 2 && e.data.previousT === 4);
  });

  test('a file holding another database, or the other kind of backup, is refused', async () => {
    const a = await people();
    const b = await people();
    const file = join(tempDir(), 'p.edn');
    await backupDb({ source: a, backupFile: file });
    await expect(backupDb({ source: b, backupFile: file })).rejects.toSatisfy((e) => isDatomError(e, 'backup/claim-failed'));
    await expect(backupDbNoHistory({ source: a, backupFile: file })).rejects.toSatisfy((e) => isDatomError(e, 'backup/mode-mismatch'));
  });

  test('stop, filter and transformDatoms; a damaged line is backup/format naming it', async () => {
    const conn = await people();
    const dir = tempDir();
    const file = join(dir, 'f.edn');
    const r = await backupDb({
      source: conn,
      backupFile: file,
      filter: { exclude: ['audit/*'] },
      transformDatoms: (ds, ctx) => ds.map((d) => (ctx.ident(d.a) === 'person/name' ? { ...d, v: `x-${String(d.v)}` } : d)),
    });
    expect(r.txCount).toBe(4);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('importer');
    expect(text).toContain('"x-Ann"');
    const dest = await freshConn('dest');
    expect((await restoreDb({ source: file, destConn: dest, stop: 3 })).lastSourceT).toBe(2);
    expect(await dest.db().entid([kw('person/name'), 'x-Ann'])).not.toBeNull();
    const bad = join(dir, 'bad.edn');
    const lines = text.split('\n');
    writeFileSync(bad, `${lines.slice(0, 3).join('\n')}\n(#datom[1 2 3])\n${lines.slice(3).join('\n')}`);
    const err = await restoreDb({ source: bad, destConn: await freshConn('d2') }).catch((e: unknown) => e);
    expect(isDatomError(err, 'backup/format')).toBe(true);
    expect((err as Error).message).toContain('bad.edn:4');
  });

  test('a file without a header (the seed library writes none) restores, keyed by its path', async () => {
    const conn = await people();
    const file = join(tempDir(), 'seed.edn');
    await backupDb({ source: conn, backupFile: file });
    writeFileSync(file, readFileSync(file, 'utf8').split('\n').slice(1).join('\n'));
    const dest = await freshConn('dest');
    expect((await restoreDb({ source: file, destConn: dest })).txCount).toBe(4);
    expect((await verifyRestore(conn.db(), dest.db())).equal).toBe(true);
  });

  test('lines are read from their bytes: text past ASCII, lines across the 1 MB reads, and blank and comment lines between them', async () => {
    const conn = await people();
    // About 2 MB of lines: some of them span the boundary of two reads of the file.
    const names = ['Björk', '東京事変', 'Zoë 🎸', 'Ann "the" \\ Bob', 'x'.repeat(9000)];
    for (let i = 0; i < 800; i++) {
      await conn.transact([{ 'person/name': `${names[i % names.length]} ${i} ${'é'.repeat(i % 500)}`, 'person/score': i / 4 }]);
    }
    // The last line is longer than the first read from the end of the file.
    const last = await conn.transact([{ 'person/name': 'y'.repeat(150_000), 'person/score': 1.5 }]);
    const file = join(tempDir(), 'p.edn');
    await backupDb({ source: conn, backupFile: file });
    expect(statSync(file).size).toBeGreaterThan(1.5 * 2 ** 20);
    expect((await readBackupTail(file))?.lastT).toBe(last.dbAfter.basisT);
    const lines = readFileSync(file, 'utf8').split('\n');
    // Blank lines (spaces, tabs, a carriage return, a no-break space) and comments, which the reader skips.
    const edited = lines.flatMap((l, i) => (i > 0 && i % 97 === 0 ? [' \t\r', '; a note', '\u00a0', l] : [l]));
    // A torn line longer than that read after it (a backup killed while writing it).
    writeFileSync(file, `${edited.join('\n')}(#datom[1 2 "${'z'.repeat(100_000)}`);
    expect(await readBackupTail(file)).toMatchObject({ lastT: last.dbAfter.basisT, tornBytes: 100_013 });
    const dest = await freshConn('dest');
    const r = await restoreDb({ source: file, destConn: dest });
    expect(r.txCount).toBe(lines.length - 2);
    expect((await verifyRestore(conn.db(), dest.db())).equal).toBe(true);
    // The text came back as it was, and doubles as doubles.
    const back = await dest.db().datoms('aevt', 'person/name').toArray();
    expect(back.map((d) => d.v).sort()).toEqual((await conn.db().datoms('aevt', 'person/name').toArray()).map((d) => d.v).sort());
    expect((await dest.db().datoms('aevt', 'person/score').toArray()).some((d) => d.v === 0.25)).toBe(true);
  });

  test('an empty source backs up to a file with only its header; restoring it gives nothing', async () => {
    const conn = await freshConn('empty');
    const file = join(tempDir(), 'e.edn');
    expect(await backupDb({ source: conn, backupFile: file })).toMatchObject({ txCount: 0, lastSourceTx: null });
    expect(await restoreDb({ source: file, destConn: await freshConn('d') })).toMatchObject({ txCount: 0, lastSourceTx: null });
    truncateSync(file, 0);
    expect((await backupDb({ source: conn, backupFile: file })).txCount).toBe(0);
  });
});

describe('export and import', () => {
  async function exported(conn: Connection, options: { format?: 'edn' | 'jsonl'; history?: boolean; asOf?: number }): Promise<string> {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    await exportDatoms({ source: conn, out, ...options });
    out.end();
    return Buffer.concat(chunks).toString('utf8');
  }

  test('EDN lines name attributes by ident; JSON lines keep doubles, refs and keywords apart', async () => {
    const conn = await people();
    const edn = await exported(conn, {});
    expect(edn.split('\n')[0]).toMatch(/^;; datomkit-export \{/);
    expect(edn).toMatch(/\[\d+ :person\/score 2\.5 \d+ true\]/);
    expect(edn).not.toMatch(/ :person\/score 1\.0 /);
    const history = await exported(conn, { history: true });
    expect(history).toMatch(/ :person\/score 1\.0 \d+ false\]/);
    const jsonl = await exported(conn, { format: 'jsonl', history: true });
    const rows = jsonl.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows[0]).toMatchObject({ 'datomkit-export': 1, history: true });
    expect(rows).toContainEqual(expect.objectContaining({ a: ':db/valueType', v: expect.any(Number) }));
    expect(rows).toContainEqual(expect.objectContaining({ a: ':db/ident', v: ':person/name' }));
    const asOf = await exported(conn, { asOf: 2 });
    expect(asOf).not.toContain('Bob');
  });

  test('import of an export (EDN or JSON lines, current or history, as of a t) verifies equal to the source as of that t', async () => {
    const conn = await people();
    const dir = tempDir();
    for (const format of ['edn', 'jsonl'] as const) {
      for (const history of [false, true]) {
        const path = join(dir, `x.${format}`);
        writeFileSync(path, await exported(conn, { format, history, asOf: 3 }));
        const dest = await freshConn('imp');
        const r = await importDatoms({ source: path, destConn: dest });
        expect(r.lastSourceT).toBe(3);
        expect((await verifyRestore(conn.db().asOf(3), dest.db())).differences).toEqual([]);
        // Importing again changes nothing: the destination holds those transactions.
        expect((await importDatoms({ source: path, destConn: dest })).txCount).toBe(0);
      }
    }
  });
});
