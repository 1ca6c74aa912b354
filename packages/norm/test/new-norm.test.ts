import { readFile } from 'node:fs/promises';
import { isDatomError } from '@datomkit/datom-core';
import { describe, expect, it } from 'vitest';
import { newNorm, readNorms } from '../src/index.js';
import { copyFixture, tempFolder } from './helpers/temp-folder.js';

describe('newNorm', () => {
  it('starts at 001 in an empty folder and writes a valid norm', async () => {
    const dir = await tempFolder();
    const { id, file } = await newNorm(dir, 'Add release rating');
    expect(id).toBe('001-add-release-rating.edn');
    expect(await readFile(file, 'utf8')).toContain('{:tx-data []}');
    expect((await readNorms(dir)).map((n) => n.id)).toEqual([id]);
  });

  it('follows the last norm in apply order, keeping its width', async () => {
    const dir = await tempFolder({ '001-a.edn': '', 'sub/009-b.edn': '' });
    expect((await newNorm(dir, 'c')).id).toBe('010-c.edn');
  });

  it('numbers after 01/02 in the Datahike folder, so the new norm sorts last', async () => {
    const dir = await copyFixture('naming-and-sorting-test');
    const { id } = await newNorm(dir, 'next step');
    expect(id).toBe('03-next-step.edn');
    expect((await readNorms(dir)).at(-1)?.id).toBe(id);
  });

  it('refuses a number that would sort before the last norm', async () => {
    const dir = await tempFolder({ '99-last.edn': '' });
    await expect(newNorm(dir, 'x')).rejects.toSatisfy((e: unknown) => isDatomError(e, 'norm/numbering'));
  });

  it('refuses when the last norm has no number, and an empty name', async () => {
    await expect(newNorm(await tempFolder({ 'zz.edn': '' }), 'x')).rejects.toSatisfy((e: unknown) =>
      isDatomError(e, 'norm/numbering'),
    );
    await expect(newNorm(await tempFolder(), '  ')).rejects.toSatisfy((e: unknown) => isDatomError(e, 'norm/name'));
  });
});
