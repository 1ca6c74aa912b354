// The runnable examples (examples/*, other than the demo, which .ci/run runs as the main job) run as
// a user would start them, from the sources, and must end well and print what they promise.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO } from './doc-tests/doc-blocks.js';

const run = promisify(execFile);

/** Runs an example's script with tsx and the source condition, as its `start` script does. */
async function example(dir: string, script: string, env: Record<string, string> = {}): Promise<string> {
  const tsx = join(REPO, 'node_modules', '.bin', 'tsx');
  const { stdout } = await run(tsx, ['--conditions=@datomkit/source', join('src', script)], {
    cwd: join(REPO, 'examples', dir),
    timeout: 120_000,
    env: { ...process.env, ...env },
  });
  return stdout;
}

describe('examples', () => {
  it('backups: physical backups listed, verified and restored as of a t; a file backup replayed; an export', async () => {
    const out = await example('backups', 'backups.ts');
    expect(out).toMatch(/backup points: t \d+ \(\d+ bytes\), t \d+ \(\d+ bytes more\)/);
    expect(out).toContain('verify: every blob of every point is there and matches its checksum');
    expect(out).toMatch(/restore-backup --t \d+: equal to the source as of that t/);
    expect(out).toMatch(/restoreDb replayed 3: equal to the source/);
    expect(out).toMatch(/export: \d+ datoms/);
  }, 120_000);

  // .ci/run starts a PostgreSQL server and sets DATOMKIT_TEST_PG; without one this example cannot run.
  it.skipIf(process.env.DATOMKIT_TEST_PG === undefined)('shared-postgres: a second writer in another process is refused; that process hears the commit', async () => {
    const out = await example('shared-postgres', 'shared-postgres.ts', { DATABASE_URL: process.env.DATOMKIT_TEST_PG as string });
    expect(out).toMatch(/a second writer, in the other process: refused \(db\/locked\)/);
    expect(out).toMatch(/the reader process heard "Nina Simone" \d+ ms after the commit/);
  }, 120_000);

  it('clone-scrubbed: a scrubbed clone caught up through the same pipeline', async () => {
    const out = await example('clone-scrubbed', 'clone-scrubbed.ts');
    expect(out).toMatch(/initial copy: \d+ datoms/);
  }, 120_000);
});
