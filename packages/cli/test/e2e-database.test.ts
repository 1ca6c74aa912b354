import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATA_EDN, SCHEMA_EDN, cli, jsonDoc, tempDir } from './helpers.js';

// Every test here runs the built binary in a child process against file databases.
const tmp = tempDir();
const cwd = tmp.dir;
afterAll(() => tmp.cleanup());

function oneLineError(stderr: string): string {
  const lines = stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0] as string;
}

describe('datomkit help', () => {
  it('lists every command, the exit codes and the JSON shape', () => {
    const r = cli(['--help'], { cwd });
    expect(r.code).toBe(0);
    for (const name of ['create', 'info', 'transact', 'datoms', 'pull', 'log', 'gc', 'repair', 'restore', 'verify', 'norm']) expect(r.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    expect(r.stdout).toContain('Exit codes:');
    expect(r.stdout).toMatch(/3\s+a check found problems/);
    expect(r.stdout).toContain('"ok": true');
  });

  it.each([
    ['create'],
    ['info'],
    ['transact'],
    ['datoms'],
    ['pull'],
    ['log'],
    ['gc'],
    ['repair'],
    ['restore'],
    ['verify'],
    ['norm', 'status'],
    ['norm', 'apply'],
    ['norm', 'verify'],
    ['norm', 'checksums'],
    ['norm', 'new'],
  ])('%s %s --help shows an example, the --json result and the exit codes', (...cmd) => {
    const r = cli([...cmd.filter((c) => c !== undefined), '--help'], { cwd });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Examples:\n {2}\$ datomkit /);
    expect(r.stdout).toContain('--json prints');
    expect(r.stdout).toContain('Exit codes:');
  });

  it('the top-level help lists exit code 3 with exactly the commands whose help gives it, in the same words', () => {
    const top = cli(['--help'], { cwd }).stdout;
    const commands = [['create'], ['info'], ['transact'], ['datoms'], ['pull'], ['log'], ['gc'], ['restore'], ['verify'], ['norm', 'status'], ['norm', 'apply'], ['norm', 'verify'], ['norm', 'checksums'], ['norm', 'new']];
    const withThree = [];
    for (const cmd of commands) {
      const three = /^ {2}3 {4}(.+)$/m.exec(cli([...cmd, '--help'], { cwd }).stdout)?.[1];
      if (three === undefined) expect(top).not.toMatch(new RegExp(`^ {7}${cmd.join(' ')}:`, 'm'));
      else {
        expect(top).toContain(`       ${cmd.join(' ')}: ${three}\n`);
        withThree.push(cmd.join(' '));
      }
    }
    expect(withThree).toEqual(['verify', 'norm status', 'norm apply', 'norm verify']);
  });

  it('prints the version', () => {
    expect(cli(['--version'], { cwd }).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('bad input gives a one-line error and the right exit code', () => {
  it('unknown command: exit 2, suggestion', () => {
    const r = cli(['infp', './x'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(oneLineError(r.stderr)).toMatch(/^error cli\/usage: unknown command 'infp' \(Did you mean info\?\) → /);
  });

  it('unknown command with --json: the error as the one JSON document', () => {
    const r = cli(['infp', '--json'], { cwd });
    expect(r.code).toBe(2);
    const doc = jsonDoc(r);
    expect(doc).toMatchObject({ ok: false, exitCode: 2, error: { code: 'cli/usage' } });
  });

  it('unknown option and missing argument: exit 2', () => {
    expect(cli(['info', './db', '--bogus'], { cwd }).code).toBe(2);
    const r = cli(['pull', './db'], { cwd });
    expect(r.code).toBe(2);
    expect(oneLineError(r.stderr)).toContain("missing required argument 'pattern'");
  });

  it('a group without its subcommand: exit 2', () => {
    const r = cli(['norm'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error cli\/usage: datomkit norm needs a subcommand/);
    const none = cli([], { cwd });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^Usage: datomkit /);
    expect(none.stderr).toMatch(/error cli\/usage: datomkit needs a command/);
  });

  it('missing database: exit 1, db/not-found, says how to create it, no stack', () => {
    const r = cli(['info', 'file:./no-such-db'], { cwd });
    expect(r.code).toBe(1);
    const line = oneLineError(r.stderr);
    expect(line).toMatch(/^error db\/not-found: No database at .*no-such-db\. → Create it with `datomkit create file:\.\/no-such-db`/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('--debug adds the stack trace', () => {
    const r = cli(['info', 'file:./no-such-db', '--debug'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\n\s+at /);
  });

  it('malformed EDN: exit 1, edn/syntax with line and column', () => {
    expect(cli(['create', 'file:./bad'], { cwd }).code).toBe(0);
    const r = cli(['transact', 'file:./bad'], { cwd, input: '[{:db/ident :a/b' });
    expect(r.code).toBe(1);
    expect(oneLineError(r.stderr)).toMatch(/^error edn\/syntax: standard input:1:\d+: /);
  });

  it('unknown attribute: exit 1, names the attribute', () => {
    const r = cli(['transact', 'file:./bad', '--json'], { cwd, input: '[{:no/such "x"}]' });
    expect(r.code).toBe(1);
    const doc = jsonDoc(r);
    expect(doc.error.code).toMatch(/unknown-attribute/);
    expect(doc.error.message).toContain(':no/such');
    expect(oneLineError(r.stderr)).toContain(':no/such');
  });

  it('an unsupported URI: db/uri, and the hint names every kind of database, PostgreSQL too', () => {
    const r = cli(['info', 'ftp://host/music'], { cwd });
    expect(r.code).toBe(1);
    const line = oneLineError(r.stderr);
    expect(line).toMatch(/^error db\/uri: /);
    for (const kind of ['file:./path', 'a plain path', 'postgres://user@host/dbname?name=music', 'mem://name']) expect(line.split('→')[1]).toContain(kind);
  });

  it('a bad index name: exit 2', () => {
    const r = cli(['datoms', 'file:./bad', 'evat'], { cwd });
    expect(r.code).toBe(2);
    expect(oneLineError(r.stderr)).toContain('eavt, aevt, avet, vaet');
  });
});

describe('database commands on a file database', () => {
  const db = 'file:./music';
  beforeAll(() => {
    writeFileSync(join(cwd, 'schema.edn'), SCHEMA_EDN);
  });

  it('create, then create again fails with db/exists unless --if-not-exists', () => {
    const r = cli(['create', db, '--json'], { cwd });
    expect(r.code).toBe(0);
    expect(jsonDoc(r)).toEqual({ ok: true, command: 'create', exitCode: 0, result: { uri: db, created: true } });
    expect(r.stderr).toBe('');
    const again = cli(['create', db], { cwd });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error db\/exists: /);
    expect(jsonDoc(cli(['create', db, '--if-not-exists', '--json'], { cwd })).result.created).toBe(false);
  });

  it('transact from a file and from standard input', () => {
    const s = cli(['transact', db, 'schema.edn'], { cwd });
    expect(s.code).toBe(0);
    expect(s.stdout).toBe('');
    expect(s.stderr).toMatch(/✓ 1 transaction, \d+ datoms; basis t 1/);
    const d = cli(['transact', db, '--json'], { cwd, input: DATA_EDN });
    expect(d.code).toBe(0);
    const doc = jsonDoc(d);
    expect(doc.result).toMatchObject({ transactions: 1, basisT: 2 });
    expect(doc.result.datoms).toBeGreaterThan(6);
  });

  it('info: identity, basis t, counts, attributes, size on disk', () => {
    const r = cli(['info', db, '--json'], { cwd });
    expect(r.code).toBe(0);
    const { result } = jsonDoc(r);
    expect(result.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.basisT).toBe(2);
    expect(result.datoms).toBeGreaterThan(10);
    expect(result.sizeOnDisk.bytes).toBeGreaterThan(0);
    const name = result.attributes.find((a: { ident: string }) => a.ident === ':artist/name');
    expect(name).toMatchObject({ valueType: 'string', cardinality: 'one', index: true, datoms: 1 });
    // A read command's result goes to stdout, so that it can be piped.
    const human = cli(['info', db], { cwd });
    expect(human.stderr).toBe('');
    expect(human.stdout).toMatch(/basis t\s+2/);
    expect(human.stdout).toMatch(/:artist\/tags\s+keyword\s+2/);
  });

  it('datoms: JSON values are keywords as ":a/b", bigints as strings, instants ISO', () => {
    const r = cli(['datoms', db, 'aevt', ':artist/born', '--json'], { cwd });
    expect(jsonDoc(r).result.datoms[0]).toMatchObject({ a: ':artist/born', v: '1933-02-21T00:00:00.000Z', added: true });
    const plays = jsonDoc(cli(['datoms', db, 'aevt', 'artist/plays', '--json'], { cwd })).result.datoms[0];
    expect(plays.v).toBe('12345678901234567890');
    const tags = jsonDoc(cli(['datoms', db, 'aevt', ':artist/tags', '--json'], { cwd })).result;
    expect(tags.datoms.map((d: { v: string }) => d.v).sort()).toEqual([':jazz', ':soul']);
    const e = tags.datoms[0].e as number;
    const byEntity = jsonDoc(cli(['datoms', db, 'eavt', String(e), '--json'], { cwd })).result;
    expect(byEntity.count).toBe(7);
    const limited = jsonDoc(cli(['datoms', db, 'eavt', String(e), '--limit', '2', '--json'], { cwd })).result;
    expect(limited).toMatchObject({ count: 2, truncated: true });
    const human = cli(['datoms', db, 'avet', ':artist/name', '"Nina Simone"'], { cwd });
    // The datoms on stdout, one a line (`| wc -l` counts them), the count on stderr.
    expect(human.stdout).toMatch(/^\[\d+ :artist\/name "Nina Simone" \d+ true\]\n$/);
    expect(human.stderr).toBe('1 datom\n');
    const tagLines = cli(['datoms', db, 'aevt', ':artist/tags'], { cwd });
    expect(tagLines.stdout.trimEnd().split('\n')).toHaveLength(2);
    expect(tagLines.stderr).toBe('2 datoms\n');
    // Plain text is a string, a bare ns/name an attribute: less shell quoting.
    expect(jsonDoc(cli(['datoms', db, 'avet', 'artist/name', 'Nina Simone', '--json'], { cwd })).result.count).toBe(1);
    const bad = cli(['datoms', db, 'avet', 'artist/name', '["unterminated'], { cwd });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error cli\/usage: Cannot read the component 2 /);
  });

  it('pull by lookup ref, and a pull of nothing', () => {
    const r = cli(['pull', db, '[:artist/name {:artist/type [:db/ident]} :artist/plays]', '[:artist/gid #uuid "6f1d3c1a-0000-4000-8000-000000000001"]', '--json'], { cwd });
    expect(r.code).toBe(0);
    expect(jsonDoc(r).result).toMatchObject({
      found: true,
      result: { 'artist/name': 'Nina Simone', 'artist/type': { 'db/ident': ':artist.type/person' }, 'artist/plays': '12345678901234567890' },
    });
    const human = cli(['pull', db, '[*]', '[:artist/gid #uuid "6f1d3c1a-0000-4000-8000-000000000001"]'], { cwd });
    expect(human.stdout).toContain(':artist/name "Nina Simone"');
    expect(human.stderr).toBe('');
    const none = cli(['pull', db, '[*]', '999999', '--json'], { cwd });
    expect(none.code).toBe(0);
    expect(jsonDoc(none).result).toMatchObject({ found: false, result: null });
  });

  it('log: transactions with t, tx, instant and datoms, --from/--to inclusive', () => {
    const r = cli(['log', db, '--from', '2', '--to', '2', '--json'], { cwd });
    const { result } = jsonDoc(r);
    expect(result.count).toBe(1);
    const [tx] = result.transactions;
    expect(tx.t).toBe(2);
    expect(tx.instant).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(tx.datoms.some((d: { a: string; v: unknown }) => d.a === ':artist/name' && d.v === 'Nina Simone')).toBe(true);
    const human = cli(['log', db, '--no-datoms'], { cwd });
    expect(human.stdout).toMatch(/^t 1 {2}tx \d+ {2}\S+ {2}\d+ datoms$/m);
    expect(human.stdout).toMatch(/^t 2 /m);
    expect(human.stderr).toBe('2 transactions\n');
  });

  it('gc removes superseded files and reports it', () => {
    // Each transact run opens the writer and leaves superseded snapshots behind.
    cli(['transact', db, '--json'], { cwd, input: '[{:artist/name "Ella"}] [{:artist/name "Billie"}]' });
    const before = jsonDoc(cli(['info', db, '--json'], { cwd })).result.sizeOnDisk;
    const r = cli(['gc', db, '--older-than', '0', '--json'], { cwd });
    expect(r.code).toBe(0);
    const { result } = jsonDoc(r);
    expect(Array.isArray(result.removed)).toBe(true);
    expect(result.sizeOnDisk.files).toBe(before.files - result.removed.length);
    // The database still reads the same after gc.
    expect(jsonDoc(cli(['datoms', db, 'aevt', ':artist/name', '--json'], { cwd })).result.count).toBe(3);
  });
});

describe('datomkit repair', () => {
  it('a database whose log was removed refuses to open until repaired, and the repair says what it did', () => {
    const db = 'file:./damaged';
    expect(cli(['create', db], { cwd }).code).toBe(0);
    expect(cli(['transact', db], { cwd, input: SCHEMA_EDN }).code).toBe(0);
    const dir = join(cwd, 'damaged');
    const root = JSON.parse(readFileSync(join(dir, 'root'), 'utf8')) as { logs: { name: string }[] };
    rmSync(join(dir, (root.logs[0] as { name: string }).name));
    const refused = cli(['info', db], { cwd });
    expect(refused.code).toBe(1);
    expect(oneLineError(refused.stderr)).toMatch(/^error storage\/missing: .*log-.* → Run `datomkit repair <db>`/);
    const r = cli(['repair', db, '--json'], { cwd });
    expect(r.code).toBe(0);
    const { result } = jsonDoc(r);
    expect(result.missing).toEqual([(root.logs[0] as { name: string }).name]);
    expect(result.dropped).toBe(0);
    expect(jsonDoc(cli(['info', db, '--json'], { cwd })).result.basisT).toBe(result.basisT);
    expect(jsonDoc(cli(['repair', db, '--json'], { cwd })).result.missing).toEqual([]);
  });
});
