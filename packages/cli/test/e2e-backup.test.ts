import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { printEdn } from '@datomkit/datom-core';
import { catalogSchemaEdn, generateCatalog } from '@datomkit/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, jsonDoc, tempDir } from './helpers.js';

const tmp = tempDir();
const cwd = tmp.dir;
afterAll(() => tmp.cleanup());

beforeAll(() => {
  const txs = [...generateCatalog({ datoms: 2000, seed: 5 })].map((tx) => printEdn(tx));
  writeFileSync(join(cwd, 'catalog.edn'), `${catalogSchemaEdn()}\n${txs.join('\n')}\n`);
  writeFileSync(join(cwd, 'more.edn'), '[{:artist/name "Late Addition" :artist/gid #uuid "00000000-0000-4000-8000-000000000001"}]\n');
  expect(cli(['create', 'file:./src'], { cwd }).code).toBe(0);
  expect(cli(['transact', 'file:./src', 'catalog.edn'], { cwd }).code).toBe(0);
});

/** The export of a database (as of t), its header line left out (it names the basis). */
function exported(db: string, ...args: string[]): string {
  const r = cli(['export', db, ...args], { cwd });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.split('\n').slice(1).join('\n');
}

describe('backup, backups list/verify, restore-backup', () => {
  it('backs up twice (the second copies only what changed), lists and verifies the points, and restores each equal to the source as of its t', () => {
    const first = jsonDoc(cli(['backup', 'file:./src', 'bk', '--json'], { cwd })).result;
    expect(first).toMatchObject({ created: true, dir: 'bk' });
    expect(first.bytesWritten).toBe(first.bytesTotal);
    expect(cli(['transact', 'file:./src', 'more.edn'], { cwd }).code).toBe(0);
    const second = cli(['backup', 'file:./src', 'bk'], { cwd });
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/✓ backup point t \d+ in bk: wrote/);
    const list = cli(['backups', 'list', 'bk', '--json'], { cwd });
    const points: { t: number; dirT: number }[] = jsonDoc(list).result.points;
    expect(points.map((p) => p.t)).toEqual([first.t, first.t + 1]);
    const text = cli(['backups', 'list', 'bk'], { cwd });
    expect(text.stdout.split('\n').filter((l) => /^\s+\d+\s+\d+\s+\d{4}-/.test(l))).toHaveLength(2);
    const verify = cli(['backups', 'verify', 'bk'], { cwd });
    expect(verify.code).toBe(0);
    expect(verify.stderr).toContain('2 backup points verified');
    for (const p of points) {
      const r = cli(['restore-backup', 'bk', `file:./at-${p.t}`, '--t', String(p.t), '--json'], { cwd });
      expect(r.code, r.stderr).toBe(0);
      expect(jsonDoc(r).result).toMatchObject({ t: p.t, point: p.t });
      expect(exported(`file:./at-${p.t}`, '--history')).toBe(exported('file:./src', '--history', '--as-of', String(p.t)));
    }
  });

  it('verify exits 3 naming a damaged file; the folder of another database, a destination in use and a t no point covers fail with their codes', () => {
    const other = cli(['create', 'file:./other'], { cwd });
    expect(other.code).toBe(0);
    const claim = cli(['backup', 'file:./other', 'bk'], { cwd });
    expect(claim.code).toBe(1);
    expect(claim.stderr).toMatch(/^error backup\/claim-failed/);
    const busy = cli(['restore-backup', 'bk', 'file:./src'], { cwd });
    expect(busy.code).toBe(1);
    expect(busy.stderr).toMatch(/^error db\/exists/);
    const far = cli(['restore-backup', 'bk', 'file:./nowhere', '--t', '1'], { cwd });
    expect(far.code).toBe(1);
    expect(far.stderr).toMatch(/^error backup\/not-found/);
    const pack = readdirSync(join(cwd, 'bk', 'blobs')).find((f) => f.startsWith('pack-')) as string;
    const bytes = readFileSync(join(cwd, 'bk', 'blobs', pack));
    bytes[0] = (bytes[0] ?? 0) ^ 0xff;
    writeFileSync(join(cwd, 'bk', 'blobs', pack), bytes);
    const v = cli(['backups', 'verify', 'bk', '--json'], { cwd });
    expect(v.code).toBe(3);
    const doc = jsonDoc(v);
    expect(doc.result.ok).toBe(false);
    expect(doc.result.points.flatMap((p: { problems: { file: string; code: string }[] }) => p.problems.map((x) => [x.file, x.code]))).toContainEqual([pack, 'backup/checksum']);
  });
});

describe('backup-file and restore-file, export and import', () => {
  it('a file backup (with and without history) restores into a copy that verify finds equal', () => {
    const b = cli(['backup-file', 'file:./src', 'music.backup.edn', '--json'], { cwd });
    expect(b.code, b.stderr).toBe(0);
    expect(jsonDoc(b).result.txCount).toBeGreaterThan(2);
    const r = cli(['restore-file', 'music.backup.edn', 'file:./fcopy'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/✓ replayed [\d,]+ transactions/);
    expect(cli(['verify', 'file:./src', 'file:./fcopy'], { cwd }).code).toBe(0);
    // Run again: nothing new to replay.
    expect(jsonDoc(cli(['restore-file', 'music.backup.edn', 'file:./fcopy', '--json'], { cwd })).result.txCount).toBe(0);
    expect(cli(['backup-file', 'file:./src', 'now.backup.edn', '--no-history', '--remove-empty'], { cwd }).code).toBe(0);
    expect(cli(['restore-file', 'now.backup.edn', 'file:./ncopy'], { cwd }).code).toBe(0);
    expect(cli(['verify', 'file:./src', 'file:./ncopy'], { cwd }).code).toBe(0);
  });

  it('export (EDN to standard output, JSON lines to a file) and import give copies verify finds equal; --json without --out is a usage error', () => {
    const edn = cli(['export', 'file:./src'], { cwd });
    expect(edn.code).toBe(0);
    expect(edn.stdout.split('\n')[0]).toMatch(/^;; datomkit-export /);
    writeFileSync(join(cwd, 'music.datoms.edn'), edn.stdout);
    const jsonl = cli(['export', 'file:./src', '--history', '--format', 'jsonl', '--out', 'music.jsonl', '--json'], { cwd });
    expect(jsonl.code).toBe(0);
    expect(jsonDoc(jsonl).result).toMatchObject({ format: 'jsonl', history: true, out: 'music.jsonl' });
    for (const [file, db] of [
      ['music.datoms.edn', 'file:./ecopy'],
      ['music.jsonl', 'file:./jcopy'],
    ] as const) {
      const r = cli(['import', db, file], { cwd });
      expect(r.code, r.stderr).toBe(0);
      expect(cli(['verify', 'file:./src', db], { cwd }).code).toBe(0);
    }
    expect(cli(['export', 'file:./src', '--json'], { cwd }).code).toBe(2);
  });
});
