import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connect, createDatabase, isDatomError, kw, PgBlobStore } from '../src/index.js';
import { checkBatches, startWriter, until } from './durable-helpers.js';
import { describePg, type PrivatePostgres, startPrivatePostgres } from './pg-helpers.js';

// Faults of a database kept in PostgreSQL: connections dropped in the middle of a commit, and the
// server restarted at once (`pg_ctl restart -m immediate`, as after a crash) while a writer works.
// The tests restart the server, so they run on a private one.
/** How long the restart test waits for the writer to go on after each restart. */
const RESTART_WAIT_MS = 45_000;

describePg('PostgreSQL faults', () => {
  let server: PrivatePostgres;
  // initdb and a start take a few seconds, more on a loaded machine.
  beforeAll(() => {
    server = startPrivatePostgres();
  }, 120_000);
  afterAll(async () => {
    await PgBlobStore.closeAll();
    server?.stop();
  }, 60_000);
  let n = 0;
  const uriOf = (label: string): string => `${server.url}?name=${label}-${++n}`;

  /** Runs `sql` on a connection of its own. */
  async function admin<R extends pg.QueryResultRow>(sql: string, values: unknown[] = []): Promise<R[]> {
    const c = new pg.Client({ connectionString: server.url });
    await c.connect();
    try {
      return (await c.query<R>(sql, values)).rows;
    } finally {
      await c.end();
    }
  }

  it('a connection dropped during a commit fails that commit and leaves the database usable', async () => {
    const uri = uriOf('drop');
    await createDatabase(uri);
    const conn = await connect(uri);
    await conn.transact([{ 'db/ident': kw('item/n'), 'db/valueType': kw('db.type/long'), 'db/cardinality': kw('db.cardinality/one') }]);
    await conn.transact([{ 'item/n': 1 }]);
    const writerPid = (await admin<{ backend_pid: number }>('SELECT backend_pid FROM datomkit_locks WHERE name = $1', [new URL(uri).searchParams.get('name')]))[0]?.backend_pid;
    expect(writerPid).toBeTypeOf('number');

    // Hold the log table so that the next append waits in the server, then drop its connection.
    const blocker = new pg.Client({ connectionString: server.url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE datomkit_logs IN EXCLUSIVE MODE');
    const failing = conn.transact([{ 'item/n': 2 }]).then(
      () => null,
      (e: unknown) => e,
    );
    const waiting = async (): Promise<boolean> =>
      (await admin("SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'", [writerPid])).length > 0;
    for (let i = 0; i < 500 && !(await waiting()); i++) await new Promise((r) => setImmediate(r));
    expect(await waiting()).toBe(true);
    await admin('SELECT pg_terminate_backend($1)', [writerPid]);
    await blocker.query('ROLLBACK');
    await blocker.end();
    const err = await failing;
    expect(isDatomError(err, 'storage/io'), String(err)).toBe(true);

    // The connection goes on: the lock is taken again in a new session, the next commits land.
    expect(await conn.db().datoms('aevt', 'item/n').count()).toBe(1);
    await conn.transact([{ 'item/n': 3 }]);
    await conn.transact([{ 'item/n': 4 }]);
    await conn.close();
    const again = await connect(uri, { readOnly: true });
    expect((await again.db().datoms('aevt', 'item/n').toArray()).map((d) => d.v)).toEqual([1, 3, 4]);
    await again.close();
  });

  it('a second writer anywhere gets db/locked naming the holder; a writer whose session was lost while another wrote is refused', async () => {
    const uri = uriOf('lock');
    await createDatabase(uri);
    const holder = startWriter(uri, 'hold');
    try {
      await holder.ready;
      const err = await connect(uri).catch((e: unknown) => e);
      expect(isDatomError(err, 'db/locked')).toBe(true);
      expect((err as { data: { owner: string } }).data.owner).toMatch(new RegExp(`^${holder.child.pid}@`));
    } finally {
      holder.child.kill('SIGKILL');
      await holder.exited;
    }
    // The killed writer's lock went with its connection.
    const conn = await connect(uri);
    await conn.transact([{ 'db/ident': kw('item/n'), 'db/valueType': kw('db.type/long'), 'db/cardinality': kw('db.cardinality/one') }]);
    const name = new URL(uri).searchParams.get('name');
    const [{ backend_pid: pid }] = (await admin<{ backend_pid: number }>('SELECT backend_pid FROM datomkit_locks WHERE name = $1', [name])) as [{ backend_pid: number }];
    // Its session is dropped; another process takes the lock and writes before this one comes back.
    await admin('SELECT pg_terminate_backend($1)', [pid]);
    const other = startWriter(uri, 'run');
    try {
      await other.ready;
      await until(() => other.acked() >= 1, 20_000, other.describe);
    } finally {
      other.child.kill('SIGKILL');
      await other.exited;
    }
    const late = await conn.transact([{ 'item/n': 1 }]).catch((e: unknown) => e);
    expect(isDatomError(late, 'storage/io') || isDatomError(late, 'db/locked'), String(late)).toBe(true);
    expect((late as Error).message).toMatch(/another writer/i);
    // Closing writes no checkpoint either (the transactions are in the log all the same).
    await conn.close().catch((e: unknown) => expect(isDatomError(e, 'db/locked'), String(e)).toBe(true));
  });

  it('loses no acknowledged transaction and none in part across 5 immediate restarts of PostgreSQL under load', async () => {
    const uri = uriOf('restart');
    const writer = startWriter(uri, 'retry');
    try {
      await writer.ready;
      // PostgreSQL's crash recovery and the writer's reconnect take seconds; on a loaded 2-core CI
      // machine, more than once more than 20 s. A wait ends as soon as the writer has gone on.
      for (let i = 0; i < 5; i++) {
        const before = writer.acked();
        await until(() => writer.acked() >= before + 20, RESTART_WAIT_MS, () => `after restart ${i}: ${writer.describe()}`);
        server.ctl('restart', '-m', 'immediate');
      }
      // The writer goes on after the last restart.
      const after = writer.acked();
      await until(() => writer.acked() >= after + 20, RESTART_WAIT_MS, () => `after the last restart: ${writer.describe()}`);
    } finally {
      writer.child.kill('SIGKILL');
      await writer.exited;
    }
    const acked = writer.acked();
    const conn = await connect(uri, { readOnly: true });
    const m = await checkBatches(conn.db());
    expect(m, `acknowledged ${acked}, found ${m}`).toBeGreaterThanOrEqual(acked);
    await conn.close();
  }, 7 * RESTART_WAIT_MS);
});
