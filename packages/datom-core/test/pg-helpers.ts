// The PostgreSQL server the tests use: DATOMKIT_TEST_PG (see .ci/start-postgres.sh). Without it
// the PostgreSQL tests are skipped with a note, except on CI, which must always run them.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe } from 'vitest';

/** The test server's URI, without a `name`, or undefined. */
export const PG_URL = process.env.DATOMKIT_TEST_PG;
/** The script that runs pg_ctl on the test server (for restarts), or undefined. */
export const PG_CTL = process.env.DATOMKIT_TEST_PG_CTL;

if (PG_URL === undefined) {
  if (process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false') {
    throw new Error('DATOMKIT_TEST_PG is not set: CI must start PostgreSQL (.ci/start-postgres.sh) before the tests');
  }
  console.warn('PostgreSQL tests skipped: DATOMKIT_TEST_PG is not set (start one with: eval "$(bash .ci/start-postgres.sh)")');
}

/** `describe`, skipped when no test server is set. */
export function describePg(name: string, fn: () => void): void {
  describe.skipIf(PG_URL === undefined)(name, fn);
}

/** A prefix for database names unique to this run, so runs against one server do not meet. */
const prefix = `t${process.pid.toString(36)}${Date.now().toString(36)}`;
let counter = 0;

/** The URI of a new database name on the test server (nothing created yet). */
export function pgUri(label = 'db'): string {
  const url = new URL(PG_URL ?? 'postgres://localhost/none');
  url.searchParams.set('name', `${prefix}-${label}-${++counter}`);
  return url.toString();
}

/** Removes this run's rows from the test server after the file's tests. */
export function cleanUpPgAfterAll(): void {
  afterAll(async () => {
    if (PG_URL === undefined) return;
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    try {
      for (const t of ['datomkit_roots', 'datomkit_blobs', 'datomkit_logs', 'datomkit_locks']) {
        await c.query(`DELETE FROM ${t} WHERE name LIKE $1`, [`${prefix}-%`]).catch(() => undefined);
      }
    } finally {
      await c.end();
    }
  });
}

/** A PostgreSQL server of the test's own (so that restarting it disturbs no other test file). */
export interface PrivatePostgres {
  /** Its URI, without a `name`. */
  readonly url: string;
  /** Runs pg_ctl on it with `args` (e.g. `restart -m immediate`). */
  ctl(...args: string[]): void;
  /** Stops it and removes its files. */
  stop(): void;
}

/** Starts a private server with .ci/start-postgres.sh (PostgreSQL must be installed). */
export function startPrivatePostgres(): PrivatePostgres {
  const script = fileURLToPath(new URL('../../../.ci/start-postgres.sh', import.meta.url));
  const out = execFileSync('bash', [script], { encoding: 'utf8' });
  const value = (name: string): string => {
    const m = new RegExp(`^export ${name}=(.*)$`, 'm').exec(out);
    if (m === null) throw new Error(`start-postgres.sh printed no ${name}: ${out}`);
    return m[1] as string;
  };
  const url = value('DATOMKIT_TEST_PG');
  const ctlPath = value('DATOMKIT_TEST_PG_CTL');
  const ctl = (...args: string[]): void => {
    execFileSync(ctlPath, args, { stdio: 'ignore' });
  };
  return {
    url,
    ctl,
    stop: () => {
      try {
        ctl('stop', '-m', 'immediate');
      } finally {
        rmSync(dirname(ctlPath), { recursive: true, force: true });
      }
    },
  };
}
