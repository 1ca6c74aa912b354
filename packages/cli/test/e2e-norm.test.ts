import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateCatalog, catalogSchemaEdn } from '@datomkit/testkit';
import { printEdn } from '@datomkit/datom-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS, cli, jsonDoc, tempDir } from './helpers.js';

const tmp = tempDir();
const cwd = tmp.dir;
const db = 'file:./catalog';
afterAll(() => tmp.cleanup());

beforeAll(() => {
  // A copy of the example migrations (the tests edit it) and a small catalog to migrate.
  cpSync(MIGRATIONS, join(cwd, 'migrations'), { recursive: true });
  const batches = [...generateCatalog({ datoms: 3000, seed: 3 })].map((tx) => printEdn(tx)).join('\n');
  writeFileSync(join(cwd, 'catalog.edn'), `${catalogSchemaEdn()}\n${batches}\n`);
  expect(cli(['create', db], { cwd }).code).toBe(0);
  expect(cli(['transact', db, 'catalog.edn'], { cwd }).code).toBe(0);
});

describe('norm commands', () => {
  it('verify: the example folder matches its checksums.edn', () => {
    const r = cli(['norm', 'verify', 'migrations', '--json'], { cwd });
    expect(r.code).toBe(0);
    expect(jsonDoc(r).result).toMatchObject({ ok: true, added: [], missing: [], changed: [] });
  });

  it('status: four pending norms, exit 3', () => {
    const r = cli(['norm', 'status', db, 'migrations'], { cwd });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('[ ] 001-release-rating.edn  pending');
    expect(r.stderr).toContain('4 pending');
    const doc = jsonDoc(cli(['norm', 'status', db, 'migrations', '--json'], { cwd }));
    expect(doc).toMatchObject({ ok: false, exitCode: 3, result: { upToDate: false } });
    expect(doc.result.pending).toHaveLength(4);
  });

  it('apply without the tx-fns module: exit 1, says to pass --tx-fns, applies nothing', () => {
    const r = cli(['norm', 'apply', db, 'migrations'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error norm\/unknown-tx-fn: .*→ Pass --tx-fns <module>/);
    expect(cli(['norm', 'status', db, 'migrations'], { cwd }).code).toBe(3);
  });

  it('apply --dry-run reports what would be written and commits nothing', () => {
    const r = cli(['norm', 'apply', db, 'migrations', '--dry-run', '--tx-fns', 'migrations/music-tx-fns.ts', '--json'], { cwd });
    expect(r.code).toBe(0);
    const { result } = jsonDoc(r);
    expect(result.dryRun).toBe(true);
    expect(result.applied).toEqual(['001-release-rating.edn', '002-release-year.edn', '003-backfill-release-year.edn', '004-label-country.edn']);
    expect(result.steps.find((s: { id: string }) => s.id === '003-backfill-release-year.edn').datoms).toBeGreaterThan(10);
    expect(cli(['norm', 'status', db, 'migrations'], { cwd }).code).toBe(3);
  });

  it('apply applies the norms once; status is then up to date (exit 0); a second apply does nothing', () => {
    const r = cli(['norm', 'apply', db, 'migrations', '--tx-fns', 'migrations/music-tx-fns.ts'], { cwd });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/\[✓\] 003-backfill-release-year\.edn {2}applied, [\d,]+ datoms in \d+ transactions?/);
    expect(r.stderr).toContain('applied 4 norms');
    const years = jsonDoc(cli(['datoms', db, 'aevt', ':release/year', '--limit', '0', '--json'], { cwd })).result;
    const dates = jsonDoc(cli(['datoms', db, 'aevt', ':release/date', '--limit', '0', '--json'], { cwd })).result;
    expect(years.count).toBe(dates.count);
    const status = cli(['norm', 'status', db, 'migrations'], { cwd });
    expect(status.code).toBe(0);
    expect(status.stderr).toContain('up to date: 4 applied');
    const again = jsonDoc(cli(['norm', 'apply', db, 'migrations', '--tx-fns', 'migrations/music-tx-fns.ts', '--json'], { cwd }));
    expect(again.result.applied).toEqual([]);
  });

  it('new creates the next norm; verify then finds it (exit 3); checksums records it; verify passes', () => {
    const r = cli(['norm', 'new', 'migrations', 'Add label website', '--json'], { cwd });
    expect(r.code).toBe(0);
    const { result } = jsonDoc(r);
    expect(result.id).toBe('005-add-label-website.edn');
    expect(readFileSync(result.file, 'utf8')).toContain('{:tx-data []}');
    const v = cli(['norm', 'verify', 'migrations'], { cwd });
    expect(v.code).toBe(3);
    expect(v.stderr).toContain('[+] 005-add-label-website.edn  not in checksums.edn');
    const c = cli(['norm', 'checksums', 'migrations', '--json'], { cwd });
    expect(c.code).toBe(0);
    expect(Object.keys(jsonDoc(c).result.checksums)).toHaveLength(5);
    expect(cli(['norm', 'verify', 'migrations'], { cwd }).code).toBe(0);
    // The new norm is pending on the database.
    expect(jsonDoc(cli(['norm', 'status', db, 'migrations', '--json'], { cwd })).result.pending).toEqual(['005-add-label-website.edn']);
  });

  it('an edited applied norm: verify exits 3 with the change, apply refuses with norm/checksum-mismatch', () => {
    const file = join(cwd, 'migrations', '001-release-rating.edn');
    writeFileSync(file, readFileSync(file, 'utf8').replace('1 to 5 stars"', '1 to 10 stars"'));
    const v = cli(['norm', 'verify', 'migrations', '--json'], { cwd });
    expect(v.code).toBe(3);
    expect(jsonDoc(v).result.changed.map((c: { id: string }) => c.id)).toEqual(['001-release-rating.edn']);
    const a = cli(['norm', 'apply', db, 'migrations'], { cwd });
    expect(a.code).toBe(1);
    expect(a.stderr).toMatch(/^error norm\/checksum-mismatch: /);
  });

  it('an edited applied norm whose checksum was recorded again: status and apply agree (exit 3, not applied again, what to do)', () => {
    expect(cli(['norm', 'checksums', 'migrations'], { cwd }).code).toBe(0);
    const advice = /001-release-rating\.edn changed since applied, and an applied norm is never applied again: put the file back as it was applied, and make the change in a new norm \(`datomkit norm new migrations <name>`\)/;
    const status = cli(['norm', 'status', db, 'migrations'], { cwd });
    expect(status.code).toBe(3);
    expect(status.stderr).toContain('[!] 001-release-rating.edn  changed');
    expect(status.stderr).toMatch(advice);
    // 005 is pending, so status also says to apply; apply applies it and reports the changed norm.
    expect(status.stderr).toContain('run `datomkit norm apply file:./catalog migrations`');
    const apply = cli(['norm', 'apply', db, 'migrations'], { cwd });
    expect(apply.code).toBe(3);
    expect(apply.stderr).toContain('[·] 001-release-rating.edn  already applied');
    expect(apply.stderr).toContain('applied 1 norm\n');
    expect(apply.stderr).toMatch(advice);
    const again = jsonDoc(cli(['norm', 'apply', db, 'migrations', '--json'], { cwd }));
    expect(again).toMatchObject({ ok: false, exitCode: 3, result: { applied: [], changed: ['001-release-rating.edn'] } });
    const after = cli(['norm', 'status', db, 'migrations'], { cwd });
    expect(after.code).toBe(3);
    expect(after.stderr).toMatch(advice);
    expect(after.stderr).not.toContain('norm apply');
  });

  it('without checksums.edn, status says to write it before apply, and apply names a command that exists', () => {
    // A database of its own: the catalog has the example norms applied by the tests above.
    const db = 'file:./fresh-db';
    expect(cli(['create', db], { cwd }).code).toBe(0);
    const dir = join(cwd, 'fresh');
    mkdirSync(dir);
    writeFileSync(join(dir, '001-genre.edn'), '{:tx-data [{:db/ident :release/genre :db/valueType :db.type/string :db/cardinality :db.cardinality/one}]}');
    const status = cli(['norm', 'status', db, 'fresh'], { cwd });
    expect(status.code).toBe(3);
    expect(status.stderr).toContain('checksums.edn is missing: run `datomkit norm checksums fresh` (and commit it), then `datomkit norm apply file:./fresh-db fresh`');
    const apply = cli(['norm', 'apply', db, 'fresh'], { cwd });
    expect(apply.code).toBe(1);
    expect(apply.stderr).toMatch(/^error norm\/missing-checksums: .*`datomkit norm checksums fresh`/);
    // The command the messages name exists, and after it apply goes through.
    expect(cli(['norm', 'checksums', 'fresh'], { cwd }).code).toBe(0);
    expect(cli(['norm', 'status', db, 'fresh'], { cwd }).stderr).toContain('1 pending; run `datomkit norm apply file:./fresh-db fresh`');
    expect(cli(['norm', 'apply', db, 'fresh'], { cwd }).code).toBe(0);
  });

  it('new in a missing folder: exit 1 with a one-line error', () => {
    const r = cli(['norm', 'new', 'no-such-dir', 'x'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});
