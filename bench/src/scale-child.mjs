// Opens a database read-only in a fresh process (a directory, or any database URI), pulls random
// entities, and reports what it cost: open time, resident memory after the pulls. Run by
// cases/scale.ts and cases/postgres.ts with plain `node`: it is JavaScript so that no loader runs
// beside it. Under tsx, the loader's own thread and what it keeps of every module it loads (the
// 340 KB bundle of datom-core and its source map) added about 70 MB to the process measured.
import * as core from '@datomkit/datom-core';

const [dir, pullsText, maxText] = process.argv.slice(2);
const pulls = Number(pullsText);
const t0 = performance.now();
const conn = await core.connect(/^[a-z][a-z0-9+.-]*:/i.test(dir) ? dir : `file:${dir}`, { readOnly: true });
const openMs = performance.now() - t0;
const db = conn.db();
const first = core.FIRST_USER_EID;
// The largest entity id, from the process that built the database.
const max = Number(maxText);
let seed = 12345;
let found = 0;
const t1 = performance.now();
for (let i = 0; i < pulls; i++) {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  const e = first + (seed % (max - first + 1));
  if ((await db.pull(['*'], e)) !== null) found++;
}
const pullMs = performance.now() - t1;
process.stdout.write(`${JSON.stringify({ openMs, pullMs, found, rssMb: process.memoryUsage().rss / 2 ** 20 })}\n`);
await conn.close();
