import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isDatomError } from '@datomkit/datom-core';
import { describe, expect, it } from 'vitest';
import { readChecksumsFile, readNorms, updateChecksums, verifyChecksums } from '../src/index.js';
import { FIXTURES, copyFixture, tempFolder } from './helpers/temp-folder.js';

const FOLDERS = [
  'simple-test',
  'tx-fn-test/first',
  'tx-fn-test/second',
  'tx-data-and-tx-fn-test/first',
  'tx-data-and-tx-fn-test/second',
  'naming-and-sorting-test',
];

describe("Datahike's stored checksums", () => {
  it('reproduces all 15 checksums committed in the four fixture folders', async () => {
    let count = 0;
    for (const folder of FOLDERS) {
      const dir = join(FIXTURES, folder);
      const stored = await readChecksumsFile(dir);
      const computed = new Map((await readNorms(dir)).map((n) => [n.id, n.checksum]));
      expect(computed, folder).toEqual(stored);
      expect((await verifyChecksums(dir)).ok, folder).toBe(true);
      count += stored.size;
    }
    expect(count).toBe(15);
  });

  it('writes checksums.edn byte for byte as Datahike committed it', async () => {
    for (const folder of FOLDERS) {
      const dir = await copyFixture(folder);
      const committed = await readFile(join(dir, 'checksums.edn'), 'utf8');
      await rm(join(dir, 'checksums.edn'));
      const { checksums } = await updateChecksums(dir);
      expect(await readFile(join(dir, 'checksums.edn'), 'utf8'), folder).toBe(committed);
      expect(checksums.size).toBeGreaterThan(0);
    }
  });
});

describe('verifyChecksums is an exact two-way comparison', () => {
  it('reports a new file, a deleted file and an edited file', async () => {
    const dir = await copyFixture('naming-and-sorting-test');
    await writeFile(join(dir, '05-new.edn'), '{:tx-data []}');
    await rm(join(dir, '003-tx-fn-test.edn'));
    await writeFile(join(dir, '01-transact-basic-characters.edn'), '{:tx-data [{:character/name "Bart Simpson"}]}');
    const v = await verifyChecksums(dir);
    expect(v.ok).toBe(false);
    expect(v.added).toEqual(['05-new.edn']);
    expect(v.missing).toEqual(['003-tx-fn-test.edn']);
    expect(v.changed.map((c) => c.id)).toEqual(['01-transact-basic-characters.edn']);
    expect(v.changed[0]?.recorded.startsWith('7e826c77')).toBe(true);
  });

  it('is not fooled by layout, comments or key order', async () => {
    const dir = await copyFixture('simple-test');
    await writeFile(
      join(dir, '002-a2-example.edn'),
      ';; reformatted\n{:tx-data [{:db/cardinality :db.cardinality/one, :db/valueType :db.type/string\n' +
        ':db/unique :db.unique/identity :db/ident :character/name :db/doc "Simpsons character name"}]}',
    );
    expect((await verifyChecksums(dir)).ok).toBe(true);
  });

  it('passes for no norms and {}', async () => {
    const dir = await tempFolder({ 'checksums.edn': '{}\n' });
    expect((await verifyChecksums(dir)).ok).toBe(true);
  });

  it('fails with norm/missing-checksums when there is no checksums.edn', async () => {
    const dir = await tempFolder({ '001-a.edn': '{:tx-data []}' });
    await expect(verifyChecksums(dir)).rejects.toSatisfy((e: unknown) => isDatomError(e, 'norm/missing-checksums'));
  });

  it('reads a checksums file whose keys start with a digit after updateChecksums wrote it', async () => {
    const dir = await tempFolder({ '10-b.edn': '{:tx-data []}', '9-a.edn': '{:tx-fn my.app/f}' });
    await updateChecksums(dir);
    const text = await readFile(join(dir, 'checksums.edn'), 'utf8');
    expect(text.indexOf(':10-b.edn')).toBeLessThan(text.indexOf(':9-a.edn'));
    expect((await verifyChecksums(dir)).ok).toBe(true);
  });

  it('updateChecksums writes {} for an empty folder and fails for a missing one', async () => {
    const dir = await tempFolder();
    await updateChecksums(dir);
    expect(await readFile(join(dir, 'checksums.edn'), 'utf8')).toBe('{}\n');
    await expect(updateChecksums(join(dir, 'nope'))).rejects.toSatisfy((e: unknown) =>
      isDatomError(e, 'norm/missing-folder'),
    );
  });
});
