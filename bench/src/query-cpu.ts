// CPU time of the query cases on both sides, and their ratio: `pnpm query-cpu` (QUERY_CPU_RUNS
// calls per side, 40 by default, after as many warm-up calls). See queryCpuTimes.
import { queryCpuTimes } from './cases/query.js';

const runs = Number(process.env.QUERY_CPU_RUNS ?? 40);
const rows = await queryCpuTimes(runs, runs);
console.log('case            datascript ms  datomkit ms  datascript/datomkit');
for (const r of rows) console.log(`${r.name.padEnd(16)}${r.datascript.toFixed(2).padStart(13)}${r.datomkit.toFixed(2).padStart(13)}${`${(r.datascript / r.datomkit).toFixed(1)}x`.padStart(21)}`);
process.exit(0);
