import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, expect, it } from 'vitest';
import { parseLog } from '../src/engine/log-record.js';
import { connect, createDatabase, kw } from '../src/index.js';

// The durable store encodes the log records of small commits in one buffer it keeps (reset for
// each commit, replaced once a large value has grown it) and those of large commits in a buffer of
// their own. The log is read back from a copy of the directory taken while the writer is open
// (no checkpoint on close, as after a crash), so every transaction comes from its own record.
const root = mkdtempSync(join(tmpdir(), 'datomkit-log-writer-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

it('each commit, small or large or small with a large value, is its own whole record in the log', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.oneof(
          fc.integer({ min: 1, max: 4 }).map((k) => ({ count: k, size: 8 })),
          fc.constant({ count: 1, size: 70_000 }),
          fc.integer({ min: 257, max: 400 }).map((k) => ({ count: k, size: 8 })),
        ),
        { minLength: 1, maxLength: 8 },
      ),
      async (commits) => {
        const dir = join(root, `db-${++n}`);
        await createDatabase(dir);
        const conn = await connect(dir);
        await conn.transact([{ 'db/ident': kw('item/name'), 'db/valueType': kw('db.type/string'), 'db/cardinality': kw('db.cardinality/one') }]);
        const expected: string[] = [];
        for (const [i, { count, size }] of commits.entries()) {
          const names = Array.from({ length: count }, (_, j) => `${i}.${j}.`.padEnd(size, 'v'));
          await conn.transact(names.map((name) => ({ 'item/name': name })));
          expected.push(...names);
        }
        const log: number[] = [];
        for await (const e of conn.txRange()) log.push(e.data.length);
        const copy = `${dir}-copy`;
        cpSync(dir, copy, { recursive: true });
        rmSync(join(copy, 'LOCK'), { force: true });
        await conn.close();
        // The log holds one record per transaction, in order, each with its own datoms (the schema
        // transaction's and one per commit; a record repeated would be skipped on open unseen).
        const logFile = join(copy, readdirSync(copy).find((f) => f.startsWith('log-')) as string);
        const parsed = parseLog(readFileSync(logFile), logFile);
        expect(parsed.records.map((r) => r.t)).toEqual(log.map((_, i) => i + 1).slice(-parsed.records.length));
        expect(parsed.records.slice(-commits.length).map((r) => r.datoms.length)).toEqual(commits.map((c) => c.count + 1));
        const again = await connect(copy, { readOnly: true });
        const names = (await again.db().datoms('aevt', 'item/name').toArray()).map((d) => d.v as string);
        expect(names.sort()).toEqual(expected.sort());
        const log2: number[] = [];
        for await (const e of again.txRange()) log2.push(e.data.length);
        expect(log2).toEqual(log);
        await again.close();
      },
    ),
    { numRuns: 12 },
  );
});
