import * as core from '@datomkit/datom-core';
import { describe, expect, it } from 'vitest';
import * as umbrella from '../src/index.js';
import * as backup from '../src/backup.js';
import * as norm from '../src/norm.js';
import * as restore from '../src/restore.js';

describe('umbrella package', () => {
  it('re-exports every name of the core', () => {
    for (const name of Object.keys(core)) expect(umbrella).toHaveProperty(name);
  });
  it('re-exports the query API', async () => {
    const query = await import('@datomkit/query');
    for (const name of ['q', 'query', 'explain'] as const) expect(umbrella[name]).toBe(query[name]);
  });
  it('exposes restore, norm and backup as subpaths', () => {
    expect(Object.keys(restore).length).toBeGreaterThan(0);
    expect(Object.keys(norm).length).toBeGreaterThan(0);
    expect(backup).toHaveProperty('backupDb');
    expect(backup).toHaveProperty('restoreDb');
  });
});
