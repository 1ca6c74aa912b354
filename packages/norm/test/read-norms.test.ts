import { isDatomError } from '@datomkit/datom-core';
import { describe, expect, it } from 'vitest';
import { compareNormIds, normId, readNorms } from '../src/index.js';
import { FIXTURES, tempFolder } from './helpers/temp-folder.js';

async function failure(p: Promise<unknown>): Promise<{ code: string; message: string; data: Record<string, unknown> }> {
  try {
    await p;
  } catch (err) {
    if (isDatomError(err)) return { code: err.code, message: err.message, data: { ...err.data } };
    throw err;
  }
  throw new Error('expected a failure');
}

describe('norm ids and order', () => {
  it('keeps the extension and turns spaces into dashes', () => {
    expect(normId('02 add occupation.edn')).toBe('02-add-occupation.edn');
    expect(normId('/x/y/001-a1-example.edn')).toBe('001-a1-example.edn');
  });

  it('sorts by code units, so 001..004 come before 01 and 02', () => {
    const ids = ['02-b.edn', '01-a.edn', '004-d.edn', '001-a.edn', 'B.edn', 'a.edn'];
    expect(ids.sort(compareNormIds)).toEqual(['001-a.edn', '004-d.edn', '01-a.edn', '02-b.edn', 'B.edn', 'a.edn']);
  });

  it('reads the naming-and-sorting fixture in Datahike order', async () => {
    const norms = await readNorms(`${FIXTURES}/naming-and-sorting-test`);
    expect(norms.map((n) => n.id)).toEqual([
      '001-a1-example.edn',
      '002-a2-example.edn',
      '003-tx-fn-test.edn',
      '004-tx-data-and-tx-fn-test.edn',
      '01-transact-basic-characters.edn',
      '02-add-occupation.edn',
    ]);
    expect(norms[0]?.txFn).toBe('datahike.norm.norm/neutral-fn');
    expect(norms[2]?.txData).toBeNull();
    expect(norms[5]?.relativePath).toBe('02 add occupation.edn');
  });
});

describe('discovery', () => {
  it('walks subfolders, keeps *.edn only and skips *checksums.edn', async () => {
    const dir = await tempFolder({
      'b/002-b.edn': '{:tx-data []}',
      'a/deeper/001-a.edn': '{:tx-data []}',
      '003-c.edn': '{:tx-data []}',
      'checksums.edn': '{}',
      'old-checksums.edn': '{}',
      'notes.md': '# not a norm',
      '004-upper.EDN': '{:tx-data []}',
      '005-e.edn.bak': '{}',
    });
    const norms = await readNorms(dir);
    expect(norms.map((n) => n.relativePath)).toEqual(['a/deeper/001-a.edn', 'b/002-b.edn', '003-c.edn']);
  });

  it('accepts an empty folder', async () => {
    expect(await readNorms(await tempFolder())).toEqual([]);
  });

  it('reads an empty or comment-only file as a norm with only its marker', async () => {
    const dir = await tempFolder({ '001-empty.edn': '', '002-comment.edn': ';; nothing yet\n' });
    const norms = await readNorms(dir);
    expect(norms.map((n) => [n.txData, n.txFn])).toEqual([
      [null, null],
      [null, null],
    ]);
    // nil hashes like {} once :tx-data and :tx-fn are selected from it.
    expect(norms[0]?.checksum.startsWith('be688838')).toBe(true);
  });

  it('ignores keys other than :tx-data and :tx-fn, for the checksum too', async () => {
    const dir = await tempFolder({
      '001-a.edn': '{:tx-data [] :norm :other :note "x"}',
      '002-a.edn': '{:tx-data []}',
    });
    const [a, b] = await readNorms(dir);
    expect(a?.checksum).toBe(b?.checksum);
  });
});

describe('bad input names the file', () => {
  it('a missing folder is norm/missing-folder', async () => {
    const f = await failure(readNorms('/nonexistent/migrations'));
    expect(f.code).toBe('norm/missing-folder');
    expect(f.message).toContain('/nonexistent/migrations');
  });

  it('malformed EDN is norm/edn with file, line and column', async () => {
    const dir = await tempFolder({ '001-ok.edn': '{:tx-data []}', '002-bad.edn': '{:tx-data\n [{:a 1}\n' });
    const f = await failure(readNorms(dir));
    expect(f.code).toBe('norm/edn');
    expect(String(f.data.file)).toMatch(/002-bad\.edn$/);
    expect(typeof f.data.line).toBe('number');
    expect(typeof f.data.column).toBe('number');
    expect(f.message).toMatch(/002-bad\.edn:\d+:\d+/);
  });

  it.each([
    ['a vector', '[{:db/ident :a}]', 'norm/not-a-map'],
    ['a string', '"norm"', 'norm/not-a-map'],
    ['tx-data as a map', '{:tx-data {:db/ident :a}}', 'norm/tx-data'],
    ['tx-data as a list', '{:tx-data ({:db/ident :a})}', 'norm/tx-data'],
    ['tx-data nil', '{:tx-data nil}', 'norm/tx-data'],
    ['tx-fn as a string', '{:tx-fn "my.app/f"}', 'norm/tx-fn'],
    ['tx-fn as a keyword', '{:tx-fn :my.app/f}', 'norm/tx-fn'],
    ['tx-fn unqualified', '{:tx-fn backfill}', 'norm/tx-fn'],
  ])('%s is %s', async (_what, text, code) => {
    const dir = await tempFolder({ '001-bad.edn': text });
    const f = await failure(readNorms(dir));
    expect(f.code).toBe(code);
    expect(String(f.data.file)).toMatch(/001-bad\.edn$/);
    expect(f.message).toContain('001-bad.edn');
  });

  it('two files with the same name in different subfolders are norm/duplicate-id', async () => {
    const dir = await tempFolder({ 'a/001-x.edn': '{:tx-data []}', 'b/001-x.edn': '{:tx-data []}' });
    const f = await failure(readNorms(dir));
    expect(f.code).toBe('norm/duplicate-id');
    expect(f.data.files).toHaveLength(2);
  });
});
