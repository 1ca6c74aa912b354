// Entry point of `pnpm bench`: collects the cases of every group under cases/, runs those that
// BENCH_FILTER selects, prints the table and writes results/latest.json and latest.md.
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { datascriptWorkloadCases } from './cases/datascript-workload.js';
import { restoreCases } from './cases/restore.js';
import { durableCases } from './cases/durable.js';
import { postgresCases } from './cases/postgres.js';
import { scaleCases } from './cases/scale.js';
import { sqliteCases } from './cases/sqlite.js';
import { queryCases } from './cases/query.js';
import { backupCases } from './cases/backup.js';
import { type BenchCase, type CaseResult, filterCases, gc, runCase } from './harness.js';
import { makeReport, textTable, writeReport } from './report.js';

/** Every group of cases. Add a group (durable storage, restore, the 10M scale run) here. */
const GROUPS: readonly (() => BenchCase[] | Promise<BenchCase[]>)[] = [datascriptWorkloadCases, durableCases, restoreCases, scaleCases, sqliteCases, queryCases, postgresCases, backupCases];

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${name} must be a non-negative integer, got ${raw}`);
  return n;
}

async function main(): Promise<void> {
  const runs = Math.max(1, envInt('BENCH_RUNS', 5));
  const warmup = envInt('BENCH_WARMUP', 2);
  const filter = process.env.BENCH_FILTER?.trim() || null;
  const loadAverageAtStart = loadavg().map((x) => Math.round(x * 100) / 100);
  if (gc === null) console.warn('warning: node was started without --expose-gc; runs are not preceded by a full GC');

  const all = (await Promise.all(GROUPS.map((g) => g()))).flat();
  const cases = filterCases(all, filter ?? undefined);
  if (cases.length === 0) throw new Error(`BENCH_FILTER=${filter} matches none of: ${all.map((c) => c.name).join(', ')}`);

  console.log(`running ${cases.length} case(s): ${warmup} warm-up + ${runs} measured runs per side`);
  const results: CaseResult[] = [];
  for (const c of cases) results.push(await runCase(c, { warmup, runs, log: (l) => console.log(l) }));

  const report = makeReport(results, { warmup, runs, gcExposed: gc !== null, filter, loadAverageAtStart });
  console.log(`\n${textTable(report)}\n`);
  // A filtered run is a partial picture: it goes to results/tmp/ (not committed), never over latest.
  const dir = filter === null ? '../results/' : '../results/tmp/';
  const json = fileURLToPath(new URL(`${dir}latest.json`, import.meta.url));
  const md = fileURLToPath(new URL(`${dir}latest.md`, import.meta.url));
  writeReport(report, json, md);
  console.log(`wrote ${json} and ${md}`);
}

await main();
