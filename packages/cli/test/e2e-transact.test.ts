import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, jsonDoc, tempDir } from './helpers.js';

// A file of several transactions, run by the built binary against file databases.
const tmp = tempDir();
const cwd = tmp.dir;
afterAll(() => tmp.cleanup());

const SCHEMA = `[{:db/ident :user/email :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/value}
 {:db/ident :user/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one}]`;
const ANN = '[{:user/email "ann@x" :user/name "Ann"}]';
const BOB = '[{:user/email "bob@x" :user/name "Bob"}]';
const CAT = '[{:user/email "cat@x" :user/name "Cat"}]';
/** Fails only after ANN is in: a second entity with Ann's unique email. */
const ANN_AGAIN = '[{:user/email "ann@x" :user/name "Ann Again"}]';

/** Each transaction on a line of its own, after a comment line: transaction n starts on line 2n. */
function txFile(name: string, txs: readonly string[]): void {
  writeFileSync(join(cwd, name), txs.map((tx, i) => `; transaction ${i + 1}\n${tx.replace(/\n\s*/g, ' ')}\n`).join(''));
}

function basisT(db: string): number {
  return jsonDoc(cli(['info', db, '--json'], { cwd })).result.basisT;
}

function names(db: string): string[] {
  const r = cli(['datoms', db, 'aevt', ':user/name', '--json'], { cwd });
  return jsonDoc(r).result.datoms.map((d: { v: string }) => d.v);
}

beforeAll(() => {
  for (const db of ['plain', 'json', 'atomic', 'atomic-ok']) expect(cli(['create', `file:./${db}`], { cwd }).code).toBe(0);
  txFile('users.edn', [SCHEMA, ANN, ANN_AGAIN, BOB, CAT]);
  txFile('users-fixed.edn', [SCHEMA, ANN, BOB, CAT]);
});

describe('transact of a file whose third transaction fails', () => {
  it('says which transaction failed (number, line, error code), how many are committed, and the --skip that resumes', () => {
    const r = cli(['transact', 'file:./plain', 'users.edn'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error transact\/unique: Transaction 3 of 5 \(users\.edn line 6\) failed: .*ann@x.*\. The 2 transactions before it are committed, the rest are not\. → /);
    expect(lines[0]).toMatch(/Fix it, then resume with: datomkit transact file:\.\/plain users\.edn --skip 2$/);
    expect(basisT('file:./plain')).toBe(2);
    // The resume, with the failing transaction fixed (here: left out of the file's copy).
    txFile('users-resume.edn', [SCHEMA, ANN, BOB, CAT]);
    const rest = cli(['transact', 'file:./plain', 'users-resume.edn', '--skip', '2', '--json'], { cwd });
    expect(rest.code).toBe(0);
    expect(jsonDoc(rest).result).toMatchObject({ transactions: 2, skipped: 2, atomic: false, basisT: 4 });
    expect(names('file:./plain')).toEqual(['Ann', 'Bob', 'Cat']);
  });

  it('--json: the error has the library code and data with transaction, line, committed, total and resume', () => {
    const r = cli(['transact', 'file:./json', 'users.edn', '--json'], { cwd });
    expect(r.code).toBe(1);
    const doc = jsonDoc(r);
    expect(doc).toMatchObject({ ok: false, command: 'transact', exitCode: 1 });
    expect(doc.error.code).toBe('transact/unique');
    expect(doc.error.data).toMatchObject({
      transaction: 3,
      line: 6,
      file: 'users.edn',
      committed: 2,
      total: 5,
      atomic: false,
      resume: 'datomkit transact file:./json users.edn --skip 2',
      attribute: expect.stringContaining('user/email'),
    });
    expect(doc.error.hint).toContain('--skip 2');
  });

  it('from standard input, the resume names a file to write it to', () => {
    expect(cli(['create', 'file:./piped'], { cwd }).code).toBe(0);
    const r = cli(['transact', 'file:./piped'], { cwd, input: `${SCHEMA}\n${ANN}\n${ANN_AGAIN}` });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Transaction 3 of 3 \(standard input line 4\) failed: .*resume with: datomkit transact file:\.\/piped <file> --skip 2$/m);
  });
});

describe('transact --atomic', () => {
  it('commits nothing when a transaction fails, even one that fails only because of those before it', () => {
    const r = cli(['transact', 'file:./atomic', 'users.edn', '--atomic'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error transact\/unique: Transaction 3 of 5 \(users\.edn line 6\) failed: .*\. With --atomic nothing was committed\. → .*Fix it and run the same command again\.$/m);
    expect(basisT('file:./atomic')).toBe(0);
    const json = jsonDoc(cli(['transact', 'file:./atomic', 'users.edn', '--atomic', '--json'], { cwd }));
    expect(json.error).toMatchObject({ code: 'transact/unique', data: { transaction: 3, line: 6, committed: 0, total: 5, atomic: true } });
    expect(json.error.data.resume).toBeUndefined();
    expect(basisT('file:./atomic')).toBe(0);
  });

  it('commits every transaction, in order, when all pass: a schema and the data that uses it', () => {
    // The data cannot be in one transaction with the schema that installs its attributes.
    const r = cli(['transact', 'file:./atomic-ok', 'users-fixed.edn', '--atomic', '--json'], { cwd });
    expect(r.code).toBe(0);
    expect(jsonDoc(r).result).toMatchObject({ transactions: 4, skipped: 0, atomic: true, basisT: 4 });
    expect(names('file:./atomic-ok')).toEqual(['Ann', 'Bob', 'Cat']);
  });

  it('with --skip, checks and commits only the rest of the file', () => {
    expect(cli(['create', 'file:./atomic-skip'], { cwd }).code).toBe(0);
    expect(cli(['transact', 'file:./atomic-skip', 'users-fixed.edn', '--atomic'], { cwd, env: {} }).code).toBe(0);
    const again = cli(['transact', 'file:./atomic-skip', 'users-fixed.edn', '--atomic', '--skip', '4', '--json'], { cwd });
    expect(jsonDoc(again).result).toMatchObject({ transactions: 0, skipped: 4 });
    const dup = cli(['transact', 'file:./atomic-skip', 'users-fixed.edn', '--atomic', '--skip', '1'], { cwd });
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/Transaction 2 of 4 \(users-fixed\.edn line 4\) failed/);
    expect(basisT('file:./atomic-skip')).toBe(4);
  });
});
